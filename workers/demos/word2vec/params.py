"""The params of the `word2vec` demo: ranges, units, and which are live."""

import re

from pydantic import field_validator

from core import params as common
from core.param_fields import DemoParams, param_field

WORD = r"[^\s:]+"  # a PTB token: letters, and also "n't", "'s", "$", "N" (a number)
ANALOGY_FORMAT = re.compile(rf"^\s*({WORD})\s*:\s*({WORD})\s*::\s*({WORD})\s*(?::\s*\??\s*)?$")


def parse_analogy(text: str) -> tuple[str, str, str]:
    """ "a : b :: c" (optionally ending ": ?") as its three words, lowercased."""
    match = ANALOGY_FORMAT.match(text)
    if not match:
        raise ValueError('write it as "a : b :: c", e.g. "he : his :: they"')
    a, b, c = (word.lower() for word in match.groups())
    return a, b, c


class Params(DemoParams):
    embed_size: int = param_field(
        100,
        description="Length d of every word's two vectors (center v and context u); the book "
        "uses 100.",
        ge=2,
        le=300,
        unit="dimensions",
    )
    max_window_size: int = param_field(
        5,
        description="The largest context window m: each center word draws its m from 1 to "
        "this, and its context words are those at most m words away in its sentence; the "
        "book uses 5.",
        ge=1,
        le=10,
        unit="words",
    )
    num_noise_words: int = param_field(
        5,
        description="K, the noise words drawn per context word, P(w) ∝ count(w)^0.75; the "
        "book uses 5.",
        ge=1,
        le=20,
        unit="words",
    )
    sentences: int = param_field(
        0,
        description="Train on the first this many sentences of the corpus (fewer is faster, "
        "and fewer words pass the 10-occurrence bar); 0 takes them all, as the book does.",
        ge=0,
        le=100_000,
        unit="sentences",
    )
    lr: float = common.learning_rate(0.002, "Learning rate η of Adam; the book uses 0.002.", le=1)
    epochs: int = common.epochs(5, "Passes over the examples; the book trains for 5.", le=50)
    batch_size: int = common.batch_size(
        512,
        "Center words (each with its context and noise words) per step; the book uses 512.",
        le=4096,
    )
    seed: int = common.seed(
        "Seeds the subsampling, the context windows, the noise words, the initial vectors and "
        "the minibatch order."
    )
    probe: str = param_field(
        "chip",
        description="The word whose nearest words (by the cosine of their center vectors) are "
        'shown, and marked in the projection; the book asks for "chip". Change it while it '
        "trains.",
        min_length=1,
        max_length=40,
        pattern=r"^\S+$",
        live=True,
    )
    analogy: str = param_field(
        "he : his :: they",
        description='An analogy "a : b :: c", answered by the words whose vectors are nearest '
        "(by cosine) to v_b − v_a + v_c. Change it while it trains.",
        max_length=130,
        live=True,
    )

    @field_validator("probe")
    @classmethod
    def _lowercase(cls, probe: str) -> str:
        return probe.lower()  # the corpus is lowercase

    @field_validator("analogy")
    @classmethod
    def _analogy_format(cls, analogy: str) -> str:
        parse_analogy(analogy)
        return analogy
