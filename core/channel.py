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
    # a fork: it starts from its own snapshot after this step, copied from its parent's
    resume_step: int | None = None
    parent_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, job: Any) -> "JobTicket":
        """The ticket of a stored job (`core.store.models.Job`), params in force included."""
        return cls(job.id, job.demo, job.params, job.params_version, job.fork_step, job.parent_id)


@dataclass(frozen=True)
class Control:
    """What the API asked since the last poll: newest live params (if any), why the job must
    stop once a stop was asked (who asked: the learner, or their instructor), and whether a
    fork wants a snapshot at the next step boundary."""

    params: dict[str, Any] | None = None
    version: int | None = None
    cancel: str | None = None
    snapshot: bool = False


class WorkerChannel(Protocol):
    """How a running job reaches the rest of DiveLab; one implementation per mode."""

    def emit(self, draft: Draft) -> None: ...

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None: ...

    def save_snapshot(self, step: int, content: bytes) -> None: ...

    def poll(self) -> Control: ...


class PipeMessage(StrEnum):
    """The first item of every tuple on an embedded worker's pipe.

    API -> worker: `run` (job_id, ticket dict), `params` (job_id, params, version),
    `cancel` (job_id, reason), `snapshot_now` (job_id), `stop`. Worker -> API: `ready`,
    `event` (job_id, draft), `artifact` (job_id, name, media_type, bytes), `snapshot` (job_id,
    step, bytes), `heartbeat` (job_id; while it runs one, every DIVELAB_HEARTBEAT_SECONDS, from
    a thread of its own), `idle` (job_id).
    """

    run = "run"
    params = "params"
    cancel = "cancel"
    snapshot_now = "snapshot_now"
    stop = "stop"
    ready = "ready"
    event = "event"
    artifact = "artifact"
    snapshot = "snapshot"
    heartbeat = "heartbeat"
    idle = "idle"


def worker_identity(pid: int | None = None) -> str:
    """host:pid, as jobs report who ran them."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"
