"""Nadaraya–Watson kernel regression as attention pooling (book 10.1–10.2).

Each query q (a point on a grid) attends to every key x_i (a training input) and returns the
weighted average of the values y_i:

    f(q) = Σ_i α(q, x_i) y_i,    α(q, x_i) = K((q − x_i) / σ) / Σ_j K((q − x_j) / σ).

The weights α of a query are positive and sum to 1: they are its attention. A fixed kernel K
has nothing to learn. The parametric version uses the Gaussian kernel with a learned width,
α(q, x_i) = softmax_i(−((q − x_i) w)² / 2), and fits w by SGD, each training point predicted
from all the *other* points.
"""

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

# -- The data --------------------------------------------------------------------------------

N_TRAIN = 50


def f(x: Tensor) -> Tensor:
    """The function to recover: 2 sin(x) + x^0.8."""
    return 2 * torch.sin(x) + x**0.8


@dataclass(frozen=True)
class Data:
    x_train: Tensor  # the keys, sorted
    y_train: Tensor  # the values: f plus noise
    x_test: Tensor  # the queries: a grid on [0, 5)
    y_truth: Tensor  # f on the grid, without noise


def make_data(generator: torch.Generator) -> Data:
    """The book's data: 50 sorted x ~ U(0, 5), y = f(x) + N(0, 0.5), queries 0, 0.1, ..., 4.9."""
    x_train, _ = torch.sort(torch.rand(N_TRAIN, generator=generator, dtype=torch.float64) * 5)
    noise = torch.normal(0.0, 0.5, (N_TRAIN,), generator=generator, dtype=torch.float64)
    x_test = torch.arange(0, 5, 0.1, dtype=torch.float64)
    return Data(x_train, f(x_train) + noise, x_test, f(x_test))


# -- Fixed kernels ---------------------------------------------------------------------------

KERNELS: dict[str, Callable[[Tensor], Tensor]] = {
    "gaussian": lambda u: torch.exp(-(u**2) / 2),
    "boxcar": lambda u: (u.abs() < 1).double(),
    # What the book calls Epanechikov is this triangle: weight falls linearly to 0 at |u| = 1.
    "epanechikov": lambda u: torch.clamp(1 - u.abs(), min=0),
    "constant": lambda u: torch.ones_like(u),
}


@dataclass(frozen=True)
class Pooling:
    predictions: Tensor  # one per query; NaN where a query reaches no key
    weights: Tensor  # attention weights, queries × keys


def nadaraya_watson(
    queries: Tensor, keys: Tensor, values: Tensor, kernel: str, sigma: float
) -> Pooling:
    """Attention pooling with a fixed kernel of bandwidth σ.

    Boxcar and Epanechikov give exactly zero weight beyond σ: a query with no key that close
    has nothing to average, so its row of weights stays zero and it has no prediction.
    """
    k = KERNELS[kernel]((queries[:, None] - keys[None, :]) / sigma)
    totals = k.sum(dim=1, keepdim=True)
    weights = torch.where(totals > 0, k / totals, 0.0)
    return Pooling(torch.where(totals[:, 0] > 0, weights @ values, torch.nan), weights)


# -- The parametric kernel -------------------------------------------------------------------


class NWKernelRegression(nn.Module):
    """Gaussian attention pooling with a learned width w (the book's `NWKernelRegression`)."""

    def __init__(self, generator: torch.Generator) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.rand(1, generator=generator, dtype=torch.float64))

    def forward(self, queries: Tensor, keys: Tensor, values: Tensor) -> Tensor:
        """queries: (n,); keys and values: (n, m), a row of keys per query."""
        scores = -(((queries[:, None] - keys) * self.w) ** 2) / 2
        self.attention_weights = torch.softmax(scores, dim=1)
        return (self.attention_weights * values).sum(dim=1)


def leave_one_out(data: Data) -> tuple[Tensor, Tensor]:
    """Row i holds every training key and value except the i-th.

    With its own key in reach, a point's best prediction is itself: w would grow without
    bound and the kernel shrink to nothing. Left out, w must predict from the neighbours.
    """
    others = ~torch.eye(N_TRAIN, dtype=torch.bool)
    keys = data.x_train.repeat(N_TRAIN, 1)[others].reshape(N_TRAIN, -1)
    values = data.y_train.repeat(N_TRAIN, 1)[others].reshape(N_TRAIN, -1)
    return keys, values


def squared_errors(predictions: Tensor, targets: Tensor) -> Tensor:
    return (predictions - targets) ** 2


def sgd_step(net: NWKernelRegression, optimizer: torch.optim.SGD, data: Data, lr: float) -> None:
    """One epoch, as in the book: the summed squared error of all 50 leave-one-out
    predictions, one gradient step on w."""
    for group in optimizer.param_groups:
        group["lr"] = lr
    keys, values = leave_one_out(data)
    optimizer.zero_grad()
    squared_errors(net(data.x_train, keys, values), data.y_train).sum().backward()
    optimizer.step()


@torch.no_grad()
def learned_pooling(net: NWKernelRegression, data: Data) -> Pooling:
    """Every query attends to all 50 training points through the learned kernel."""
    predictions = net(data.x_test, data.x_train.repeat(len(data.x_test), 1), data.y_train)
    return Pooling(predictions, net.attention_weights)


@torch.no_grad()
def training_loss(net: NWKernelRegression, data: Data) -> float:
    keys, values = leave_one_out(data)
    return squared_errors(net(data.x_train, keys, values), data.y_train).sum().item()


def error_to_truth(pooling: Pooling, data: Data) -> dict[str, float]:
    """Mean squared error against the noise-free f, over the queries that have a prediction
    (nothing when none has: no metric is better than a made-up one)."""
    mse = torch.nanmean(squared_errors(pooling.predictions, data.y_truth))
    return {"mse": mse.item()} if torch.isfinite(mse) else {}
