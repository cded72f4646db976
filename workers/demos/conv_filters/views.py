"""What the learner sees of LeNet: its filters, the feature maps of a probe image, and at the
end the confusion matrix and the test images it got most wrong.

Weights are drawn blue (negative) to red (positive), one colour scale per layer so that a weak
filter looks weak; activations and images grey, black to white.
"""

import math
import time

import numpy as np
import torch
from torch import Tensor, nn

from core.frames import ImageGridData
from workers.context import JobContext
from workers.demos.conv_filters.model import feature_maps
from workers.demos.conv_filters.params import Params
from workers.kit.datasets import ImageDataset
from workers.kit.views import diverging, grey, grid, heatmap, png, side_by_side

PICTURES_EVERY_SECONDS = 2.0  # often enough to look alive, rare enough to cost little
CONFUSED_SHOWN = 16


class PictureSchedule:
    """Shows filters and feature maps every PICTURES_EVERY_SECONDS, and at once when the
    learner picks another probe image."""

    def __init__(self) -> None:
        self.last_shown = -math.inf
        self.probe_index: int | None = None

    def due(self, probe_index: int) -> bool:
        elapsed = time.monotonic() - self.last_shown
        return elapsed >= PICTURES_EVERY_SECONDS or probe_index != self.probe_index

    @torch.no_grad()
    def show(self, ctx: JobContext[Params], net: nn.Sequential, data: ImageDataset) -> None:
        index = ctx.params.probe_index % len(data.test_labels)
        if ctx.params.probe_index != self.probe_index:
            probe = data.test_images[index, 0].cpu().numpy()
            ctx.frame("probe_image", png(grey(probe, 0, 1)))
        ctx.frame("conv1_filters", first_layer_filters(net.conv1.weight))
        ctx.frame("conv2_filters", second_layer_filters(net.conv2.weight))
        net.eval()
        maps = feature_maps(net, data.test_images[index : index + 1])
        net.train()
        for name, activations in maps.items():
            ctx.frame(name.replace("act", "conv") + "_maps", feature_map_grid(activations))
        self.last_shown, self.probe_index = time.monotonic(), ctx.params.probe_index


def first_layer_filters(weight: Tensor) -> ImageGridData:
    """One picture per filter (out, 1, k, k); one colour scale for the whole layer, so a weak
    filter looks weak."""
    w = weight.detach().float().cpu().numpy()[:, 0]
    scale = float(np.abs(w).max())
    return grid([png(diverging(f, scale)) for f in w], columns=min(len(w), 8))


def second_layer_filters(weight: Tensor) -> ImageGridData:
    """One picture per output channel: its kernels over each input channel, side by side."""
    w = weight.detach().float().cpu().numpy()
    scale = float(np.abs(w).max())
    titles = [f"filter {i + 1}" for i in range(len(w))]
    images = [png(diverging(side_by_side(kernels), scale)) for kernels in w]
    return grid(images, columns=4, titles=titles)


def feature_map_grid(activations: Tensor) -> ImageGridData:
    """One grey picture per channel, black to white over the layer's range of values."""
    maps = activations.float().cpu().numpy()
    low, high = float(maps.min()), float(maps.max())
    return grid([png(grey(m, low, high)) for m in maps], columns=min(len(maps), 8))


def show_results(ctx: JobContext[Params], data: ImageDataset, probabilities: Tensor) -> None:
    """The confusion matrix of the test set, and the test images the model got most wrong."""
    probabilities, labels = probabilities.cpu(), data.test_labels.cpu()
    predicted = probabilities.argmax(dim=1)
    classes = len(data.class_names)
    confusion = torch.bincount(labels * classes + predicted, minlength=classes * classes)
    # Rows: the true class; columns: the predicted one. Counts, so not rounded.
    names = data.class_names
    counts = confusion.reshape(classes, classes)
    ctx.frame("confusion_matrix", heatmap(counts, names, names, decimals=None))
    wrong = (predicted != labels).nonzero().flatten()
    confidence = probabilities[wrong, predicted[wrong]]
    worst = wrong[confidence.argsort(descending=True)[:CONFUSED_SHOWN]].tolist()
    images = data.test_images[worst, 0].cpu().numpy()  # (n, 28, 28)
    titles = [
        f"{names[labels[i]]} → {names[predicted[i]]} ({probabilities[i, predicted[i]]:.0%})"
        for i in worst
    ]
    ctx.frame(
        "most_confused",
        grid([png(grey(image, 0, 1)) for image in images], columns=8, titles=titles),
    )
