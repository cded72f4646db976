"""LeNet's filters and feature maps as it trains (book 6.6 LeNet, 7.5 Batch Normalization).

LeNet learns to classify 28×28 images; the learner watches the first layer's filters take
shape from noise and the feature maps of one test image change. The book's LeNet (sigmoid,
average pooling) trains next to its modern form (ReLU, max pooling, batch normalization).
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from workers.demos.contract import ChartSpec, DemoSpec, param_field


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: Literal["auto", "fashion-mnist", "mnist", "digits"] = param_field(
        "auto",
        description="The images: the book's Fashion-MNIST, MNIST (each a download of about 30 "
        "MB, once), or scikit-learn's 1,797 digits (no download). `auto` takes Fashion-MNIST "
        "when it is already downloaded, else the digits.",
    )
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
        "far smaller learning rate (about 1e-3).",
    )
    lr: float = param_field(
        0.9,
        description="Learning rate η. The book's LeNet uses 0.9 with batches of 256 (its "
        "current edition 0.1 with batches of 128).",
        gt=0,
        le=10,
        live=True,
        log_scale=True,
    )
    momentum: float = param_field(
        0.9,
        description="β of the `momentum` optimizer: how much of the previous update is kept.",
        ge=0,
        lt=1,
        live=True,
    )
    weight_decay: float = param_field(
        0.0,
        description="λ of the L2 penalty (λ/2)‖w‖² added to the loss, as the optimizer applies it.",
        ge=0,
        le=0.1,
        live=True,
    )
    batch_size: int = param_field(
        256, description="Examples per minibatch; the book uses 256.", ge=8, le=4096
    )
    epochs: int = param_field(
        10, description="Passes over the training set; the book uses 10.", ge=1, le=100
    )
    seed: int = param_field(0, description="Seeds the initial weights and the shuffling.", ge=0)
    probe_index: int = param_field(
        0,
        description="Which test image's feature maps to show (wraps around on small test sets).",
        ge=0,
        le=9_999,
        live=True,
    )


DEMO = DemoSpec(
    id="conv-filters",
    title="LeNet's filters and feature maps",
    chapter="6.6 Convolutional Neural Networks (LeNet)",
    summary="Train LeNet on Fashion-MNIST, MNIST or digits and watch its first-layer filters "
    "and the feature maps of a test image take shape; end with a confusion matrix.",
    params=Params,
    train_module="workers.demos.conv_filters.train",
    needs_gpu=True,  # minutes per run on a CPU, seconds on a GPU
    charts=[
        ChartSpec("Loss", ["train_loss"], y_label="cross-entropy"),
        ChartSpec("Accuracy", ["train_acc", "test_acc"], y_label="accuracy"),
        ChartSpec("Learning rate", ["lr"], y_label="η"),
        ChartSpec("Throughput", ["examples_per_sec"], y_label="examples/s"),
    ],
    what_to_try=[
        "Watch the first-layer filters: within an epoch they turn from noise into edge and "
        "blob detectors, and the feature maps show which parts of the probe image each finds.",
        "Switch to the book's `lenet`: the loss sits near ln 10 ≈ 2.3 for a long while before "
        "the sigmoid network starts to learn (on the small digits set it may never start), "
        "and its filters stay blurry. Batch normalization (7.5) is what fixes this.",
        "Halve the learning rate while it trains, then raise it back: the loss curve bends "
        "within a few steps.",
        "Change `probe_index` while it trains to see how different images light up the maps.",
        "Use the `adam` optimizer with η = 1e-3, and compare its loss curve with SGD's.",
        "Look at the most confused pairs at the end: on Fashion-MNIST, shirts, t-shirts, "
        "pullovers and coats.",
    ],
)
