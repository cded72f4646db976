"""The params of the `gradient-descent` demo: ranges, units, and which are live."""

from typing import Annotated, Literal

from pydantic import Field

from core import params as common
from core.param_fields import DemoParams, param_field

FunctionId = Literal[
    "quadratic", "ill-conditioned", "rosenbrock", "himmelblau", "saddle", "rastrigin"
]


def _lr(default: float) -> float:
    return common.learning_rate(default, "Learning rate η: the size of each step.")


class _Optimizer(DemoParams):
    label: str | None = Field(
        default=None,
        max_length=32,
        description="Name on the chart legend; defaults to the optimizer's name.",
    )


class GD(_Optimizer):
    """Gradient descent (11.3): x ← x − η ∇f(x)."""

    name: Literal["gd"] = "gd"
    lr: float = _lr(0.1)


class SGD(_Optimizer):
    """Stochastic gradient descent (11.4): the gradient plus Gaussian noise, as in the book."""

    name: Literal["sgd"] = "sgd"
    lr: float = _lr(0.1)
    noise: float = param_field(
        1.0,
        description="Standard deviation of the noise added to each gradient coordinate.",
        ge=0,
        le=10,
        live=True,
    )
    schedule: Literal["constant", "exponential", "polynomial"] = param_field(
        "constant", description="η_t = η · 1, η · exp(−0.1 t) or η · (1 + 0.1 t)^−0.5 (11.4.4)."
    )


class Momentum(_Optimizer):
    """Momentum (11.6): v ← β v + ∇f(x); x ← x − η v."""

    name: Literal["momentum"] = "momentum"
    lr: float = _lr(0.6)
    momentum: float = param_field(
        0.5, description="β: how much of the previous velocity is kept.", ge=0, lt=1, live=True
    )


class Nesterov(_Optimizer):
    """Nesterov momentum: v ← β v + g; x ← x − η (g + β v)."""

    name: Literal["nesterov"] = "nesterov"
    lr: float = _lr(0.6)
    momentum: float = param_field(
        0.5, description="β: how much of the previous velocity is kept.", ge=0, lt=1, live=True
    )


class Adagrad(_Optimizer):
    """Adagrad (11.7): s ← s + g²; x ← x − η g / √(s + ε)."""

    name: Literal["adagrad"] = "adagrad"
    lr: float = _lr(0.4)
    eps: float = param_field(
        1e-6, description="ε: keeps the division finite.", gt=0, le=1, log_scale=True
    )


class RMSProp(_Optimizer):
    """RMSProp (11.8): s ← γ s + (1 − γ) g²; x ← x − η g / √(s + ε)."""

    name: Literal["rmsprop"] = "rmsprop"
    lr: float = _lr(0.4)
    gamma: float = param_field(
        0.9, description="γ: decay of the squared-gradient average.", ge=0, lt=1, live=True
    )
    eps: float = param_field(
        1e-6, description="ε: keeps the division finite.", gt=0, le=1, log_scale=True
    )


class Adadelta(_Optimizer):
    """Adadelta (11.9): no learning rate; step sizes come from the ratio of two averages."""

    name: Literal["adadelta"] = "adadelta"
    rho: float = param_field(
        0.9, description="ρ: decay of both running averages.", ge=0, lt=1, live=True
    )
    eps: float = param_field(
        1e-5, description="ε: keeps the division finite.", gt=0, le=1, log_scale=True
    )


class Adam(_Optimizer):
    """Adam (11.10): bias-corrected averages of the gradient and its square."""

    name: Literal["adam"] = "adam"
    lr: float = _lr(0.1)
    beta1: float = param_field(
        0.9, description="β₁: decay of the gradient average.", ge=0, lt=1, live=True
    )
    beta2: float = param_field(
        0.999, description="β₂: decay of the squared-gradient average.", ge=0, lt=1, live=True
    )
    eps: float = param_field(
        1e-6, description="ε: keeps the division finite.", gt=0, le=1, log_scale=True
    )


class Yogi(_Optimizer):
    """Yogi (11.10.3): Adam whose second moment moves by sign, so it cannot blow up."""

    name: Literal["yogi"] = "yogi"
    lr: float = _lr(0.1)
    beta1: float = param_field(
        0.9, description="β₁: decay of the gradient average.", ge=0, lt=1, live=True
    )
    beta2: float = param_field(
        0.999, description="β₂: decay of the squared-gradient average.", ge=0, lt=1, live=True
    )
    eps: float = param_field(
        1e-3, description="ε: keeps the division finite.", gt=0, le=1, log_scale=True
    )


Optimizer = Annotated[
    GD | SGD | Momentum | Nesterov | Adagrad | RMSProp | Adadelta | Adam | Yogi,
    Field(discriminator="name"),
]


Coordinate = Annotated[float, Field(ge=-1e6, le=1e6, json_schema_extra={"widget": "number"})]


class Params(DemoParams):
    function: FunctionId = param_field(
        "ill-conditioned",
        description="The surface to descend: the book's x1² + 2·x2² (quadratic) and "
        "0.1·x1² + 2·x2² (ill-conditioned), or a harder classic.",
    )
    optimizers: list[Optimizer] = Field(
        # A plain default (not a factory) so the schema shows it; pydantic copies it per use.
        default=[GD(lr=0.4), Momentum(lr=0.4, momentum=0.5), RMSProp(lr=0.4, gamma=0.9)],
        min_length=1,
        max_length=8,
        description="The racers: each starts at `start` with its own hyperparameters.",
    )
    start: tuple[Coordinate, Coordinate] = param_field(
        (-5.0, -2.0), description="Starting point [x1, x2]; the book uses [-5, -2]."
    )
    steps: int = common.steps(20, "Number of updates; the book uses 20.", le=100_000)
    seed: int = common.seed("Seeds the noise of SGD.")
    speed: float = common.speed(
        5.0, "Steps per second, so the race can be watched; 0 runs flat out."
    )
