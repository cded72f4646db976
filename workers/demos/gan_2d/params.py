"""The params of the `gan-2d` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    target: Literal["gaussian", "ring", "moons"] = param_field(
        "gaussian",
        description="The real data, 1000 points on the plane. `gaussian`: the book's, "
        "X A + b with X ~ N(0, I), A = [[1, 2], [−0.1, 0.5]], b = [1, 2]. `ring`: 8 small "
        "Gaussians on a circle of radius 2 (8 modes: a generator may cover only some). "
        "`moons`: two interleaving half circles with noise N(0, 0.05²).",
    )
    generator: Literal["linear", "mlp"] = param_field(
        "linear",
        description="`linear`: the book's net_G, one linear layer from the latent z to the "
        "plane: it can only make Gaussians. `mlp`: two hidden layers of `hidden` tanh units, "
        "enough to bend the plane into a ring or moons.",
    )
    discriminator: Literal["book", "mlp"] = param_field(
        "book",
        description="`book`: the book's net_D, 2 → 5 tanh → 3 tanh → 1. `mlp`: two hidden "
        "layers of `hidden` tanh units. Both output a logit; D(x) is its sigmoid.",
    )
    hidden: int = param_field(
        32,
        description="Units in each hidden layer of the `mlp` generator and discriminator "
        "(unused by the book's nets).",
        ge=2,
        le=128,
        unit="units",
    )
    latent_dim: int = param_field(
        2,
        description="Dimension of the noise z ~ N(0, I) the generator maps to the plane; the "
        "book uses 2.",
        ge=1,
        le=16,
        unit="dimensions",
    )
    lr_D: float = common.learning_rate(
        0.05, "Learning rate of the discriminator's Adam; the book uses 0.05.", le=1
    )
    lr_G: float = common.learning_rate(
        0.005, "Learning rate of the generator's Adam; the book uses 0.005.", le=1
    )
    d_steps: int = param_field(
        1,
        description="Discriminator steps per generator step: the generator is updated after "
        "every k-th discriminator step (each on its own minibatch); the book alternates, k = 1.",
        ge=1,
        le=10,
        unit="steps",
        live=True,
    )
    batch_size: int = common.batch_size(8, "Real examples per minibatch; the book uses 8.", le=1000)
    epochs: int = common.epochs(20, "Passes over the 1000 real examples; the book uses 20.", le=500)
    seed: int = common.seed(
        "Seeds the real data, the initial weights, the minibatch order and the noise z."
    )
    speed: float = common.speed(
        100.0, "Steps (minibatches) per second, so the game can be watched; 0 runs flat out."
    )
