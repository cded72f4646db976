"""The one object a demo talks to while it trains.

A demo reads `ctx.params` (the params in force, typed), names its training state once with
`ctx.track(...)` (restored there when the job is a fork), calls `ctx.checkpoint(step)` at the
start of every step (where live changes land, cancellation is noticed and snapshots are taken)
and reports through `metric`, `frame`, `log` and `artifact`. What it needs from outside (an
image by id, a cache folder, a verified download) it asks the context for. It never knows
which mode it runs in: the channel behind the context carries events and control messages
in-process, over a pipe or via Redis.
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
from workers.kit import state
from workers.kit.download import Download, fetch, logged_progress

P = TypeVar("P", bound=BaseModel)
# Of the training time, at most, for the snapshots taken on schedule: with the first, the
# last and those asked for, snapshots stay under 2% even of a tiny model trained flat out.
SNAPSHOT_TIME_SHARE = 0.015


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


class SnapshotSource(Protocol):
    """Snapshots by job and step (`core.store.snapshots.SnapshotLibrary` in a worker)."""

    def content(self, job_id: str, step: int) -> bytes: ...


@dataclass(frozen=True)
class JobResources:
    """What a worker process offers its jobs beyond the channel."""

    settings: Settings
    images: ImageSource
    snapshots: SnapshotSource
    device: str

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir


@dataclass(frozen=True)
class Resume:
    """A fork starts from its own copy of the snapshot it was forked from."""

    job_id: str
    step: int
    parent_id: str


class JobContext(Generic[P]):
    def __init__(
        self,
        spec: DemoSpec,
        params: P,
        version: int,
        channel: WorkerChannel,
        resources: JobResources,
        resume: Resume | None = None,
    ) -> None:
        self.spec = spec
        self.params = params
        self.version = version
        self.resources = resources
        self._channel = channel
        self._pending: Control | None = None
        self._resume = resume
        self._tracked: dict[str, object] | None = None
        self._snapshot_asked = False
        self._training_started = time.perf_counter()  # again at the first step boundary
        self._snapshot_seconds = 0.0  # spent taking snapshots
        self._last_snapshot_seconds = 0.0
        self.resumed_step = resume.step if resume else 0  # steps done before this job began
        self.snapshot_step = resume.step if resume else None  # of the newest snapshot
        self.step = self.resumed_step

    @property
    def device(self) -> str:
        """ "cpu" or "cuda": where the demo trains."""
        return self.resources.device

    @property
    def settings(self) -> Settings:
        return self.resources.settings

    # -- training state -------------------------------------------------------------------

    def track(self, **objects: object) -> None:
        """Name what the demo trains with (see `kit.state`): every snapshot captures it, and a
        fork restores it here, so the loop that follows continues where the parent was."""
        self._tracked = objects
        if self._resume is None:
            return
        content = self.resources.snapshots.content(self._resume.job_id, self._resume.step)
        state.restore(content, objects)
        self.log(
            f"Forked from run {self._resume.parent_id} after step {self._resume.step}: the "
            "model, the optimizer, the random generators and the data order are the snapshot's."
        )

    def steps(self, last: int) -> range:
        """The step numbers still to run, up to `last`: from 1, or after a fork's snapshot."""
        return range(self.resumed_step + 1, last + 1)

    def save_snapshot(self) -> None:
        """Snapshot the tracked state as it is after `self.step` steps (if not saved yet)."""
        if self._tracked is None or self.snapshot_step == self.step:
            return
        started = time.perf_counter()
        self._channel.save_snapshot(self.step, state.capture(self._tracked))
        self._last_snapshot_seconds = time.perf_counter() - started
        self._snapshot_seconds += self._last_snapshot_seconds
        self.snapshot_step = self.step

    def _snapshot_due(self) -> bool:
        """Every `snapshot_every` steps, the first always; past that, only while one more
        keeps the snapshots under SNAPSHOT_TIME_SHARE of the training time (a small model
        trained flat out takes fewer snapshots than its steps would give it)."""
        if self._tracked is None or self.step % self.spec.snapshot_every != 0:
            return False
        if self.snapshot_step is None:
            return True
        training = time.perf_counter() - self._training_started
        cost = self._snapshot_seconds + self._last_snapshot_seconds
        return cost <= SNAPSHOT_TIME_SHARE * training

    # -- the step boundary ----------------------------------------------------------------

    def checkpoint(self, step: int) -> P:
        """The start of step `step`: a snapshot when one is due (it holds the state after the
        step before), then pending live params applied, cancellation honoured; the params."""
        if self.step == self.resumed_step:
            self._training_started = time.perf_counter()
        control, self._pending = self._pending or self._channel.poll(), None
        self._snapshot_asked |= control.snapshot
        self.step = step - 1
        if self._snapshot_asked or control.cancel or self._snapshot_due():
            self.save_snapshot()
            self._snapshot_asked = False
        self.step = step
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
            if control.params is not None or control.snapshot:
                self._pending = control  # taken by the next checkpoint, which comes at once
                return

    # -- reporting ------------------------------------------------------------------------

    def emit_params(self) -> None:
        self._channel.emit(
            events.params(self.step, self.params.model_dump(mode="json"), self.version)
        )

    def metric(self, values: dict[str, float], step: int | None = None) -> None:
        """Report metrics; a NaN or infinite value ends the job as `diverged`. A fork reports
        only the steps after its snapshot: the ones before are its parent's."""
        step = self.step if step is None else step
        for name, value in values.items():
            if not math.isfinite(value):
                raise Diverged(step, name, value)
        if step <= self.resumed_step and self._resume is not None:
            return
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
