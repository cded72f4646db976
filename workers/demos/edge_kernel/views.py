"""What the learner sees of edge-kernel: the images as heatmaps, and the kernel's weights as
metrics `K[i,j]` beside the loss. Values are exact (unrounded): they are few, and a learner
compares them with the book's."""

import torch
from torch import Tensor, nn

from workers.context import JobContext
from workers.kit.views import heatmap


def show_problem(ctx: JobContext, X: Tensor, K: Tensor, Y: Tensor) -> None:
    ctx.frame("X", heatmap(X, decimals=None))
    ctx.frame("target", heatmap(K, decimals=None))
    ctx.frame("Y", heatmap(Y, decimals=None))


def report(ctx: JobContext, conv2d: nn.Conv2d, X: Tensor, Y: Tensor) -> float:
    """The loss of the current kernel, its weights, and its output beside Y."""
    with torch.no_grad():
        Y_hat = conv2d(X)
    loss = ((Y_hat - Y) ** 2).sum().item()
    K = conv2d.weight.detach()[0, 0]
    weights = {f"K[{i},{j}]": K[i, j].item() for i in range(K.shape[0]) for j in range(K.shape[1])}
    ctx.metric({"loss": loss, **weights})
    ctx.frame("kernel", heatmap(K, decimals=None))
    ctx.frame("output", heatmap(Y_hat[0, 0], decimals=None))
    return loss
