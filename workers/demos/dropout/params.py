"""The params of the `dropout` demo: ranges, units, and which are live."""

from typing import Any, Literal

from core import params as common
from core.param_fields import DemoParams, param_field


def dropout_probability(default: float, layer: int) -> Any:
    return param_field(
        default,
        description=f"Dropout p, layer {layer}: the probability that dropout zeroes each unit "
        f"of hidden layer {layer} at a training step (the survivors are scaled by 1/(1 − p)). "
        "0 turns dropout off; at 1 every unit is dropped and nothing gets through. Takes "
        "effect at the next step.",
        ge=0,
        le=1,
        live=True,
    )


class Params(DemoParams):
    dataset: common.ImageDatasetChoice = common.image_dataset()
    implementation: Literal["scratch", "concise"] = param_field(
        "scratch",
        description="`scratch` as in 4.6.4: the book's `dropout_layer` (a random mask, the "
        "survivors scaled by 1/(1 − p)) after each hidden layer while training; `concise` as "
        "in 4.6.5: `nn.Dropout` layers. Both compute the same thing.",
    )
    dropout1: float = dropout_probability(0.2, 1)
    dropout2: float = dropout_probability(0.5, 2)
    lr: float = common.learning_rate(
        0.5, "Learning rate η of minibatch SGD; the book uses 0.5 (0.1 in the current edition)."
    )
    batch_size: int = common.batch_size(256, "Examples per minibatch; the book uses 256.", le=4096)
    epochs: int = common.epochs(10, "Passes over the training set; the book uses 10.", le=2000)
    train_examples: int = param_field(
        60_000,
        description="Training images used: the first N of the training set (all of it when N "
        "is larger, as in the book). A few hundred let the network overfit within a minute or "
        "two on a CPU, so that what dropout does to the train/test gap shows.",
        unit="examples",
        ge=50,
        le=60_000,
    )
    seed: int = common.seed("Seeds the initial weights, the shuffling and the dropout masks.")
    speed: float = common.speed(
        30.0,
        "Minibatch steps per second, so the masks and weights can be watched; 0 runs flat out "
        "(the book's 10 epochs of Fashion-MNIST are 2,350 steps).",
    )
