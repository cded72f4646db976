"""What the learner sees of an MLP: its definition, its activation function, and then either
the plane (the decision boundary over the points, and what each hidden unit responds to) or,
on images, the first layer's weights and at the end the confusion matrix.

The plane is drawn as one picture: the background is tinted with the colour of the class the
network predicts there, the stronger the surer it is, with a dark line where the prediction
changes; training points are filled discs, test points rings.
"""

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn import functional as F

from core.frames import ImageGridData
from workers.context import JobContext
from workers.demos.mlp.model import (
    PlaneData,
    activation_curve,
    first_hidden_layer,
    first_linear,
    plane_grid,
    predict,
)
from workers.kit.views import curve, diverging, grid, heatmap, lines, png, text

ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh", "gelu": "GELU"}
# Okabe–Ito blue, vermillion and bluish green: told apart with any colour vision.
CLASS_RGB = np.array([[0, 114, 178], [213, 94, 0], [0, 158, 115]], dtype=np.float32)
WHITE = np.array([255, 255, 255], dtype=np.float32)
INK = np.array([40, 40, 40], dtype=np.float32)
TINT = 0.55  # a sure prediction's background goes this far from white to its class colour
PICTURE_SIDE = 240  # px
PLANE_GRID = 80  # the network is evaluated on this grid, resampled smoothly to the picture
UNIT_GRID = 56  # px per hidden unit's picture
UNITS_SHOWN = 16
WEIGHT_IMAGES_SHOWN = 16
IMAGE_SIDE = 28


class Pictures:
    """Draws a run's pictures, while it trains at most every `every_seconds`: often enough to
    look alive, rarely enough to cost little (and to keep a lecture hall's streams small)."""

    def __init__(self, draw: Callable[[], None], every_seconds: float) -> None:
        self.draw = draw
        self.every_seconds = every_seconds
        self.last_shown = -math.inf

    def show(self) -> None:
        self.draw()
        self.last_shown = time.monotonic()

    def show_if_due(self) -> None:
        if time.monotonic() - self.last_shown >= self.every_seconds:
            self.show()


# -- The model --------------------------------------------------------------------------------


def parameter_count(net: nn.Sequential) -> str:
    """The count worked out as the book does: 784×256 + 256 + 256×10 + 10 = 203,530."""
    linears = [layer for layer in net if isinstance(layer, nn.Linear)]
    terms = " + ".join(
        f"{lin.in_features}×{lin.out_features} + {lin.out_features}" for lin in linears
    )
    total = sum(p.numel() for p in net.parameters())
    return f"{terms} = {total:,} parameters"


def show_model(ctx: JobContext, net: nn.Sequential) -> None:
    ctx.frame("model", text(f"{net}\n\n{parameter_count(net)}"))


def show_activation(ctx: JobContext, activation: str) -> None:
    """The activation and its derivative over [-6, 6] (book 4.1.2)."""
    x = torch.linspace(-6, 6, 121)
    y, slope = activation_curve(activation, x)
    name = ACTIVATION_NAMES[activation]
    ctx.frame("activation", lines(curve(f"{name}(x)", x, y), curve(f"{name}′(x)", x, slope)))


# -- The plane --------------------------------------------------------------------------------


def show_plane(ctx: JobContext, net: nn.Sequential, data: PlaneData) -> None:
    net.eval()
    probabilities = predict(net, plane_grid(data.extent, PLANE_GRID))
    fine = upsample(probabilities.reshape(PLANE_GRID, PLANE_GRID, -1), PICTURE_SIDE)
    ctx.frame("decision_boundary", png(boundary_picture(fine.numpy(), data)))
    units = hidden_unit_pictures(net, data.extent)
    if units is not None:
        ctx.frame("hidden_units", units)
    net.train()


def upsample(probabilities: Tensor, side: int) -> Tensor:
    """(s, s, K) probabilities on a coarse grid, bilinearly resampled to (side, side, K)."""
    channels_first = probabilities.permute(2, 0, 1)[None]
    fine = F.interpolate(channels_first, size=(side, side), mode="bilinear", align_corners=True)
    return fine[0].permute(1, 2, 0)


def boundary_picture(probabilities: np.ndarray, data: PlaneData) -> np.ndarray:
    """(S, S, K) probabilities over the plane as an RGB picture, the points on it."""
    classes = probabilities.shape[-1]
    predicted = probabilities.argmax(axis=-1)
    sureness = (probabilities.max(axis=-1) - 1 / classes) / (1 - 1 / classes)
    tint = TINT * np.clip(sureness, 0, 1)[..., None]
    pixels = WHITE + tint * (CLASS_RGB[predicted] - WHITE)
    changes = np.zeros(predicted.shape, dtype=bool)
    changes[:, 1:] |= predicted[:, 1:] != predicted[:, :-1]
    changes[1:, :] |= predicted[1:, :] != predicted[:-1, :]
    pixels[changes] = INK
    side = len(pixels)
    for X, y, filled in ((data.test_X, data.test_y, False), (data.train_X, data.train_y, True)):
        rows, columns = to_pixels(X.numpy(), data.extent, side)
        colours = CLASS_RGB[y.numpy()]
        if filled:
            stamp(pixels, rows, columns, 4.0, INK)
            stamp(pixels, rows, columns, 3.0, colours)
        else:
            stamp(pixels, rows, columns, 4.0, colours)
            stamp(pixels, rows, columns, 2.0, WHITE)
    return pixels.round().astype(np.uint8)


def to_pixels(points: np.ndarray, extent: float, side: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of each point in a picture of [-extent, extent]², x₂ upwards."""
    scale = (side - 1) / (2 * extent)
    rows = np.rint((extent - points[:, 1]) * scale).astype(int)
    columns = np.rint((points[:, 0] + extent) * scale).astype(int)
    return rows, columns


def stamp(
    pixels: np.ndarray, rows: np.ndarray, columns: np.ndarray, radius: float, colour: np.ndarray
) -> None:
    """A disc of `radius` px at each (row, column), in one colour or one per point."""
    reach = int(radius)
    dr, dc = np.mgrid[-reach : reach + 1, -reach : reach + 1]
    inside = dr**2 + dc**2 <= radius**2
    dr, dc = dr[inside], dc[inside]
    r = np.clip(rows[:, None] + dr, 0, len(pixels) - 1)
    c = np.clip(columns[:, None] + dc, 0, len(pixels) - 1)
    colours = colour if colour.ndim == 1 else np.repeat(colour[:, None], len(dr), axis=1)
    pixels[r, c] = colours


def hidden_unit_pictures(net: nn.Sequential, extent: float) -> ImageGridData | None:
    """Each first-layer hidden unit's output σ(w·x + b) over the plane (blue negative, red
    positive, on the unit's own scale). It changes only across the line w·x + b = 0: a ramp
    (ReLU, GELU) or a step (sigmoid, tanh), which the next layer adds up into the boundary."""
    layer = first_hidden_layer(net)
    if layer is None:
        return None
    with torch.no_grad():
        responses = layer(plane_grid(extent, UNIT_GRID))[:, :UNITS_SHOWN].T
    pictures, titles = [], []
    for index, response in enumerate(responses.numpy()):
        low, high = float(response.min()), float(response.max())
        scale = max(abs(low), abs(high))
        pictures.append(png(diverging(response.reshape(UNIT_GRID, UNIT_GRID), scale)))
        titles.append(f"unit {index + 1}: {low:.2g} … {high:.2g}")
    return grid(pictures, columns=min(len(pictures), 8), titles=titles)


# -- Images -----------------------------------------------------------------------------------


def show_first_layer_weights(
    ctx: JobContext, net: nn.Sequential, class_names: tuple[str, ...]
) -> None:
    """The first layer's weights of the first units, each as a 28×28 picture: the pattern of
    pixels the unit looks for. One colour scale for all, so a weak unit looks weak. Without a
    hidden layer these are softmax regression's weights, one picture per class."""
    layer = first_linear(net)
    weights = layer.weight.detach()[:WEIGHT_IMAGES_SHOWN].float().cpu().numpy()
    scale = float(np.abs(weights).max())
    softmax_regression = first_hidden_layer(net) is None
    titles = (
        list(class_names) if softmax_regression else [f"unit {i + 1}" for i in range(len(weights))]
    )
    images = [png(diverging(w.reshape(IMAGE_SIDE, IMAGE_SIDE), scale)) for w in weights]
    ctx.frame("first_layer_weights", grid(images, columns=8, titles=titles))


def show_confusion(
    ctx: JobContext, probabilities: Tensor, labels: Tensor, class_names: tuple[str, ...]
) -> None:
    """Counts of (true class: row, predicted class: column) over the test set."""
    classes = len(class_names)
    predicted = probabilities.argmax(dim=1).cpu()
    counts = torch.bincount(labels.cpu() * classes + predicted, minlength=classes * classes)
    matrix = counts.reshape(classes, classes)
    ctx.frame("confusion_matrix", heatmap(matrix, class_names, class_names, decimals=None))
