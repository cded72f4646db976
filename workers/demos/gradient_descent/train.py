"""The race (book chapter 11), step by step.

All racers start at one point. Each step takes every racer's gradient at once, then moves each
by its own rule, with the hyperparameters in force at that step (they are live). The race (the
points and every racer's own state) is the training state: a fork goes on from its snapshot,
and its trajectories start there.
"""

from typing import Any

from workers.context import JobContext
from workers.demos.gradient_descent.model import SURFACES, Race, value_and_grad
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

    race = Race(params.start, params.seed, len(params.optimizers))
    ctx.track(race=race)
    # The gradients follow from the points: a fork computes them again, it does not keep them.
    f, grad = value_and_grad(surface, race.x)
    report(ctx, labels, race.x, f)
    trajectory = [(ctx.resumed_step, race.x, f)]

    pace = Pace(ctx)
    for step in ctx.steps(params.steps):
        params = ctx.checkpoint(step)
        race.step(grad, params.optimizers, step)
        f, grad = value_and_grad(surface, race.x)
        report(ctx, labels, race.x, f)
        trajectory.append((step, race.x, f))
        pace.wait(params.speed)

    save_trajectories(ctx, labels, trajectory)
    return {
        "function": params.function,
        "steps": params.steps,
        "optimizers": [
            {"label": label, "name": hp.name, "x": race.x[i].tolist(), "f": f[i].item()}
            for i, (label, hp) in enumerate(zip(labels, params.optimizers, strict=True))
        ],
    }
