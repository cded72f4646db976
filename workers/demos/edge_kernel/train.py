"""Learning a kernel (book 6.2.4), step by step.

We know the kernel K that turned X into Y; can a convolutional layer find it from X and Y
alone? The layer starts from random weights, and each step computes its output, the summed
squared error against Y, and the gradient, and moves the weights against the gradient.
"""

import time
from typing import Any

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from backend.events import FrameKind
from workers.context import JobContext
from workers.demos.edge_kernel import Params

TARGETS: dict[str, list[list[float]]] = {
    "vertical-edge": [[1.0, -1.0]],  # the book's K: 1 at a fall from white to black
    "horizontal-edge": [[1.0], [-1.0]],
    "sobel": [[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]],  # a smoothed [1, 0, −1]
    "blur": [[1 / 9] * 3] * 3,
}
# Every target fits in each; None: a kernel of the target's own shape.
LEARNED_SHAPES: dict[str, tuple[int, int] | None] = {
    "as-target": None,
    "3x3": (3, 3),
    "5x5": (5, 5),
}


def corr2d(X: Tensor, K: Tensor) -> Tensor:
    """Two-dimensional cross-correlation, the book's definition (6.2.1)."""
    h, w = K.shape
    Y = torch.zeros((X.shape[0] - h + 1, X.shape[1] - w + 1))
    for i in range(Y.shape[0]):
        for j in range(Y.shape[1]):
            Y[i, j] = (X[i : i + h, j : j + w] * K).sum()
    return Y


def make_image(name: str, seed: int) -> Tensor:
    if name == "book":  # 6.2.3: ones, with a band of zeros in columns 2..5
        X = torch.ones((6, 8))
        X[:, 2:6] = 0
    elif name == "square":
        X = torch.zeros((10, 10))
        X[2:7, 3:8] = 1
    else:
        X = torch.rand((8, 8), generator=torch.Generator().manual_seed(seed))
    return X


def target_kernel(params: Params) -> Tensor:
    """The target, centred in a kernel of the learned size (zeros elsewhere).

    A larger kernel can represent the target exactly this way, so the best weights are known.
    """
    K = torch.tensor(TARGETS[params.target])
    height, width = LEARNED_SHAPES[params.kernel_size] or K.shape
    top, left = (height - K.shape[0]) // 2, (width - K.shape[1]) // 2
    padded = torch.zeros((height, width))
    padded[top : top + K.shape[0], left : left + K.shape[1]] = K
    return padded


def largest_stable_lr(X: Tensor, kernel_shape: tuple[int, int]) -> float:
    """2/λ_max: the loss is quadratic in K, so gradient descent converges iff η < 2/λ_max.

    Each output pixel is one patch of X dotted with K, so the loss is ‖PK − Y‖² with P the
    patches as rows, and its Hessian is 2PᵀP.
    """
    patches = F.unfold(X[None, None], kernel_shape)[0].T
    return 2 / torch.linalg.eigvalsh(2 * patches.T @ patches).max().item()


def heatmap(values: Tensor) -> dict[str, Any]:
    rows, columns = values.shape
    return {
        "values": values.tolist(),
        "x_labels": [str(j) for j in range(columns)],
        "y_labels": [str(i) for i in range(rows)],
    }


def report(ctx: JobContext[Params], conv2d: nn.Conv2d, X: Tensor, Y: Tensor) -> float:
    """The loss of the current kernel, its weights, and its output beside Y."""
    with torch.no_grad():
        Y_hat = conv2d(X)
    loss = ((Y_hat - Y) ** 2).sum().item()
    K = conv2d.weight.detach()[0, 0]
    weights = {f"K[{i},{j}]": K[i, j].item() for i in range(K.shape[0]) for j in range(K.shape[1])}
    ctx.metric({"loss": loss, **weights})
    ctx.frame("kernel", FrameKind.heatmap, heatmap(K))
    ctx.frame("output", FrameKind.heatmap, heatmap(Y_hat[0, 0]))
    return loss


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # A 6×8 image: the CPU beats any GPU launch here, so this demo stays on it.
    params = ctx.params
    X = make_image(params.image, params.seed)
    K = target_kernel(params)
    Y = corr2d(X, K)
    ctx.frame("X", FrameKind.heatmap, heatmap(X))
    ctx.frame("target", FrameKind.heatmap, heatmap(K))
    ctx.frame("Y", FrameKind.heatmap, heatmap(Y))
    stable_lr = largest_stable_lr(X, K.shape)
    height, width = K.shape
    ctx.log(
        f"On this image, a {height}×{width} kernel converges for η < 2/λ_max = {stable_lr:.4g}."
    )

    # A one-channel conv layer without bias, its weights drawn at random (PyTorch's default).
    torch.manual_seed(params.seed)
    conv2d = nn.Conv2d(1, 1, kernel_size=K.shape, bias=False)
    # The layer works on (batch, channel, height, width): one example, one channel.
    X, Y = X.reshape((1, 1, *X.shape)), Y.reshape((1, 1, *Y.shape))
    loss = report(ctx, conv2d, X, Y)

    next_tick = time.monotonic()
    for step in range(1, params.steps + 1):
        params = ctx.checkpoint(step)
        Y_hat = conv2d(X)
        squared_error = (Y_hat - Y) ** 2
        conv2d.zero_grad()
        squared_error.sum().backward()
        conv2d.weight.data[:] -= params.lr * conv2d.weight.grad  # the book's update
        loss = report(ctx, conv2d, X, Y)
        if params.speed > 0:
            next_tick = max(next_tick + 1 / params.speed, time.monotonic() - 1)
            ctx.wait_until(next_tick)

    learned = conv2d.weight.detach()[0, 0]
    return {
        "learned_kernel": learned.tolist(),
        "target_kernel": K.tolist(),
        "largest_error": (learned - K).abs().max().item(),
        "loss": loss,
        "largest_stable_lr": stable_lr,
    }
