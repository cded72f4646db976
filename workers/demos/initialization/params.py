"""The params of the `initialization` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    depth: int = param_field(
        20,
        description="Layers with weights, the output layer included: depth 20 is 19 hidden "
        "layers, each an affine map and the activation, then one output unit.",
        unit="layers",
        ge=2,
        le=50,
    )
    width: int = param_field(
        8,
        description="Units per hidden layer. With N(0, 1) weights a unit's input grows like "
        "√width, so wider layers push the sigmoid further into saturation but also multiply "
        "the gradient by more terms on the way back: at width 8 the two do not balance.",
        unit="units",
        ge=2,
        le=256,
    )
    init: Literal["normal", "xavier", "kaiming"] = param_field(
        "normal",
        description="How the weights are drawn (biases start at zero): `normal` from "
        "N(0, σ²) with the σ below; `xavier` from N(0, 2/(n_in + n_out)) (book 4.8.2.2); "
        "`kaiming` from N(0, 2/n_in), He et al.'s variance for ReLU.",
    )
    sigma: float = param_field(
        1.0,
        description="σ of the `normal` initialization N(0, σ²); the others ignore it.",
        gt=0,
        le=10,
        log_scale=True,
    )
    activation: Literal["sigmoid", "tanh", "relu"] = param_field(
        "sigmoid",
        description="The nonlinearity after each hidden layer: the sigmoid (its gradient is "
        "at most ¼, book 4.8.1.1), tanh (slope 1 at 0) or ReLU (slope 1 where it is on).",
    )
    batch_norm: bool = param_field(
        False,
        description="Batch normalization (book 7.5) between each hidden layer's affine map and "
        "its activation: every layer's inputs standardized over the batch, whatever the "
        "weights' scale.",
    )
    lr: float = common.learning_rate(
        0.1, "Learning rate η of gradient descent on the mean squared error of the batch."
    )
    steps: int = common.steps(
        200, "Gradient-descent steps, each on the whole fixed batch.", le=5000
    )
    seed: int = common.seed("Seeds the batch, the initial weights and the 100 matrices.")
    speed: float = common.speed(
        10.0, "Steps per second, so the layers can be watched; 0 runs flat out."
    )
