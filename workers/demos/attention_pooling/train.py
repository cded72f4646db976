"""Attention pooling (book 10.1–10.2), epoch by epoch.

Each epoch takes one SGD step on the learned width w, then pools every query both through the
learned kernel and through the fixed kernel in force (kernel and σ are live).
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
    frame_every = max(1, params.epochs // MAX_FRAMES)
    drawn_kernel: tuple[str, float] | None = None

    pace = Pace(ctx)
    for epoch in range(params.epochs + 1):  # epoch 0: before any training
        params = ctx.checkpoint(epoch)
        if epoch > 0:
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

        if epoch < params.epochs:  # no wait after the last epoch
            pace.wait(params.speed)

    return {**values, "epochs": params.epochs, "kernel": params.kernel, "sigma": params.sigma}
