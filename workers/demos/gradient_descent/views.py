"""What the learner sees of gradient-descent: the surface once, each racer's f as a metric
named by its legend label and its position every step, and every trajectory as a CSV artifact
(a fork's from its snapshot on: the steps before are its parent's). Values are exact
(unrounded): a learner compares the positions with the book's."""

import torch
from torch import Tensor

from core.frames import SurfaceData
from workers.context import JobContext
from workers.demos.gradient_descent.model import Surface
from workers.demos.gradient_descent.params import Params
from workers.kit.views import csv_bytes, points

# (step, points, f): one row per racer in both tensors.
Trajectory = list[tuple[int, Tensor, Tensor]]


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


def surface_data(surface: Surface, start: tuple[float, float], points: int = 61) -> SurfaceData:
    """f on a grid covering the surface's domain and the start point, for contours and 3-D."""
    (x1_lo, x1_hi), (x2_lo, x2_hi) = surface.domain
    x1_lo, x1_hi = min(x1_lo, start[0] - 0.5), max(x1_hi, start[0] + 0.5)
    x2_lo, x2_hi = min(x2_lo, start[1] - 0.5), max(x2_hi, start[1] + 0.5)
    x1 = torch.linspace(x1_lo, x1_hi, points, dtype=torch.float64)
    x2 = torch.linspace(x2_lo, x2_hi, points, dtype=torch.float64)
    grid_x2, grid_x1 = torch.meshgrid(x2, x1, indexing="ij")
    z = surface.f(grid_x1, grid_x2)  # z[i][j] = f(x1[j], x2[i])
    return SurfaceData(x=x1.tolist(), y=x2.tolist(), z=z.tolist(), minima=surface.minima)


def show_surface(ctx: JobContext, surface: Surface, start: tuple[float, float]) -> None:
    ctx.frame("surface", surface_data(surface, start))


def report(ctx: JobContext, labels: list[str], x: Tensor, f: Tensor) -> None:
    """Each racer's f (a NaN or infinity ends the run as diverged), and where they all are."""
    ctx.metric(dict(zip(labels, f.tolist(), strict=True)))
    ctx.frame("positions", points(labels, x))


def save_trajectories(ctx: JobContext, labels: list[str], trajectory: Trajectory) -> None:
    """Every racer's point and f at every step, one row each."""
    rows = (
        [step, label, *x[i].tolist(), f[i].item()]
        for step, x, f in trajectory
        for i, label in enumerate(labels)
    )
    content = csv_bytes(["step", "optimizer", "x1", "x2", "f"], rows)
    ctx.artifact("trajectories.csv", "text/csv", content)
