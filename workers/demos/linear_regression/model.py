"""Linear regression (book 3.1–3.3; today's 3.1–3.5): the data, the model, the loss, the update.

3.2 writes everything by hand: the parameters are tensors, the model is a matrix product, the
loss is (ŷ − y)²/2 and minibatch SGD moves each parameter against its gradient averaged over
the batch. 3.3 says the same with PyTorch's building blocks: nn.Linear, nn.MSELoss and
torch.optim.SGD. Both start from the same weights, drawn once, so their runs can be compared.
"""

from dataclasses import dataclass
from typing import Any, Protocol

import torch
from torch import Tensor, nn

from workers.demos.linear_regression.params import Params

INITIAL_WEIGHT_STD = 0.01  # the book's w ~ N(0, 0.01²); b starts at 0

# -- The data (3.2.1) -----------------------------------------------------------------------


def synthetic_data(
    w: Tensor, b: float, num_examples: int, noise: float, rng: torch.Generator
) -> tuple[Tensor, Tensor]:
    """y = Xw + b + ε, with X ~ N(0, 1) and ε ~ N(0, noise²), as the book generates it."""
    X = torch.normal(0, 1, (num_examples, len(w)), generator=rng)
    y = torch.matmul(X, w) + b
    y += torch.normal(0, noise, y.shape, generator=rng)
    return X, y.reshape((-1, 1))


@dataclass(frozen=True)
class Data:
    X: Tensor  # (num_examples, 2)
    y: Tensor  # (num_examples, 1)
    X_val: Tensor  # (num_val, 2): empty in the classic edition
    y_val: Tensor
    true_w: Tensor  # (2,)
    true_b: float


def make_data(params: Params, rng: torch.Generator) -> Data:
    """Training and validation examples drawn together, then split (the current edition's
    `SyntheticRegressionData`; without validation examples it is the classic one)."""
    true_w = torch.tensor(params.true_w)
    X, y = synthetic_data(
        true_w, params.true_b, params.num_examples + params.num_val, params.noise, rng
    )
    n = params.num_examples
    return Data(X[:n], y[:n], X[n:], y[n:], true_w, params.true_b)


def initial_weights(num_inputs: int, rng: torch.Generator) -> Tensor:
    return torch.normal(0, INITIAL_WEIGHT_STD, (num_inputs,), generator=rng)


# -- From scratch (3.2) ---------------------------------------------------------------------


def linreg(X: Tensor, w: Tensor, b: Tensor) -> Tensor:
    """The linear regression model."""
    return torch.matmul(X, w) + b


def squared_loss(y_hat: Tensor, y: Tensor) -> Tensor:
    """Squared loss, per example."""
    return (y_hat - y.reshape(y_hat.shape)) ** 2 / 2


def sgd(params: list[Tensor], lr: float, batch_size: int) -> None:
    """Minibatch stochastic gradient descent: the gradient of the summed loss, divided by the
    batch size, is the gradient of the batch's mean loss."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


class Regression(Protocol):
    # Its loss as a multiple of the book's (ŷ − y)²/2: the loss's curvature, and so the largest
    # stable learning rate, scale with it.
    loss_scale: float

    def step(self, X: Tensor, y: Tensor, lr: float) -> Tensor:
        """One SGD update on the minibatch (X, y); returns the batch's mean loss (ŷ − y)²/2."""
        ...

    def predict(self, X: Tensor) -> Tensor: ...

    def estimates(self) -> tuple[Tensor, float]:
        """ŵ as a (2,) tensor, and b̂."""
        ...

    # The parameters (and the optimizer's state): the training state a fork continues.
    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class ScratchRegression:
    loss_scale = 1.0

    def __init__(self, w: Tensor) -> None:
        self.w = w.reshape(-1, 1).clone().requires_grad_(True)
        self.b = torch.zeros(1, requires_grad=True)

    def step(self, X: Tensor, y: Tensor, lr: float) -> Tensor:
        l = squared_loss(linreg(X, self.w, self.b), y)  # noqa: E741 - the book's name
        # The classic book divides by the `batch_size` param; the batch's own length is the
        # same number except for a short last batch, where it keeps this the batch's mean.
        l.sum().backward()
        sgd([self.w, self.b], lr, len(y))
        return l.detach().mean()

    @torch.no_grad()
    def predict(self, X: Tensor) -> Tensor:
        return linreg(X, self.w, self.b)

    def estimates(self) -> tuple[Tensor, float]:
        return self.w.detach().flatten(), self.b.item()

    def state_dict(self) -> dict[str, Any]:
        return {"w": self.w.detach(), "b": self.b.detach()}

    @torch.no_grad()
    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.w.copy_(state["w"])
        self.b.copy_(state["b"])


# -- Concise (3.3) --------------------------------------------------------------------------


class ConciseRegression:
    loss_scale = 2.0  # MSELoss is the mean of (ŷ − y)², without the ½

    def __init__(self, w: Tensor, lr: float) -> None:
        self.net = nn.Sequential(nn.Linear(len(w), 1))
        self.net[0].weight.data = w.reshape(1, -1).clone()  # the book: .normal_(0, 0.01)
        self.net[0].bias.data.fill_(0)
        self.loss = nn.MSELoss()
        self.trainer = torch.optim.SGD(self.net.parameters(), lr=lr)

    def step(self, X: Tensor, y: Tensor, lr: float) -> Tensor:
        self.trainer.param_groups[0]["lr"] = lr  # the learning rate is live
        l = self.loss(self.net(X), y)  # noqa: E741 - the book's name
        self.trainer.zero_grad()
        l.backward()
        self.trainer.step()
        # Rescaled to the loss of 3.1, the one the scratch version reports, so that runs of
        # both can be compared.
        return l.detach() / self.loss_scale

    @torch.no_grad()
    def predict(self, X: Tensor) -> Tensor:
        return self.net(X)

    def estimates(self) -> tuple[Tensor, float]:
        return self.net[0].weight.detach().flatten(), self.net[0].bias.item()

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


def build_model(params: Params, w: Tensor) -> Regression:
    if params.implementation == "concise":
        return ConciseRegression(w, params.lr)
    return ScratchRegression(w)


def mean_loss(model: Regression, X: Tensor, y: Tensor) -> float:
    """The mean of (ŷ − y)²/2 over a set of examples (the book's `train_loss` after an epoch)."""
    return squared_loss(model.predict(X), y).mean().item()


# -- The loss surface, and its lowest point (3.1.1) ------------------------------------------


def loss_surface(data: Data, w1: Tensor, w2: Tensor) -> Tensor:
    """The training loss at (w1, w2) with b held at its true value, for grids of w1 and w2.

    The loss is quadratic in w: mean((Xw − r)²)/2 with r = y − b is (wᵀAw − 2cᵀw + mean(r²))/2
    for A = XᵀX/n and c = Xᵀr/n, so a grid costs a few products, whatever n.
    """
    X, r = data.X.double(), data.y.double().flatten() - data.true_b
    n = len(r)
    A, c, rr = X.T @ X / n, X.T @ r / n, (r**2).mean()
    w = torch.stack([w1.double(), w2.double()], dim=-1)  # (..., 2)
    quadratic = torch.einsum("...i,ij,...j->...", w, A, w)
    return (quadratic - 2 * (w @ c) + rr) / 2


def largest_stable_lr(X: Tensor, loss_scale: float) -> float:
    """2/λ_max: the loss is quadratic in (w, b), with Hessian loss_scale · [X 1]ᵀ[X 1]/n, so
    full-batch gradient descent converges iff η < 2/λ_max. Minibatches, whose Hessians scatter
    around it, blow up a little earlier."""
    X1 = torch.cat([X.double(), torch.ones(len(X), 1, dtype=torch.float64)], dim=1)
    hessian = loss_scale * X1.T @ X1 / len(X)
    return 2 / torch.linalg.eigvalsh(hessian).max().item()


def surface_minimum(data: Data) -> Tensor:
    """Where that surface is lowest: the analytic solution w* = (XᵀX)⁻¹Xᵀ(y − b) (3.1.1)."""
    X, r = data.X.double(), data.y.double().flatten() - data.true_b
    return torch.linalg.solve(X.T @ X, X.T @ r)
