"""The seam between the API and wherever jobs run. One implementation per mode.

Routes and services talk only to `JobEngine`; demos talk only to their job context. Switching
between the embedded and the distributed mode therefore touches neither. Every event an
engine stores passes the job lifecycle (`core.store.lifecycle`) first.
"""

from abc import ABC, abstractmethod
from typing import Any, ClassVar

from backend.streams.hub import StreamHub
from core.channel import JobTicket
from core.events import Draft, JobStatus
from core.store.models import Job


class JobEngine(ABC):
    mode: ClassVar[str]

    def __init__(self, hub: StreamHub) -> None:
        self.hub = hub

    @property
    @abstractmethod
    def slots(self) -> int | None:
        """Jobs this mode runs at once; None when it is not known here (Celery workers)."""

    @abstractmethod
    async def start(self) -> None:
        """Bring up what the mode needs (worker pool, Redis readers, watchdogs)."""

    @abstractmethod
    async def stop(self) -> None:
        """Release it again."""

    @abstractmethod
    def create(self, job: Job) -> None:
        """Store a new job and its first event, `queued` (blocking)."""

    @abstractmethod
    def publish(
        self, job_id: str, drafts: list[Draft], *, only_from: JobStatus | None = None
    ) -> list[dict[str, Any]]:
        """Number, store and fan out events produced by the API itself (blocking)."""

    @abstractmethod
    def submit(self, ticket: JobTicket, owner_id: str) -> None:
        """Queue a freshly created job for execution; jobs start fairly across owners."""

    @abstractmethod
    def cancel(self, job_id: str, reason: str) -> None:
        """Stop a queued or running job; it ends `cancelled` within one step."""

    @abstractmethod
    def update_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        """Hand new live params to the job; its worker applies them at the next step."""

    @abstractmethod
    def request_snapshot(self, job_id: str) -> None:
        """Ask a running job for a snapshot at its next step boundary (a fork "now")."""

    async def catch_up(self, job_id: str, after: int) -> list[dict[str, Any]]:
        """Events after `after` that live outside the database (e.g. in a Redis stream)."""
        return []


def silent_worker(worker: str | None, timeout: float) -> str:
    """Why a job failed whose worker stopped telling it was alive."""
    return (
        f"The worker running this job ({worker}) stopped responding for more than "
        f"{timeout:g} s: its machine may have been lost, or the process was stopped, hung or "
        "killed (for example for running out of memory). Train again to retry."
    )
