"""What the learner sees of deep-nets: inside each variant as it trains.

Frames:
- `activations (<variant>)` (heatmap, one per variant): for each layer's output (the stem
  and every block of the `resnet` network; each sigmoid of LeNet), the share of its values in
  each bin, on a training minibatch. ReLU outputs are binned by order of magnitude (exact
  zeros apart), so a signal fading layer after layer shows as a slide to the left; sigmoid
  outputs by tenths of (0, 1), so saturation shows at the edges.
- `gradient norms` (lines, log axis): ‖∂L/∂W‖ of each conv and dense layer, from the input to
  the output, one curve per variant, at the same step. Where they fall towards the input, the
  first layers hardly learn.
- `BN scale γ` and `BN shift β` (heatmaps): every batch normalization layer's learned
  parameters, one row per layer (and variant), one column per channel.

Metrics: `train_loss_<variant>` and `train_acc_<variant>` (the means over the minibatches
since the last report), `test_acc_<variant>` after each epoch, `examples_per_sec` (examples a
second through all the variants at once) and `lr`.
"""

import math
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import Tensor, nn

from core.frames import HeatmapData, LinesData
from workers.context import JobContext
from workers.demos.deep_nets.model import Residual, Variant, batch_norms, weight_layers
from workers.kit.views import curve, heatmap, lines

PICTURES_EVERY_SECONDS = 2.0  # often enough to look alive, rare enough to cost little
GRADIENT_NORMS = "gradient norms"
GAMMA, BETA = "BN scale γ", "BN shift β"

# Bins of a ReLU output's magnitude: exact zeros, then decades from below 1e-6 to 1e2 and up.
DECADES = torch.arange(-6.0, 3.0)  # log10 edges
RELU_BINS = ["0", "<1e-6", *(f"1e{int(e)}" for e in DECADES[:-1]), "≥1e2"]
SIGMOID_BINS = [f"{i / 10:.1f}" for i in range(10)]  # [0, 0.1), …, [0.9, 1]


def activations_frame_name(variant: str) -> str:
    return f"activations ({variant})"


def relu_histogram(values: Tensor) -> Tensor:
    """The share of values in each of RELU_BINS (a bin `1eK` holds [10^K, 10^(K+1)))."""
    flat = values.detach().float().flatten().abs()
    zero = (flat == 0).float().mean()
    magnitudes = flat[flat > 0].log10()
    counts = torch.bincount(
        torch.bucketize(magnitudes, DECADES.to(flat.device), right=True),
        minlength=len(DECADES) + 1,
    )
    return torch.cat([zero.reshape(1), counts.float() / flat.numel()])


def sigmoid_histogram(values: Tensor) -> Tensor:
    """The share of values in each tenth of (0, 1)."""
    flat = values.detach().float().flatten()
    bins = (flat * 10).long().clamp(0, 9)
    return torch.bincount(bins, minlength=10).float() / flat.numel()


class ActivationRecorder:
    """Forward hooks on the layers whose outputs are shown; they record a histogram only on a
    step when armed, and never change what the network computes."""

    def __init__(self, net: nn.Sequential, sigmoid: bool) -> None:
        self.sigmoid = sigmoid
        self.armed = False
        self.histograms: dict[str, Tensor] = {}
        for name, module in net.named_children():
            shown = (
                isinstance(module, nn.Sigmoid)
                if sigmoid
                else (name == "stem" or isinstance(module, Residual))
            )
            if shown:
                module.register_forward_hook(self._hook(name))

    def _hook(self, name: str) -> Callable[[nn.Module, object, Tensor], None]:
        def record(module: nn.Module, inputs: object, output: Tensor) -> None:
            if self.armed:
                histogram = sigmoid_histogram if self.sigmoid else relu_histogram
                self.histograms[name] = histogram(output)

        return record

    def frame(self) -> HeatmapData:
        rows = torch.stack(list(self.histograms.values())).cpu()
        bins = SIGMOID_BINS if self.sigmoid else RELU_BINS
        return heatmap(rows, bins, list(self.histograms), decimals=3)


def gradient_norms(variants: list[Variant]) -> LinesData:
    """‖∂L/∂W‖ (Frobenius) of each weight layer after the last step, input to output; a
    vanished gradient (0) is a gap on the log axis."""
    series = []
    for variant in variants:
        norms = []
        for _, layer in weight_layers(variant.net):
            grad = layer.weight.grad
            norm = grad.norm().item() if grad is not None else math.nan
            norms.append(norm if 0 < norm < math.inf else math.nan)
        series.append(curve(variant.name, list(range(1, len(norms) + 1)), norms, decimals=None))
    return lines(*series, x_label="layer (input → output)", y_label="‖∂L/∂W‖", y_log=True)


def bn_parameters(variants: list[Variant], which: str) -> HeatmapData | None:
    """γ or β of every BatchNorm layer of the batch-normalized variants: rows are layers,
    columns channels (a layer with fewer channels leaves the rest of its row empty)."""
    rows, labels = [], []
    for variant in variants:
        for name, layer in batch_norms(variant.net):
            rows.append(getattr(layer, which).detach().flatten().cpu().numpy())
            labels.append(f"{variant.name} {name}")
    if not rows:
        return None
    columns = max(len(row) for row in rows)
    table = np.full((len(rows), columns), np.nan)
    for i, row in enumerate(rows):
        table[i, : len(row)] = row
    return heatmap(table, [str(c + 1) for c in range(columns)], labels, decimals=3)


class Pictures:
    """Arms the recorders for a step every PICTURES_EVERY_SECONDS (and the last step), and
    after it draws what they recorded with the step's gradients and the BN parameters."""

    def __init__(self, variants: list[Variant], sigmoid: bool) -> None:
        self.variants = variants
        self.recorders = {v.name: ActivationRecorder(v.net, sigmoid) for v in variants}
        self.last_shown = -math.inf

    def arm(self, last_step: bool) -> bool:
        due = last_step or time.monotonic() - self.last_shown >= PICTURES_EVERY_SECONDS
        for recorder in self.recorders.values():
            recorder.armed = due
        return due

    @torch.no_grad()
    def show(self, ctx: JobContext) -> None:
        for name, recorder in self.recorders.items():
            recorder.armed = False
            ctx.frame(activations_frame_name(name), recorder.frame())
        ctx.frame(GRADIENT_NORMS, gradient_norms(self.variants))
        for frame_name, which in ((GAMMA, "gamma"), (BETA, "beta")):
            table = bn_parameters(self.variants, which)
            if table is not None:
                ctx.frame(frame_name, table)
        self.last_shown = time.monotonic()
