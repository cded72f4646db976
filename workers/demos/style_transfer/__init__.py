"""Neural style transfer (book section 13.12).

A synthesized image starts as the content image and is itself the parameter being trained:
gradient steps pull its VGG19 features towards the content image's (conv4_4) and its Gram
matrices towards the style image's (conv1_1 ... conv5_1), while total variation keeps it
smooth. All the loss weights and the learning rate are live, so a learner can turn the style
up mid-run and watch the brush strokes take over.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from workers.demos.contract import ChartSpec, DemoSpec, param_field

IMAGE_ID = r"^[A-Za-z0-9_-]{1,64}$"


def _layer_weight(what_it_sees: str) -> float:
    return param_field(
        1.0,
        description=f"How much this layer's Gram matrix counts in the style loss: {what_it_sees}",
        ge=0,
        le=10,
        live=True,
    )


class StyleLayerWeights(BaseModel):
    """One weight per style layer; the book weights all five equally."""

    model_config = ConfigDict(extra="forbid")

    conv1_1: float = _layer_weight("colours and fine grain.")
    conv2_1: float = _layer_weight("small strokes and edges.")
    conv3_1: float = _layer_weight("textures a few strokes wide.")
    conv4_1: float = _layer_weight("larger motifs.")
    conv5_1: float = _layer_weight("the coarsest patterns.")


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    lr: float = param_field(
        0.3,
        description="Learning rate (the book's 0.3), decayed by 0.8 every 50 steps. For L-BFGS, "
        "the first step its line search tries.",
        gt=0,
        le=10,
        live=True,
        log_scale=True,
    )
    optimizer: Literal["adam", "lbfgs"] = param_field(
        "adam",
        description="Adam as in the book, or L-BFGS, which uses curvature and often needs "
        "fewer steps.",
    )
    steps: int = param_field(
        500,
        description="Number of updates of the image (the book trains for 500 epochs of one "
        "step each).",
        ge=1,
        le=5000,
        unit="steps",
    )
    init: Literal["content", "noise"] = param_field(
        "content",
        description="Start from the content image (the book) or from uniform noise, which "
        "shows the content emerging.",
    )
    seed: int = param_field(0, description="Seeds the noise of `init: noise`.", ge=0)


DEMO = DemoSpec(
    id="style-transfer",
    title="Neural style transfer",
    chapter="13.12 Neural Style Transfer",
    summary="Repaint a photo in the style of another image by training the pixels themselves "
    "against VGG19's content and style (Gram matrix) features.",
    params=Params,
    train_module="workers.demos.style_transfer.train",
    charts=[
        # The weighted terms span orders of magnitude, and their balance is the point.
        ChartSpec(
            "Losses", ["total", "content", "style", "tv"], y_label="weighted loss", log_scale=True
        ),
    ],
    what_to_try=[
        "Halfway through, raise `style_weight` from 1e4 to 1e6: the style loss drops fast while "
        "the content loss climbs, and the photo dissolves into the style's textures.",
        "Set the `conv1_1` and `conv2_1` layer weights to 0 and keep the deep layers: the "
        "colours stay the photo's while larger patterns of the style appear.",
        "Set `tv_weight` to 0 and look closely at the image: high-frequency speckle appears; "
        "raise it to 1000 and everything smears.",
        "Start from `noise` instead of the content image and watch the content emerge from the "
        "features alone.",
        "Switch `optimizer` to `lbfgs`: each step does more work but the losses fall in fewer "
        "steps.",
        "Upload a photo of your own (POST /api/images) and use its id as `content`.",
    ],
)
