"""The params of the `polynomial-fit` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    mode: Literal["train", "sweep"] = param_field(
        "train",
        description="`train`: one fit with `num_features` features, watched as it learns. "
        "`sweep`: the model complexity sweep, one job that fits every number of features from "
        "1 to 20 in turn (same data, same seed, `epochs` each, flat out) and draws the final "
        "training and test loss against it, a point as each fit ends.",
    )
    num_features: int = param_field(
        4,
        description="Features xⁱ/i! the model uses, i = 0..d−1: the book fits 4 (the cubic's "
        "own), 2 (underfitting) and all 20 (overfitting). A sweep tries them all.",
        ge=1,
        le=20,
        unit="features",
    )
    num_train: int = param_field(
        100,
        description="Training examples; the book uses 100 (and 100 test examples, fixed here).",
        ge=1,
        le=1000,
        unit="examples",
    )
    noise: float = param_field(
        0.1,
        description="Standard deviation σ of the Gaussian noise on each label; the book uses "
        "0.1. Its square is the lowest test loss any model can expect.",
        ge=0,
        le=5,
    )
    lr: float = common.learning_rate(
        0.01, "Learning rate η of minibatch SGD (batches of 10); the book uses 0.01.", le=1
    )
    epochs: int = common.epochs(
        400,
        "Passes over the training set, for each fit of a sweep too; the book uses 400 (1500 "
        "for its fit with all 20 features).",
        le=3000,
    )
    seed: int = common.seed(
        "Seeds the data, its noise, the initial weights and the minibatch order; every fit of "
        "a sweep starts from the same draws."
    )
    speed: float = common.speed(
        50.0,
        "Epochs per second, so the fitted curve can be watched; 0 runs flat out. A sweep always "
        "runs flat out.",
        unit="epochs/s",
        le=1000,
    )
