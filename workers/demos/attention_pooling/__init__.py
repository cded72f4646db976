"""Attention pooling by similarity: Nadaraya–Watson kernel regression (book 10.1–10.2).

Every query (a point x on a grid) looks at all training points (the keys x_i), weighs each by
a kernel of their distance, and predicts the weighted average of their values y_i. With a
fixed kernel nothing is learned; give the Gaussian kernel a width w and SGD learns it.
"""

from core.book import ZefsChapter, d2l
from core.demo_spec import ChartSpec, DemoSpec
from workers.demos.attention_pooling.params import Params

DEMO = DemoSpec(
    id="attention-pooling",
    title="Attention pooling: Nadaraya–Watson regression",
    summary="Queries average the training points weighted by a kernel of their distance; "
    "compare fixed kernels and bandwidths with a width learned by SGD.",
    params=Params,
    package=__name__,
    book=[
        d2l(
            "11.2",
            "Attention Pooling by Similarity",
            edition_0_14=("10.1", "Attention Mechanisms"),
        )
    ],
    zefs=[ZefsChapter(6, "Attention")],
    charts=[
        ChartSpec("Training loss of the learned kernel", ["loss"], y_label="squared error"),
        ChartSpec("Learned width w", ["w"], y_label="w"),
        ChartSpec("Error against the true f", ["*_kernel_mse"], y_label="mean squared error"),
    ],
    # An epoch is one step on w, and the book's 5 take 5 seconds: a fork point every other
    # epoch. A snapshot (w and the generators) takes about a millisecond.
    snapshot_every=2,
    what_to_try=[
        "Set epochs to 100 and drag σ from 0.1 to 2 while it runs: a narrow kernel chases "
        "the noise, a wide one flattens the curve towards the mean.",
        "Choose `boxcar` with σ = 0.1: some queries have no training point within reach, "
        "so their weights are all zero and the fitted curve has gaps.",
        "Choose `constant`: every row of the attention matrix is the same, and the fit is a "
        "flat line at the average of y.",
        "Watch w: the first SGD step throws it past 10, so the learned kernel is narrow, its "
        "attention hugs the diagonal and its curve is jagged (the book's picture after 5 "
        "epochs). Train 50 epochs and w settles near 3 with a smoother curve.",
        "Raise lr to 5 while it trains and watch the loss and w jump.",
    ],
)
