"""What the learner sees of diffusion-2d.

Frames: `Forward process` (an `image_grid`: the same 1,000 data points x₀ diffused to a few
noise levels t, x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε with one ε per point, drawn at equal scales);
`Samples and reverse trajectories` (`lines`: the data, 1,000 samples drawn by the current
model from fixed x_T ~ N(0, I), and the paths x_T → x₀ of a few of them); `Denoising
direction` (`lines`: the learned score −ε_θ(x, t)/√(1 − ᾱ_t) on a grid, as arrows, at the
live `field_t`).

Metrics: `train_loss`, the ε-loss per example since the last report; `sample_distance`, the
sliced Wasserstein distance between the samples and 1,000 data points; `noise_distance`, the
same for the sampler's start x_T (pure noise: where the samples begin); `data_distance`, the
same for 1,000 other data points (as close as two finite samples of the data get).
"""

import math
import time

import numpy as np
import torch
from torch import Tensor

from core.frames import ImageData, ImageGridData, LinesData
from workers.context import JobContext
from workers.demos.diffusion_2d.model import Diffusion, diffuse, sample, score, sliced_wasserstein
from workers.kit.views import arrows, curve, grid, lines, png, polylines

FORWARD = "Forward process q(x_t | x₀)"
SAMPLES = "Samples and reverse trajectories"
FIELD = "Denoising direction"
FRAMES_EVERY_SECONDS = 0.5  # often enough to look alive, rarely enough to cost little

EVAL_POINTS = 1000  # samples per evaluation, and data points they are compared with
SHOWN_POINTS = 500  # of each, drawn (1,000 dots of each kind hide the shape)
TRAJECTORIES = 8
VIEW = 4.0  # the plots show [−4, 4]²: a sample further out is drawn on the edge
CLOUD_PX = 150  # each forward-process panel, square
FIELD_GRID = 17  # arrows per side, over [−3, 3]²
FIELD_HALF_WIDTH = 3.0
BARB = 0.3  # an arrow head's barbs, a share of the arrow's length
INK = np.array([31, 119, 180], dtype=np.uint8)  # the data's dots
AXES = np.array([225, 225, 225], dtype=np.uint8)


class Evaluation:
    """What every report measures with, fixed at the start from its own generator (so that
    measuring draws nothing from training's, and the samples of successive reports start
    from the same x_T and the same z's: they move only as the model learns)."""

    def __init__(self, data: Tensor, seed: int) -> None:
        self.seed = seed
        rng = self.generator()
        order = torch.randperm(len(data), generator=rng)
        self.reference = data[order[:EVAL_POINTS]]
        self.others = data[order[EVAL_POINTS : 2 * EVAL_POINTS]]
        self.x_T = torch.randn((EVAL_POINTS, 2), generator=rng)
        self.noise_distance = sliced_wasserstein(self.x_T, self.reference)
        self.data_distance = sliced_wasserstein(self.others, self.reference)

    def generator(self) -> torch.Generator:
        # seed + 1: the training generator's seed plus one, so the two differ
        return torch.Generator().manual_seed(self.seed + 1)

    def chain(self, diffusion: Diffusion, steps: int) -> list[Tensor]:
        """The reverse chain from the fixed x_T, its z's the same at every report."""
        rng = self.generator()
        torch.randn((EVAL_POINTS, 2), generator=rng)  # skip x_T's draw
        return sample(diffusion, self.x_T, steps, rng)

    def distances(self, samples: Tensor) -> dict[str, float]:
        return {
            "sample_distance": sliced_wasserstein(samples, self.reference),
            "noise_distance": self.noise_distance,
            "data_distance": self.data_distance,
        }


def on_view(x: Tensor) -> Tensor:
    """Points clipped to the plotted square (a stray sample shows on its edge, NaN at 0)."""
    return torch.nan_to_num(x, nan=0.0).clamp(-VIEW, VIEW)


def cloud_picture(x: Tensor) -> ImageData:
    """Points as dots on a white square showing [−4, 4]², with the axes in light grey."""
    pixels = np.full((CLOUD_PX, CLOUD_PX, 3), 255, dtype=np.uint8)
    middle = CLOUD_PX // 2
    pixels[middle, :] = pixels[:, middle] = AXES
    uv = ((on_view(x).numpy() + VIEW) / (2 * VIEW) * (CLOUD_PX - 2)).round().astype(int)
    u, v = uv[:, 0], CLOUD_PX - 2 - uv[:, 1]  # y grows upwards
    for du in (0, 1):  # 2 × 2 pixel dots
        for dv in (0, 1):
            pixels[v + dv, u + du] = INK
    pixels[[0, -1], :] = pixels[:, [0, -1]] = AXES
    return png(pixels)


def forward_levels(T: int) -> list[int]:
    """t = 0, about T/10, T/4, T/2 and T."""
    return sorted({0, max(1, round(T / 10)), max(1, round(T / 4)), max(1, round(T / 2)), T})


def forward_grid(diffusion: Diffusion, evaluation: Evaluation) -> ImageGridData:
    """The reference points at each level t, each moved by its own fixed ε."""
    schedule = diffusion.schedule
    x0 = evaluation.reference
    noise = evaluation.x_T  # one ε per point, the same at every t
    pictures, titles = [], []
    for t in forward_levels(schedule.T):
        x_t = diffuse(schedule, x0, torch.full((len(x0),), t), noise)
        pictures.append(cloud_picture(x_t))
        titles.append(f"t = {t}, ᾱ_t = {schedule.alpha_bar(t).item():.3g}")
    return grid(pictures, columns=len(pictures), titles=titles)


def samples_lines(evaluation: Evaluation, chain: list[Tensor]) -> LinesData:
    shown = slice(SHOWN_POINTS)
    data, samples = evaluation.reference[shown], on_view(chain[-1][shown])
    return lines(
        curve("data x₀", data[:, 0], data[:, 1], style="points"),
        curve("samples", samples[:, 0], samples[:, 1], style="points"),
        polylines(
            "reverse paths x_T → x₀",
            (torch.stack([on_view(x[k]) for x in chain]) for k in range(TRAJECTORIES)),
        ),
        curve(
            "path ends x₀",
            on_view(chain[-1][:TRAJECTORIES])[:, 0],
            on_view(chain[-1][:TRAJECTORIES])[:, 1],
            style="points",
        ),
        x_label="x₁",
        y_label="x₂",
    )


def field_lines(diffusion: Diffusion, evaluation: Evaluation, t: int) -> LinesData:
    """The score at t on a grid, scaled so the longest arrow spans 0.9 of a cell."""
    axis = torch.linspace(-FIELD_HALF_WIDTH, FIELD_HALF_WIDTH, FIELD_GRID)
    gx, gy = torch.meshgrid(axis, axis, indexing="xy")
    starts = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    vectors = torch.nan_to_num(score(diffusion, starts, t))
    longest = vectors.norm(dim=1).max().item()
    cell = 2 * FIELD_HALF_WIDTH / (FIELD_GRID - 1)
    vectors = vectors * (0.9 * cell / longest if longest > 0 else 0.0)
    data = evaluation.reference[:SHOWN_POINTS]
    return lines(
        curve("data x₀", data[:, 0], data[:, 1], style="points"),
        arrows(f"−ε_θ(x, {t}) / √(1 − ᾱ_{t})", starts, vectors, head=BARB),
        x_label="x₁",
        y_label="x₂",
    )


class Pictures:
    """The frames: the forward process once, the others at most every FRAMES_EVERY_SECONDS."""

    def __init__(self, ctx: JobContext, diffusion: Diffusion, evaluation: Evaluation) -> None:
        self.ctx, self.diffusion, self.evaluation = ctx, diffusion, evaluation
        self.last_shown = -math.inf

    def show_forward(self) -> None:
        self.ctx.frame(FORWARD, forward_grid(self.diffusion, self.evaluation))

    def show(self, chain: list[Tensor]) -> None:
        t = min(self.ctx.params.field_t, self.diffusion.schedule.T)
        self.ctx.frame(SAMPLES, samples_lines(self.evaluation, chain))
        self.ctx.frame(FIELD, field_lines(self.diffusion, self.evaluation, t))
        self.last_shown = time.monotonic()

    def show_if_due(self, chain: list[Tensor]) -> None:
        if time.monotonic() - self.last_shown >= FRAMES_EVERY_SECONDS:
            self.show(chain)
