"""Learning a kernel (book 6.2.4): the data and the layer.

We know the kernel K that turned X into Y; can a convolutional layer find it from X and Y
alone? X is an image, Y is X cross-correlated with K, and the layer is a one-channel
convolution without bias whose weights start at random.
"""

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from workers.demos.edge_kernel.params import Params

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


def conv_layer(kernel_shape: tuple[int, int]) -> nn.Conv2d:
    """A one-channel conv layer without bias, its weights drawn at random (PyTorch's default)."""
    return nn.Conv2d(1, 1, kernel_size=kernel_shape, bias=False)


def squared_error(conv2d: nn.Conv2d, X: Tensor, Y: Tensor) -> Tensor:
    """The summed squared error of the layer's output against Y (the book's loss)."""
    return ((conv2d(X) - Y) ** 2).sum()


def gradient_step(conv2d: nn.Conv2d, X: Tensor, Y: Tensor, lr: float) -> None:
    """The book's update: backpropagate the loss, move the weights against the gradient."""
    conv2d.zero_grad()
    squared_error(conv2d, X, Y).backward()
    conv2d.weight.data[:] -= lr * conv2d.weight.grad
