"""What the learner sees of initialization.

Live, at most 20 times a second: `gradient_norm_per_layer` (a `lines` frame on a log y axis:
‖∂L/∂W_l‖ for l = 1 … depth, at the start and now), and two `heatmap`s, layer × magnitude
bin: `activation_magnitudes` (|h| of each hidden layer's outputs over the batch) and
`gradient_magnitudes` (|∂L/∂w| of each layer's weights), kept from before any step too as
`gradient_magnitudes_at_start`. A bin is a decade, 1e-7 ≤ |v| < 1e-6 say, so a layer whose
values shrank a million-fold sits six columns further left; each row holds the fractions of
the layer's values in each bin (of an evenly strided sample of at most 4096 of them), and
exact zeros (dead ReLUs) get a column of their own.

Once, the book's two figures: `sigmoid_and_its_gradient` over [-8, 8), with the points where
σ′(x) < 0.01 marked, and `product_of_100_matrices`, ‖M‖_F after each multiplication on a log
axis.

Metrics: `loss` (the batch's mean squared error), `grad_ratio_first_last` = ‖∂L/∂W_1‖ /
‖∂L/∂W_depth‖, the two norms `grad_norm_first` and `grad_norm_last`, and `lr`.
"""

import math

import torch
from torch import Tensor

from core.frames import HeatmapData
from workers.context import JobContext
from workers.demos.initialization.model import Pass, matrix_product_norms, sigmoid_and_gradient
from workers.kit.views import curve, heatmap, lines

VANISHING_BELOW = 0.01  # σ′(x) under this is marked as a vanishing gradient
# The decades of the magnitude bins, 10^low ≤ |v| < 10^(low + 1) for low in the range.
ACTIVATION_DECADES = range(-12, 12)
GRADIENT_DECADES = range(-16, 8)
# A layer's histogram counts an evenly strided sample of SAMPLED to 2 × SAMPLED of its values:
# its fractions come within about 1%, and 256 × 256 weights would cost more to bin than to train.
SAMPLED = 4096


def magnitude_bins(decades: range) -> list[str]:
    """The heatmap's columns: zero, below the first decade, each decade (by its lower edge),
    and at or above the last."""
    return ["0", f"<1e{decades[0]}", *(f"1e{low}" for low in decades), f"≥1e{decades[-1] + 1}"]


def magnitude_fractions(tensors: list[Tensor], decades: range) -> Tensor:
    """(layers, bins): the fraction of each tensor's values in each magnitude bin, all layers
    counted at once (from a sample of each, see SAMPLED). A non-finite value (an overflow)
    counts as above the last decade."""
    samples = [t.detach().flatten()[:: max(1, t.numel() // SAMPLED)] for t in tensors]
    sizes = torch.tensor([len(sample) for sample in samples])
    magnitudes = torch.cat(samples).abs().nan_to_num(nan=torch.inf)
    edges = torch.tensor([10.0**low for low in [*decades, decades[-1] + 1]])
    # column 0 holds the zeros; then below the first edge, each decade, and past the last edge
    column = torch.where(magnitudes == 0, 0, 1 + torch.bucketize(magnitudes, edges, right=True))
    columns = len(decades) + 3
    layer = torch.repeat_interleave(torch.arange(len(tensors)), sizes)
    counts = torch.bincount(layer * columns + column, minlength=len(tensors) * columns)
    return counts.reshape(len(tensors), columns) / sizes[:, None]


def magnitudes_per_layer(tensors: list[Tensor], decades: range) -> HeatmapData:
    """One row per layer, input side first."""
    layers = [f"layer {i}" for i in range(1, len(tensors) + 1)]
    return heatmap(magnitude_fractions(tensors, decades), magnitude_bins(decades), layers)


def finite_or_gap(values: Tensor) -> list[float | None]:
    """Values for a log axis: an overflow (inf, NaN) becomes a gap, since JSON has no inf."""
    return [v if math.isfinite(v) else None for v in values.tolist()]


def show_pass(ctx: JobContext, now: Pass, start: Pass) -> None:
    """The live frames: where the gradient norms stand, and the magnitudes in every layer."""
    depth = len(now.weight_gradients)
    layers = list(range(1, depth + 1))
    ctx.frame(
        "gradient_norm_per_layer",
        lines(
            curve("at the start", layers, finite_or_gap(start.gradient_norms), decimals=None),
            curve("now", layers, finite_or_gap(now.gradient_norms), decimals=None),
            x_label="layer (1 = input side)",
            y_label="‖∂L/∂W‖ (Frobenius)",
            y_log=True,
        ),
    )
    ctx.frame("activation_magnitudes", magnitudes_per_layer(now.activations, ACTIVATION_DECADES))
    ctx.frame("gradient_magnitudes", magnitudes_per_layer(now.weight_gradients, GRADIENT_DECADES))


def show_start(ctx: JobContext, start: Pass) -> None:
    """The gradients' magnitudes before any step, kept beside the live ones: what the
    initialization alone does, which training soon blurs."""
    ctx.frame(
        "gradient_magnitudes_at_start",
        magnitudes_per_layer(start.weight_gradients, GRADIENT_DECADES),
    )


def report(ctx: JobContext, now: Pass, lr: float) -> None:
    """The metrics of a pass; a NaN or infinite one (exploded gradients) ends the job. The
    ratio is left out while the last layer's gradient is 0 (every unit before it is off)."""
    norms = now.gradient_norms
    values = {
        "loss": now.loss.item(),
        "grad_norm_first": norms[0].item(),
        "grad_norm_last": norms[-1].item(),
        "lr": lr,
    }
    if norms[-1] > 0:
        values["grad_ratio_first_last"] = now.first_to_last_ratio
    ctx.metric(values)


def show_book_figures(ctx: JobContext, seed: int) -> Tensor:
    """The sigmoid and its gradient, and the 100-matrix product; returns the product's norms."""
    x, y, slope = sigmoid_and_gradient()
    vanishing = slope < VANISHING_BELOW
    ctx.frame(
        "sigmoid_and_its_gradient",
        lines(
            curve("sigmoid(x)", x, y),
            curve("gradient σ′(x)", x, slope),
            curve(
                f"σ′(x) < {VANISHING_BELOW}: vanishing", x[vanishing], slope[vanishing], "points"
            ),
            x_label="x",
            y_label="σ(x), σ′(x)",
        ),
    )
    norms = matrix_product_norms(seed)
    ctx.frame(
        "product_of_100_matrices",
        lines(
            curve("‖M‖ after k multiplications", list(range(len(norms))), norms, decimals=None),
            x_label="k, matrices multiplied in",
            y_label="‖M‖ (Frobenius)",
            y_log=True,
        ),
    )
    return norms
