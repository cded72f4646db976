"""The params of the `softmax-regression` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    dataset: common.ImageDatasetChoice = common.image_dataset()
    implementation: Literal["scratch", "concise"] = param_field(
        "scratch",
        description="`scratch` as in 3.6: W and b as tensors, softmax, cross-entropy and "
        "minibatch SGD written out; `concise` as in 3.7: `nn.Linear`, `nn.CrossEntropyLoss` "
        "and `torch.optim.SGD`. Both compute the same thing.",
    )
    lr: float = common.learning_rate(0.1, "Learning rate η of minibatch SGD; the book uses 0.1.")
    batch_size: int = common.batch_size(
        256, "Examples per minibatch; the book uses 256.", ge=1, le=4096
    )
    epochs: int = common.epochs(10, "Passes over the training set; the book uses 10.", le=100)
    seed: int = common.seed("Seeds the initial weights and the shuffling.")
    probe_index: int = param_field(
        0,
        description="Which test image's class probabilities to show (wraps around on small "
        "test sets).",
        ge=0,
        le=9_999,
        live=True,
    )
    speed: float = common.speed(
        30.0,
        "Minibatch steps per second, so the weights can be watched as they learn; 0 runs flat "
        "out (the book's 10 epochs of Fashion-MNIST are 2,350 steps).",
    )
