"""Weight decay (book 4.5), one fit watched as it learns, or the λ sweep.

The data are drawn once from the seed; every fit then starts its own draws (initial weights,
minibatch order) from the same point of the seed's stream, so the fits of a sweep differ only
in λ.
"""

from typing import Any

import torch

from workers.context import JobContext
from workers.demos.weight_decay.model import (
    NUM_INPUTS,
    NUM_TEST,
    Data,
    build_model,
    initial_weights,
    make_data,
    minibatches,
    train_epochs,
)
from workers.demos.weight_decay.params import Params
from workers.demos.weight_decay.views import WeightViews, losses_and_norms, report_epoch
from workers.kit.pacing import Pace
from workers.kit.seeding import generator
from workers.kit.sweep import sweep

# 0, then 1 and 3 per decade from 0.001 to 100 (the book's 3 among them).
LAMBDAS = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]
SWEEP = "loss and ‖w‖ against λ"
SWEEP_LABELS = {"train_loss": "training loss", "test_loss": "test loss", "w_norm": "‖w‖"}


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A 200-input linear model on 20 examples: the CPU beats any GPU launch here.
    params = ctx.params
    rng = generator(params.seed)
    data = make_data(params.num_train, rng)
    fits_start = rng.get_state()
    ctx.log(
        f"{params.num_train} training and {NUM_TEST} test examples of y = 0.05 + Σ 0.01 xᵢ + ε "
        f"with {NUM_INPUTS} inputs; {params.implementation} weight decay."
    )
    if params.mode == "sweep":
        return lambda_sweep(ctx, data, fits_start)
    return watched_fit(ctx, data, torch.Generator().set_state(fits_start))


def watched_fit(ctx: JobContext[Params], data: Data, rng: torch.Generator) -> dict[str, Any]:
    """One fit, a checkpoint at every step, the losses and ‖w‖ after every epoch. Its training
    state (the weights, the optimizer, the minibatch order) is tracked: a fork continues it."""
    params = ctx.params
    model = build_model(params, initial_weights(params.init_std, rng))
    batches = minibatches(data, params.batch_size, rng)  # holds `rng`: the loop's only one
    views = WeightViews(data.true_w)
    ctx.track(model=model, batches=batches, views=views)
    # Before the first step; a fork's metric here is its parent's (not reported again).
    values = report_epoch(ctx, None if ctx.resumed_step else 0, model, data, views)

    def next_step(step: int) -> tuple[float, float]:
        params = ctx.checkpoint(step)
        return params.lr, params.weight_decay

    pace = Pace(ctx)
    for epoch in train_epochs(model, batches, params.epochs, next_step):
        values = report_epoch(ctx, epoch, model, data, views)
        pace.wait(ctx.params.speed)

    ctx.log(
        f"L2 norm of w: {values['w_norm']:.4g} (‖w‖, as the classic edition prints it; the "
        f"current edition prints ‖w‖²/2 = {values['w_half_squared_norm']:.4g} under this name)"
    )
    return {**values, "weight_decay": ctx.params.weight_decay, "steps": ctx.step}


def lambda_sweep(ctx: JobContext[Params], data: Data, fits_start: torch.Tensor) -> dict[str, Any]:
    """Fits with every λ of the grid, the same data and draws, each for `epochs` flat out."""

    def fit(lambd: float) -> dict[str, float]:
        params = ctx.params  # as they stand when this fit starts
        rng = torch.Generator().set_state(fits_start)
        model = build_model(params, initial_weights(params.init_std, rng))
        batches = minibatches(data, params.batch_size, rng)
        # No checkpoint between the steps, no tracked state: a sweep is not forked.
        for _ in train_epochs(model, batches, params.epochs, lambda _: (params.lr, lambd)):
            pass
        return losses_and_norms(model, data)

    results = sweep(
        ctx,
        LAMBDAS,
        fit,
        frame=SWEEP,
        labels=SWEEP_LABELS,
        x_label="λ",
        y_label="loss (ŷ − y)²/2, ‖w‖",
        x_log=True,
        y_log=True,
    )
    return {
        "weight_decay": LAMBDAS,
        **{name: [r[name] for r in results] for name in results[0]},
    }
