"""Optimizers racing on a 2-D surface, with the book's update equations (chapter 11).

Every racer holds a point x = [x1, x2] and its own state (velocity, running averages). At each
step all gradients come from one autograd call over the stacked points; then each racer
applies its own update rule, with the hyperparameters in force at that step (they are live).
"""

import csv
import io
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from backend.events import FrameKind
from workers.context import JobContext
from workers.demos.gradient_descent import Params

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


def gd(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    return x - hp.lr * g


SGD_SCHEDULES: dict[str, Callable[[int], float]] = {
    "constant": lambda t: 1.0,
    "exponential": lambda t: math.exp(-0.1 * t),
    "polynomial": lambda t: (1 + 0.1 * t) ** -0.5,
}


def sgd(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    noisy = g + hp.noise * torch.randn(2, generator=s["rng"], dtype=g.dtype)
    return x - hp.lr * SGD_SCHEDULES[hp.schedule](t) * noisy


def momentum(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["v"] = hp.momentum * s.get("v", torch.zeros_like(x)) + g
    return x - hp.lr * s["v"]


def nesterov(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["v"] = hp.momentum * s.get("v", torch.zeros_like(x)) + g
    return x - hp.lr * (g + hp.momentum * s["v"])


def adagrad(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["s"] = s.get("s", torch.zeros_like(x)) + g**2
    return x - hp.lr / torch.sqrt(s["s"] + hp.eps) * g


def rmsprop(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["s"] = hp.gamma * s.get("s", torch.zeros_like(x)) + (1 - hp.gamma) * g**2
    return x - hp.lr / torch.sqrt(s["s"] + hp.eps) * g


def adadelta(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["s"] = hp.rho * s.get("s", torch.zeros_like(x)) + (1 - hp.rho) * g**2
    delta = s.get("delta", torch.zeros_like(x))
    rescaled = torch.sqrt(delta + hp.eps) / torch.sqrt(s["s"] + hp.eps) * g
    s["delta"] = hp.rho * delta + (1 - hp.rho) * rescaled**2
    return x - rescaled


def _adaptive_step(x: Tensor, s: State, hp: Any, t: int) -> Tensor:
    """Adam's and Yogi's shared ending: bias-correct both averages, then step."""
    v_hat = s["v"] / (1 - hp.beta1**t)
    s_hat = s["s"] / (1 - hp.beta2**t)
    return x - hp.lr * v_hat / (torch.sqrt(s_hat) + hp.eps)


def adam(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["v"] = hp.beta1 * s.get("v", torch.zeros_like(x)) + (1 - hp.beta1) * g
    s["s"] = hp.beta2 * s.get("s", torch.zeros_like(x)) + (1 - hp.beta2) * g**2
    return _adaptive_step(x, s, hp, t)


def yogi(x: Tensor, g: Tensor, s: State, hp: Any, t: int) -> Tensor:
    s["v"] = hp.beta1 * s.get("v", torch.zeros_like(x)) + (1 - hp.beta1) * g
    old = s.get("s", torch.zeros_like(x))
    s["s"] = old + (1 - hp.beta2) * torch.sign(g**2 - old) * g**2
    return _adaptive_step(x, s, hp, t)


UPDATES = {
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


def racer_labels(params: Params) -> list[str]:
    """Legend names: the given label, else the optimizer's name (numbered when repeated)."""
    labels: list[str] = []
    for optimizer in params.optimizers:
        base = optimizer.label or optimizer.name
        label, n = base, 2
        while label in labels:
            label, n = f"{base}#{n}", n + 1
        labels.append(label)
    return labels


def surface_frame(surface: Surface, start: tuple[float, float], points: int = 61) -> dict:
    """f on a grid covering the surface's domain and the start point, for contours and 3-D."""
    (x1_lo, x1_hi), (x2_lo, x2_hi) = surface.domain
    x1_lo, x1_hi = min(x1_lo, start[0] - 0.5), max(x1_hi, start[0] + 0.5)
    x2_lo, x2_hi = min(x2_lo, start[1] - 0.5), max(x2_hi, start[1] + 0.5)
    x1 = torch.linspace(x1_lo, x1_hi, points, dtype=torch.float64)
    x2 = torch.linspace(x2_lo, x2_hi, points, dtype=torch.float64)
    grid_x2, grid_x1 = torch.meshgrid(x2, x1, indexing="ij")
    z = surface.f(grid_x1, grid_x2)  # z[i][j] = f(x1[j], x2[i])
    return {
        "x": x1.tolist(),
        "y": x2.tolist(),
        "z": z.tolist(),
        "minima": [list(m) for m in surface.minima],
    }


def report(ctx: JobContext[Params], labels: list[str], x: Tensor, f: Tensor) -> None:
    ctx.metric(dict(zip(labels, f.tolist(), strict=True)))
    ctx.frame("positions", FrameKind.points, {"labels": labels, "points": x.tolist()})


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    surface = SURFACES[params.function]
    labels = racer_labels(params)
    ctx.frame("surface", FrameKind.surface, surface_frame(surface, params.start))

    x = torch.tensor([params.start] * len(params.optimizers), dtype=torch.float64)
    states: list[State] = [
        {"rng": torch.Generator().manual_seed(params.seed * 1000 + i)}
        for i in range(len(params.optimizers))
    ]
    f, grad = value_and_grad(surface, x)
    report(ctx, labels, x, f)
    trajectory = [(0, x, f)]

    next_tick = time.monotonic()
    for step in range(1, params.steps + 1):
        params = ctx.checkpoint(step)
        x = torch.stack(
            [
                UPDATES[hp.name](x[i], grad[i], states[i], hp, step)
                for i, hp in enumerate(params.optimizers)
            ]
        )
        f, grad = value_and_grad(surface, x)
        report(ctx, labels, x, f)
        trajectory.append((step, x, f))
        if params.speed > 0:
            next_tick = max(next_tick + 1 / params.speed, time.monotonic() - 1)
            ctx.wait_until(next_tick)

    ctx.artifact("trajectories.csv", "text/csv", trajectories_csv(labels, trajectory))
    return {
        "function": params.function,
        "steps": params.steps,
        "optimizers": [
            {"label": label, "name": hp.name, "x": x[i].tolist(), "f": f[i].item()}
            for i, (label, hp) in enumerate(zip(labels, params.optimizers, strict=True))
        ],
    }


def trajectories_csv(labels: list[str], trajectory: list[tuple[int, Tensor, Tensor]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", "optimizer", "x1", "x2", "f"])
    for step, x, f in trajectory:
        for i, label in enumerate(labels):
            writer.writerow([step, label, *x[i].tolist(), f[i].item()])
    return out.getvalue().encode()
