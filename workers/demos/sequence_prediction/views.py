"""What the learner sees of sequence-prediction.

Frames (`lines`, against time): `1-step predictions` (the noisy series and the model's
prediction of each x_t from the τ observed values before it) and `k-step predictions` (the
series and, for k = 1, 4, 16, 64, …, the prediction of each x_t made from observations up to
x_{t−k}, its own earlier predictions fed back as inputs: as in the book, the longer the
horizon, the flatter the curve).

Metrics: `train_loss` and `test_loss`, the mean of (ŷ − y)² of the 1-step predictions over
the training examples (the first 600) and the rest; `test_mse_k{k}`, that of the k-step
predictions of the values past the training examples.
"""

import math
import time

from torch import Tensor

from core.frames import LinesData
from workers.context import JobContext
from workers.demos.sequence_prediction.model import (
    NUM_TRAIN,
    Autoregression,
    Data,
    horizons,
    k_step_predictions,
    mse,
)
from workers.kit.views import curve, lines

ONE_STEP = "1-step predictions"
K_STEP = "k-step predictions"
FRAMES_EVERY_SECONDS = 0.5  # often enough to look alive, rarely enough to cost little


def k_step_errors(data: Data, table: Tensor, ks: list[int]) -> dict[str, float]:
    """For each k, the mean squared error of the k-step predictions of the test values (those
    after the training examples' labels, x_j for j ≥ 600 + τ, 0-based)."""
    errors = {}
    for k in ks:
        first = data.tau + k - 1  # the index of x that row 0's k-step prediction is for
        targets = data.x[first : first + len(table)]
        test = slice(max(NUM_TRAIN + data.tau - first, 0), len(table))
        residual = table[test, data.tau + k - 1] - targets[test]
        errors[f"test_mse_k{k}"] = (residual**2).mean().item()
    return errors


def report(ctx: JobContext, model: Autoregression, data: Data) -> dict[str, float]:
    """The 1-step losses of both sets and the k-step test errors, as a metric."""
    table = k_step_predictions(model, data.x, data.tau, ctx.params.max_k)
    values = {
        "train_loss": mse(model, data.features[:NUM_TRAIN], data.labels[:NUM_TRAIN]),
        "test_loss": mse(model, data.features[NUM_TRAIN:], data.labels[NUM_TRAIN:]),
        **k_step_errors(data, table, horizons(ctx.params.max_k)),
    }
    ctx.metric(values)
    return values


def one_step_lines(model: Autoregression, data: Data) -> LinesData:
    return lines(
        curve("data", data.time, data.x),
        curve("1-step predictions", data.time[data.tau :], model.predict(data.features)[:, 0]),
        x_label="time",
        y_label="x",
    )


def k_step_lines(model: Autoregression, data: Data, max_k: int) -> LinesData:
    """The book's figure: the k-step predictions, each at the time it predicts."""
    table = k_step_predictions(model, data.x, data.tau, max_k)
    tau, rows = data.tau, len(table)
    return lines(
        curve("data", data.time, data.x),
        *(
            curve(
                f"{k}-step predictions",
                data.time[tau + k - 1 : tau + k - 1 + rows],
                table[:, tau + k - 1],
            )
            for k in horizons(max_k)
        ),
        x_label="time",
        y_label="x",
    )


class Pictures:
    """The two frames, while it trains at most every FRAMES_EVERY_SECONDS."""

    def __init__(self, ctx: JobContext, model: Autoregression, data: Data) -> None:
        self.ctx, self.model, self.data = ctx, model, data
        self.last_shown = -math.inf

    def show(self) -> None:
        self.ctx.frame(ONE_STEP, one_step_lines(self.model, self.data))
        self.ctx.frame(K_STEP, k_step_lines(self.model, self.data, self.ctx.params.max_k))
        self.last_shown = time.monotonic()

    def show_if_due(self) -> None:
        if time.monotonic() - self.last_shown >= FRAMES_EVERY_SECONDS:
            self.show()
