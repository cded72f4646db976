"""Multilayer perceptrons (book 4.1–4.3): the data, the network and its minibatch SGD.

A hidden layer is an affine map followed by a nonlinearity: H = σ(XW⁽¹⁾ + b⁽¹⁾), and the output
O = HW⁽²⁾ + b⁽²⁾ goes to softmax regression. Without σ the layers would collapse into one
affine map, and the boundaries between classes would stay straight lines; with it they bend.
On the plane that is seen directly; on images the book's 784 → 256 → 10 network beats softmax
regression.
"""

import math
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import torch
from torch import Tensor, nn

from workers.demos.mlp.params import Params
from workers.kit.device import autocast

# -- Points on a plane ------------------------------------------------------------------------
# Each shape spans about [-1, 1]²; `noise` is added afterwards, the same for every shape.


def on_circle(radius: np.ndarray, angle: np.ndarray) -> np.ndarray:
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)


def two_circles(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 0 on the unit circle, class 1 on a circle of radius ½ inside it."""
    labels = np.arange(n) % 2
    return on_circle(np.where(labels == 1, 0.5, 1.0), rng.uniform(0, 2 * math.pi, n)), labels


def two_moons(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (scikit-learn's moons), centred on the origin."""
    labels = np.arange(n) % 2
    angle = rng.uniform(0, math.pi, n)
    upper = on_circle(np.ones(n), angle)
    lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    return np.where(labels[:, None] == 0, upper, lower) - [0.5, 0.25], labels


def xor(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Class 1 where x₁ and x₂ have the same sign: no single line separates the classes."""
    points = rng.uniform(-1, 1, (n, 2))
    return points, (points[:, 0] * points[:, 1] > 0).astype(np.int64)


def two_spirals(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Two arms of one and a half turns each, the second the first turned by half a turn."""
    labels = np.arange(n) % 2
    along = rng.uniform(0, 1, n)
    return on_circle(along, 3 * math.pi * along + math.pi * labels), labels


def three_blobs(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Three Gaussian clouds (σ = 0.3) around a triangle's corners: straight lines separate
    them, so softmax regression does as well as any MLP."""
    labels = np.arange(n) % 3
    centres = on_circle(np.ones(3), math.pi / 2 + 2 * math.pi / 3 * np.arange(3))
    return centres[labels] + rng.normal(0, 0.3, (n, 2)), labels


PLANE_SHAPES = {
    "circles": two_circles,
    "moons": two_moons,
    "xor": xor,
    "spirals": two_spirals,
    "blobs": three_blobs,
}


@dataclass(frozen=True)
class PlaneData:
    """Points (N, 2) as float32 and labels (N,) as int64, split once into train and test."""

    train_X: Tensor
    train_y: Tensor
    test_X: Tensor
    test_y: Tensor
    classes: int
    extent: float  # the square [-extent, extent]² holds every point, with a margin


def make_plane_data(params: Params) -> PlaneData:
    rng = np.random.default_rng(params.seed)
    points, labels = PLANE_SHAPES[params.dataset](params.examples, rng)
    points = points + rng.normal(0, params.noise, points.shape)
    order = rng.permutation(params.examples)
    held_out = round(params.examples * params.test_fraction)
    test, train = order[:held_out], order[held_out:]
    X, y = torch.tensor(points, dtype=torch.float32), torch.tensor(labels)
    return PlaneData(
        train_X=X[train],
        train_y=y[train],
        test_X=X[test],
        test_y=y[test],
        classes=int(labels.max()) + 1,
        extent=math.ceil(np.abs(points).max() * 11) / 10,
    )


def plane_grid(extent: float, side: int) -> Tensor:
    """side × side points over [-extent, extent]², row by row from the top (x₂ = extent) down,
    so that row i and column j are a picture's pixel (i, j)."""
    ticks = torch.linspace(-extent, extent, side)
    x2, x1 = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")
    return torch.stack([x1.flatten(), x2.flatten()], dim=1)


# -- The network ------------------------------------------------------------------------------

ACTIVATIONS: dict[str, type[nn.Module]] = {
    "relu": nn.ReLU,
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
}


def mlp(
    inputs: int, hidden: list[int], outputs: int, activation: str, flatten: bool
) -> nn.Sequential:
    """The book's concise MLP (4.3), of any depth: images flattened into vectors, a Linear
    layer and the activation per hidden layer, then the output layer. The softmax is left to
    the loss, as in the book."""
    widths = [inputs, *hidden]
    layers: list[nn.Module] = [nn.Flatten()] if flatten else []
    for fan_in, fan_out in pairwise(widths):
        layers += [nn.Linear(fan_in, fan_out), ACTIVATIONS[activation]()]
    layers.append(nn.Linear(widths[-1], outputs))
    return nn.Sequential(*layers)


def init_normal(module: nn.Module) -> None:
    """The book's initialization (4.2.1): weights from N(0, 0.01²), biases zero."""
    if isinstance(module, nn.Linear):
        nn.init.normal_(module.weight, std=0.01)
        nn.init.zeros_(module.bias)


def build_model(params: Params, inputs: int, outputs: int, flatten: bool) -> nn.Sequential:
    net = mlp(inputs, params.hidden, outputs, params.activation, flatten)
    if params.init == "normal":
        net.apply(init_normal)
    return net


def first_linear(net: nn.Sequential) -> nn.Linear:
    """The layer that looks at the inputs: the first hidden layer, or the output layer of
    softmax regression."""
    return next(layer for layer in net if isinstance(layer, nn.Linear))


def first_hidden_layer(net: nn.Sequential) -> nn.Sequential | None:
    """The network up to the first hidden layer's activation; None for softmax regression."""
    linears = [i for i, layer in enumerate(net) if isinstance(layer, nn.Linear)]
    return net[: linears[0] + 2] if len(linears) > 1 else None


def activation_curve(activation: str, x: Tensor) -> tuple[Tensor, Tensor]:
    """σ(x) and its derivative σ′(x), by automatic differentiation as the book plots them."""
    x = x.detach().clone().requires_grad_(True)
    y = ACTIVATIONS[activation]()(x)
    y.backward(torch.ones_like(x))
    return y.detach(), x.grad


# -- Training -------------------------------------------------------------------------------


def make_optimizer(net: nn.Module, params: Params) -> torch.optim.Optimizer:
    """Minibatch SGD; weight decay on the weights only, as the book's 4.5 applies it."""
    weights = [p for name, p in net.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in net.named_parameters() if name.endswith("bias")]
    groups = [{"params": weights, "weight_decay": params.weight_decay}, {"params": biases}]
    return torch.optim.SGD(groups, lr=params.lr)


def set_live_hyperparameters(optimizer: torch.optim.Optimizer, params: Params) -> None:
    """Write the hyperparameters in force into the optimizer; its next step uses them."""
    weights, biases = optimizer.param_groups
    weights["lr"] = biases["lr"] = params.lr
    weights["weight_decay"] = params.weight_decay


@torch.no_grad()
def predict(net: nn.Module, X: Tensor) -> Tensor:
    """Class probabilities for every row of X."""
    with autocast(X.device):
        logits = net(X)
    return logits.float().softmax(dim=1)


def cross_entropy(probabilities: Tensor, y: Tensor) -> float:
    """The mean cross-entropy of predicted probabilities (as the training loss reports it)."""
    picked = probabilities[torch.arange(len(y), device=y.device), y]
    return -picked.clamp_min(1e-12).log().mean().item()
