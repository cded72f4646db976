"""The params of the `deep-nets` demo: ranges, units, and which are live."""

from typing import Literal, Self

from pydantic import model_validator

from core import params as common
from core.param_fields import DemoParams, param_field

# The variants, in the order they are trained and drawn; each names its metrics (`train_loss_bn`).
VARIANTS = ("plain", "bn", "residual", "bn_residual")


class Params(DemoParams):
    dataset: common.ImageDatasetChoice = common.image_dataset()
    network: Literal["resnet", "lenet"] = param_field(
        "resnet",
        description="`resnet`: the book's ResNet design (7.6) scaled down to 28×28 images: a "
        "3×3 stem with max pooling, three stages of Residual blocks (width, 2·width, 4·width "
        "channels; each stage after the first halves the side), global average pooling and a "
        "dense layer; `depth` and `width` set its size. `lenet`: the book's LeNet with batch "
        "normalization after each conv and dense layer (7.5.4), sigmoid activations; it has no "
        "residual variant, and ignores `depth` and `width`.",
    )
    depth: int = param_field(
        20,
        description="Layers with weights in the `resnet` network: the stem conv, two 3×3 convs "
        "per block and the output layer (the 1×1 convs of the shortcuts not counted, as in "
        "ResNet-18). Even, so that the blocks hold pairs of convs: 20 is nine blocks, three per "
        "stage (He et al.'s ResNet-20).",
        unit="layers",
        ge=4,
        le=56,
    )
    width: int = param_field(
        8,
        description="Channels of the first stage of the `resnet` network (the next stages have "
        "twice and four times as many); the book's ResNet-18 has 64.",
        unit="channels",
        ge=2,
        le=64,
    )
    plain: bool = param_field(
        True,
        description="Train the plain network: no batch normalization, no shortcuts.",
    )
    bn: bool = param_field(
        True,
        description="Train the network with batch normalization (the book's from-scratch "
        "`BatchNorm`) after every conv and dense layer but the last, before the activation.",
    )
    residual: bool = param_field(
        True,
        description="Train the network with residual connections (`resnet` only): each block "
        "outputs ReLU(F(x) + x), without batch normalization.",
    )
    bn_residual: bool = param_field(
        True,
        description="Train the network with both (`resnet` only): the book's Residual blocks, "
        "batch normalization inside each.",
    )
    lr: float = common.learning_rate(
        0.2,
        "Learning rate η of minibatch SGD, the same for every variant. The book's LeNet with "
        "batch normalization uses 1.0 with batches of 256 (its current edition 0.1 with 128); "
        "its ResNet 0.05 (current 0.01).",
    )
    batch_size: int = common.batch_size(
        64, "Examples per minibatch; every variant takes the same minibatches.", ge=8, le=1024
    )
    epochs: int = common.epochs(10, "Passes over the training set; the book uses 10.", le=100)
    seed: int = common.seed(
        "Seeds the initial weights (each layer drawn alike in every variant that has it) and "
        "the shuffling."
    )

    @model_validator(mode="after")
    def _two_variants_that_the_network_has(self) -> Self:
        """Side by side needs at least two; LeNet has no blocks to put a shortcut around; a
        block is a pair of convs."""
        if self.network == "lenet" and (self.residual or self.bn_residual):
            raise ValueError(
                "LeNet's layers change shape at every step, so it has no residual variant: "
                "untick `residual` and `bn_residual`, or pick the `resnet` network"
            )
        if len(self.variants) < 2:
            raise ValueError("tick at least two variants to train side by side")
        if self.depth % 2:
            raise ValueError(
                "depth must be even: the stem, pairs of 3×3 convs (one block each) and the "
                "output layer"
            )
        return self

    @property
    def variants(self) -> list[str]:
        """The variants ticked, in the order they are trained."""
        return [name for name in VARIANTS if getattr(self, name)]
