"""Numerical stability and initialization (book 4.8): why the starting weights matter.

Backpropagation multiplies a layer's gradient by one Jacobian per layer above it, so across
many layers it can shrink to nothing (vanishing) or grow without bound (exploding). Two of
the book's examples show the ingredients: the sigmoid's gradient, never above ¼ and about zero
once its input is large; and a product of 100 random matrices, whose size runs away. A deep
MLP on a fixed batch puts them together: how its gradients fare from the last layer to the
first depends on the activation, on the weights' initial scale (N(0, σ²), Xavier, Kaiming),
and on whether batch normalization rescales each layer.
"""

import math
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise

import torch
from torch import Tensor, nn

from workers.demos.initialization.params import Params
from workers.kit.seeding import generator

# -- The book's two examples -------------------------------------------------------------------


def sigmoid_and_gradient() -> tuple[Tensor, Tensor, Tensor]:
    """x over [-8, 8) in steps of 0.1, σ(x), and σ′(x) by automatic differentiation (4.8.1.1)."""
    x = torch.arange(-8.0, 8.0, 0.1, requires_grad=True)
    y = torch.sigmoid(x)
    y.backward(torch.ones_like(x))
    return x.detach(), y.detach(), x.grad


MATRICES = 100


def frobenius(M: Tensor) -> Tensor:
    """‖M‖_F, summed in float64: squared, entries past 1.8e19 would overflow float32."""
    return torch.linalg.matrix_norm(M.double())


def matrix_product_norms(seed: int) -> Tensor:
    """‖M‖_F of a 4×4 matrix of N(0, 1) entries, then after each of 100 multiplications by
    another such matrix (4.8.1.2): 101 norms, growing about e^0.56 ≈ 1.75 times per factor."""
    draw = generator(seed)
    M = torch.normal(0, 1, size=(4, 4), generator=draw)
    norms = [frobenius(M)]
    for _ in range(MATRICES):
        M = torch.mm(M, torch.normal(0, 1, size=(4, 4), generator=draw))
        norms.append(frobenius(M))
    return torch.stack(norms)


# -- A deep MLP on a fixed batch ---------------------------------------------------------------

EXAMPLES = 256
FEATURES = 16


@dataclass(frozen=True)
class Batch:
    """The one batch every step trains on: X of N(0, 1) features, y = sin(2 x·v) for a random
    unit vector v, a smooth target that a working network fits within a few hundred steps."""

    X: Tensor  # (EXAMPLES, FEATURES)
    y: Tensor  # (EXAMPLES, 1)


def make_batch(seed: int) -> Batch:
    draw = generator(seed)
    X = torch.normal(0, 1, size=(EXAMPLES, FEATURES), generator=draw)
    v = torch.normal(0, 1, size=(FEATURES,), generator=draw)
    return Batch(X, torch.sin(2 * X @ (v / v.norm()))[:, None])


ACTIVATIONS: dict[str, type[nn.Module]] = {
    "sigmoid": nn.Sigmoid,
    "tanh": nn.Tanh,
    "relu": nn.ReLU,
}


def deep_mlp(params: Params) -> nn.Sequential:
    """`depth` layers with weights: each hidden layer a block (Linear, batch norm when asked,
    activation), then a Linear to one output."""
    widths = [FEATURES] + [params.width] * (params.depth - 1)
    blocks: list[nn.Module] = []
    for fan_in, fan_out in pairwise(widths):
        normalize = [nn.BatchNorm1d(fan_out)] if params.batch_norm else []
        blocks.append(
            nn.Sequential(nn.Linear(fan_in, fan_out), *normalize, ACTIVATIONS[params.activation]())
        )
    return nn.Sequential(*blocks, nn.Linear(widths[-1], 1))


def initialize(linear: nn.Linear, params: Params) -> None:
    """The weights by the chosen scheme (4.8.2); biases at zero, so only the weights' scale
    sets how the signal grows or shrinks."""
    if params.init == "normal":
        nn.init.normal_(linear.weight, mean=0.0, std=params.sigma)
    elif params.init == "xavier":  # Var = 2 / (n_in + n_out)
        nn.init.xavier_normal_(linear.weight)
    else:  # Var = 2 / n_in, He et al.'s for ReLU
        nn.init.kaiming_normal_(linear.weight, mode="fan_in", nonlinearity="relu")
    nn.init.zeros_(linear.bias)


def build_model(params: Params) -> nn.Sequential:
    """The network with its initial weights, drawn from torch's generator seeded with `seed`."""
    torch.manual_seed(params.seed)
    net = deep_mlp(params)
    for linear in linears(net):
        initialize(linear, params)
    return net


def linears(net: nn.Sequential) -> list[nn.Linear]:
    """The layers with weights, input side first: layer 1 … layer `depth`."""
    return [module for module in net.modules() if isinstance(module, nn.Linear)]


# -- One step ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pass:
    """What one forward and backward pass leaves: the loss, each hidden layer's outputs
    (after its activation) and each layer's weight gradient ∂L/∂W, input side first."""

    loss: Tensor
    activations: list[Tensor]
    weight_gradients: list[Tensor]

    @cached_property
    def gradient_norms(self) -> Tensor:
        """‖∂L/∂W_l‖_F for l = 1 … depth."""
        return torch.stack([frobenius(g) for g in self.weight_gradients])

    @property
    def first_to_last_ratio(self) -> float:
        """‖∂L/∂W_1‖ / ‖∂L/∂W_depth‖: far below 1 when the early layers' gradients vanish."""
        norms = self.gradient_norms
        return (norms[0] / norms[-1]).item()


def forward_backward(net: nn.Sequential, batch: Batch) -> Pass:
    """The mean squared error of the batch, and its gradients by backpropagation."""
    activations = []
    H = batch.X
    for block in net[:-1]:
        H = block(H)
        activations.append(H.detach())
    loss = nn.functional.mse_loss(net[-1](H), batch.y)
    net.zero_grad(set_to_none=True)
    loss.backward()
    gradients = [linear.weight.grad.detach() for linear in linears(net)]
    return Pass(loss.detach(), activations, gradients)


def pass_again(net: nn.Sequential, batch: Batch) -> Pass:
    """The last pass, made again on the same weights (a fork's: its snapshot holds the weights,
    not their gradients). Batch norm's running statistics, which a pass in training mode moves,
    are put back: the run they come from has moved them for this pass already."""
    running = [buffer.clone() for buffer in net.buffers()]
    again = forward_backward(net, batch)
    with torch.no_grad():
        for buffer, kept in zip(net.buffers(), running, strict=True):
            buffer.copy_(kept)
    return again


def gradient_step(net: nn.Module, lr: float) -> None:
    """w ← w − η ∂L/∂w for every parameter, with the gradients of the last pass."""
    with torch.no_grad():
        for parameter in net.parameters():
            parameter -= lr * parameter.grad


def expected_growth_per_matrix() -> float:
    """E[log ‖Mx‖ / ‖x‖] for a 4×4 M of N(0, 1) entries: ½(ln 2 + ψ(2)) = ½(ln 2 + 1 − γ), the
    rate at which the product's norm grows (its top Lyapunov exponent)."""
    euler_gamma = 0.5772156649015329
    return 0.5 * (math.log(2) + 1 - euler_gamma)
