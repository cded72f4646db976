"""Attention pooling (book 10.1–10.2), epoch by epoch.

Each epoch takes one SGD step on the learned width w, then pools every query both through the
learned kernel and through the fixed kernel in force (kernel and σ are live). A fork starts
from its snapshot's w.
"""

from typing import Any

import torch

from workers.context import JobContext
from workers.demos.attention_pooling.model import (
    NWKernelRegression,
    learned_pooling,
    make_data,
    nadaraya_watson,
    sgd_step,
)
from workers.demos.attention_pooling.params import Params
from workers.demos.attention_pooling.views import report, show_fixed_kernel, show_learned_kernel
from workers.kit.pacing import Pace
from workers.kit.seeding import generator

MAX_FRAMES = 100  # learned-kernel frames per run, however many epochs


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # Everything here is 50 × 50 numbers: the CPU is the fastest place for it, whatever
    # `ctx.device` says.
    params = ctx.params
    rng = generator(params.seed)  # the data, its noise and the initial w, in that order
    data = make_data(rng)
    net = NWKernelRegression(rng)
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    # The data are drawn again alike from the seed; w and its optimizer are the state.
    ctx.track(net=net, optimizer=optimizer)
    frame_every = max(1, params.epochs // MAX_FRAMES)
    drawn_kernel: tuple[str, float] | None = None

    pace = Pace(ctx)
    # Epoch 0 (a fork: its snapshot's epoch) is shown before any step; then one per epoch.
    for epoch in [ctx.resumed_step, *ctx.steps(params.epochs)]:
        if epoch > ctx.resumed_step:
            pace.wait(params.speed)  # between two epochs, none after the last
            params = ctx.checkpoint(epoch)
            sgd_step(net, optimizer, data, params.lr)
        learned = learned_pooling(net, data)
        fixed = nadaraya_watson(
            data.x_test, data.x_train, data.y_train, params.kernel, params.sigma
        )
        values = report(ctx, net, data, learned, fixed)

        kernel_changed = drawn_kernel != (params.kernel, params.sigma)
        if kernel_changed:
            show_fixed_kernel(ctx, fixed, data)
            drawn_kernel = (params.kernel, params.sigma)
        if kernel_changed or epoch % frame_every == 0 or epoch == params.epochs:
            show_learned_kernel(ctx, data, fixed, learned)

    return {**values, "epochs": params.epochs, "kernel": params.kernel, "sigma": params.sigma}
