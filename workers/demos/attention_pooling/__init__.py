"""Attention pooling by similarity: Nadaraya–Watson kernel regression (book 10.1–10.2).

Every query (a point x on a grid) looks at all training points (the keys x_i), weighs each by
a kernel of their distance, and predicts the weighted average of their values y_i. With a
fixed kernel nothing is learned; give the Gaussian kernel a width w and SGD learns it.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict

from workers.demos.contract import ChartSpec, DemoSpec, param_field

Kernel = Literal["gaussian", "boxcar", "epanechikov", "constant"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kernel: Kernel = param_field(
        "gaussian",
        description="How a query weighs a key at distance d, with u = d / σ: gaussian "
        "exp(−u²/2), boxcar 1 if |u| < 1, epanechikov max(0, 1 − |u|) as in the book, or "
        "constant 1 (every key alike).",
        live=True,
    )
    sigma: float = param_field(
        0.5,
        description="Bandwidth σ of the fixed kernel: how far a query looks. The book "
        "compares 0.1, 0.2, 0.5 and 1.",
        ge=0.05,
        le=10,
        live=True,
        log_scale=True,
    )
    lr: float = param_field(
        0.5,
        description="Learning rate of the SGD that learns the width w; the book uses 0.5.",
        gt=0,
        le=10,
        live=True,
        log_scale=True,
    )
    epochs: int = param_field(
        5,
        description="SGD steps on the learned kernel, each over all 50 training points; "
        "the book uses 5.",
        ge=1,
        le=1000,
        unit="epochs",
    )
    seed: int = param_field(0, description="Seeds the data, its noise and the initial w.", ge=0)
    speed: float = param_field(
        1.0,
        description="Epochs per second, so the learned kernel can be watched; 0 runs flat out.",
        ge=0,
        le=100,
        unit="epochs/s",
        live=True,
    )


DEMO = DemoSpec(
    id="attention-pooling",
    title="Attention pooling: Nadaraya–Watson regression",
    chapter="10.2 Attention Pooling by Similarity",
    summary="Queries average the training points weighted by a kernel of their distance; "
    "compare fixed kernels and bandwidths with a width learned by SGD.",
    params=Params,
    train_module="workers.demos.attention_pooling.train",
    charts=[
        ChartSpec("Training loss of the learned kernel", ["loss"], y_label="squared error"),
        ChartSpec("Learned width w", ["w"], y_label="w"),
        ChartSpec("Error against the true f", ["*_kernel_mse"], y_label="mean squared error"),
    ],
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
