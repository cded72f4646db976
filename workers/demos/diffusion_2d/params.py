"""The params of the `diffusion-2d` demo: ranges, units, and which are live.

The data (`data`, `points`) is `forkable`, not live: a fork may train the same model on other
data from a snapshot, but a running job's data never changes under it.
"""

from typing import Annotated, Literal

from pydantic import Field, model_validator

from core import params as common
from core.param_fields import DemoParams, param_field

MAX_DRAWN_POINTS = 2000
MIN_DRAWN_POINTS = 10  # fewer is not a distribution to learn, only points to memorise
MAX_T = 1000

DRAWN_RANGE = 5.0  # a drawn point's coordinates lie in [−5, 5]
Coordinate = Annotated[float, Field(ge=-DRAWN_RANGE, le=DRAWN_RANGE)]
DrawnPoint = tuple[Coordinate, Coordinate]


class Params(DemoParams):
    data: Literal["moons", "swiss-roll", "ring", "drawn"] = param_field(
        "moons",
        description="The data x₀, scaled to zero mean and unit spread (the noise's scale). "
        "`moons`: two interleaving half circles with noise 0.03; `swiss-roll`: a 2-D spiral; "
        "`ring`: 8 small Gaussians on a circle; `drawn`: the points you draw (`points`), each "
        "repeated with a little jitter. A fork may change it.",
        forkable=True,
    )
    points: list[DrawnPoint] = param_field(
        [],
        description=f"Your own data for `drawn`: {MIN_DRAWN_POINTS} to {MAX_DRAWN_POINTS} "
        f"points (x, y), each coordinate within ±{DRAWN_RANGE:g}. Ignored for the other data.",
        forkable=True,
        widget="points",
        max_length=MAX_DRAWN_POINTS,
    )
    num_points: int = param_field(
        8000,
        description="Examples drawn from the data; the small 2-D versions use 8,000.",
        ge=2000,
        le=20000,
        unit="points",
    )
    T: int = param_field(
        50,
        description="T: diffusion steps of the forward process; DDPM uses 1000, the small 2-D "
        "versions 50.",
        ge=2,
        le=MAX_T,
        unit="steps",
    )
    schedule: Literal["linear", "cosine"] = param_field(
        "linear",
        description="The noise schedule β₁…β_T. `linear`: DDPM's, from 1e-4 to 0.02. "
        "`cosine`: Nichol & Dhariwal's ᾱ_t = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), "
        "s = 0.008, β clipped at 0.999.",
    )
    hidden: int = param_field(
        128,
        description="Width of the denoiser ε_θ(x_t, t): hidden units of its 3 GELU blocks; the "
        "small 2-D versions use 128.",
        ge=8,
        le=512,
        unit="units",
    )
    lr: float = common.learning_rate(
        1e-3, "Learning rate η of AdamW; the small 2-D versions use 1e-3.", le=1
    )
    epochs: int = common.epochs(200, "Passes over the data.", le=2000)
    batch_size: int = common.batch_size(256, "Examples per minibatch.", le=4096)
    sampling_steps: int = param_field(
        50,
        description="Sampling steps: how many of the T steps the sampler takes, evenly spaced "
        "from T down to 1 (all T: DDPM's ancestral sampler; fewer: the same sampler on the "
        "skipped chain). Taken as T when larger.",
        ge=1,
        le=MAX_T,
        unit="steps",
        live=True,
    )
    field_t: int = param_field(
        5,
        description="t of the vector field: the learned denoising direction is drawn at this "
        "noise level. Taken as T when larger.",
        ge=1,
        le=MAX_T,
        unit="step",
        live=True,
    )
    seed: int = common.seed(
        "Seeds the data, the initial weights, the minibatch order and each step's t and ε."
    )
    speed: float = common.speed(
        200.0, "Steps (minibatches) per second, so training can be watched; 0 runs flat out."
    )

    @model_validator(mode="after")
    def _drawn_points_are_a_distribution(self) -> "Params":
        if self.data == "drawn" and len(self.points) < MIN_DRAWN_POINTS:
            raise ValueError(
                f"`drawn` data needs at least {MIN_DRAWN_POINTS} drawn points, got "
                f"{len(self.points)}: draw more on the canvas"
            )
        return self
