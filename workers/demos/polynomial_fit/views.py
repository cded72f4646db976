"""What the learner sees of polynomial-fit.

Frames: `fit` (a `lines` frame: the training and test examples, the true cubic and the fitted
polynomial, over the inputs' extent) and `weights` (`bars`: each learned weight beside the
true one; a feature the model lacks counts as a weight of 0, which is what leaving it out
means). A sweep adds `loss against the number of features` (`lines`, drawn by the kit's sweep).

Metrics: after each epoch the mean squared errors `train_loss` and `test_loss` over whole
sets, as the book plots them, with `lstsq_train_loss` and `lstsq_test_loss`, those of the exact
least-squares fit with the same features: where SGD is heading.
"""

import torch
from torch import Tensor

from core.frames import BarsData, LinesData
from workers.context import JobContext
from workers.demos.polynomial_fit.model import (
    TRUE_W,
    Data,
    PolynomialModel,
    evaluate_loss,
    feature_name,
    least_squares_losses,
    polynomial_features,
    true_weights,
)
from workers.kit.views import bars, curve, lines

FIT = "fit"
WEIGHTS = "weights"
CURVE_POINTS = 120


def losses(model: PolynomialModel, data: Data) -> dict[str, float]:
    return {
        "train_loss": evaluate_loss(model, data.features, data.labels),
        "test_loss": evaluate_loss(model, data.test_features, data.test_labels),
    }


def least_squares(data: Data, num_features: int) -> dict[str, float]:
    train, test = least_squares_losses(data, num_features)
    return {"lstsq_train_loss": train, "lstsq_test_loss": test}


def fit_lines(model: PolynomialModel, data: Data) -> LinesData:
    everything = torch.cat([data.x, data.x_test])
    x = torch.linspace(everything.min().item(), everything.max().item(), CURVE_POINTS)
    features = polynomial_features(x)
    return lines(
        curve("training examples", data.x, data.labels[:, 0], "points"),
        curve("test examples", data.x_test, data.test_labels[:, 0], "points"),
        curve("true cubic", x, features @ true_weights()),
        curve(f"fitted, {model.num_features} features", x, model.predict(features)[:, 0]),
        x_label="x",
        y_label="y",
    )


def weight_bars(model: PolynomialModel) -> BarsData:
    shown = max(model.num_features, len(TRUE_W))
    learned = torch.zeros(shown)
    learned[: model.num_features] = model.weights()
    return bars(
        [feature_name(i) for i in range(shown)],
        {"learned": learned, "true": true_weights()[:shown]},
        y_label="weight of the feature",
    )


def show_fit(ctx: JobContext, model: PolynomialModel, data: Data) -> None:
    ctx.frame(FIT, fit_lines(model, data))
    ctx.frame(WEIGHTS, weight_bars(model))


def report_epoch(
    ctx: JobContext, model: PolynomialModel, data: Data, exact: dict[str, float]
) -> dict[str, float]:
    """Both losses after an epoch, reported with the least-squares fit's (`exact`, fixed)."""
    values = losses(model, data)
    ctx.metric({**values, **exact})
    return values


def weights_line(weights: Tensor) -> str:
    """As the book prints them."""
    return "weight: [" + ", ".join(f"{w:.4f}" for w in weights.tolist()) + "]"
