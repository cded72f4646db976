"""The sequence-to-sequence tasks the Transformer learns, generated in code (torch-free).

Each task has a structure that attention must discover, so its maps have a shape worth
watching: `copy` looks straight down the diagonal, `reverse` along the anti-diagonal, `sort`
looks each token up by rank, and `translate` reorders words (English adjective–noun becomes
French noun–adjective) and makes each French article agree with a noun that comes *later* in
the English sentence.

Every input is a list of at most `seq_len` tokens and every output has the same length. The
spec validates the learner's probe with these vocabularies, so this module stays free of torch.
"""

import random
import string
import zlib
from collections.abc import Callable
from dataclasses import dataclass

# -- A tiny English → French phrasebook ------------------------------------------------------
# Only adjectives that French places after the noun and that do not change with gender, and
# only nouns that start with a consonant (no l' elision): the grammar stays exactly right.

ADJECTIVES = {
    "red": "rouge",
    "yellow": "jaune",
    "pink": "rose",
    "calm": "calme",
    "fast": "rapide",
    "sad": "triste",
    "strange": "étrange",
    "famous": "célèbre",
}
NOUNS = {  # English -> (French, grammatical gender)
    "cat": ("chat", "m"),
    "dog": ("chien", "m"),
    "horse": ("cheval", "m"),
    "book": ("livre", "m"),
    "house": ("maison", "f"),
    "car": ("voiture", "f"),
    "flower": ("fleur", "f"),
    "table": ("table", "f"),
}
ARTICLES = {"the": {"m": "le", "f": "la"}, "a": {"m": "un", "f": "une"}}
VERBS = {"sees": "voit", "likes": "aime", "follows": "suit", "finds": "trouve"}


def noun_phrase(rng: random.Random) -> list[str]:
    """An article, sometimes an adjective, and a noun: "the red cat", "a dog"."""
    adjective = [rng.choice(list(ADJECTIVES))] if rng.random() < 0.5 else []
    return [rng.choice(list(ARTICLES)), *adjective, rng.choice(list(NOUNS))]


def english_sentence(rng: random.Random, max_len: int) -> list[str]:
    """A noun phrase, or "noun phrase, verb, noun phrase", of at most `max_len` words."""
    while True:
        subject = noun_phrase(rng)
        if rng.random() < 0.3:
            sentence = subject
        else:
            sentence = [*subject, rng.choice(list(VERBS)), *noun_phrase(rng)]
        if len(sentence) <= max_len:
            return sentence


def to_french(english: list[str]) -> list[str]:
    """Translate word by word, but hold each article and adjective until their noun arrives:
    then the article agrees with the noun's gender and the adjective follows the noun."""
    french: list[str] = []
    waiting: list[str] = []  # the article, and the adjective if any, of the coming noun
    for word in english:
        if word in NOUNS:
            noun, gender = NOUNS[word]
            article, *adjective = waiting
            french += [ARTICLES[article][gender], noun, *(ADJECTIVES[a] for a in adjective)]
            waiting = []
        elif word in VERBS:
            french.append(VERBS[word])
        else:
            waiting.append(word)
    return french


# -- The tasks -------------------------------------------------------------------------------

LETTERS = tuple(string.ascii_lowercase)


def letter_sequence(rng: random.Random, max_len: int) -> list[str]:
    return [rng.choice(LETTERS) for _ in range(rng.randint(1, max_len))]


@dataclass(frozen=True)
class Task:
    name: str
    source_vocab: tuple[str, ...]
    target_vocab: tuple[str, ...]
    sample: Callable[[random.Random, int], list[str]]  # an input of at most max_len tokens
    solve: Callable[[list[str]], list[str]]  # the output it should map to
    examples: tuple[str, ...]  # default probes, longest first
    letters: bool  # tokens are single letters, typed without spaces

    def tokenize(self, text: str) -> list[str]:
        if self.letters:
            return [char for char in text if not char.isspace()]
        return text.split()

    def detokenize(self, tokens: list[str]) -> str:
        return ("" if self.letters else " ").join(tokens)

    def default_probe(self, seq_len: int) -> str:
        """The longest example that fits in seq_len tokens, else the last one cut to fit."""
        for example in self.examples:
            if len(self.tokenize(example)) <= seq_len:
                return example
        return self.detokenize(self.tokenize(self.examples[-1])[:seq_len])

    def probe_errors(self, text: str, seq_len: int) -> list[str]:
        """Why a probe cannot be fed to this task's model (empty when it can)."""
        tokens = self.tokenize(text)
        unknown = sorted({token for token in tokens if token not in self.source_vocab})
        errors = []
        if unknown:
            errors.append(
                f"{', '.join(map(repr, unknown))} not in the `{self.name}` vocabulary: "
                + self.detokenize(list(self.source_vocab))
            )
        if not 1 <= len(tokens) <= seq_len:
            errors.append(f"needs 1 to seq_len = {seq_len} tokens, has {len(tokens)}")
        return errors


def _letter_task(name: str, solve: Callable[[list[str]], list[str]]) -> Task:
    return Task(
        name,
        source_vocab=LETTERS,
        target_vocab=LETTERS,
        sample=letter_sequence,
        solve=solve,
        examples=("dive into deep learning",),
        letters=True,
    )


FRENCH_WORDS = tuple(
    sorted(
        {article for forms in ARTICLES.values() for article in forms.values()}
        | set(ADJECTIVES.values())
        | {noun for noun, _ in NOUNS.values()}
        | set(VERBS.values())
    )
)

TASKS: dict[str, Task] = {
    "reverse": _letter_task("reverse", lambda tokens: tokens[::-1]),
    "sort": _letter_task("sort", sorted),
    "copy": _letter_task("copy", list),
    "translate": Task(
        "translate",
        source_vocab=(*ARTICLES, *ADJECTIVES, *NOUNS, *VERBS),
        target_vocab=FRENCH_WORDS,
        sample=english_sentence,
        solve=to_french,
        examples=(
            "the red cat likes a fast car",
            "the cat likes a fast car",
            "the cat likes a car",
            "the red cat",
        ),
        letters=False,
    ),
}


def is_held_out(tokens: list[str]) -> bool:
    """About one input in ten is never trained on: held-out accuracy measures generalization.

    The split hashes the input itself, so it is the same in every run and for every seed.
    """
    return zlib.crc32(" ".join(tokens).encode()) % 10 == 0


def training_pair(task: Task, rng: random.Random, max_len: int) -> tuple[list[str], list[str]]:
    while True:
        source = task.sample(rng, max_len)
        if not is_held_out(source):
            return source, task.solve(source)


def held_out_pairs(task: Task, max_len: int, count: int) -> list[tuple[list[str], list[str]]]:
    """A fixed sample of held-out inputs (seeded by a constant, so every run sees the same)."""
    rng = random.Random(2024)
    pairs = []
    while len(pairs) < count:
        source = task.sample(rng, max_len)
        if is_held_out(source):
            pairs.append((source, task.solve(source)))
    return pairs
