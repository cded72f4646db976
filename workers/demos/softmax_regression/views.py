"""What the learner sees of softmax regression: each class's weights as an image, a probe
image with its predicted class probabilities, and at the end the confusion matrix and the
pairs of classes the model mixes up most.

A class's logit is the dot product of its weight image with the input image, so its weights
show what it looks for: red pixels raise the class's score where the image is bright, blue ones
lower it. All ten share one colour scale, so a class with weak weights looks weak.
"""

import math
import time

import torch
from torch import Tensor

from core.frames import BarsData, ImageGridData
from workers.context import JobContext
from workers.demos.softmax_regression.model import SoftmaxRegression, predict
from workers.demos.softmax_regression.params import Params
from workers.kit.datasets import ImageDataset
from workers.kit.views import bars, diverging, grey, grid, heatmap, png, text

PICTURES_EVERY_SECONDS = 0.5  # the model is cheap: its pictures can follow it closely
CONFUSED_PAIRS_SHOWN = 5


class PictureSchedule:
    """Shows the weights and the probe every PICTURES_EVERY_SECONDS, and at once when the
    learner picks another probe image."""

    def __init__(self) -> None:
        self.last_shown = -math.inf
        self.probe_index: int | None = None

    def due(self, probe_index: int) -> bool:
        elapsed = time.monotonic() - self.last_shown
        return elapsed >= PICTURES_EVERY_SECONDS or probe_index != self.probe_index

    def show(self, ctx: JobContext[Params], model: SoftmaxRegression, data: ImageDataset) -> None:
        index = ctx.params.probe_index % len(data.test_labels)
        probe = data.test_images[index : index + 1]
        if ctx.params.probe_index != self.probe_index:
            ctx.frame("probe_image", png(grey(probe[0, 0].cpu().numpy(), 0, 1)))
        image_shape = tuple(data.test_images.shape[-2:])
        ctx.frame("class_weights", class_weight_grid(model, image_shape, data.class_names))
        true_class = int(data.test_labels[index])
        probabilities = predict(model, probe)[0]
        ctx.frame("probe_probabilities", probe_bars(probabilities, data.class_names, true_class))
        self.last_shown, self.probe_index = time.monotonic(), ctx.params.probe_index


def class_weight_grid(
    model: SoftmaxRegression, image_shape: tuple[int, ...], class_names: tuple[str, ...]
) -> ImageGridData:
    """Each class's row of W reshaped to the images' shape, titled with the class's name."""
    weights = model.class_weights().float().cpu().numpy().reshape(-1, *image_shape)
    scale = float(abs(weights).max())
    images = [png(diverging(class_weights, scale)) for class_weights in weights]
    return grid(images, columns=5, titles=list(class_names))


def probe_bars(probabilities: Tensor, class_names: tuple[str, ...], true_class: int) -> BarsData:
    return bars(
        class_names,
        {"predicted probability": probabilities.cpu()},
        highlight=true_class,
        y_label="probability",
    )


def confusion_matrix(labels: Tensor, predicted: Tensor, classes: int) -> Tensor:
    """Counts: rows the true class, columns the predicted one."""
    counts = torch.bincount(labels * classes + predicted, minlength=classes * classes)
    return counts.reshape(classes, classes)


def most_confused_pairs(counts: Tensor, class_names: tuple[str, ...]) -> list[str]:
    """The largest off-diagonal counts, as "true → predicted: n of the class's m"."""
    mistakes = counts.clone().fill_diagonal_(0)
    order = mistakes.flatten().argsort(descending=True, stable=True)[:CONFUSED_PAIRS_SHOWN]
    pairs = []
    for flat in order.tolist():
        true, predicted = divmod(flat, len(class_names))
        mixed_up = int(mistakes[true, predicted])
        if mixed_up == 0:
            break
        pairs.append(
            f"{class_names[true]} → {class_names[predicted]}: "
            f"{mixed_up} of {int(counts[true].sum())}"
        )
    return pairs


def show_results(ctx: JobContext[Params], data: ImageDataset, probabilities: Tensor) -> list[str]:
    """The test set's confusion matrix and its most confused pairs (returned for the
    summary)."""
    names = data.class_names
    predicted = probabilities.argmax(dim=1).cpu()
    counts = confusion_matrix(data.test_labels.cpu(), predicted, len(names))
    ctx.frame("confusion_matrix", heatmap(counts, names, names, decimals=None))
    pairs = most_confused_pairs(counts, names)
    listing = "\n".join(f"  {pair}" for pair in pairs or ["none: every test image is right"])
    ctx.frame(
        "most_confused",
        text(f"Most confused pairs (true class → predicted class: test images)\n{listing}"),
    )
    return pairs
