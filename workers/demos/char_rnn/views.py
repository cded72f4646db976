"""What the learner sees of char-rnn.

Frames, about once a second while it trains and whenever the prefix changes:

- `generated text` (`text`): the book's predict_ch8 on the learner's prefix, greedy;
- `hidden state H over the prefix` (`heatmap`): the top layer's H after reading each character
  of the prefix from a zero state, units (at most 32) on rows, characters on columns;
- for a GRU its `update gate Z` and `reset gate R`, for an LSTM its `input gate I`, `forget
  gate F`, `output gate O` and `memory cell C`, over the prefix likewise;
- `gradient norm` (`lines`): ‖g‖ of every step before and after clipping (a long run keeps the
  larger of neighbouring steps, so spikes stay visible).

Metrics: `perplexity` (training, exp of the mean cross-entropy since the last report),
`val_perplexity` (the 5,000 validation characters), `grad_norm` (the largest ‖g‖ before
clipping since the last report) and `tokens_per_sec`.
"""

import math
import time
from dataclasses import dataclass, field

from workers.context import JobContext
from workers.demos.char_rnn.data import CharVocab, prefix_ids
from workers.demos.char_rnn.model import GATES, CharRNN, predict_ch8
from workers.demos.char_rnn.params import Params
from workers.kit.views import curve, heatmap, lines, text

GENERATED = "generated text"
HIDDEN = "hidden state H over the prefix"
GRAD_NORM = "gradient norm"
MAX_UNITS = 32  # rows of a heatmap: more would be too thin to read
MAX_POINTS = 2000  # of the gradient-norm curve, before it is thinned
FRAMES_EVERY_SECONDS = 1.0  # the text changes slowly; often enough to look alive


@dataclass
class GradNorms:
    """‖g‖ before and after clipping, step by step: part of the training state, so that a fork
    draws its parent's curve. Past MAX_POINTS, neighbouring pairs merge into the one with the
    larger ‖g‖ (a spike survives the thinning)."""

    steps: list[int] = field(default_factory=list)
    before: list[float] = field(default_factory=list)
    after: list[float] = field(default_factory=list)

    def add(self, step: int, before: float, after: float) -> None:
        self.steps.append(step)
        self.before.append(before)
        self.after.append(after)
        if len(self.steps) > MAX_POINTS:
            keep = [
                i if self.before[i] >= self.before[i + 1] else i + 1
                for i in range(0, len(self.steps) - 1, 2)
            ]
            self.steps = [self.steps[i] for i in keep]
            self.before = [self.before[i] for i in keep]
            self.after = [self.after[i] for i in keep]


def shown(tokens: list[str]) -> list[str]:
    """Characters as axis labels: a space is shown as ␣."""
    return ["␣" if token == " " else token for token in tokens]


def generated_text(net: CharRNN, vocab: CharVocab, prefix: str, num_preds: int) -> tuple[str, str]:
    """The prefix as the model reads it (<unk> for characters outside the vocabulary), then
    what it writes."""
    ids = prefix_ids(vocab, prefix)
    outputs = predict_ch8(ids, num_preds, net)
    return "".join(vocab.tokens(outputs[: len(ids)])), "".join(vocab.tokens(outputs[len(ids) :]))


class Pictures:
    """The frames, at most every FRAMES_EVERY_SECONDS, and at once when the prefix changes."""

    def __init__(
        self, ctx: JobContext[Params], net: CharRNN, vocab: CharVocab, norms: GradNorms
    ) -> None:
        self.ctx, self.net, self.vocab, self.norms = ctx, net, vocab, norms
        self.last_shown = -math.inf
        self.shown_for: tuple[str, int] | None = None

    def show(self) -> None:
        params = self.ctx.params
        self.ctx.frame(GENERATED, text(self.sample(params.prefix, params.predict_chars)))
        self.show_reading(prefix_ids(self.vocab, params.prefix))
        if self.norms.steps:
            self.ctx.frame(
                GRAD_NORM,
                lines(
                    curve("before clipping", self.norms.steps, self.norms.before, decimals=None),
                    curve("after clipping", self.norms.steps, self.norms.after, decimals=None),
                    x_label="step",
                    y_label="‖g‖",
                    y_log=True,
                ),
            )
        self.last_shown = time.monotonic()
        self.shown_for = (params.prefix, params.predict_chars)

    def show_if_due(self) -> None:
        changed = self.shown_for != (self.ctx.params.prefix, self.ctx.params.predict_chars)
        if changed or time.monotonic() - self.last_shown >= FRAMES_EVERY_SECONDS:
            self.show()

    def sample(self, prefix: str, num_preds: int) -> str:
        read, written = generated_text(self.net, self.vocab, prefix, num_preds)
        return f"prefix:    {read}\ngenerated: {read}{written}"

    def show_reading(self, ids: list[int]) -> None:
        """H and the gates of the top layer after each character of the prefix."""
        reading = self.net.read(ids)
        characters = shown(self.vocab.tokens(ids))
        units = min(self.net.num_hiddens, MAX_UNITS)
        rows = [f"unit {i + 1}" for i in range(units)]
        self.ctx.frame(HIDDEN, heatmap(reading.hidden[:units], characters, rows))
        for name, title in GATES[self.net.kind].items():
            values = reading.gates[name][:units]
            self.ctx.frame(f"{title} over the prefix", heatmap(values, characters, rows))
