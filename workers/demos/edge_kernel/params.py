"""The params of the `edge-kernel` demo: ranges, units, and which are live."""

from typing import Literal

from core import params as common
from core.param_fields import DemoParams, param_field


class Params(DemoParams):
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
    lr: float = common.learning_rate(
        3e-2,
        "Learning rate η of gradient descent on the summed squared error; the book uses 3e-2. "
        "Larger images and kernels need smaller steps (the job logs the limit).",
    )
    steps: int = common.steps(10, "Number of updates; the book uses 10.", le=10_000)
    seed: int = common.seed("Seeds the kernel's random start (and the noise image).")
    speed: float = common.speed(
        5.0, "Steps per second, so the kernel can be watched; 0 runs flat out."
    )
