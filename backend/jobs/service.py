"""The logic behind the jobs routes. Blocking (database) code: routes call it in a thread."""

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from backend.engines.base import JobEngine
from backend.jobs.metrics import downsample, series_from_events
from backend.jobs.schemas import (
    ArtifactOut,
    EventPage,
    JobOut,
    JobPage,
    MetricSeries,
    ParamsUpdateOut,
    QueuePlace,
)
from core.callers import Caller
from core.channel import JobTicket
from core.errors import InvalidInput, TooManyRequests
from core.events import JobStatus
from core.settings import Settings
from core.store import artifacts, jobs, snapshots
from core.store import events as event_store
from core.store.database import Database
from core.store.lifecycle import require_active, require_finished, utcnow
from core.store.models import Job
from core.store.quotas import queue_snapshot, refuse_new_job
from workers.demos import CATALOGUE


def new_job_id() -> str:
    return secrets.token_hex(8)


def unknown_demo(demo: str) -> InvalidInput:
    return InvalidInput(
        [
            {
                "loc": ["demo"],
                "type": "unknown_demo",
                "msg": f"unknown demo {demo!r}; choose one of {sorted(CATALOGUE)}",
            }
        ]
    )


RETRY_QUEUE_FULL_SECONDS = 10


def stop_reason(caller: Caller, owner_id: str) -> str:
    """Why a job stops, as its owner reads it: they asked, or their instructor did."""
    if caller.id == owner_id or caller.role == "local":
        return "Stopped at the learner's request."
    return f"Stopped by the instructor, {caller.name}."


@dataclass(frozen=True)
class Fork:
    """Where a new job branches from: a parent's step and the snapshot after it."""

    parent_id: str
    step: int
    snapshot: bytes


class JobService:
    def __init__(self, engine: JobEngine, database: Database, settings: Settings) -> None:
        self.engine = engine
        self.database = database
        self.settings = settings
        self.snapshot_bounds = snapshots.Bounds.of(settings)

    def create(self, caller: Caller, demo: str, params: dict[str, Any]) -> JobOut:
        spec = CATALOGUE.get(demo)
        if spec is None:
            raise unknown_demo(demo)
        try:
            validated = spec.validate(params).model_dump(mode="json")
        except InvalidInput as error:
            raise error.under("params") from None
        return self.start(caller, demo, validated)

    def start(
        self, caller: Caller, demo: str, params: dict[str, Any], fork: Fork | None = None
    ) -> JobOut:
        """Queue a job with validated params, within the caller's limits and the server's
        queue; a fork gets its own copy of the snapshot it starts from before it can run."""
        with self.database.session() as session:
            refuse_new_job(session, caller, utcnow())
            waiting = jobs.count_queued(session)
        if waiting >= self.settings.max_queued_jobs:
            raise TooManyRequests(
                f"{waiting} jobs are already waiting for a worker, the most this server "
                "queues: try again when some have started.",
                retry_after=RETRY_QUEUE_FULL_SECONDS,
            )
        job = Job(
            id=new_job_id(),
            owner_id=caller.id,
            demo=demo,
            params=params,
            params_version=1,
            created_at=utcnow(),
            parent_id=fork.parent_id if fork else None,
            fork_step=fork.step if fork else None,
        )
        self.engine.create(job)
        if fork:
            with self.database.session() as session:
                snapshots.save(session, job.id, fork.step, fork.snapshot, self.snapshot_bounds)
        self.engine.submit(JobTicket.of(job), caller.id)
        return self.get(caller, job.id)

    def get(self, caller: Caller, job_id: str) -> JobOut:
        with self.database.session() as session:
            return JobOut.model_validate(jobs.get(session, caller, job_id))

    def queue_place(self, caller: Caller, job_id: str) -> QueuePlace:
        """A waiting job's place in the fair queue and an estimated wait."""
        with self.database.session() as session:
            status = JobStatus(jobs.get(session, caller, job_id).status)
            place = None
            if status is JobStatus.queued:
                place = queue_snapshot(session, utcnow()).place(job_id, self.engine.slots)
        if place is None:
            return QueuePlace(
                status=status, position=None, waiting=None, estimated_wait_seconds=None
            )
        position, waiting, wait = place
        return QueuePlace(
            status=status, position=position, waiting=waiting, estimated_wait_seconds=round(wait, 1)
        )

    def exists(self, caller: Caller, job_id: str) -> bool:
        with self.database.session() as session:
            return jobs.exists(session, caller, job_id)

    def find(
        self, caller: Caller, demo: str | None, status: JobStatus | None, limit: int, offset: int
    ) -> JobPage:
        with self.database.session() as session:
            page, total = jobs.find(session, caller, demo, status, limit, offset)
            items = [JobOut.model_validate(j) for j in page]
        return JobPage(items=items, total=total, limit=limit, offset=offset)

    def delete(self, caller: Caller, job_id: str) -> None:
        with self.database.session() as session:
            job = jobs.get_to_change(session, caller, job_id)
            require_finished(job, "delete it")
            jobs.remove(session, job)

    def share(self, caller: Caller, job_id: str, shared: bool) -> JobOut:
        """Let the caller's classmates watch a run (read-only), or stop letting them."""
        with self.database.session() as session:
            jobs.get_to_change(session, caller, job_id).shared = shared
        return self.get(caller, job_id)

    def delete_expired(self) -> int:
        """Delete the jobs that finished more than `retention_days` ago; how many."""
        if not self.settings.retention_days:
            return 0
        cutoff = utcnow() - timedelta(days=self.settings.retention_days)
        with self.database.session() as session:
            return jobs.remove_finished_before(session, cutoff)

    def update_params(self, caller: Caller, job_id: str, change: dict[str, Any]) -> ParamsUpdateOut:
        """Apply a live change; optimistic on `params_version`, so concurrent changes queue up."""
        while True:
            with self.database.session() as session:
                job = jobs.get_to_change(session, caller, job_id)
                require_active(job, "change its params")
                params = CATALOGUE[job.demo].apply_live_change(job.params, change)
                version = job.params_version + 1
                replaced = jobs.replace_params(session, job_id, job.params_version, params)
            if replaced:
                self.engine.update_params(job_id, params, version)
                return ParamsUpdateOut(params=params, version=version)

    def cancel(self, caller: Caller, job_id: str) -> JobOut:
        with self.database.session() as session:
            job = jobs.get_to_change(session, caller, job_id)
            require_active(job, "cancel it")
        self.engine.cancel(job_id, stop_reason(caller, job.owner_id))
        return self.get(caller, job_id)

    def events(self, caller: Caller, job_id: str, after: int, limit: int) -> EventPage:
        with self.database.session() as session:
            jobs.get(session, caller, job_id)
            page = event_store.read(session, job_id, after=after, limit=limit)
        return EventPage(events=page, next_after=page[-1]["seq"] if page else after)

    def has_finished(self, job_id: str) -> bool:
        """Whether a job's final status is stored (with every event before it)."""
        with self.database.session() as session:
            return jobs.has_finished(session, job_id)

    def stored_events(self, job_id: str, after: int, limit: int) -> list[dict[str, Any]]:
        """A page of a job's events for a stream whose caller was checked when it opened."""
        with self.database.session() as session:
            return event_store.read(session, job_id, after=after, limit=limit)

    def metrics(
        self, caller: Caller, job_id: str, max_points: int | None
    ) -> dict[str, MetricSeries]:
        with self.database.session() as session:
            jobs.get(session, caller, job_id)
            metric_events = event_store.read(session, job_id, types=["metric"])
        return {
            name: downsample(steps, values, max_points)
            for name, (steps, values) in series_from_events(metric_events).items()
        }

    def artifacts(self, caller: Caller, job_id: str) -> list[ArtifactOut]:
        with self.database.session() as session:
            jobs.get(session, caller, job_id)
            rows = artifacts.listed(session, job_id)
        return [
            ArtifactOut(
                name=r.name,
                media_type=r.media_type,
                size=r.size,
                created_at=r.created_at,
                url=f"/api/jobs/{job_id}/artifacts/{r.name}",
            )
            for r in rows
        ]

    def artifact(self, caller: Caller, job_id: str, name: str) -> tuple[bytes, str]:
        with self.database.session() as session:
            jobs.get(session, caller, job_id)
            return artifacts.content(session, job_id, name)
