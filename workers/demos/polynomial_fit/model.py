"""Polynomial regression (book 4.4.4): the data, the model, one step of SGD, the losses.

The book draws x ~ N(0, 1) and labels from a cubic, y = 5 + 1.2x − 3.4x²/2! + 5.6x³/3! + ε with
ε ~ N(0, 0.1²), and fits a linear model without bias to the features xⁱ/i! for i = 0..d−1:
with d = 4 it is the cubic's own family, with fewer it cannot bend enough (underfitting), with
20 it can also bend to the noise (overfitting). Dividing by i! keeps the high powers from
making huge features (and huge gradients) where |x| > 1.
"""

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor, nn

from workers.kit.minibatches import Minibatches

MAX_DEGREE = 20  # the book's features xⁱ/i! for i = 0..19
TRUE_W = (5.0, 1.2, -3.4, 5.6)  # of 1, x, x²/2!, x³/3!; the rest are 0
BATCH_SIZE = 10  # the book's min(10, number of training examples)


def polynomial_features(x: Tensor, degree: int = MAX_DEGREE) -> Tensor:
    """(n,) → (n, degree): column i is xⁱ/i!."""
    powers = torch.arange(degree, dtype=x.dtype)
    factorials = torch.exp(torch.lgamma(powers + 1))  # i! = Γ(i + 1)
    return x[:, None] ** powers / factorials


def true_weights() -> Tensor:
    w = torch.zeros(MAX_DEGREE)
    w[: len(TRUE_W)] = torch.tensor(TRUE_W)
    return w


@dataclass(frozen=True)
class Data:
    x: Tensor  # (num_train,): the raw inputs, to draw
    x_test: Tensor
    features: Tensor  # (num_train, MAX_DEGREE): all 20 features; a model uses the first d
    test_features: Tensor
    labels: Tensor  # (num_train, 1)
    test_labels: Tensor


def make_data(num_train: int, num_test: int, noise: float, rng: torch.Generator) -> Data:
    """The book's data: training and test inputs drawn together, their labels from the cubic."""
    x = torch.normal(0.0, 1.0, (num_train + num_test,), generator=rng)
    features = polynomial_features(x)
    labels = features @ true_weights()
    labels += torch.normal(0.0, noise, labels.shape, generator=rng)
    labels = labels.reshape(-1, 1)
    n = num_train
    return Data(x[:n], x[n:], features[:n], features[n:], labels[:n], labels[n:])


class PolynomialModel:
    """The book's `nn.Linear(d, 1, bias=False)`, nn.MSELoss and torch.optim.SGD."""

    def __init__(self, num_features: int, rng: torch.Generator) -> None:
        self.net = nn.Sequential(nn.Linear(num_features, 1, bias=False))
        # PyTorch's default initialization, which the book keeps, U(−1/√d, 1/√d), drawn from
        # the demo's generator: every fit of a sweep starts from the same draws.
        bound = 1 / math.sqrt(num_features)
        with torch.no_grad():
            self.net[0].weight.uniform_(-bound, bound, generator=rng)
        self.loss = nn.MSELoss()  # the mean of (ŷ − y)², no ½
        self.trainer = torch.optim.SGD(self.net.parameters(), lr=0.01)

    @property
    def num_features(self) -> int:
        return self.net[0].in_features

    def step(self, features: Tensor, y: Tensor, lr: float) -> None:
        self.trainer.param_groups[0]["lr"] = lr  # the learning rate is live
        l = self.loss(self.net(features[:, : self.num_features]), y)  # noqa: E741 - the book's name
        self.trainer.zero_grad()
        l.backward()
        self.trainer.step()

    @torch.no_grad()
    def predict(self, features: Tensor) -> Tensor:
        return self.net(features[:, : self.num_features])

    def weights(self) -> Tensor:
        return self.net[0].weight.detach().flatten()

    def state_dict(self) -> dict[str, Any]:
        """The weights and the optimizer's state: what a fork of a watched fit trains on from."""
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


def minibatches(data: Data, rng: torch.Generator) -> Minibatches:
    """The training set in shuffled minibatches of 10 (or fewer examples), each epoch's order
    drawn from `rng`."""
    return Minibatches((data.features, data.labels), min(BATCH_SIZE, len(data.labels)), rng)


def train_epochs(
    model: PolynomialModel,
    batches: Minibatches,
    epochs: int,
    next_lr: Callable[[int], float],
) -> Iterator[int]:
    """The book's `train`: each epoch walks the shuffled training set in minibatches, one SGD
    step each; yields after each epoch. `next_lr(step)` is called before every step and gives
    its learning rate (a live change lands there). Resumes where `batches` stands (a fork)."""
    for epoch in batches.epochs(epochs):
        for features, labels in batches:
            model.step(features, labels, next_lr(batches.step))
        yield epoch


def evaluate_loss(model: PolynomialModel, features: Tensor, y: Tensor) -> float:
    """The mean squared error over a whole set (the book's `evaluate_loss`)."""
    return model.loss(model.predict(features), y).item()


def least_squares_losses(data: Data, num_features: int) -> tuple[float, float]:
    """The training and test loss of the exact minimizer of the training loss, where SGD heads
    given enough epochs: training loss only falls as features are added, test loss does not."""
    X, y = data.features[:, :num_features].double(), data.labels.double()
    # The features' scales span 17 orders of magnitude (x¹⁹/19! is tiny): each column is scaled
    # to unit norm first, or rounding drowns the smallest. gelsd (SVD) gives the smallest-norm
    # solution when there are fewer examples than features.
    scale = X.norm(dim=0).clamp(min=torch.finfo(X.dtype).tiny)
    w = torch.linalg.lstsq(X / scale, y, driver="gelsd").solution / scale[:, None]
    X_test, y_test = data.test_features[:, :num_features].double(), data.test_labels.double()
    return ((X @ w - y) ** 2).mean().item(), ((X_test @ w - y_test) ** 2).mean().item()


def feature_name(i: int) -> str:
    return {0: "1", 1: "x"}.get(i, f"x^{i}/{i}!")
