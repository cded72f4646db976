"""Learning a kernel (book 6.2.4): gradient descent finds the edge detector [1, −1].

The book's example: X is a 6×8 image of ones with a vertical band of zeros, Y is X
cross-correlated with K = [1, −1] (it marks the band's edges), and a convolutional layer with a
1×2 kernel and no bias learns K from X and Y alone, by gradient descent on the squared error.
Other targets and images show when a kernel can (and cannot) be recovered from the data.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec
from workers.demos.edge_kernel.params import Params

DEMO = DemoSpec(
    id="edge-kernel",
    title="Learning an edge-detection kernel",
    summary="A 1×2 convolution learns the edge detector [1, −1] from an image and its edges: "
    "watch the two weights move, the loss fall and the output match the target.",
    params=Params,
    package=__name__,
    book=[d2l("7.2", "Convolutions for Images", edition_0_14=("6.2", "Convolutions for Images"))],
    zefs=[ZefsChapter(5, "Convolutions")],
    charts=[
        ChartSpec("Loss", ["loss"], y_label="squared error", log_scale=True),
        ChartSpec("Kernel weights", ["K[*]"], y_label="weight"),
    ],
    # The book's run is 10 steps at 5 a second: a fork point half-way. A snapshot (a few
    # weights and the generators) takes about a millisecond, a step's wait 200.
    snapshot_every=5,
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
