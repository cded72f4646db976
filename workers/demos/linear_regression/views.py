"""What the learner sees of linear-regression.

Frames: `loss over w1, w2 at the true b` (a `surface`, once: the training loss with b held at
its true value, its lowest point marked) and `path` (a `points` frame of ŵ = (ŵ1, ŵ2) at every
reported step, which the UI draws on the surface as a trail); `y against x1` and `y against
x2` (`lines`): a sample of the training examples, this step's minibatch, the true model and the
fitted one, each seen along one feature with the other held at its mean.

Metrics: at every reported step the minibatch's `loss` (ŷ − y)²/2, the estimates `w1`, `w2`,
`b` and their errors `w_error` = ‖ŵ − w‖ and `b_error` = |b̂ − b|; at the start and after each
epoch `train_loss` over all training examples (and `val_loss` when there are validation
examples), as the book prints them.
"""

from dataclasses import dataclass

import torch
from torch import Tensor

from core.frames import LinesData, LineSeries, SurfaceData
from workers.context import JobContext
from workers.demos.linear_regression.model import (
    Data,
    Regression,
    loss_surface,
    mean_loss,
    surface_minimum,
)
from workers.kit.views import as_lists, curve, lines, points

SURFACE = "loss over w1, w2 at the true b"
PATH = "path"
PATH_LABEL = "ŵ"
SURFACE_POINTS = 61  # per axis
EXAMPLES_SHOWN = 200  # of the training set, in each scatter: the cloud's shape, small to stream
BATCH_SHOWN = 200  # of a (large) minibatch
SURFACE_DECIMALS = 6  # the loss near its lowest point is about noise²/2


def show_loss_surface(ctx: JobContext, data: Data, start: Tensor) -> None:
    """The surface around the start, the true w and the lowest point, with a margin."""
    minimum = surface_minimum(data)
    corners = torch.stack([start.double(), data.true_w.double(), minimum])
    low, high = corners.min(dim=0).values, corners.max(dim=0).values
    margin = torch.clamp(0.25 * (high - low), min=1.0)
    w1, w2 = (
        torch.linspace(low[i] - margin[i], high[i] + margin[i], SURFACE_POINTS, dtype=torch.float64)
        for i in range(2)
    )
    grid_w2, grid_w1 = torch.meshgrid(w2, w1, indexing="ij")
    z = loss_surface(data, grid_w1, grid_w2)  # z[i][j] = L(w1[j], w2[i])
    ctx.frame(
        SURFACE,
        SurfaceData(
            x=w1.tolist(),
            y=w2.tolist(),
            z=as_lists(z, SURFACE_DECIMALS),
            minima=[(minimum[0].item(), minimum[1].item())],
        ),
    )


@dataclass(frozen=True)
class FitViews:
    """What the `y against x_j` frames share at every step, built once: the sample of
    examples, the true model, and each feature's extent and mean."""

    examples: list[LineSeries]  # one per feature
    truth: list[LineSeries]
    ends: Tensor  # (features, 2): the smallest and largest x_j shown
    means: Tensor  # (features,)

    @classmethod
    def of(cls, data: Data) -> "FitViews":
        shown_X, shown_y = data.X[:EXAMPLES_SHOWN], data.y[:EXAMPLES_SHOWN, 0]
        ends = torch.stack([data.X.min(dim=0).values, data.X.max(dim=0).values], dim=1)
        means = data.X.mean(dim=0)
        features = range(data.X.shape[1])
        return cls(
            examples=[curve("examples", shown_X[:, j], shown_y, "points") for j in features],
            truth=[
                curve("true model", ends[j], along(ends[j], j, data.true_w, data.true_b, means))
                for j in features
            ],
            ends=ends,
            means=means,
        )


def along(x: Tensor, j: int, w: Tensor, b: float, means: Tensor) -> Tensor:
    """The plane ŷ = x·w + b seen along feature j: the other features held at their means."""
    others = (w * means).sum() - w[j] * means[j]
    return w[j] * x + others + b


def fits(views: FitViews, data: Data, w: Tensor, b: float, batch: Tensor) -> list[LinesData]:
    shown = batch[:BATCH_SHOWN]
    batch_X, batch_y = data.X[shown], data.y[shown, 0]
    return [
        lines(
            views.examples[j],
            curve("minibatch", batch_X[:, j], batch_y, "points"),
            views.truth[j],
            curve("fitted model", views.ends[j], along(views.ends[j], j, w, b, views.means)),
        )
        for j in range(len(views.examples))
    ]


def estimate_metrics(w: Tensor, b: float, data: Data) -> dict[str, float]:
    return {
        "w1": w[0].item(),
        "w2": w[1].item(),
        "b": b,
        "w_error": torch.linalg.vector_norm(w - data.true_w).item(),
        "b_error": abs(b - data.true_b),
    }


def losses(model: Regression, data: Data) -> dict[str, float]:
    """The loss over every training (and validation) example, as the book reports an epoch."""
    values = {"train_loss": mean_loss(model, data.X, data.y)}
    if len(data.y_val):
        values["val_loss"] = mean_loss(model, data.X_val, data.y_val)
    return values


def show_estimates(
    ctx: JobContext, views: FitViews, data: Data, w: Tensor, b: float, batch: Tensor
) -> None:
    """ŵ on the path, and the fitted model over the data with the minibatch it learned from."""
    ctx.frame(PATH, points([PATH_LABEL], w[None]))
    for j, frame in enumerate(fits(views, data, w, b, batch), start=1):
        ctx.frame(f"y against x{j}", frame)


def report_start(ctx: JobContext, model: Regression, data: Data, views: FitViews) -> None:
    """Step 0: where SGD starts, before any minibatch."""
    w, b = model.estimates()
    ctx.metric({**losses(model, data), **estimate_metrics(w, b, data)})
    show_estimates(ctx, views, data, w, b, torch.zeros(0, dtype=torch.long))


def report_step(
    ctx: JobContext, model: Regression, data: Data, views: FitViews, loss: Tensor, batch: Tensor
) -> None:
    w, b = model.estimates()
    ctx.metric({"loss": loss.item(), **estimate_metrics(w, b, data)})
    show_estimates(ctx, views, data, w, b, batch)


def report_epoch(ctx: JobContext, epoch: int, model: Regression, data: Data) -> dict[str, float]:
    values = losses(model, data)
    ctx.metric(values)
    validation = f", validation loss {values['val_loss']:f}" if "val_loss" in values else ""
    ctx.log(f"epoch {epoch}, loss {values['train_loss']:f}{validation}")
    return values
