"""The params of the `style-transfer` demo: ranges, units, and which are live."""

from typing import Literal

from pydantic import Field

from core import params as common
from core.param_fields import DemoParams, param_field

IMAGE_ID = r"^[A-Za-z0-9_-]{1,64}$"


def _layer_weight(what_it_sees: str) -> float:
    return param_field(
        1.0,
        description=f"How much this layer's Gram matrix counts in the style loss: {what_it_sees}",
        ge=0,
        le=10,
        live=True,
    )


class StyleLayerWeights(DemoParams):
    """One weight per style layer; the book weights all five equally."""

    conv1_1: float = _layer_weight("colours and fine grain.")
    conv2_1: float = _layer_weight("small strokes and edges.")
    conv3_1: float = _layer_weight("textures a few strokes wide.")
    conv4_1: float = _layer_weight("larger motifs.")
    conv5_1: float = _layer_weight("the coarsest patterns.")


class Params(DemoParams):
    content: str = param_field(
        "china",
        description="The photo to repaint: a built-in image or one you upload "
        "(through the API: an id from GET /api/images).",
        pattern=IMAGE_ID,
        examples=["china", "chelsea", "astronaut"],
        widget="image",
    )
    style: str = param_field(
        "stained-glass",
        description="The painting whose textures and colours are copied: a built-in image or "
        "one you upload (through the API: an id from GET /api/images).",
        pattern=IMAGE_ID,
        examples=["stained-glass", "waves", "hubble"],
        widget="image",
    )
    size: int = param_field(
        300,
        description="Height of the synthesized image; the width follows the content image's "
        "aspect ratio (the book's 300 × 450). Larger images take much longer on a CPU.",
        unit="px",
        ge=32,
        le=1024,
    )
    content_weight: float = param_field(
        1.0,
        description="Weight of the content loss (the book's 1): how closely the image keeps "
        "the content image's layout.",
        ge=0,
        le=1e6,
        live=True,
        log_scale=True,
    )
    style_weight: float = param_field(
        1e4,
        description="Weight of the style loss (the book's 1e4): how strongly the image takes "
        "on the style image's textures and colours.",
        ge=0,
        le=1e8,
        live=True,
        log_scale=True,
    )
    tv_weight: float = param_field(
        10.0,
        description="Weight of the total-variation loss (the book's 10): smooths away "
        "high-frequency noise.",
        ge=0,
        le=1e5,
        live=True,
        log_scale=True,
    )
    style_layer_weights: StyleLayerWeights = Field(
        default_factory=StyleLayerWeights,
        description="Each style layer's share of the style loss: shallow layers carry colour "
        "and grain, deep layers carry larger patterns.",
    )
    lr: float = common.learning_rate(
        0.3,
        "Learning rate (the book's 0.3), decayed by 0.8 every 50 steps. For L-BFGS, the first "
        "step its line search tries.",
    )
    optimizer: Literal["adam", "lbfgs"] = param_field(
        "adam",
        description="Adam as in the book, or L-BFGS, which uses curvature and often needs "
        "fewer steps. A fork may switch: the new optimizer starts from the snapshot's image.",
        forkable=True,
    )
    steps: int = common.steps(
        500,
        "Number of updates of the image (the book trains for 500 epochs of one step each).",
        le=5000,
    )
    init: Literal["content", "noise"] = param_field(
        "content",
        description="Start from the content image (the book) or from uniform noise, which "
        "shows the content emerging.",
    )
    seed: int = common.seed("Seeds the noise of `init: noise`.")
