"""What the learner sees of weight-decay.

Frames: `weights` (`bars`: each of the 200 learned weights beside its true value, 0.01) and
`weight distribution` (`bars`: a histogram of the learned weights, the bin of the true value
highlighted). Its bins span [−R, R], where R only grows (to 1, 2 or 5 times a power of ten
past the largest |w| seen), so weights shrinking under λ pile up in the middle bins instead of
the bins following them. A sweep adds `loss and ‖w‖ against λ` (drawn by the kit's sweep).

Metrics: after each epoch `train_loss` and `test_loss`, the mean of (ŷ − y)²/2 over each set,
as the book's scratch code evaluates it (for the concise version too, so the two compare);
`w_norm` = ‖w‖, the L2 norm the classic edition prints, and `w_half_squared_norm` = ‖w‖²/2,
what the current edition prints under the name "L2 norm".
"""

import math

import torch
from torch import Tensor

from core.frames import BarsData
from workers.context import JobContext
from workers.demos.weight_decay.model import Data, Regression, mean_loss
from workers.kit.views import bars

WEIGHTS = "weights"
DISTRIBUTION = "weight distribution"
BINS = 20


def losses_and_norms(model: Regression, data: Data) -> dict[str, float]:
    w = model.weights()
    norm = torch.linalg.vector_norm(w).item()
    return {
        "train_loss": mean_loss(model, data.X, data.y),
        "test_loss": mean_loss(model, data.X_test, data.y_test),
        "w_norm": norm,
        "w_half_squared_norm": norm**2 / 2,
    }


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2 and 5 times a power of ten that is at least `value`."""
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


class WeightViews:
    def __init__(self, true_w: Tensor) -> None:
        self.true_w = true_w
        self.reach = 0.0  # R: the histogram spans [−R, R]

    def histogram(self, w: Tensor) -> BarsData:
        self.reach = max(self.reach, nice_ceiling(max(w.abs().max().item(), 1e-6)))
        edges = torch.linspace(-self.reach, self.reach, BINS + 1)
        counts = torch.histc(w, BINS, -self.reach, self.reach)
        centres = (edges[:-1] + edges[1:]) / 2
        true_bin = int(torch.bucketize(self.true_w[:1], edges[1:-1]).item())
        return bars(
            [f"{c:.3g}" for c in centres.tolist()],
            {"weights": counts},
            highlight=true_bin,
            y_label="weights in the bin",
        )

    def state_dict(self) -> dict[str, float]:
        """The histogram's reach: a fork's keeps its parent's scale."""
        return {"reach": self.reach}

    def load_state_dict(self, state: dict[str, float]) -> None:
        self.reach = state["reach"]

    def show(self, ctx: JobContext, model: Regression) -> None:
        w = model.weights()
        names = [f"w{i}" for i in range(1, len(w) + 1)]
        ctx.frame(WEIGHTS, bars(names, {"learned": w, "true": self.true_w}, y_label="weight"))
        ctx.frame(DISTRIBUTION, self.histogram(w))


def report_epoch(
    ctx: JobContext, epoch: int | None, model: Regression, data: Data, views: WeightViews
) -> dict[str, float]:
    """After `epoch` (None: where a fork starts, maybe within an epoch; no log line)."""
    values = losses_and_norms(model, data)
    ctx.metric(values)
    views.show(ctx, model)
    if epoch is not None and epoch % 5 == 0:  # as often as the book plots
        ctx.log(
            f"epoch {epoch}: training loss {values['train_loss']:.4g}, test loss "
            f"{values['test_loss']:.4g}, ‖w‖ {values['w_norm']:.4g}"
        )
    return values
