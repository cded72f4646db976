"""The one object a demo talks to while it trains.

A demo reads `ctx.params` (the params in force, typed), calls `ctx.checkpoint(step)` at every
step boundary (where live changes land and cancellation is noticed), and reports through
`metric`, `frame`, `log` and `artifact`. It never knows which mode it runs in: the channel
behind the context carries events and control messages in-process, over a pipe or via Redis.
"""

import math
import time
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from backend import events
from backend.events import Draft, FrameKind
from workers.demos.contract import DemoSpec

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class Control:
    """What the API asked since the last poll: newest live params (if any) and cancel."""

    params: dict[str, Any] | None = None
    version: int | None = None
    cancel: bool = False


class WorkerChannel(Protocol):
    """How a running job reaches the rest of DiveLab; one implementation per mode."""

    def emit(self, draft: Draft) -> None: ...

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None: ...

    def poll(self) -> Control: ...


class Cancelled(Exception):
    """Raised at a step boundary after the API asked the job to stop."""


class Diverged(Exception):
    """A loss or tracked quantity became NaN or infinite: the run cannot continue."""

    def __init__(self, step: int, name: str, value: float) -> None:
        what = "not a number (NaN)" if math.isnan(value) else "infinite"
        super().__init__(
            f"The loss `{name}` became {what} at step {step}: the learning rate is probably too "
            "large for this problem. Lower it and train again."
        )


class JobContext(Generic[P]):
    def __init__(
        self,
        spec: DemoSpec,
        params: P,
        version: int,
        channel: WorkerChannel,
        device: str,
        data_dir: str,
    ) -> None:
        self.spec = spec
        self.params = params
        self.version = version
        self.device = device
        self.data_dir = data_dir
        self._channel = channel
        self._pending: Control | None = None
        self.step = 0

    def checkpoint(self, step: int) -> P:
        """A step boundary: apply pending live params, honour cancellation, return params."""
        self.step = step
        control, self._pending = self._pending or self._channel.poll(), None
        if control.params is not None and control.version is not None:
            self.params = self.spec.params.model_validate(control.params)  # type: ignore[assignment]
            self.version = control.version
            self.emit_params()
        if control.cancel:
            raise Cancelled
        return self.params

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

    def frame(self, name: str, kind: FrameKind, data: Any, step: int | None = None) -> None:
        self._channel.emit(events.frame(self.step if step is None else step, name, kind, data))

    def log(self, message: str, progress: float | None = None) -> None:
        self._channel.emit(events.log(message, progress=progress, step=self.step))

    def artifact(self, name: str, media_type: str, content: bytes) -> None:
        self._channel.save_artifact(name, media_type, content)

    def wait_until(self, deadline: float) -> None:
        """Sleep until `deadline` (time.monotonic); a cancel or a live change cuts it short."""
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, 0.02))
            control = self._channel.poll()
            if control.cancel:
                raise Cancelled
            if control.params is not None:
                self._pending = control  # taken by the next checkpoint, which comes at once
                return
