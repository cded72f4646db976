"""Linear regression (book 3.2 and 3.3), step by step.

The book's training loop: each epoch shuffles the examples and walks through them in
minibatches; each minibatch takes one SGD step on its mean loss. The learning rate and the
batch size are live: a new batch size cuts the rest of the epoch's shuffled order into batches
of the new size from the next step on. The model, the place in the epoch's order and the
generator that draws the orders are the training state that a fork continues.
"""

import math
from dataclasses import dataclass, field
from typing import Any

import torch

from workers.context import JobContext
from workers.demos.linear_regression.model import (
    Data,
    Regression,
    build_model,
    initial_weights,
    largest_stable_lr,
    make_data,
)
from workers.demos.linear_regression.params import Params
from workers.demos.linear_regression.views import (
    FitViews,
    report_epoch,
    report_start,
    report_step,
    show_loss_surface,
)
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.reporting import ReportSchedule
from workers.kit.seeding import generator

# A long run (small batches, many examples or epochs) reports every few steps, so that it sends
# about this many reports, not one per step; the book's run (300 steps) reports every step.
MAX_REPORTS = 500


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # Two weights and a bias: the CPU beats any GPU launch here, so this demo stays on it.
    params = ctx.params
    rng = generator(params.seed)  # draws the data, its noise, the initial w, each epoch's order
    data = make_data(params, rng)
    start = initial_weights(len(data.true_w), rng)
    model = build_model(params, start)
    ctx.log(
        f"{len(data.y)} training examples of y = Xw + b + ε with w = {list(params.true_w)}, "
        f"b = {params.true_b} and ε ~ N(0, {params.noise}²); {params.implementation} "
        "implementation."
    )
    stable_lr = largest_stable_lr(data.X, model.loss_scale)
    ctx.log(
        f"On these data, full-batch gradient descent converges for η < 2/λ_max = {stable_lr:.3g}."
    )
    show_loss_surface(ctx, data, start)

    steps, losses = fit(ctx, model, data, rng)

    w, b = model.estimates()
    error_in_w = (data.true_w - w).tolist()
    error_in_b = data.true_b - b
    ctx.log(f"error in estimating w: {error_in_w}")
    ctx.log(f"error in estimating b: {error_in_b}")
    return {
        "w": w.tolist(),
        "b": b,
        "error_in_w": error_in_w,  # as the book prints it: true w − ŵ
        "error_in_b": error_in_b,
        "w_error": torch.linalg.vector_norm(data.true_w - w).item(),
        "b_error": abs(error_in_b),
        **losses,
        "steps": steps,
        "largest_stable_lr": stable_lr,
        "implementation": ctx.params.implementation,
    }


@dataclass
class Training:
    """What the loop reported at the last epoch's end (training state: a fork reports on from
    it)."""

    losses: dict[str, float] = field(default_factory=dict)


def fit(
    ctx: JobContext[Params], model: Regression, data: Data, rng: torch.Generator
) -> tuple[int, dict[str, float]]:
    """The book's loop for `epochs`; returns the steps taken and the final losses."""
    params = ctx.params
    views = FitViews.of(data)
    # The indices travel with the examples: the pictures mark the minibatch's points.
    batches = Minibatches((data.X, data.y, torch.arange(len(data.y))), params.batch_size, rng)
    steps_per_epoch = math.ceil(len(data.y) / params.batch_size)  # at the batch size it starts
    reports = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS)
    training = Training()
    ctx.track(model=model, batches=batches, reports=reports, training=training)
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)
    report_start(ctx, model, data, views)

    pace = Pace(ctx)
    for epoch in batches.epochs(params.epochs):
        for step in batches.steps():
            params = ctx.checkpoint(step)
            X, y, batch = batches.take(params.batch_size)  # in the batch size in force
            l = model.step(X, y, params.lr)  # noqa: E741 - the book's name
            if reports.due(step) or batches.epoch_done:
                report_step(ctx, model, data, views, l, batch)
            pace.wait(params.speed)
        training.losses = report_epoch(ctx, epoch, model, data)
    return batches.step, training.losses
