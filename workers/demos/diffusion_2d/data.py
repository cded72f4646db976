"""The 2-D data x₀: two moons, a swiss roll, a ring of Gaussians or the learner's drawing.

Every data set is scaled to zero mean and unit spread (the root mean square distance from the
mean, over both coordinates, is √2, as it is for N(0, I)): the forward process ends near
N(0, I), so the data should live on the noise's scale.
"""

import math

import torch
from torch import Tensor

MOONS_NOISE = 0.03  # the small 2-D versions' make_moons(noise=0.03)
SWISS_ROLL_NOISE = 0.25  # on the roll's own scale (its radius runs from 4.7 to 14.1)
RING_MODES, RING_RADIUS, RING_STD = 8, 2.0, 0.1
DRAWN_JITTER = 0.03  # each drawn point, repeated, is spread by 3% of the drawing's spread


def moons(n: int, rng: torch.Generator) -> Tensor:
    """scikit-learn's make_moons: the upper half circle and the lower one shifted to interleave
    with it, at evenly spaced angles, plus N(0, 0.03²) noise."""
    outer, inner = n // 2, n - n // 2
    a = torch.linspace(0, math.pi, outer)
    b = torch.linspace(0, math.pi, inner)
    points = torch.cat(
        [
            torch.stack([torch.cos(a), torch.sin(a)], dim=1),
            torch.stack([1 - torch.cos(b), 0.5 - torch.sin(b)], dim=1),
        ]
    )
    return points + MOONS_NOISE * torch.randn(points.shape, generator=rng)


def swiss_roll(n: int, rng: torch.Generator) -> Tensor:
    """scikit-learn's make_swiss_roll seen from its side: t = 1.5π(1 + 2u), u ~ U(0, 1), the
    point (t cos t, t sin t), plus noise."""
    t = 1.5 * math.pi * (1 + 2 * torch.rand(n, generator=rng))
    points = torch.stack([t * torch.cos(t), t * torch.sin(t)], dim=1)
    return points + SWISS_ROLL_NOISE * torch.randn(points.shape, generator=rng)


def ring(n: int, rng: torch.Generator) -> Tensor:
    """8 Gaussians (σ = 0.1) evenly spaced on a circle of radius 2, each as likely."""
    mode = torch.randint(RING_MODES, (n,), generator=rng)
    angle = 2 * math.pi * mode / RING_MODES
    centres = RING_RADIUS * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)
    return centres + RING_STD * torch.randn((n, 2), generator=rng)


def sketched(n: int, points: list[tuple[float, float]], rng: torch.Generator) -> Tensor:
    """n draws from the learner's points, each point as likely, spread by a little noise (a
    drawing of 50 points is a shape to learn, not 50 points to memorise)."""
    sketch = torch.tensor(points, dtype=torch.float32)
    spread = max(spread_of(sketch), 1e-2)
    chosen = sketch[torch.randint(len(sketch), (n,), generator=rng)]
    return chosen + DRAWN_JITTER * spread * torch.randn((n, 2), generator=rng)


def spread_of(x: Tensor) -> float:
    """√(mean of ‖x − mean‖² / 2): 1 for N(0, I)."""
    return ((x - x.mean(dim=0)) ** 2).sum(dim=1).mean().div(2).sqrt().item()


def standardized(x: Tensor) -> Tensor:
    """Zero mean, unit spread."""
    return (x - x.mean(dim=0)) / spread_of(x)


def make_data(name: str, n: int, points: list[tuple[float, float]], rng: torch.Generator) -> Tensor:
    """The n points x₀ of the data set `name`, standardized, (n, 2) float32."""
    if name == "moons":
        x = moons(n, rng)
    elif name == "swiss-roll":
        x = swiss_roll(n, rng)
    elif name == "ring":
        x = ring(n, rng)
    else:
        x = sketched(n, points, rng)
    return standardized(x)
