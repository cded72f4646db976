"""The params of the `conv-filters` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
    dataset: common.ImageDatasetChoice = common.image_dataset()
    model: Literal["lenet", "lenet-modern"] = param_field(
        "lenet-modern",
        description="`lenet` exactly as the book's (sigmoid, average pooling, Xavier init), "
        "or `lenet-modern` with batch normalization, ReLU and max pooling, which learns within "
        "an epoch even on the small digits set.",
    )
    conv1_channels: int = param_field(
        6, description="Filters of the first conv layer; LeNet has 6.", ge=1, le=32
    )
    conv2_channels: int = param_field(
        16, description="Filters of the second conv layer; LeNet has 16.", ge=1, le=64
    )
    kernel_size: Literal[3, 5, 7] = param_field(
        5, description="Height and width of both layers' kernels; LeNet's are 5×5.", unit="px"
    )
    optimizer: Literal["sgd", "momentum", "adam"] = param_field(
        "sgd",
        description="Minibatch SGD as in the book, SGD with momentum, or Adam. Adam needs a "
        "far smaller learning rate (about 1e-3). A fork may switch: the new one starts afresh.",
        forkable=True,
    )
    lr: float = common.learning_rate(
        0.9,
        "Learning rate η. The book's LeNet uses 0.9 with batches of 256 (its current edition "
        "0.1 with batches of 128).",
    )
    momentum: float = param_field(
        0.9,
        description="β of the `momentum` optimizer: how much of the previous update is kept.",
        ge=0,
        lt=1,
        live=True,
    )
    weight_decay: float = common.weight_decay(
        0.0, "λ of the L2 penalty (λ/2)‖w‖² added to the loss, as the optimizer applies it.", le=0.1
    )
    batch_size: int = common.batch_size(
        256, "Examples per minibatch; the book uses 256.", ge=8, le=4096
    )
    epochs: int = common.epochs(10, "Passes over the training set; the book uses 10.", le=100)
    seed: int = common.seed("Seeds the initial weights and the shuffling.")
    probe_index: int = param_field(
        0,
        description="Which test image's feature maps to show (wraps around on small test sets).",
        ge=0,
        le=9_999,
        live=True,
    )
