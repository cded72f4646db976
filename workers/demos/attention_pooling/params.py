"""The params of the `attention-pooling` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field

Kernel = Literal["gaussian", "boxcar", "epanechikov", "constant"]


class Params(DemoParams):
    kernel: Kernel = param_field(
        "gaussian",
        description="How a query weighs a key at distance d, with u = d / σ: gaussian "
        "exp(−u²/2), boxcar 1 if |u| < 1, epanechikov max(0, 1 − |u|) as in the book, or "
        "constant 1 (every key alike).",
        live=True,
    )
    sigma: float = param_field(
        0.5,
        description="Bandwidth σ of the fixed kernel: how far a query looks. The book "
        "compares 0.1, 0.2, 0.5 and 1.",
        ge=0.05,
        le=10,
        live=True,
        log_scale=True,
    )
    lr: float = common.learning_rate(
        0.5, "Learning rate of the SGD that learns the width w; the book uses 0.5."
    )
    epochs: int = common.epochs(
        5,
        "SGD steps on the learned kernel, each over all 50 training points; the book uses 5.",
        le=1000,
    )
    seed: int = common.seed("Seeds the data, its noise and the initial w.")
    speed: float = common.speed(
        1.0,
        "Epochs per second, so the learned kernel can be watched; 0 runs flat out.",
        unit="epochs/s",
        le=100,
    )
