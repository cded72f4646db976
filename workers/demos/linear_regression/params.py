"""The params of the `linear-regression` demo: ranges, units, and which are live."""

from typing import Annotated, Literal

from pydantic import Field

from core import params as common
from core.param_fields import DemoParams, param_field

# A true weight or bias: far enough from the start (0) to make a journey, small enough that the
# book's learning rate still converges on standard-normal features.
TrueValue = Annotated[float, Field(ge=-10, le=10, json_schema_extra={"widget": "number"})]


class Params(DemoParams):
    implementation: Literal["scratch", "concise"] = param_field(
        "scratch",
        description="`scratch`: the model, the squared loss (ŷ − y)²/2 and minibatch SGD written "
        "by hand (3.2). `concise`: nn.Linear, nn.MSELoss and torch.optim.SGD (3.3). MSELoss has "
        "no ½, so its gradient is twice as large: at the same η the concise version takes "
        "steps twice as long, as in the book.",
    )
    lr: float = common.learning_rate(0.03, "Learning rate η of minibatch SGD; the book uses 0.03.")
    batch_size: int = param_field(
        10,
        description="Examples per minibatch; the book uses 10 (its current edition 32). A change "
        "takes effect at the next step, within the epoch's shuffled order.",
        ge=1,
        le=1000,
        unit="examples",
        live=True,
    )
    epochs: int = common.epochs(3, "Passes over the training set; the book uses 3.", le=100)
    num_examples: int = param_field(
        1000,
        description="Training examples drawn from the linear model; the book uses 1000.",
        ge=10,
        le=10_000,
        unit="examples",
    )
    num_val: int = param_field(
        0,
        description="Validation examples drawn with them, whose loss is reported after each "
        "epoch: none in the classic edition, 1000 in the current one.",
        ge=0,
        le=10_000,
        unit="examples",
    )
    noise: float = param_field(
        0.01,
        description="Standard deviation σ of the Gaussian noise added to each label; the book "
        "uses 0.01. It sets how close any fit can get to the true w and b.",
        ge=0,
        le=10,
    )
    true_w: tuple[TrueValue, TrueValue] = param_field(
        (2.0, -3.4), description="The true weights [w1, w2]; the book uses [2, −3.4]."
    )
    true_b: float = param_field(
        4.2, description="The true bias b; the book uses 4.2.", ge=-10, le=10
    )
    seed: int = common.seed(
        "Seeds the data, its noise, the initial weights and the minibatch order."
    )
    speed: float = common.speed(
        20.0, "Steps per second, so the path can be watched; 0 runs flat out."
    )
