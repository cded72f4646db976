"""The two books a demo points to: *Dive into Deep Learning* and *Zefs Guide to Deep Learning*.

A demo names the d2l.ai section it reproduces in today's numbering, and in the numbering of
the 0.14 PDF edition where that differs (many learners read that edition), plus the chapter of
Zefs Guide that explains the same idea, where there is one. Chapter titles live here, once.
"""

from dataclasses import dataclass

D2L_URL = "https://d2l.ai"

# Today's d2l.ai (the 1.0 edition): chapter number -> title.
D2L_CHAPTERS = {
    "1": "Introduction",
    "2": "Preliminaries",
    "3": "Linear Neural Networks for Regression",
    "4": "Linear Neural Networks for Classification",
    "5": "Multilayer Perceptrons",
    "6": "Builders' Guide",
    "7": "Convolutional Neural Networks",
    "8": "Modern Convolutional Neural Networks",
    "9": "Recurrent Neural Networks",
    "10": "Modern Recurrent Neural Networks",
    "11": "Attention Mechanisms and Transformers",
    "12": "Optimization Algorithms",
    "13": "Computational Performance",
    "14": "Computer Vision",
    "15": "Natural Language Processing: Pretraining",
    "16": "Natural Language Processing: Applications",
    "17": "Reinforcement Learning",
    "18": "Gaussian Processes",
    "19": "Hyperparameter Optimization",
    "20": "Generative Adversarial Networks",
    "21": "Recommender Systems",
}

ZEFS_CHAPTERS = {
    2: "Machine Learning",
    3: "Neural Networks",
    4: "The rise of deep learning",
    5: "Computer vision and convolutional neural networks",
    6: "Natural language processing and sequential data",
    7: "Advanced techniques and practical considerations",
}


@dataclass(frozen=True)
class Section:
    number: str  # "12.3"
    title: str  # "Gradient Descent"

    def __post_init__(self) -> None:
        parts = self.number.split(".")
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            raise ValueError(f"a section number looks like 12.3, not {self.number!r}")

    @property
    def chapter(self) -> str:
        return self.number.split(".")[0]

    @property
    def sort_key(self) -> tuple[int, int]:
        chapter, section = self.number.split(".")
        return int(chapter), int(section)

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


@dataclass(frozen=True)
class BookSection:
    """A section of d2l.ai in today's numbering, and where the 0.14 PDF edition has it."""

    today: Section
    edition_0_14: Section | None = None  # None: the same number and title

    def __post_init__(self) -> None:
        if self.today.chapter not in D2L_CHAPTERS:
            raise ValueError(f"d2l.ai has no chapter {self.today.chapter}")

    @property
    def chapter_title(self) -> str:
        return D2L_CHAPTERS[self.today.chapter]

    @property
    def in_0_14(self) -> Section:
        return self.edition_0_14 or self.today


def d2l(number: str, title: str, *, edition_0_14: tuple[str, str] | None = None) -> BookSection:
    """`d2l("12.3", "Gradient Descent", edition_0_14=("11.3", "Gradient Descent"))`."""
    old = Section(*edition_0_14) if edition_0_14 else None
    return BookSection(Section(number, title), old)


@dataclass(frozen=True)
class ZefsChapter:
    """A chapter of Zefs Guide to Deep Learning and the part of it that covers the demo."""

    chapter: int
    topic: str

    def __post_init__(self) -> None:
        if self.chapter not in ZEFS_CHAPTERS:
            raise ValueError(f"Zefs Guide has no chapter {self.chapter}")

    @property
    def chapter_title(self) -> str:
        return ZEFS_CHAPTERS[self.chapter]

    def __str__(self) -> str:
        return f"Zefs Guide, ch. {self.chapter}: {self.topic}"
