"""The params of the `mlp` demo: ranges, units, and which are live."""

from typing import Annotated, Literal, get_args

from pydantic import Field

from core import params as common
from core.param_fields import DemoParams, param_field

PlaneDataset = Literal["circles", "moons", "xor", "spirals", "blobs"]
PLANE_DATASETS = get_args(PlaneDataset)

Width = Annotated[int, Field(ge=1, le=512)]


class Params(DemoParams):
    dataset: Literal[PlaneDataset, common.ImageDatasetName] = param_field(
        "circles",
        description="Points on a plane, made in code, to watch the decision boundary bend: two "
        "circles, two moons, XOR, two spirals or three Gaussian blobs. Or images: "
        f"{common.IMAGE_DATASETS}.",
    )
    examples: int = param_field(
        400,
        description="Points made for a plane dataset, training and test together.",
        unit="examples",
        ge=20,
        le=10_000,
    )
    noise: float = param_field(
        0.1,
        description="Standard deviation of the Gaussian noise added to each point of a plane "
        "dataset; the shapes span about 2 units.",
        ge=0,
        le=1,
    )
    test_fraction: float = param_field(
        0.5,
        description="Share of a plane dataset's points held out to test on (never trained on).",
        ge=0.1,
        le=0.9,
    )
    hidden: list[Width] = Field(
        default=[8],
        max_length=4,
        description="Width of each hidden layer, input side first: the book's is [256]. "
        "[] is no hidden layer: softmax regression (book 3.6), whose boundaries are straight.",
    )
    activation: Literal["relu", "sigmoid", "tanh", "gelu"] = param_field(
        "relu",
        description="The nonlinearity after each hidden layer (book 4.1.2): ReLU as in the "
        "book's code, sigmoid, tanh or GELU.",
    )
    init: Literal["normal", "pytorch"] = param_field(
        "pytorch",
        description="`normal`: the book's weights drawn from N(0, 0.01²), biases zero. "
        "`pytorch`: PyTorch's default (uniform, scaled by 1/√fan-in), which today's concise "
        "code gets; on the plane, tiny book-style weights make a small network start slowly.",
    )
    lr: float = common.learning_rate(0.1, "Learning rate η of minibatch SGD; the book uses 0.1.")
    weight_decay: float = common.weight_decay(
        0.0, "λ of the L2 penalty (λ/2)‖w‖² that SGD adds to the loss (book 4.5).", le=0.1
    )
    batch_size: int = common.batch_size(
        32, "Examples per minibatch; the book uses 256 on Fashion-MNIST.", le=4096
    )
    epochs: int = common.epochs(
        100, "Passes over the training set; the book uses 10 on Fashion-MNIST.", le=1000
    )
    seed: int = common.seed("Seeds the plane dataset, the initial weights and the shuffling.")
    speed: float = common.speed(
        100.0, "Minibatch steps per second, so the boundary can be watched; 0 runs flat out."
    )
