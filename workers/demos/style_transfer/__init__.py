"""Neural style transfer (book section 13.12).

A synthesized image starts as the content image and is itself the parameter being trained:
gradient steps pull its VGG19 features towards the content image's (conv4_4) and its Gram
matrices towards the style image's (conv1_1 ... conv5_1), while total variation keeps it
smooth. All the loss weights and the learning rate are live, so a learner can turn the style
up mid-run and watch the brush strokes take over.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec, Notice
from workers.demos.style_transfer.params import Params

DEMO = DemoSpec(
    id="style-transfer",
    title="Neural style transfer",
    summary="Repaint a photo in the style of another image by training the pixels themselves "
    "against VGG19's content and style (Gram matrix) features.",
    params=Params,
    package=__name__,
    book=[d2l("14.12", "Neural Style Transfer", edition_0_14=("13.12", "Neural Style Transfer"))],
    zefs=[ZefsChapter(5, "Transfer learning")],
    charts=[
        # The weighted terms span orders of magnitude, and their balance is the point.
        ChartSpec(
            "Losses", ["total", "content", "style", "tv"], y_label="weighted loss", log_scale=True
        ),
    ],
    notices=[
        Notice(
            "features",
            "This image is made with stand-in random features instead of VGG19's.",
            real_values=["vgg19"],
        )
    ],
    # A step takes about a second on a CPU at the default 300 pixels and a snapshot (the
    # image and Adam's two moments, ~5 MB) a few milliseconds: every 100 steps costs far
    # under 1% and gives a default 500-step run five fork points.
    snapshot_every=100,
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
