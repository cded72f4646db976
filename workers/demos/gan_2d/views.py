"""What the learner sees of gan-2d.

Frames:
- `Real and generated samples over D(x)` (`image`): the discriminator's output on the plane
  (purple: "generated", green: "real", the line D = ½ between), the 1000 real points and
  1000 generated from a fixed noise. At equilibrium D(x) = ½ everywhere: a white plane.
- `The generator's mapping` (`lines`): where G sends a regular grid of latent points z in
  [−2.5, 2.5]²: the lines of constant z₂ and of constant z₁, deformed. With latent dimension
  1, the curve G(z) for z from −3 to 3; above 2, the grid of (z₁, z₂), the other coordinates
  held at 0 (the panel's axis says so).
- `Where the generator's loss pushes its samples` (`lines`): ∇ₓ log D(x) as arrows on a
  coarse grid, scaled so the longest is most of a cell: the direction in which −log D(x), the
  generator's loss for a sample at x, falls fastest.
- `Means and covariances` (`text`): of the data, of the generated points and, for the book's
  Gaussian, b and AᵀA; for the linear generator G(z) = z W + c, the distribution it makes
  exactly, N(c, WᵀW).

Metrics: `loss_D` and `loss_G` per example, as the book prints them (ln 2 ≈ 0.693 for both at
equilibrium, where D(x) = ½); `d_real` and `d_fake`, the mean of D over the real points and
over the generated ones; and how far the generated points are from the real ones:
`mean_error` ‖μ_G − μ_data‖, `cov_error` ‖Σ_G − Σ_data‖ (Frobenius), `frechet` (W₂² between the
two Gaussians fitted to them) and `sliced_w1` (the sliced 1-Wasserstein distance of the two
samples, which also sees modes that a Gaussian fit misses).
"""

import math
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from core.frames import LinesData, LineSeries
from workers.context import JobContext
from workers.demos.gan_2d.model import GAN, frechet_distance, moments, sliced_wasserstein
from workers.demos.gan_2d.plane import Extent, background_grid, plane_picture
from workers.kit.views import arrows, curve, lines, polylines, text

SAMPLES = "Real and generated samples over D(x)"
MAPPING = "The generator's mapping"
PULL = "Where the generator's loss pushes its samples"
MOMENTS = "Means and covariances"
FRAMES_EVERY_SECONDS = 0.5  # often enough to look alive, rarely enough to cost little
SHOWN_EVERY = 5  # the lines panels show every 5th point: 200 dots, not 1000
GRID_LINES, GRID_POINTS, GRID_REACH = 11, 41, 2.5  # the latent grid: 11 lines each way
ARROWS = 15  # arrows per side of the plane
ARROW_LENGTH = 0.9  # the longest arrow, in cells
HEAD = 0.3  # arrowheads, as a share of their arrow
HEAD_ANGLE = math.radians(25)
SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class Evaluation:
    """The real points and a fixed noise: the pictures and distances always use these, so
    they change only as the nets do."""

    real: Tensor  # (1000, 2)
    Z: Tensor  # (1000, latent_dim)

    @property
    def extent(self) -> Extent:
        return Extent.around(self.real.numpy())


def distances(gan: GAN, evaluation: Evaluation) -> dict[str, float]:
    """D's verdicts and the distances between the generated and the real points."""
    real, fake = evaluation.real, gan.generate(evaluation.Z)
    (mu_real, cov_real), (mu_fake, cov_fake) = moments(real), moments(fake)
    return {
        "d_real": gan.discriminate(real).mean().item(),
        "d_fake": gan.discriminate(fake).mean().item(),
        "mean_error": torch.linalg.vector_norm(mu_fake - mu_real).item(),
        "cov_error": torch.linalg.matrix_norm(cov_fake - cov_real).item(),
        "frechet": frechet_distance(mu_fake, cov_fake, mu_real, cov_real),
        "sliced_w1": sliced_wasserstein(fake, real),
    }


def latent_grid_lines(latent_dim: int) -> tuple[list[Tensor], list[str]]:
    """Polylines of latent points (each (m, latent_dim)) and what they are."""
    if latent_dim == 1:
        return [torch.linspace(-3, 3, 61)[:, None]], ["G(z) for z from −3 to 3"]
    levels = torch.linspace(-GRID_REACH, GRID_REACH, GRID_LINES)
    along = torch.linspace(-GRID_REACH, GRID_REACH, GRID_POINTS)
    constant_z2, constant_z1 = [], []
    for level in levels:
        line = torch.zeros((GRID_POINTS, latent_dim))
        line[:, 0], line[:, 1] = along, level
        constant_z2.append(line)
        line = torch.zeros((GRID_POINTS, latent_dim))
        line[:, 0], line[:, 1] = level, along
        constant_z1.append(line)
    return [torch.cat(constant_z2), torch.cat(constant_z1)], [
        "lines of constant z₂",
        "lines of constant z₁",
    ]


def samples_series(evaluation: Evaluation, gan: GAN) -> list[LineSeries]:
    shown = slice(None, None, SHOWN_EVERY)
    return [
        curve("real", evaluation.real[shown, 0], evaluation.real[shown, 1], style="points"),
        curve(
            "generated",
            *gan.generate(evaluation.Z[shown]).T,
            style="points",
        ),
    ]


def mapping_lines(gan: GAN, evaluation: Evaluation) -> LinesData:
    """The images G(z) of the latent grid's lines over a sample of the real points."""
    series = [samples_series(evaluation, gan)[0]]
    for latent, label in zip(*latent_grid_lines(gan.latent_dim), strict=True):
        pieces = 1 if gan.latent_dim == 1 else GRID_LINES
        series.append(polylines(label, gan.generate(latent).reshape(pieces, -1, 2)))
    last = "z" + str(gan.latent_dim).translate(SUBSCRIPTS)
    held = {1: "", 2: "", 3: " (z₃ held at 0)"}.get(gan.latent_dim, f" (z₃…{last} held at 0)")
    return lines(*series, x_label=f"x₁{held}", y_label="x₂")


def pull_lines(gan: GAN, evaluation: Evaluation) -> LinesData:
    """Arrows of ∇ₓ log D(x) on an ARROWS × ARROWS grid, lengths relative to the longest.

    Lengths are in cells (the grid's spacing on each axis), so an arrow never runs into its
    neighbour's; each arrow is a shaft and a two-stroke head, null gaps between arrows."""
    extent = evaluation.extent
    cell = np.array(
        [(extent.x_max - extent.x_min) / ARROWS, (extent.y_max - extent.y_min) / ARROWS]
    )
    tails = extent.cell_centres(ARROWS, ARROWS)
    gradient = gan.pull(torch.tensor(tails, dtype=torch.float32)).double().numpy() / cell
    longest = np.sqrt((gradient**2).sum(axis=1)).max()
    if not (math.isfinite(longest) and longest > 0):  # nothing to draw: a flat or broken D
        tails, gradient, longest = np.empty((0, 2)), np.empty((0, 2)), 1.0
    vectors = gradient * (ARROW_LENGTH / longest) * cell  # the longest ARROW_LENGTH cells
    return lines(
        arrows("∇ₓ log D(x), scaled", tails, vectors, head=HEAD, head_angle=HEAD_ANGLE),
        *samples_series(evaluation, gan),
        x_label="x₁",
        y_label="x₂",
    )


def matrix_text(values: Tensor) -> str:
    return np.array2string(values.double().numpy(), precision=3, suppress_small=True)


def moments_text(gan: GAN, evaluation: Evaluation, target: str) -> str:
    rows = [
        ("data", moments(evaluation.real)),
        ("generated", moments(gan.generate(evaluation.Z))),
    ]
    if target == "gaussian":  # the book: mean b, covariance AᵀA
        A, b = torch.tensor([[1.0, 2.0], [-0.1, 0.5]]), torch.tensor([1.0, 2.0])
        rows.append(("the book's b, AᵀA", (b, A.T @ A)))
    first = gan.net_G[0]
    if len(gan.net_G) == 1:  # G(z) = z W + c (W = weightᵀ) makes exactly N(c, WᵀW)
        W = first.weight.detach().T
        rows.append(("G's N(c, WᵀW)", (first.bias.detach(), W.T @ W)))
    return "\n".join(
        f"{name:<18} mean {matrix_text(mean)}\n{'':<18} covariance "
        + matrix_text(cov).replace("\n", "\n" + " " * 30)
        for name, (mean, cov) in rows
    )


class Panels:
    """The four frames, while it trains at most every FRAMES_EVERY_SECONDS."""

    def __init__(self, ctx: JobContext, gan: GAN, evaluation: Evaluation) -> None:
        self.ctx, self.gan, self.evaluation = ctx, gan, evaluation
        self.extent = evaluation.extent
        self.last_shown = -math.inf

    def plane(self) -> None:
        columns, rows = background_grid(self.extent)
        centres = torch.tensor(self.extent.cell_centres(columns, rows), dtype=torch.float32)
        d_grid = self.gan.discriminate(centres).reshape(rows, columns).numpy()
        generated = self.gan.generate(self.evaluation.Z).numpy()
        picture = plane_picture(self.extent, d_grid, self.evaluation.real.numpy(), generated)
        self.ctx.frame(SAMPLES, picture)

    def show(self) -> None:
        self.plane()
        self.ctx.frame(MAPPING, mapping_lines(self.gan, self.evaluation))
        self.ctx.frame(PULL, pull_lines(self.gan, self.evaluation))
        self.ctx.frame(
            MOMENTS, text(moments_text(self.gan, self.evaluation, self.ctx.params.target))
        )
        self.last_shown = time.monotonic()

    def show_if_due(self) -> None:
        if time.monotonic() - self.last_shown >= FRAMES_EVERY_SECONDS:
            self.show()
