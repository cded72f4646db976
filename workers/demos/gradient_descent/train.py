"""The race (book chapter 11), step by step.

All racers start at one point. Each step takes every racer's gradient at once, then moves each
by its own rule, with the hyperparameters in force at that step (they are live).
"""

from typing import Any

import torch

from workers.context import JobContext
from workers.demos.gradient_descent.model import (
    SURFACES,
    race_step,
    racer_states,
    value_and_grad,
)
from workers.demos.gradient_descent.params import Params
from workers.demos.gradient_descent.views import (
    racer_labels,
    report,
    save_trajectories,
    show_surface,
)
from workers.kit.pacing import Pace


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    surface = SURFACES[params.function]
    labels = racer_labels(params)
    show_surface(ctx, surface, params.start)

    x = torch.tensor([params.start] * len(params.optimizers), dtype=torch.float64)
    states = racer_states(params.seed, len(params.optimizers))
    f, grad = value_and_grad(surface, x)
    report(ctx, labels, x, f)
    trajectory = [(0, x, f)]

    pace = Pace(ctx)
    for step in range(1, params.steps + 1):
        params = ctx.checkpoint(step)
        x = race_step(x, grad, states, params.optimizers, step)
        f, grad = value_and_grad(surface, x)
        report(ctx, labels, x, f)
        trajectory.append((step, x, f))
        pace.wait(params.speed)

    save_trajectories(ctx, labels, trajectory)
    return {
        "function": params.function,
        "steps": params.steps,
        "optimizers": [
            {"label": label, "name": hp.name, "x": x[i].tolist(), "f": f[i].item()}
            for i, (label, hp) in enumerate(zip(labels, params.optimizers, strict=True))
        ],
    }
