"""Neural style transfer (13.12.7), step by step.

The synthesized image starts as the content image (or noise) and each step moves its pixels
against the gradient of the weighted loss, with the loss weights and the learning rate in force
at that step. VGG19 computes no gradients for its own weights and runs on `channels_last`
tensors; on a GPU, in bfloat16.
"""

import time
from typing import Any

import torch
from torch import nn

from workers.context import JobContext
from workers.demos.style_transfer.model import (
    Synthesis,
    decayed_lr,
    fixed_targets,
    initial_image,
    make_optimizer,
    postprocess,
    preprocess,
    synthesized_shape,
)
from workers.demos.style_transfer.params import Params
from workers.demos.style_transfer.views import Reporter, show_inputs
from workers.demos.style_transfer.weights import feature_extractor
from workers.kit.device import mixed_precision
from workers.kit.views import png_bytes


class OptimizerState:
    """The optimizer's state, for a snapshot. A fork may switch between Adam and L-BFGS: the
    new optimizer then starts afresh from the snapshot's image (neither's state fits the
    other's)."""

    def __init__(self, kind: str, optimizer: torch.optim.Optimizer) -> None:
        self.kind, self.optimizer = kind, optimizer

    def state_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "state": self.optimizer.state_dict()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["kind"] == self.kind:
            self.optimizer.load_state_dict(state["state"])


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    params = ctx.params
    device = torch.device(ctx.device)
    content_img, style_img = ctx.image(params.content), ctx.image(params.style)
    shape = synthesized_shape(content_img, params.size)
    content_X, style_X = preprocess(content_img, shape), preprocess(style_img, shape)
    show_inputs(ctx, content_X, style_X)
    X = nn.Parameter(initial_image(content_X, params.init, params.seed).to(device))
    content_X, style_X = content_X.to(device), style_X.to(device)

    features = feature_extractor(ctx)
    ctx.log(features.note)
    # channels_last: cuDNN's tensor cores and oneDNN's CPU kernels both run faster on NHWC.
    # X stays NCHW (L-BFGS flattens its gradient); the first convolution converts it.
    extractor = features.extractor.to(device, memory_format=torch.channels_last)
    extractor = extractor.eval().requires_grad_(False)  # only X learns: no weight gradients
    contents_Y, styles_Y_gram = fixed_targets(extractor, content_X, style_X)
    optimizer = make_optimizer(params.optimizer, X, params.lr)
    synthesis = Synthesis(X, extractor, contents_Y, styles_Y_gram, optimizer)

    reporter = Reporter(ctx)
    # The image and the optimizer's moments (or L-BFGS's curvature history) are the training
    # state; VGG19 and the targets are rebuilt from the weights and the images.
    ctx.track(image=X, optimizer=OptimizerState(params.optimizer, optimizer), reporter=reporter)
    reporter.report_image(ctx.step, X, force=True)
    started = time.monotonic()
    for step in ctx.steps(params.steps):
        params = ctx.checkpoint(step)
        losses = synthesis.step(params, decayed_lr(params.lr, step))
        last = step == params.steps
        reporter.report_losses(step, losses, force=last)
        reporter.report_image(step, X, force=last)
    seconds = time.monotonic() - started
    steps_run = params.steps - ctx.resumed_step

    ctx.artifact("stylized.png", "image/png", png_bytes(postprocess(X)))
    return {
        "features": features.kind,
        "features_note": features.note,
        "image_size": list(shape),
        "steps": params.steps,
        "optimizer": params.optimizer,
        "final_losses": reporter.latest,
        "device": ctx.device,
        "mixed_precision": mixed_precision(device),
        "steps_per_second": round(steps_run / max(seconds, 1e-6), 3),
        "artifact": "stylized.png",
    }
