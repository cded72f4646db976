"""Weight decay (book 4.5; today's 3.7): high-dimensional linear regression, and the L2 penalty.

The book makes overfitting easy: 200 inputs and only 20 training examples of
y = 0.05 + Σᵢ 0.01 xᵢ + ε, ε ~ N(0, 0.01²). From scratch, the penalty λ‖w‖²/2 is added to the
loss (ŷ − y)²/2, so each SGD step also pulls w towards zero by ηλw (the bias is not penalized).
Concisely, torch.optim.SGD's `weight_decay` adds λw to the weight's gradient, and the loss is
nn.MSELoss, the mean of (ŷ − y)² without the ½: its data gradient is twice the scratch one. So
the concise version at η/2 with weight_decay 2λ takes exactly the scratch version's steps at η
with λ: w ← w − (η/2)(2g + 2λw) = w − η(g + λw).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from workers.demos.weight_decay.params import Params
from workers.kit.minibatches import Minibatches

NUM_INPUTS = 200
NUM_TEST = 100
TRUE_W_VALUE, TRUE_B = 0.01, 0.05
NOISE = 0.01

# -- The data (4.5.2) -----------------------------------------------------------------------


@dataclass(frozen=True)
class Data:
    X: Tensor  # (num_train, 200)
    y: Tensor  # (num_train, 1)
    X_test: Tensor
    y_test: Tensor
    true_w: Tensor  # (200,)


def make_data(num_train: int, rng: torch.Generator) -> Data:
    """The book's `synthetic_data`, training and test examples drawn together."""
    true_w = torch.full((NUM_INPUTS,), TRUE_W_VALUE)
    X = torch.normal(0.0, 1.0, (num_train + NUM_TEST, NUM_INPUTS), generator=rng)
    y = X @ true_w + TRUE_B
    y += torch.normal(0.0, NOISE, y.shape, generator=rng)
    y = y.reshape(-1, 1)
    n = num_train
    return Data(X[:n], y[:n], X[n:], y[n:], true_w)


def initial_weights(init_std: float, rng: torch.Generator) -> Tensor:
    """w ~ N(0, σ²): σ = 1 in the classic edition, 0.01 in the current one; b starts at 0."""
    return torch.normal(0.0, init_std, (NUM_INPUTS,), generator=rng)


# -- From scratch (4.5.3) -------------------------------------------------------------------


def linreg(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    return X @ w + b


def squared_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def l2_penalty(w: Tensor) -> Tensor:
    return torch.sum(w.pow(2)) / 2


def sgd(params: list[Tensor], lr: float, batch_size: int) -> None:
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


class Regression(Protocol):
    def step(self, X: Tensor, y: Tensor, lr: float, lambd: float) -> None:
        """One SGD step on the minibatch (X, y) with weight decay λ = `lambd`."""
        ...

    def predict(self, X: Tensor) -> Tensor: ...

    def weights(self) -> Tensor:
        """w, as a (200,) tensor."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """What a fork of a watched fit trains on from (see `workers.kit.state`)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class ScratchWeightDecay:
    def __init__(self, w: Tensor) -> None:
        self.w = w.reshape(-1, 1).clone().requires_grad_(True)
        self.b = torch.zeros(1, requires_grad=True)

    def step(self, X: Tensor, y: Tensor, lr: float, lambd: float) -> None:
        # The penalty is added to each example's loss; summed and divided by the batch size, it
        # adds λw to the gradient of the batch's mean loss.
        l = (  # noqa: E741 - the book's name
            squared_loss(linreg(X, self.w, self.b), y) + lambd * l2_penalty(self.w)
        )
        l.sum().backward()
        sgd([self.w, self.b], lr, len(y))

    @torch.no_grad()
    def predict(self, X: Tensor) -> Tensor:
        return linreg(X, self.w, self.b)

    def weights(self) -> Tensor:
        return self.w.detach().flatten()

    def state_dict(self) -> dict[str, Any]:
        return {"w": self.w.detach(), "b": self.b.detach()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            self.w.copy_(state["w"])
            self.b.copy_(state["b"])


# -- Concise (4.5.4) ------------------------------------------------------------------------


class ConciseWeightDecay:
    def __init__(self, w: Tensor) -> None:
        self.net = nn.Sequential(nn.Linear(NUM_INPUTS, 1))
        # The book draws the weight (and the bias) from N(0, 1); the weight here is the same
        # draw as the scratch version's, and the bias starts at 0 as there, so the two compare.
        with torch.no_grad():
            self.net[0].weight.copy_(w.reshape(1, -1))
            self.net[0].bias.zero_()
        self.loss = nn.MSELoss()
        # Weight decay on the weight only: the bias is not penalized. η and λ are set at every
        # step, since both are live.
        self.trainer = torch.optim.SGD(
            [
                {"params": self.net[0].weight, "weight_decay": 0.0},
                {"params": self.net[0].bias},
            ],
            lr=0.0,
        )

    def step(self, X: Tensor, y: Tensor, lr: float, lambd: float) -> None:
        for group in self.trainer.param_groups:
            group["lr"] = lr
        self.trainer.param_groups[0]["weight_decay"] = lambd
        self.trainer.zero_grad()
        l = self.loss(self.net(X), y)  # noqa: E741 - the book's name
        l.backward()
        self.trainer.step()

    @torch.no_grad()
    def predict(self, X: Tensor) -> Tensor:
        return self.net(X)

    def weights(self) -> Tensor:
        return self.net[0].weight.detach().flatten()

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


def build_model(params: Params, w: Tensor) -> Regression:
    if params.implementation == "concise":
        return ConciseWeightDecay(w)
    return ScratchWeightDecay(w)


def mean_loss(model: Regression, X: Tensor, y: Tensor) -> float:
    """The mean of (ŷ − y)²/2 over a set (the book's `evaluate_loss` with `squared_loss`)."""
    return squared_loss(model.predict(X), y).mean().item()


def minibatches(data: Data, batch_size: int, rng: torch.Generator) -> Minibatches:
    """The training set in shuffled minibatches, each epoch's order drawn from `rng`."""
    return Minibatches((data.X, data.y), batch_size, rng)


def train_epochs(
    model: Regression,
    batches: Minibatches,
    epochs: int,
    next_step: Callable[[int], tuple[float, float]],
) -> Iterator[int]:
    """The book's loop: each epoch walks the shuffled training set in minibatches, one SGD step
    each; yields after each epoch. `next_step(step)` is called before every step and gives its
    (η, λ) (a live change lands there). Resumes where `batches` stands (a fork)."""
    for epoch in batches.epochs(epochs):
        for X, y in batches:
            lr, lambd = next_step(batches.step)
            model.step(X, y, lr, lambd)
        yield epoch
