"""Learning a kernel (book 6.2.4), step by step.

The layer starts from random weights (a fork: from its snapshot's), and each step computes its
output, the summed squared error against Y, and the gradient, and moves the weights against the
gradient.
"""

from typing import Any

import torch

from workers.context import JobContext
from workers.demos.edge_kernel.model import (
    conv_layer,
    corr2d,
    gradient_step,
    largest_stable_lr,
    make_image,
    target_kernel,
)
from workers.demos.edge_kernel.params import Params
from workers.demos.edge_kernel.views import report, show_problem
from workers.kit.pacing import Pace


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A 6×8 image: the CPU beats any GPU launch here, so this demo stays on it.
    params = ctx.params
    X = make_image(params.image, params.seed)
    K = target_kernel(params)
    Y = corr2d(X, K)
    show_problem(ctx, X, K, Y)
    stable_lr = largest_stable_lr(X, K.shape)
    height, width = K.shape
    ctx.log(
        f"On this image, a {height}×{width} kernel converges for η < 2/λ_max = {stable_lr:.4g}."
    )

    torch.manual_seed(params.seed)
    conv2d = conv_layer(K.shape)
    # The kernel is all there is to the training state: a fork goes on from its snapshot's.
    ctx.track(conv2d=conv2d)
    # The layer works on (batch, channel, height, width): one example, one channel.
    X, Y = X.reshape((1, 1, *X.shape)), Y.reshape((1, 1, *Y.shape))
    loss = report(ctx, conv2d, X, Y)

    pace = Pace(ctx)
    for step in ctx.steps(params.steps):
        params = ctx.checkpoint(step)
        gradient_step(conv2d, X, Y, params.lr)
        loss = report(ctx, conv2d, X, Y)
        pace.wait(params.speed)

    learned = conv2d.weight.detach()[0, 0]
    return {
        "learned_kernel": learned.tolist(),
        "target_kernel": K.tolist(),
        "largest_error": (learned - K).abs().max().item(),
        "loss": loss,
        "largest_stable_lr": stable_lr,
    }
