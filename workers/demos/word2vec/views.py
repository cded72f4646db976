"""What the learner sees of word2vec: what the center vectors v have learned, read as the book
reads them (14.4.3, "Applying the word embeddings"), while they train.

Frames:

- `nearest words` (`bars`): the probe word's nearest words by cosine similarity, the book's
  `get_similar_tokens` (a `text` saying so, with frequent words to try, when the probe is not
  in the vocabulary);
- `embeddings (PCA)` (`scatter`): the most frequent words, the probe and its neighbours
  projected on the first two principal components of their vectors; a component's sign is
  kept from frame to frame, so the picture moves rather than flips;
- `analogy` (`text`): a : b :: c : ?, the words nearest to v_b − v_a + v_c.

Metrics: `loss`, the mean over examples since the last report of each example's binary
cross-entropy per label (ln 2 ≈ 0.693 for untrained vectors, whose scores are near 0), and
`examples_per_sec`, center words trained on per second (the book's "tokens/sec").
"""

import math
import time

import numpy as np
import torch
from torch import Tensor

from workers.context import JobContext
from workers.demos.word2vec.data import WordVocab
from workers.demos.word2vec.model import analogy, nearest, pca_2d
from workers.demos.word2vec.params import Params, parse_analogy
from workers.kit.views import bars, scatter, text

NEAREST = "nearest words"
PROJECTION = "embeddings (PCA)"
ANALOGY = "analogy"
NEIGHBOURS = 8  # nearest words shown (the book prints 3)
FREQUENT_WORDS = 30  # the most frequent words in the projection
ANSWERS = 5  # analogy answers shown
SUGGESTIONS = 12
FRAMES_EVERY_SECONDS = 0.5  # often enough to look alive, rarely enough to cost little


def missing(words: list[str], vocab: WordVocab) -> str:
    """The empty state: which words are not in the vocabulary, and frequent ones to try."""
    # Words of 4 letters and more: "the", "of", "a" are frequent but make poor probes.
    suggestions = [w for w in vocab.idx_to_token[1:] if len(w) >= 4 and w.isalpha()]
    quoted = ", ".join(f"“{w}”" for w in words)
    return (
        f"{quoted} {'is' if len(words) == 1 else 'are'} not in the vocabulary: the "
        f"{len(vocab) - 1} words seen at least 10 times in the corpus (the others are <unk>).\n"
        f"Frequent words to try: {', '.join(suggestions[:SUGGESTIONS])}."
    )


def nearest_frame(ctx: JobContext[Params], W: Tensor, vocab: WordVocab) -> list[int]:
    """The probe's nearest words as bars (or why there are none); returns their indices."""
    probe = ctx.params.probe
    query = vocab.token_to_idx.get(probe, 0)
    if query == 0:
        ctx.frame(NEAREST, text(missing([probe], vocab)))
        return []
    found = nearest(W, query, NEIGHBOURS)
    words = [vocab.idx_to_token[n.index] for n in found]
    ctx.frame(
        NEAREST,
        bars(words, {"cosine similarity": [n.cosine for n in found]}, y_label=f"cos(·, {probe})"),
    )
    return [n.index for n in found]


def analogy_frame(ctx: JobContext[Params], W: Tensor, vocab: WordVocab) -> str:
    """The analogy box; returns its first answer ("" when there is none)."""
    a, b, c = parse_analogy(ctx.params.analogy)
    question = f"{a} : {b} :: {c} : ?"
    unknown = [w for w in dict.fromkeys((a, b, c)) if w not in vocab.token_to_idx]
    if unknown:
        ctx.frame(ANALOGY, text(f"{question}\n\n{missing(unknown, vocab)}"))
        return ""
    index = vocab.token_to_idx
    answers = analogy(W, index[a], index[b], index[c], ANSWERS)
    width = max(len(vocab.idx_to_token[n.index]) for n in answers)
    rows = [f"  {vocab.idx_to_token[n.index]:<{width}}  cos {n.cosine:.3f}" for n in answers]
    ctx.frame(ANALOGY, text(f"{question}\n\nnearest to v_{b} − v_{a} + v_{c}:\n" + "\n".join(rows)))
    return vocab.idx_to_token[answers[0].index]


class Pictures:
    """The three frames, while it trains at most every FRAMES_EVERY_SECONDS (and at once when
    the probe or the analogy changes). Keeps the last projection, to orient the next."""

    def __init__(self, ctx: JobContext[Params], net: torch.nn.Sequential, vocab: WordVocab) -> None:
        self.ctx, self.net, self.vocab = ctx, net, vocab
        self.last_shown = -math.inf
        self.shown_for = (ctx.params.probe, ctx.params.analogy)
        self.previous: dict[int, np.ndarray] = {}
        self.neighbours: list[str] = []
        self.answer = ""

    @torch.no_grad()
    def show(self) -> None:
        W = self.net[0].weight.detach().float().cpu()
        self.shown_for = (self.ctx.params.probe, self.ctx.params.analogy)
        self.last_shown = time.monotonic()
        if not torch.isfinite(W).all():
            return  # a diverged run: its metric has said so
        near = nearest_frame(self.ctx, W, self.vocab)
        self.neighbours = [self.vocab.idx_to_token[i] for i in near]
        self.answer = analogy_frame(self.ctx, W, self.vocab)
        self.projection(W, near)

    def projection(self, W: Tensor, near: list[int]) -> None:
        probe = self.vocab.token_to_idx.get(self.ctx.params.probe, 0)
        # the probe last, its neighbours before it: drawn on top of the frequent words
        shown = {*near, probe}
        frequent = range(1, min(FREQUENT_WORDS + 1, len(self.vocab)))
        group = {i: "frequent words" for i in frequent if i not in shown}
        group |= {i: f"nearest to “{self.ctx.params.probe}”" for i in near}
        if probe:
            group[probe] = "probe"
        rows = list(group)
        if len(rows) < 2:
            return
        points = pca_2d(W[rows].double().numpy(), self.previous, rows)
        self.previous = dict(zip(rows, points, strict=True))
        labels = [self.vocab.idx_to_token[i] for i in rows]
        frame = scatter(points, labels, list(group.values()), "component 1", "component 2")
        self.ctx.frame(PROJECTION, frame)

    def show_if_asked(self) -> None:
        """At once when the learner changed the probe or the analogy."""
        if (self.ctx.params.probe, self.ctx.params.analogy) != self.shown_for:
            self.show()

    def show_if_due(self) -> None:
        if time.monotonic() - self.last_shown >= FRAMES_EVERY_SECONDS:
            self.show()
