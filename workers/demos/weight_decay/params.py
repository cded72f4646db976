"""The params of the `weight-decay` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    mode: Literal["train", "sweep"] = param_field(
        "train",
        description="`train`: one fit with `weight_decay` λ, watched as it learns. `sweep`: "
        "one job that fits every λ of a grid in turn, 0 and then 0.001 to 100 (1 and 3 per "
        "decade), with the same data and seed, `epochs` each, flat out, and draws the final "
        "training and test loss and ‖w‖ against λ, a point as each fit ends.",
    )
    implementation: Literal["scratch", "concise"] = param_field(
        "scratch",
        description="`scratch`: the penalty λ‖w‖²/2 added to the loss (ŷ − y)²/2 by hand "
        "(4.5.3). `concise`: nn.MSELoss and torch.optim.SGD's `weight_decay` = λ on the weight "
        "(4.5.4). MSELoss has no ½, so at the same η the concise data steps are twice as long; "
        "concise at η/2 with 2λ takes exactly the scratch steps.",
    )
    weight_decay: float = common.weight_decay(
        0.0,
        "λ, the weight of the L2 penalty; the book trains with 0 (overfitting) and 3. Each step "
        "shrinks w by the factor 1 − ηλ before the gradient step.",
        le=100,
    )
    lr: float = common.learning_rate(
        0.003, "Learning rate η of minibatch SGD; the book uses 0.003 (0.01 today).", le=1
    )
    epochs: int = common.epochs(
        100,
        "Passes over the training set, for each fit of a sweep too; the book uses 100 (10 today).",
        le=2000,
    )
    batch_size: int = common.batch_size(5, "Examples per minibatch; the book uses 5.", le=1000)
    init_std: float = param_field(
        1.0,
        description="σ of the initial weights w ~ N(0, σ²); the book uses 1 (0.01 today). "
        "The bias starts at 0.",
        ge=0,
        le=10,
    )
    num_train: int = param_field(
        20,
        description="Training examples for 200 inputs; the book uses 20 (and 100 test "
        "examples, fixed here). More examples than inputs leave little room to overfit.",
        ge=1,
        le=2000,
        unit="examples",
    )
    seed: int = common.seed(
        "Seeds the data, its noise, the initial weights and the minibatch order; every fit of "
        "a sweep starts from the same draws."
    )
    speed: float = common.speed(
        10.0,
        "Epochs per second, so the weights can be watched shrinking; 0 runs flat out. A sweep "
        "always runs flat out.",
        unit="epochs/s",
        le=1000,
    )
