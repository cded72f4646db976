"""Learning a kernel (book 6.2.4): gradient descent finds the edge detector [1, −1].

The book's example: X is a 6×8 image of ones with a vertical band of zeros, Y is X
cross-correlated with K = [1, −1] (it marks the band's edges), and a convolutional layer with a
1×2 kernel and no bias learns K from X and Y alone, by gradient descent on the squared error.
Other targets and images show when a kernel can (and cannot) be recovered from the data.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from workers.demos.contract import ChartSpec, DemoSpec, param_field


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target: Literal["vertical-edge", "horizontal-edge", "sobel", "blur"] = param_field(
        "vertical-edge",
        description="The kernel that makes Y from X: the book's vertical edge detector [1, −1], "
        "its transpose (horizontal edges), a 3×3 Sobel filter or a 3×3 box blur.",
    )
    image: Literal["book", "square", "noise"] = param_field(
        "book",
        description="X: the book's 6×8 ones with a band of zeros (vertical edges only), a "
        "square on a 10×10 background (edges both ways), or 8×8 uniform noise.",
    )
    kernel_size: Literal["as-target", "3x3", "5x5"] = param_field(
        "as-target",
        description="Size of the learned kernel: the target's own (1×2 for the book), or "
        "larger, with extra weights that should learn to be zero.",
    )
    lr: float = param_field(
        3e-2,
        description="Learning rate η of gradient descent on the summed squared error; the book "
        "uses 3e-2. Larger images and kernels need smaller steps (the job logs the limit).",
        gt=0,
        le=10,
        live=True,
        log_scale=True,
    )
    steps: int = param_field(
        10, description="Number of updates; the book uses 10.", ge=1, le=10_000, unit="steps"
    )
    seed: int = param_field(
        0, description="Seeds the kernel's random start (and the noise image).", ge=0
    )
    speed: float = param_field(
        5.0,
        description="Steps per second, so the kernel can be watched; 0 runs flat out.",
        ge=0,
        le=1000,
        unit="steps/s",
        live=True,
    )


DEMO = DemoSpec(
    id="edge-kernel",
    title="Learning an edge-detection kernel",
    chapter="6.2 Convolutions for Images",
    summary="A 1×2 convolution learns the edge detector [1, −1] from an image and its edges: "
    "watch the two weights move, the loss fall and the output match the target.",
    params=Params,
    train_module="workers.demos.edge_kernel.train",
    charts=[
        ChartSpec("Loss", ["loss"], y_label="squared error", log_scale=True),
        ChartSpec("Kernel weights", ["K[*]"], y_label="weight"),
    ],
    what_to_try=[
        "Run the book's settings: in 10 steps the kernel lands near [1, −1].",
        "Raise the learning rate past 0.033 while it runs: the job logs 2/λ_max, the largest "
        "stable step for this image, and beyond it the weights oscillate and blow up.",
        "Pick `horizontal-edge` on the `book` image with η = 1e-2: Y is all zeros, since the "
        "image has no horizontal edges, so the data only teaches that the weights sum to zero. "
        "On `square` the same kernel is learned exactly.",
        "Learn the `sobel` target on the `noise` image with η = 1e-2 and 200 steps: nine "
        "weights, recovered from the pixels alone.",
        "Learn `vertical-edge` with a `3x3` kernel on `noise` (η = 1e-2, 200 steps): the "
        "weights outside [1, −1] fade to zero.",
    ],
)
