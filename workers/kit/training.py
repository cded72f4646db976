"""A minibatch step of a classifier, as the book's `train_ch3`/`train_ch6` take it, and the
accuracy they report.

    l, y_hat = train_step(net, loss, optimizer, X, y)
    running.add({"train_loss": l, "train_acc": accuracy(y_hat, y)}, weight=len(y))
"""

import torch
from torch import Tensor, nn

from workers.kit.device import autocast


def train_step(
    net: nn.Module, loss: nn.Module, optimizer: torch.optim.Optimizer, X: Tensor, y: Tensor
) -> tuple[Tensor, Tensor]:
    """One minibatch step: forward, loss, gradients by backpropagation, update. Returns the
    loss and the outputs detached, so that a running sum of them does not hold on to the
    step's graph."""
    with autocast(X.device):
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the book's name
    optimizer.zero_grad(set_to_none=True)
    l.backward()
    optimizer.step()
    return l.detach(), y_hat.detach()


def accuracy(y_hat: Tensor, y: Tensor) -> Tensor:
    """The share of rows of scores (logits or probabilities) whose largest is the true class,
    as a tensor on their device: a training loop sums it there without waiting for it."""
    return (y_hat.argmax(dim=1) == y).float().mean()
