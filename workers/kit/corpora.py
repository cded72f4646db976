"""The book's text corpora: *The Time Machine* (8.2) and the Penn Treebank (14.3).

Each is one file the book's `d2l.DATA_HUB` publishes with its SHA-1, fetched once by the
kit's verified downloader into `DATA_DIR/datasets/<corpus id>/` (or from the mirror that
DIVELAB_DATASETS_MIRROR names: `<mirror>/<corpus id>/<file name>`). When the machine is
offline and the file is not cached, a stand-in ships with Python itself: the English text of
its documentation topics (the standard library's `pydoc_data`, what `help("if")` prints),
labelled as such in the corpus's `note`, which a demo puts in its log and summary. A server
that answers with the wrong file is an error, not a reason to fall back.

    corpus = load_corpus(ctx, "time-machine")
    ctx.log(corpus.note)
"""

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from pydoc_data.topics import topics as pydoc_topics
from typing import Literal

from workers.context import JobContext
from workers.kit.download import Download, RemoteFile, Unavailable

CorpusId = Literal["time-machine", "ptb"]

D2L_DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"  # the book's DATA_URL


@dataclass(frozen=True)
class PublishedText:
    id: CorpusId
    title: str
    file: RemoteFile
    member: str | None  # the text's name inside the file when it is a zip archive
    size: str  # for the learner: how much a download costs


TIME_MACHINE = PublishedText(
    id="time-machine",
    title="The Time Machine (H. G. Wells)",
    file=RemoteFile("timemachine.txt", "sha1:090b5e7e70c295757f55df93cb0a180b9691891a"),
    member=None,
    size="174 KB",
)
PTB = PublishedText(
    id="ptb",
    title="Penn Treebank (training set)",
    file=RemoteFile("ptb.zip", "sha1:319d85e578af0cdc590547f26231e4e31cdf1e42"),
    member="ptb/ptb.train.txt",
    size="4.5 MB",
)
PUBLISHED: dict[CorpusId, PublishedText] = {text.id: text for text in (TIME_MACHINE, PTB)}

FALLBACK_TITLE = "Python's documentation topics (the standard library's pydoc_data)"


@dataclass(frozen=True)
class TextCorpus:
    """A corpus as the book reads it: its raw lines.

    `time-machine`: the file's lines, which a demo preprocesses as the book does. `ptb`: one
    sentence per line, lowercase words separated by single spaces (the stand-in is made in the
    same form), so `line.split()` gives the book's tokens.
    """

    id: CorpusId
    title: str
    lines: list[str]
    fallback: bool  # the offline stand-in, not the book's text
    note: str  # for the learner: which text, from where; for the stand-in, why and what to do


class CorpusUnavailable(RuntimeError):
    """A server answered with something that is not the published file."""


def download_of(text: PublishedText, mirror: str | None) -> Download:
    base = f"{mirror.rstrip('/')}/{text.id}/" if mirror else D2L_DATA_URL
    return Download(text.title, text.file, (base + text.file.name,))


def read_lines(text: PublishedText, path: Path) -> list[str]:
    if text.member is None:
        return path.read_text(encoding="utf-8").splitlines()
    with zipfile.ZipFile(path) as archive:
        return archive.read(text.member).decode("utf-8").splitlines()


def load_corpus(ctx: JobContext, corpus_id: CorpusId) -> TextCorpus:
    """The book's corpus `corpus_id`, downloaded once; offline, the labelled stand-in."""
    return load_text(ctx, PUBLISHED[corpus_id])


def load_text(ctx: JobContext, text: PublishedText) -> TextCorpus:
    folder = ctx.cache_dir("datasets", text.id)
    download = download_of(text, ctx.settings.datasets_mirror)
    try:
        path = ctx.download(download, folder)
    except Unavailable as unavailable:
        if not unavailable.offline:
            raise CorpusUnavailable(str(unavailable)) from None
        return stand_in(text, download, folder)
    return TextCorpus(
        text.id, text.title, read_lines(text, path), False, f"Text: {text.title}, from {path}."
    )


def stand_in(text: PublishedText, download: Download, folder: Path) -> TextCorpus:
    lines = documentation_lines() if text.id == "time-machine" else documentation_sentences()
    note = (
        f"Text: {FALLBACK_TITLE.upper()} (offline stand-in), not {text.title}: it is not in "
        f"{folder} and {download.urls[0]} could not be reached. The stand-in is English "
        "prose about Python, shipped with Python itself. To train on the book's text, let "
        f"this worker reach that address once, or copy {text.file.name} ({text.size}, "
        f"{text.file.checksum}) into {folder}/."
    )
    return TextCorpus(text.id, FALLBACK_TITLE, lines, True, note)


def documentation_lines() -> list[str]:
    """The documentation topics' text, topic after topic in alphabetical order."""
    return [line for name in sorted(pydoc_topics) for line in pydoc_topics[name].splitlines()]


def documentation_sentences() -> list[str]:
    """The topics' text in the Penn Treebank's form: a sentence per line, lowercase words of
    letters only (a sentence ends at a full stop, a colon, ! or ?, or a blank line)."""
    sentences = []
    for name in sorted(pydoc_topics):
        for paragraph in re.split(r"\n\s*\n", pydoc_topics[name]):
            for sentence in re.split(r"[.:!?](?:\s|$)", paragraph):
                words = re.findall(r"[a-z]+", sentence.lower())
                if words:
                    sentences.append(" ".join(words))
    return sentences
