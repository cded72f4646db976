"""Optimizers racing on a 2-D surface, with the book's update equations (chapter 11).

Every racer holds a point x = [x1, x2] and its own state (velocity, running averages). At each
step all gradients come from one autograd call over the stacked points; then each racer
applies its own update rule, with the hyperparameters in force at that step (they are live).
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from workers.demos.gradient_descent.params import (
    GD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Momentum,
    Nesterov,
    Optimizer,
    RMSProp,
    Yogi,
)
from workers.kit.seeding import generator

# -- The surfaces --------------------------------------------------------------------------


@dataclass(frozen=True)
class Surface:
    f: Callable[[Tensor, Tensor], Tensor]  # elementwise in x1 and x2
    domain: tuple[tuple[float, float], tuple[float, float]]  # (x1 range, x2 range) to draw
    minima: list[tuple[float, float]]


SURFACES: dict[str, Surface] = {
    # 11.3: the well-conditioned bowl, and 11.6: the ill-conditioned one that motivates momentum
    "quadratic": Surface(lambda x1, x2: x1**2 + 2 * x2**2, ((-5.5, 1.0), (-3.0, 1.0)), [(0, 0)]),
    "ill-conditioned": Surface(
        lambda x1, x2: 0.1 * x1**2 + 2 * x2**2, ((-5.5, 1.0), (-3.0, 1.0)), [(0, 0)]
    ),
    "rosenbrock": Surface(
        lambda x1, x2: (1 - x1) ** 2 + 100 * (x2 - x1**2) ** 2,
        ((-2.0, 2.0), (-1.0, 3.0)),
        [(1, 1)],
    ),
    "himmelblau": Surface(
        lambda x1, x2: (x1**2 + x2 - 11) ** 2 + (x1 + x2**2 - 7) ** 2,
        ((-6.0, 6.0), (-6.0, 6.0)),
        [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)],
    ),
    # No minimum: the origin is a saddle point (11.1), where gradient descent stalls.
    "saddle": Surface(lambda x1, x2: x1**2 - x2**2, ((-5.5, 5.5), (-3.0, 3.0)), []),
    "rastrigin": Surface(
        lambda x1, x2: (
            20 + x1**2 - 10 * torch.cos(2 * math.pi * x1) + x2**2 - 10 * torch.cos(2 * math.pi * x2)
        ),
        ((-5.12, 5.12), (-5.12, 5.12)),
        [(0, 0)],
    ),
}


def value_and_grad(surface: Surface, x: Tensor) -> tuple[Tensor, Tensor]:
    """f at each racer's point and its gradient, from autograd (x has one row per racer)."""
    x = x.detach().requires_grad_(True)
    f = surface.f(x[:, 0], x[:, 1])
    (grad,) = torch.autograd.grad(f.sum(), x)
    return f.detach(), grad


# -- The update rules, in the book's notation -----------------------------------------------
# Each takes the point x, its gradient g, the racer's state, its hyperparameters and the step
# number t (from 1), and returns the new point.

State = dict[str, Any]


def gd(x: Tensor, g: Tensor, s: State, hp: GD, t: int) -> Tensor:
    return x - hp.lr * g


SGD_SCHEDULES: dict[str, Callable[[int], float]] = {
    "constant": lambda t: 1.0,
    "exponential": lambda t: math.exp(-0.1 * t),
    "polynomial": lambda t: (1 + 0.1 * t) ** -0.5,
}


def sgd(x: Tensor, g: Tensor, s: State, hp: SGD, t: int) -> Tensor:
    noisy = g + hp.noise * torch.randn(2, generator=s["rng"], dtype=g.dtype)
    return x - hp.lr * SGD_SCHEDULES[hp.schedule](t) * noisy


def momentum(x: Tensor, g: Tensor, s: State, hp: Momentum, t: int) -> Tensor:
    s["v"] = hp.momentum * s.get("v", torch.zeros_like(x)) + g
    return x - hp.lr * s["v"]


def nesterov(x: Tensor, g: Tensor, s: State, hp: Nesterov, t: int) -> Tensor:
    s["v"] = hp.momentum * s.get("v", torch.zeros_like(x)) + g
    return x - hp.lr * (g + hp.momentum * s["v"])


def adagrad(x: Tensor, g: Tensor, s: State, hp: Adagrad, t: int) -> Tensor:
    s["s"] = s.get("s", torch.zeros_like(x)) + g**2
    return x - hp.lr / torch.sqrt(s["s"] + hp.eps) * g


def rmsprop(x: Tensor, g: Tensor, s: State, hp: RMSProp, t: int) -> Tensor:
    s["s"] = hp.gamma * s.get("s", torch.zeros_like(x)) + (1 - hp.gamma) * g**2
    return x - hp.lr / torch.sqrt(s["s"] + hp.eps) * g


def adadelta(x: Tensor, g: Tensor, s: State, hp: Adadelta, t: int) -> Tensor:
    s["s"] = hp.rho * s.get("s", torch.zeros_like(x)) + (1 - hp.rho) * g**2
    delta = s.get("delta", torch.zeros_like(x))
    rescaled = torch.sqrt(delta + hp.eps) / torch.sqrt(s["s"] + hp.eps) * g
    s["delta"] = hp.rho * delta + (1 - hp.rho) * rescaled**2
    return x - rescaled


def _adaptive_step(x: Tensor, s: State, hp: Adam | Yogi, t: int) -> Tensor:
    """Adam's and Yogi's shared ending: bias-correct both averages, then step."""
    v_hat = s["v"] / (1 - hp.beta1**t)
    s_hat = s["s"] / (1 - hp.beta2**t)
    return x - hp.lr * v_hat / (torch.sqrt(s_hat) + hp.eps)


def adam(x: Tensor, g: Tensor, s: State, hp: Adam, t: int) -> Tensor:
    s["v"] = hp.beta1 * s.get("v", torch.zeros_like(x)) + (1 - hp.beta1) * g
    s["s"] = hp.beta2 * s.get("s", torch.zeros_like(x)) + (1 - hp.beta2) * g**2
    return _adaptive_step(x, s, hp, t)


def yogi(x: Tensor, g: Tensor, s: State, hp: Yogi, t: int) -> Tensor:
    s["v"] = hp.beta1 * s.get("v", torch.zeros_like(x)) + (1 - hp.beta1) * g
    old = s.get("s", torch.zeros_like(x))
    s["s"] = old + (1 - hp.beta2) * torch.sign(g**2 - old) * g**2
    return _adaptive_step(x, s, hp, t)


# The hyperparameters are `Any` here: each rule takes its own optimizer's, picked by name.
UPDATES: dict[str, Callable[[Tensor, Tensor, State, Any, int], Tensor]] = {
    "gd": gd,
    "sgd": sgd,
    "momentum": momentum,
    "nesterov": nesterov,
    "adagrad": adagrad,
    "rmsprop": rmsprop,
    "adadelta": adadelta,
    "adam": adam,
    "yogi": yogi,
}


# -- The race -------------------------------------------------------------------------------


def racer_states(seed: int, racers: int) -> list[State]:
    """A fresh state per racer, each with a noise generator of its own (for SGD)."""
    return [{"rng": generator(seed * 1000 + i)} for i in range(racers)]


def race_step(
    x: Tensor, grad: Tensor, states: list[State], optimizers: Sequence[Optimizer], t: int
) -> Tensor:
    """Every racer's update at step t: row i of x moves by the rule of optimizer i."""
    return torch.stack(
        [UPDATES[hp.name](x[i], grad[i], states[i], hp, t) for i, hp in enumerate(optimizers)]
    )


class Race:
    """Where the racers stand and what each one's rule remembers: the training state that a
    fork continues (`kit.state` captures it through `state_dict`)."""

    def __init__(self, start: tuple[float, float], seed: int, racers: int) -> None:
        self.x = torch.tensor([start] * racers, dtype=torch.float64)  # one row per racer
        self.states = racer_states(seed, racers)

    def step(self, grad: Tensor, optimizers: Sequence[Optimizer], t: int) -> None:
        self.x = race_step(self.x, grad, self.states, optimizers, t)

    def state_dict(self) -> dict[str, Any]:
        """The points, and per racer its tensors (velocity, averages: only those its rule has
        made so far) and its noise generator's state."""
        return {
            "x": self.x,
            "racers": [
                {
                    name: value.get_state() if isinstance(value, torch.Generator) else value
                    for name, value in state.items()
                }
                for state in self.states
            ],
        }

    def load_state_dict(self, saved: dict[str, Any]) -> None:
        if len(saved["racers"]) != len(self.states):
            raise ValueError(f"{len(saved['racers'])} racers, not {len(self.states)}")
        self.x = saved["x"].clone()
        for state, racer in zip(self.states, saved["racers"], strict=True):
            rng = state["rng"]
            rng.set_state(racer["rng"])
            state.clear()
            state.update({name: value.clone() for name, value in racer.items() if name != "rng"})
            state["rng"] = rng
