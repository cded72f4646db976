"""The params of the `sequence-prediction` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    model: Literal["mlp", "linear"] = param_field(
        "mlp",
        description="`mlp`: the classic edition's 4 → 10 ReLU → 1 network with Xavier weights, "
        "trained by Adam. `linear`: the current edition's single linear layer (weights from "
        "N(0, 0.01²)), trained by minibatch SGD.",
    )
    tau: int = param_field(
        4,
        description="τ, the window: the τ previous values x_{t−τ}, …, x_{t−1} predict x_t; the "
        "book uses 4.",
        ge=1,
        le=64,
        unit="values",
    )
    lr: float = common.learning_rate(
        0.01, "Learning rate η of Adam (mlp) or SGD (linear); the book uses 0.01 for both.", le=1
    )
    epochs: int = common.epochs(
        5, "Passes over the 600 training examples; the book uses 5.", le=200
    )
    batch_size: int = common.batch_size(16, "Examples per minibatch; the book uses 16.", le=600)
    max_k: int = param_field(
        64,
        description="The longest horizon of the k-step-ahead view: it shows k = 1, 4, 16, … up "
        "to this k (and this k itself), each fed back its own predictions for k − 1 steps; the "
        "book's longest is 64.",
        ge=1,
        le=256,
        unit="steps",
        live=True,
    )
    seed: int = common.seed(
        "Seeds the noise on the sine, the initial weights and the minibatch order."
    )
    speed: float = common.speed(
        20.0, "Steps (minibatches) per second, so the predictions can be watched; 0 runs flat out."
    )
