"""Sequence models (book 8.1; today's 9.1): an autoregressive model of a noisy sine.

The series is drawn once from the seed, then the model's initial weights, then each epoch's
order of the 600 training examples. The book's loop: each minibatch of 16 takes one step of
Adam (the classic MLP) or SGD (the current linear model) on the mean squared error. After each
step (or every few, in a long run) the 1-step losses and the k-step test errors are reported,
and the predictions redrawn now and then. The model, the optimizer, the minibatch order and
the report schedule are the training state that a fork continues.
"""

import math
from typing import Any

from workers.context import JobContext
from workers.demos.sequence_prediction.model import NUM_TRAIN, Autoregression, T, make_data
from workers.demos.sequence_prediction.params import Params
from workers.demos.sequence_prediction.views import Pictures, report
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.reporting import ReportSchedule
from workers.kit.seeding import generator

# A long run reports every few steps, so that it sends about this many reports; the book's
# run (190 steps) reports every step.
MAX_REPORTS = 400


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A few dozen weights: the CPU beats any GPU launch here, so this demo stays on it.
    params = ctx.params
    rng = generator(params.seed)  # draws the noise, the initial weights, each epoch's order
    data = make_data(params.tau, rng)
    model = Autoregression(params.model, params.tau, params.lr, rng)
    ctx.log(
        f"x_t = sin(0.01 t) + ε, ε ~ N(0, 0.2²), t = 1..{T}: the {params.tau} previous values "
        f"predict the next; {NUM_TRAIN} training and {len(data.labels) - NUM_TRAIN} test "
        f"examples. Model: {model.net}"
    )
    batches = Minibatches(
        (data.features[:NUM_TRAIN], data.labels[:NUM_TRAIN]), params.batch_size, rng
    )
    steps_per_epoch = math.ceil(NUM_TRAIN / params.batch_size)
    reports = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS)
    ctx.track(model=model, batches=batches, reports=reports)
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)

    pictures = Pictures(ctx, model, data)
    values = report(ctx, model, data)  # before the first step (a fork's: not reported again)
    pictures.show()
    pace = Pace(ctx)
    for epoch in batches.epochs(params.epochs):
        for X, y in batches:
            params = ctx.checkpoint(batches.step)
            model.step(X, y, params.lr)
            if reports.due(batches.step) or batches.epoch_done:
                values = report(ctx, model, data)
                pictures.show_if_due()
            pace.wait(params.speed)
        ctx.log(f"epoch {epoch}, loss: {values['train_loss']:f}")
    pictures.show()
    return {**values, "steps": batches.step, "model": params.model}
