"""What the learner sees of style-transfer: the content and style images side by side, the
synthesized image as it changes, and the four weighted losses, at a pace a learner can follow.
"""

import time
from typing import Any

import torch
from torch import Tensor

from workers.context import JobContext
from workers.demos.style_transfer.model import METRICS, Losses, postprocess
from workers.kit.views import grid, photo

FRAME_EVERY = 10  # steps between pictures of the synthesized image...
FRAME_MAX_SECONDS = 5.0  # ...or sooner when steps are slow...
FRAME_MIN_SECONDS = 0.5  # ...but never more often than this, when they are fast
FRAME_MAX_SIDE = 384  # pixels: streamed pictures are small; the artifact has full size
METRICS_EVERY_SECONDS = 0.2


def show_inputs(ctx: JobContext, content_X: Tensor, style_X: Tensor) -> None:
    """The two images as the network sees them: resized to the synthesized image's shape."""
    images = [photo(postprocess(Z), FRAME_MAX_SIDE) for Z in (content_X, style_X)]
    ctx.frame("inputs", grid(images, columns=2, titles=["content", "style"]))


class Reporter:
    """Metrics and frames at a pace a learner can follow.

    Losses stay on the device until a batch of steps is reported: reading them every step
    would make a GPU wait for the host at every step.
    """

    def __init__(self, ctx: JobContext) -> None:
        self.ctx = ctx
        self.pending: list[tuple[int, Tensor]] = []
        self.latest: dict[str, float] = {}
        self.metrics_at = self.frame_at = time.monotonic()
        self.frame_step = 0

    def state_dict(self) -> dict[str, Any]:
        """The last losses reported: a fork that trains no further step sums up with them."""
        return {"latest": self.latest}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.latest = dict(state["latest"])

    def report_losses(self, step: int, losses: Losses, force: bool = False) -> None:
        self.pending.append((step, losses.stacked()))
        if force or time.monotonic() - self.metrics_at >= METRICS_EVERY_SECONDS:
            rows = torch.stack([values for _, values in self.pending]).tolist()
            for (at_step, _), row in zip(self.pending, rows, strict=True):
                self.latest = dict(zip(METRICS, row, strict=True))
                self.ctx.metric(self.latest, step=at_step)
            self.pending, self.metrics_at = [], time.monotonic()

    def report_image(self, step: int, X: Tensor, force: bool = False) -> None:
        since = time.monotonic() - self.frame_at
        due = since >= FRAME_MIN_SECONDS and (
            step - self.frame_step >= FRAME_EVERY or since >= FRAME_MAX_SECONDS
        )
        if force or due:
            self.ctx.frame("synthesized", photo(postprocess(X), FRAME_MAX_SIDE), step=step)
            self.frame_at, self.frame_step = time.monotonic(), step
