"""Numerical stability and initialization (book 4.8), step by step.

First the book's two figures: the sigmoid with its gradient, and the product of 100 random
matrices. Then a deep MLP, initialized by the chosen scheme, takes gradient-descent steps on
one fixed batch; after every step a forward and backward pass shows how large each layer's
outputs and gradients are, and how the first layer's gradient compares with the last's.
"""

import math
import time
from typing import Any

from workers.context import JobContext
from workers.demos.initialization.model import (
    EXAMPLES,
    FEATURES,
    MATRICES,
    build_model,
    expected_growth_per_matrix,
    forward_backward,
    gradient_step,
    make_batch,
    pass_again,
)
from workers.demos.initialization.params import Params
from workers.demos.initialization.views import report, show_book_figures, show_pass, show_start
from workers.kit.pacing import Pace

# A long run reports every few steps, so that it sends about this many reports.
MAX_REPORTS = 500
# The UI redraws a picture at most 20 times a second: a run going flat out skips the rest.
FRAMES_EVERY_SECONDS = 0.05
EXPLODED = 1e6  # a gradient norm past this, times any sensible η, wrecks the weights
INITS = {
    "normal": "N(0, {sigma:g}²)",
    "xavier": "Xavier N(0, 2/(n_in + n_out))",
    "kaiming": "Kaiming N(0, 2/n_in)",
}


def finite_or_none(value: float) -> float | None:
    """A summary holds JSON: no NaN or infinity (a ratio to a zero gradient)."""
    return value if math.isfinite(value) else None


def describe_network(params: Params) -> str:
    weights = INITS[params.init].format(sigma=params.sigma)
    normalized = ", batch-normalized before the activation," if params.batch_norm else ""
    return (
        f"{params.depth - 1} hidden layers of {params.width} {params.activation} units"
        f"{normalized} and one output; weights from {weights}, biases 0."
    )


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A few thousand weights on one batch: the CPU beats any GPU launch here, so it stays there.
    params = ctx.params
    batch = make_batch(params.seed)
    net = build_model(params)
    ctx.log(
        f"The fixed batch: {EXAMPLES} examples of {FEATURES} features from N(0, 1), targets "
        "y = sin(2 x·v) for a random unit vector v; the loss is their mean squared error."
    )
    ctx.log(describe_network(params))

    start = forward_backward(net, batch)
    # The weights (and batch norm's running statistics) are the training state; a fork's first
    # step needs the gradients of its snapshot's weights, so it makes that pass again.
    ctx.track(net=net)
    now = pass_again(net, batch) if ctx.resumed_step else start
    show_pass(ctx, now, start)
    show_start(ctx, start)
    product_norms = show_book_figures(ctx, params.seed)
    ctx.log(
        f"A 4×4 matrix of N(0, 1) entries multiplied by {MATRICES} more: its norm went from "
        f"{product_norms[0]:.3g} to {product_norms[-1]:.3g} (expected about "
        f"e^({MATRICES} × {expected_growth_per_matrix():.3f}) = "
        f"{math.exp(MATRICES * expected_growth_per_matrix()):.1e})."
    )
    if start.gradient_norms[-1] == 0:
        ctx.log("The last layer's gradient is 0: every unit of the last hidden layer is off.")
    else:
        ratio = start.first_to_last_ratio
        ctx.log(f"At the start, ‖∂L/∂W_1‖ / ‖∂L/∂W_{params.depth}‖ = {ratio:.3g}.")
    largest = start.gradient_norms.max().item()
    if not largest < EXPLODED:
        ctx.log(
            f"The gradients have exploded before the first step (a norm of {largest:.2g}): "
            "an update of any usual size throws the weights out of range."
        )
    report(ctx, now, params.lr)

    report_every = math.ceil(params.steps / MAX_REPORTS)
    pace = Pace(ctx)
    shown_at = time.monotonic()
    for step in ctx.steps(params.steps):
        params = ctx.checkpoint(step)
        gradient_step(net, params.lr)
        now = forward_backward(net, batch)
        last = step == params.steps
        if step % report_every == 0 or last:
            if last or time.monotonic() - shown_at >= FRAMES_EVERY_SECONDS:
                show_pass(ctx, now, start)
                shown_at = time.monotonic()
            report(ctx, now, params.lr)
        pace.wait(params.speed)

    return {
        "loss": now.loss.item(),
        "loss_at_start": start.loss.item(),
        "grad_ratio_first_last": finite_or_none(now.first_to_last_ratio),
        "grad_ratio_first_last_at_start": finite_or_none(start.first_to_last_ratio),
        "gradient_norms_at_start": start.gradient_norms.tolist(),
        "gradient_norms": now.gradient_norms.tolist(),
        "product_norm_after_100": product_norms[-1].item(),
        "steps": params.steps,
    }
