"""What the learner sees of dropout: the network, which hidden units this step dropped, and the
first layer's weights as images.

The masks are drawn as the minibatch's first rows (one example a row) across all 256 units of
a layer: white kept, black dropped. Each row is a different random draw, and the next step
draws them all again. With `nn.Dropout` a unit whose ReLU gave 0 shows grey: there was nothing
to drop, so its mask cannot be seen (and changes nothing).
"""

import math
import time

import numpy as np
from torch import nn

from workers.context import JobContext
from workers.demos.dropout.model import DropoutMLP, dropped_and_known
from workers.demos.dropout.params import Params
from workers.kit.views import diverging, grey, grid, png, text

MASK_ROWS = 32  # examples of the minibatch shown: enough to see the randomness, legibly
UNSEEN = 0.5  # grey: a mask `nn.Dropout` keeps to itself
MASKS_EVERY_SECONDS = 0.5
WEIGHTS_EVERY_SECONDS = 1.0
WEIGHT_IMAGES_SHOWN = 16
IMAGE_SIDE = 28


class PictureSchedule:
    """Shows the masks every MASKS_EVERY_SECONDS, and at once when the dropout probabilities
    change (the masks of the first step under the new ones), the weights every
    WEIGHTS_EVERY_SECONDS: often enough to look alive, rarely enough to cost little."""

    def __init__(self) -> None:
        self.masks_shown = self.weights_shown = -math.inf
        self.dropouts: tuple[float, float] | None = None

    def show_due(self, ctx: JobContext[Params], net: DropoutMLP) -> None:
        now = time.monotonic()
        dropouts = (ctx.params.dropout1, ctx.params.dropout2)
        if now - self.masks_shown >= MASKS_EVERY_SECONDS or dropouts != self.dropouts:
            show_masks(ctx, net)
            self.masks_shown, self.dropouts = now, dropouts
        if now - self.weights_shown >= WEIGHTS_EVERY_SECONDS:
            show_first_layer_weights(ctx, net)
            self.weights_shown = now


def parameter_count(net: nn.Module) -> str:
    """Worked out as the book would: 784×256 + 256 + 256×256 + 256 + 256×10 + 10."""
    linears = [module for module in net.modules() if isinstance(module, nn.Linear)]
    terms = " + ".join(
        f"{lin.in_features}×{lin.out_features} + {lin.out_features}" for lin in linears
    )
    total = sum(p.numel() for p in net.parameters())
    return f"{terms}\n= {total:,} parameters (dropout adds none)"


def show_model(ctx: JobContext, net: DropoutMLP) -> None:
    ctx.frame("model", text(f"{net}\n\n{parameter_count(net)}"))


def show_masks(ctx: JobContext[Params], net: DropoutMLP) -> None:
    """This step's dropout masks of both hidden layers, titled with p and the share dropped."""
    dropouts = (ctx.params.dropout1, ctx.params.dropout2)
    images, titles = [], []
    for layer, (mask, dropout) in enumerate(zip(net.masks, dropouts, strict=True), start=1):
        if mask is None:
            return
        shown = mask[:MASK_ROWS].float().cpu().numpy()
        images.append(png(grey(np.where(np.isnan(shown), UNSEEN, shown), 0, 1)))
        dropped, known = (count.item() for count in dropped_and_known(mask))
        share = f"{dropped / known:.1%} dropped" if known else "no active unit to drop"
        titles.append(
            f"hidden layer {layer}: p = {dropout:g}, {share} "
            f"({len(shown)} examples × {mask.shape[1]} units)"
        )
    ctx.frame("dropout_masks", grid(images, columns=1, titles=titles))


def show_first_layer_weights(ctx: JobContext, net: DropoutMLP) -> None:
    """The first hidden units' weights, each as a 28×28 picture of the pixels it looks for
    (red: raises the unit, blue: lowers it). One colour scale for all: a weak unit looks weak."""
    weights = net.first_layer.weight.detach()[:WEIGHT_IMAGES_SHOWN].float().cpu().numpy()
    scale = float(np.abs(weights).max())
    images = [png(diverging(w.reshape(IMAGE_SIDE, IMAGE_SIDE), scale)) for w in weights]
    titles = [f"unit {i}" for i in range(1, len(images) + 1)]
    ctx.frame("first_layer_weights", grid(images, columns=8, titles=titles))
