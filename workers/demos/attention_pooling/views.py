"""What the learner sees of attention-pooling.

Frames: `attention weights: fixed kernel` and `attention weights: learned kernel` are
`heatmap`s (queries on rows, keys on columns); `fit` is a `lines` frame with the truth, the
training points and both fitted curves (null where a fixed kernel reaches no key). Values are
rounded to 4 decimals, finer than any plot. Metrics: the learned kernel's training loss, its
width w, and each kernel's error against the true f.
"""

from core.frames import HeatmapData, LinesData
from workers.context import JobContext
from workers.demos.attention_pooling.model import (
    Data,
    NWKernelRegression,
    Pooling,
    error_to_truth,
    training_loss,
)
from workers.kit.views import curve, heatmap, lines


def attention(pooling: Pooling, data: Data) -> HeatmapData:
    return heatmap(
        pooling.weights,
        x_labels=[f"{x:.2f}" for x in data.x_train.tolist()],
        y_labels=[f"{q:.1f}" for q in data.x_test.tolist()],
    )


def fit(data: Data, fixed: Pooling, learned: Pooling) -> LinesData:
    return lines(
        curve("truth", data.x_test, data.y_truth),
        curve("training data", data.x_train, data.y_train, "points"),
        curve("fixed kernel", data.x_test, fixed.predictions),
        curve("learned kernel", data.x_test, learned.predictions),
    )


def show_fixed_kernel(ctx: JobContext, fixed: Pooling, data: Data) -> None:
    ctx.frame("attention weights: fixed kernel", attention(fixed, data))


def show_learned_kernel(ctx: JobContext, data: Data, fixed: Pooling, learned: Pooling) -> None:
    ctx.frame("attention weights: learned kernel", attention(learned, data))
    ctx.frame("fit", fit(data, fixed, learned))


def report(
    ctx: JobContext, net: NWKernelRegression, data: Data, learned: Pooling, fixed: Pooling
) -> dict[str, float]:
    """The epoch's metrics, reported and returned (the last ones end up in the summary)."""
    fixed_error = error_to_truth(fixed, data)
    values = {
        "loss": training_loss(net, data),
        "w": net.w.item(),
        "learned_kernel_mse": error_to_truth(learned, data)["mse"],
        **{f"fixed_kernel_{name}": value for name, value in fixed_error.items()},
    }
    ctx.metric(values)
    return values
