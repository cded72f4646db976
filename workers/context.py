"""The one object a demo talks to while it trains.

A demo reads `ctx.params` (the params in force, typed), calls `ctx.checkpoint(step)` at every
step boundary (where live changes land and cancellation is noticed), and reports through
`metric`, `frame`, `log` and `artifact`. What it needs from outside (an image by id, a cache
folder, a verified download) it asks the context for. It never knows which mode it runs in:
the channel behind the context carries events and control messages in-process, over a pipe or
via Redis.
"""

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, Protocol, TypeVar

from PIL import Image
from pydantic import BaseModel

from core import events
from core.channel import Control, WorkerChannel
from core.demo_spec import DemoSpec
from core.frames import FrameData
from core.settings import Settings
from workers.kit.download import Download, fetch, logged_progress

P = TypeVar("P", bound=BaseModel)


class Cancelled(Exception):
    """Raised at a step boundary after the API asked the job to stop; says who asked."""


class Diverged(Exception):
    """A loss or tracked quantity became NaN or infinite: the run cannot continue."""

    def __init__(self, step: int, name: str, value: float) -> None:
        what = "not a number (NaN)" if math.isnan(value) else "infinite"
        super().__init__(
            f"The loss `{name}` became {what} at step {step}: the learning rate is probably too "
            "large for this problem. Lower it and train again."
        )


class ImageSource(Protocol):
    """Images by id (`core.images.ImageLibrary` in a worker process)."""

    def open_rgb(self, image_id: str) -> Image.Image: ...


@dataclass(frozen=True)
class JobResources:
    """What a worker process offers its jobs beyond the channel."""

    settings: Settings
    images: ImageSource
    device: str

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir


class JobContext(Generic[P]):
    def __init__(
        self,
        spec: DemoSpec,
        params: P,
        version: int,
        channel: WorkerChannel,
        resources: JobResources,
    ) -> None:
        self.spec = spec
        self.params = params
        self.version = version
        self.resources = resources
        self._channel = channel
        self._pending: Control | None = None
        self.step = 0

    @property
    def device(self) -> str:
        """ "cpu" or "cuda": where the demo trains."""
        return self.resources.device

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    # -- the step boundary ----------------------------------------------------------------

    def checkpoint(self, step: int) -> P:
        """A step boundary: apply pending live params, honour cancellation, return params."""
        self.step = step
        control, self._pending = self._pending or self._channel.poll(), None
        if control.params is not None and control.version is not None:
            self.params = self.spec.params.model_validate(control.params)  # type: ignore[assignment]
            self.version = control.version
            self.emit_params()
        if control.cancel:
            raise Cancelled(control.cancel)
        return self.params

    def wait_until(self, deadline: float) -> None:
        """Sleep until `deadline` (time.monotonic); a cancel or a live change cuts it short."""
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, 0.02))
            control = self._channel.poll()
            if control.cancel:
                raise Cancelled(control.cancel)
            if control.params is not None:
                self._pending = control  # taken by the next checkpoint, which comes at once
                return

    # -- reporting ------------------------------------------------------------------------

    def emit_params(self) -> None:
        self._channel.emit(
            events.params(self.step, self.params.model_dump(mode="json"), self.version)
        )

    def metric(self, values: dict[str, float], step: int | None = None) -> None:
        """Report metrics; a NaN or infinite value ends the job as `diverged`."""
        step = self.step if step is None else step
        for name, value in values.items():
            if not math.isfinite(value):
                raise Diverged(step, name, value)
        self._channel.emit(events.metric(step, {k: float(v) for k, v in values.items()}))

    def frame(self, name: str, data: FrameData, step: int | None = None) -> None:
        """A picture for the panel `name`; its kind is the kind of `data`."""
        self._channel.emit(events.frame(self.step if step is None else step, name, data))

    def log(self, message: str, progress: float | None = None) -> None:
        self._channel.emit(events.log(message, progress=progress, step=self.step))

    def artifact(self, name: str, media_type: str, content: bytes) -> None:
        self._channel.save_artifact(name, media_type, content)

    # -- resources ------------------------------------------------------------------------

    def image(self, image_id: str) -> Image.Image:
        """An image by id (built-in or uploaded) as RGB pixels."""
        return self.resources.images.open_rgb(image_id)

    def cache_dir(self, *parts: str) -> Path:
        """A folder under the data directory where downloads and caches live."""
        folder = self.resources.data_dir.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def download(self, download: Download, folder: Path) -> Path:
        """The verified file in `folder`, fetched first if it is not there; progress in the
        job's log. Raises `kit.download.Unavailable` with what to do by hand."""
        return fetch(download, folder, logged_progress(self.log, download.title))
