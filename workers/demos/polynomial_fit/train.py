"""Polynomial regression (book 4.4.4): one fit watched as it learns, or the complexity sweep.

The data are drawn once from the seed; every fit then starts its own draws (initial weights,
minibatch order) from the same point of the seed's stream, so the fits of a sweep differ only
in the number of features they use.
"""

from typing import Any

import torch

from workers.context import JobContext
from workers.demos.polynomial_fit.model import (
    MAX_DEGREE,
    Data,
    PolynomialModel,
    make_data,
    minibatches,
    train_epochs,
)
from workers.demos.polynomial_fit.params import Params
from workers.demos.polynomial_fit.views import (
    least_squares,
    losses,
    report_epoch,
    show_fit,
    weights_line,
)
from workers.kit.pacing import Pace
from workers.kit.seeding import generator
from workers.kit.sweep import sweep

NUM_TEST = 100  # the book's
FRAMES_EVERY_EPOCHS = 10
SWEEP = "loss against the number of features"
SWEEP_LABELS = {
    "train_loss": "training loss (SGD)",
    "test_loss": "test loss (SGD)",
    "lstsq_train_loss": "training loss (least squares)",
    "lstsq_test_loss": "test loss (least squares)",
}


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A handful of weights: the CPU beats any GPU launch here, so this demo stays on it.
    params = ctx.params
    rng = generator(params.seed)
    data = make_data(params.num_train, NUM_TEST, params.noise, rng)
    fits_start = rng.get_state()
    ctx.log(
        f"{params.num_train} training and {NUM_TEST} test examples of y = 5 + 1.2x − 3.4x²/2! "
        f"+ 5.6x³/3! + ε, ε ~ N(0, {params.noise}²); features xⁱ/i! for i < d."
    )
    if params.mode == "sweep":
        return complexity_sweep(ctx, data, fits_start)
    return watched_fit(ctx, data, torch.Generator().set_state(fits_start))


def watched_fit(ctx: JobContext[Params], data: Data, rng: torch.Generator) -> dict[str, Any]:
    """One fit, a checkpoint at every step, the losses after every epoch. Its training state
    (the weights, the optimizer, the minibatch order) is tracked: a fork continues it."""
    params = ctx.params
    model = PolynomialModel(params.num_features, rng)
    batches = minibatches(data, rng)  # holds `rng`, the only generator the loop draws from
    ctx.track(model=model, batches=batches)
    exact = least_squares(data, params.num_features)
    ctx.log(
        f"{params.num_features} features; the least-squares fit with them has training loss "
        f"{exact['lstsq_train_loss']:.4g} and test loss {exact['lstsq_test_loss']:.4g}."
    )
    # Before the first step; a fork's metric here is its parent's (not reported again).
    values = report_epoch(ctx, model, data, exact)
    show_fit(ctx, model, data)

    pace = Pace(ctx)
    for epoch in train_epochs(model, batches, params.epochs, lambda step: ctx.checkpoint(step).lr):
        values = report_epoch(ctx, model, data, exact)
        if epoch % FRAMES_EVERY_EPOCHS == 0 or epoch == params.epochs:
            show_fit(ctx, model, data)
        pace.wait(ctx.params.speed)

    ctx.log(weights_line(model.weights()))
    return {
        "weights": model.weights().tolist(),
        **values,
        **exact,
        "num_features": params.num_features,
        "steps": ctx.step,
    }


def complexity_sweep(
    ctx: JobContext[Params], data: Data, fits_start: torch.Tensor
) -> dict[str, Any]:
    """Fits with 1, 2, ... 20 features, the same data and draws, each for `epochs` flat out."""

    def fit(num_features: float) -> dict[str, float]:
        rng = torch.Generator().set_state(fits_start)
        model = PolynomialModel(int(num_features), rng)
        lr = ctx.params.lr  # as it stands when this fit starts
        # No checkpoint between the steps, no tracked state: a sweep is not forked.
        for _ in train_epochs(model, minibatches(data, rng), ctx.params.epochs, lambda _: lr):
            pass
        show_fit(ctx, model, data)
        return {**losses(model, data), **least_squares(data, int(num_features))}

    counts = list(range(1, MAX_DEGREE + 1))
    results = sweep(
        ctx,
        counts,
        fit,
        frame=SWEEP,
        labels=SWEEP_LABELS,
        x_label="number of features",
        y_label="mean squared error",
        y_log=True,
    )
    test_losses = [r["test_loss"] for r in results]
    best = counts[test_losses.index(min(test_losses))]
    ctx.log(f"The lowest test loss after {ctx.params.epochs} epochs: {best} features.")
    return {
        "num_features": counts,
        **{name: [r[name] for r in results] for name in SWEEP_LABELS},
        "best_num_features": best,
    }
