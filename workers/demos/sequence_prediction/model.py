"""Sequence models (book 8.1; today's 9.1): the data, the autoregressive model, k-step-ahead
prediction.

The book's series is a sine with noise, x_t = sin(0.01 t) + ε, ε ~ N(0, 0.2²), t = 1..1000. A
model sees the τ previous values and predicts the next one; the first 600 (features, label)
pairs train it. Fed its own predictions back as inputs, it predicts k steps ahead, and the
errors pile up.
"""

import math
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

T = 1000  # the book's length of the series
NUM_TRAIN = 600  # the first 600 examples train
NOISE = 0.2
LINEAR_INIT_STD = 0.01  # the current edition's LinearRegression: w ~ N(0, 0.01²), b = 0


@dataclass(frozen=True)
class Data:
    time: Tensor  # (T,): 1..T
    x: Tensor  # (T,)
    features: Tensor  # (T − τ, τ): row i holds x_i, …, x_{i+τ−1} (0-based)
    labels: Tensor  # (T − τ, 1): x_{i+τ}
    tau: int


def make_series(rng: torch.Generator) -> tuple[Tensor, Tensor]:
    """x_t = sin(0.01 t) + N(0, 0.2²) for t = 1..T, as the book draws it."""
    time = torch.arange(1, T + 1, dtype=torch.float32)
    x = torch.sin(0.01 * time) + torch.normal(0.0, NOISE, (T,), generator=rng)
    return time, x


def make_data(tau: int, rng: torch.Generator) -> Data:
    """The book's features: column i of the (T − τ, τ) matrix is x shifted by i."""
    time, x = make_series(rng)
    features = torch.zeros((T - tau, tau))
    for i in range(tau):
        features[:, i] = x[i : T - tau + i]
    labels = x[tau:].reshape((-1, 1))
    return Data(time, x, features, labels, tau)


def mlp(tau: int, rng: torch.Generator) -> nn.Sequential:
    """The classic edition's net: τ → 10 ReLU → 1, Xavier-uniform weights (its `init_weights`)
    and PyTorch's default biases U(−1/√fan_in, 1/√fan_in), all drawn from `rng`."""
    net = nn.Sequential(nn.Linear(tau, 10), nn.ReLU(), nn.Linear(10, 1))
    with torch.no_grad():
        for layer in (net[0], net[2]):
            fan_out, fan_in = layer.weight.shape
            bound = math.sqrt(6 / (fan_in + fan_out))
            layer.weight.uniform_(-bound, bound, generator=rng)
            layer.bias.uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), generator=rng)
    return net


def linear(tau: int, rng: torch.Generator) -> nn.Sequential:
    """The current edition's `LinearRegression`: one linear layer, w ~ N(0, 0.01²), b = 0."""
    net = nn.Sequential(nn.Linear(tau, 1))
    with torch.no_grad():
        net[0].weight.copy_(torch.normal(0.0, LINEAR_INIT_STD, (1, tau), generator=rng))
        net[0].bias.zero_()
    return net


class Autoregression:
    """The net, the squared loss (nn.MSELoss: the mean of (ŷ − y)²) and the book's optimizer:
    Adam for the classic MLP, SGD for the current linear model."""

    def __init__(self, kind: str, tau: int, lr: float, rng: torch.Generator) -> None:
        self.kind = kind
        self.net = mlp(tau, rng) if kind == "mlp" else linear(tau, rng)
        self.loss = nn.MSELoss()
        optimizer = torch.optim.Adam if kind == "mlp" else torch.optim.SGD
        self.trainer = optimizer(self.net.parameters(), lr=lr)

    def step(self, X: Tensor, y: Tensor, lr: float) -> float:
        self.trainer.param_groups[0]["lr"] = lr  # the learning rate is live
        l = self.loss(self.net(X), y)  # noqa: E741 - the book's name
        self.trainer.zero_grad()
        l.backward()
        self.trainer.step()
        return l.item()

    @torch.no_grad()
    def predict(self, X: Tensor) -> Tensor:
        return self.net(X)

    def state_dict(self) -> dict[str, Any]:
        """The weights and the optimizer's state: what a fork trains on from."""
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


def mse(model: Autoregression, X: Tensor, y: Tensor) -> float:
    return model.loss(model.predict(X), y).item()


@torch.no_grad()
def k_step_predictions(model: Autoregression, x: Tensor, tau: int, max_k: int) -> Tensor:
    """The book's table of k-step-ahead predictions, (T − τ − max_k + 1, τ + max_k).

    Row r starts with the observations x_r, …, x_{r+τ−1} (0-based); column τ + k − 1 is the
    prediction of x_{r+τ+k−1} made from them, the model's own k − 1 earlier predictions fed
    back as inputs.
    """
    rows = len(x) - tau - max_k + 1
    table = torch.zeros((rows, tau + max_k))
    for i in range(tau):
        table[:, i] = x[i : i + rows]
    for i in range(tau, tau + max_k):
        table[:, i] = model.predict(table[:, i - tau : i]).reshape(-1)
    return table


def horizons(max_k: int) -> list[int]:
    """The k shown: 1, 4, 16, 64, … up to max_k, and max_k itself."""
    ks = [4**i for i in range(5) if 4**i <= max_k]
    return ks if ks[-1] == max_k else [*ks, max_k]
