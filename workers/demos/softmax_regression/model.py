"""Softmax regression (book 3.4–3.7): one linear layer, the softmax, the cross-entropy loss.

Each image is flattened to a vector x of d pixels, and the model computes one logit per class,
o = xW + b, W of shape d × q; the softmax turns the logits into probabilities ŷ_j =
exp(o_j) / Σ_k exp(o_k), and the loss is the cross-entropy −log ŷ_y of the true class y.

Two implementations, which compute the same thing:

- `ScratchSoftmaxRegression` (3.6): W ~ N(0, 0.01²) and b = 0 as tensors, the softmax and the
  loss written out, and the book's minibatch SGD on the summed loss divided by the batch size.
- `ConciseSoftmaxRegression` (3.7): `nn.Linear` (weights N(0, 0.01²), PyTorch's default bias)
  and `nn.CrossEntropyLoss`, which takes the logits, with `torch.optim.SGD`.

Numerical safety: 3.6 writes the softmax as exp(O) / Σ exp(O), which overflows in float32 once a
logit passes about 88 (inf / inf = NaN), and its cross-entropy takes log 0 = −inf once a
probability underflows. Here the scratch version uses the LogSumExp trick of 3.7.2 (the same
trick `nn.CrossEntropyLoss` uses): subtract each row's largest logit before exponentiating
(which changes nothing mathematically) and compute log ŷ directly, never the log of a rounded
probability. The test suite shows the book's naive version failing where this one does not.
"""

from typing import Any, Protocol

import torch
from torch import Tensor, nn

WEIGHT_STD = 0.01  # the book's N(0, 0.01²) initialization


# -- The softmax and the loss (3.6.2, 3.6.4, made safe as 3.7.2 explains) ------------------


def log_softmax(logits: Tensor) -> Tensor:
    """log ŷ for each row of logits: o_j − max(o) − log Σ_k exp(o_k − max(o))."""
    # The shift is a constant to the gradient: the softmax is the same for any shift.
    shifted = logits - logits.max(dim=1, keepdim=True).values.detach()
    return shifted - shifted.exp().sum(dim=1, keepdim=True).log()


def softmax(logits: Tensor) -> Tensor:
    """Each row of logits as probabilities: positive, summing to 1."""
    return log_softmax(logits).exp()


def cross_entropy(logits: Tensor, y: Tensor) -> Tensor:
    """−log ŷ_y for each example: the negative log-probability of its true class."""
    return -log_softmax(logits)[torch.arange(len(y), device=y.device), y]


def sgd(params: list[Tensor], lr: float, batch_size: int) -> None:
    """The book's minibatch SGD (3.2.6): the gradient of the summed loss, divided by the batch
    size, is the gradient of the mean."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


# -- The two implementations --------------------------------------------------------------


class SoftmaxRegression(Protocol):
    def __call__(self, X: Tensor) -> Tensor:
        """The logits O (n × q) of images X (n × 1 × h × w)."""
        ...

    def step(self, X: Tensor, y: Tensor, lr: float) -> tuple[Tensor, Tensor]:
        """One minibatch update with learning rate `lr`: (mean loss, logits before it)."""
        ...

    def class_weights(self) -> Tensor:
        """W as one row of d pixel weights per class (q × d): what each class looks for."""
        ...

    def state_dict(self) -> dict[str, Any]:
        """What a fork trains on from (see `workers.kit.state`)."""
        ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...


class ScratchSoftmaxRegression:
    """3.6: the parameters are two tensors, the model is a matrix product and the softmax."""

    def __init__(self, num_inputs: int, num_outputs: int, device: torch.device) -> None:
        self.W = torch.normal(
            0, WEIGHT_STD, size=(num_inputs, num_outputs), device=device, requires_grad=True
        )
        self.b = torch.zeros(num_outputs, device=device, requires_grad=True)

    def __call__(self, X: Tensor) -> Tensor:
        return X.reshape((-1, self.W.shape[0])) @ self.W + self.b

    def step(self, X: Tensor, y: Tensor, lr: float) -> tuple[Tensor, Tensor]:
        logits = self(X)
        l = cross_entropy(logits, y)  # noqa: E741 - the book's name
        l.sum().backward()
        sgd([self.W, self.b], lr, len(y))
        return l.detach().mean(), logits.detach()

    def class_weights(self) -> Tensor:
        return self.W.detach().T

    def state_dict(self) -> dict[str, Any]:
        return {"W": self.W.detach(), "b": self.b.detach()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        with torch.no_grad():
            self.W.copy_(state["W"])
            self.b.copy_(state["b"])


def init_weights(module: nn.Module) -> None:
    """The book's init (3.7.1): weights N(0, 0.01²); the bias keeps PyTorch's default."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=WEIGHT_STD)


class ConciseSoftmaxRegression:
    """3.7: a flatten and a linear layer; the loss takes the logits, so the net has no
    softmax of its own."""

    def __init__(self, num_inputs: int, num_outputs: int, device: torch.device) -> None:
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(num_inputs, num_outputs)).to(device)
        self.net.apply(init_weights)
        self.loss = nn.CrossEntropyLoss()
        self.trainer = torch.optim.SGD(self.net.parameters(), lr=1.0)  # set at every step

    def __call__(self, X: Tensor) -> Tensor:
        return self.net(X)

    def step(self, X: Tensor, y: Tensor, lr: float) -> tuple[Tensor, Tensor]:
        for group in self.trainer.param_groups:  # the learning rate in force (it is live)
            group["lr"] = lr
        logits = self.net(X)
        l = self.loss(logits, y)  # noqa: E741 - the book's name
        self.trainer.zero_grad(set_to_none=True)
        l.backward()
        self.trainer.step()
        return l.detach(), logits.detach()

    def class_weights(self) -> Tensor:
        return self.net[1].weight.detach()

    def state_dict(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "trainer": self.trainer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.net.load_state_dict(state["net"])
        self.trainer.load_state_dict(state["trainer"])


IMPLEMENTATIONS: dict[str, type[ScratchSoftmaxRegression] | type[ConciseSoftmaxRegression]] = {
    "scratch": ScratchSoftmaxRegression,
    "concise": ConciseSoftmaxRegression,
}


def build_model(
    implementation: str, num_inputs: int, num_outputs: int, device: torch.device
) -> SoftmaxRegression:
    return IMPLEMENTATIONS[implementation](num_inputs, num_outputs, device)


@torch.no_grad()
def predict(model: SoftmaxRegression, images: Tensor) -> Tensor:
    """Class probabilities of every image (one matrix product: the test set fits whole)."""
    return softmax(model(images))
