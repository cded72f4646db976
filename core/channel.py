"""How a running job and the rest of DiveLab talk, in every mode.

A worker gets a `JobTicket`, runs the demo, and speaks through a `WorkerChannel`: events and
artifacts out, `Control` (newest live params, cancel) in. The embedded pool carries the same
conversation over a pipe per worker process, as the `PipeMessage`s below.
"""

import os
import socket
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Protocol

from core.events import Draft


@dataclass(frozen=True)
class JobTicket:
    """What a worker needs to start a job (JSON-serializable, for any transport)."""

    job_id: str
    demo: str
    params: dict[str, Any]
    params_version: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Control:
    """What the API asked since the last poll: newest live params (if any), and why the job
    must stop once a stop was asked (who asked: the learner, or their instructor)."""

    params: dict[str, Any] | None = None
    version: int | None = None
    cancel: str | None = None


class WorkerChannel(Protocol):
    """How a running job reaches the rest of DiveLab; one implementation per mode."""

    def emit(self, draft: Draft) -> None: ...

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None: ...

    def poll(self) -> Control: ...


class PipeMessage(StrEnum):
    """The first item of every tuple on an embedded worker's pipe.

    API -> worker: `run` (job_id, ticket dict), `params` (job_id, params, version),
    `cancel` (job_id, reason), `stop`. Worker -> API: `ready`, `event` (job_id, draft),
    `artifact` (job_id, name, media_type, bytes), `heartbeat` (job_id; while it runs one, every
    DIVELAB_HEARTBEAT_SECONDS, from a thread of its own), `idle` (job_id).
    """

    run = "run"
    params = "params"
    cancel = "cancel"
    stop = "stop"
    ready = "ready"
    event = "event"
    artifact = "artifact"
    heartbeat = "heartbeat"
    idle = "idle"


def worker_identity(pid: int | None = None) -> str:
    """host:pid, as jobs report who ran them."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"
