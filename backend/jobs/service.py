"""The logic behind the jobs routes. Blocking (database) code: routes call it in a thread."""

import secrets
from typing import Any

from sqlalchemy import func, select, update

from backend import events
from backend.engines.base import JobEngine
from backend.errors import Conflict, NotFound
from backend.events import TERMINAL_STATUSES, JobStatus
from backend.jobs.metrics import downsample, series_from_events
from backend.jobs.schemas import (
    ArtifactOut,
    EventPage,
    JobOut,
    JobPage,
    MetricSeries,
    ParamsUpdateOut,
)
from backend.storage import event_log
from backend.storage.database import session_scope
from backend.storage.models import Artifact, Job
from workers.demos import CATALOGUE
from workers.demos.contract import ParamsError
from workers.runtime import JobTicket

ACTIVE = (JobStatus.queued.value, JobStatus.running.value)


def new_job_id() -> str:
    return secrets.token_hex(8)


class UnknownDemo(ParamsError):
    def __init__(self, demo: str) -> None:
        super().__init__(
            [
                {
                    "loc": ["demo"],
                    "type": "unknown_demo",
                    "msg": f"unknown demo {demo!r}; choose one of {sorted(CATALOGUE)}",
                }
            ]
        )


class JobService:
    def __init__(self, engine: JobEngine) -> None:
        self.engine = engine

    def create(self, demo: str, params: dict[str, Any]) -> JobOut:
        spec = CATALOGUE.get(demo)
        if spec is None:
            raise UnknownDemo(demo)
        try:
            validated = spec.validate(params).model_dump(mode="json")
        except ParamsError as error:
            raise ParamsError([{**e, "loc": ["params", *e["loc"]]} for e in error.errors]) from None
        with session_scope() as session:
            job = Job(
                id=new_job_id(),
                demo=demo,
                status=JobStatus.queued.value,
                params=validated,
                params_version=1,
                created_at=event_log.utcnow(),
            )
            session.add(job)
        self.engine.publish(job.id, [events.status(JobStatus.queued)])
        self.engine.submit(JobTicket(job.id, demo, validated, 1))
        return self.get(job.id)

    def get(self, job_id: str) -> JobOut:
        with session_scope() as session:
            return JobOut.model_validate(self._job(session, job_id))

    def find(self, demo: str | None, status: JobStatus | None, limit: int, offset: int) -> JobPage:
        query = select(Job)
        if demo:
            query = query.where(Job.demo == demo)
        if status:
            query = query.where(Job.status == status.value)
        with session_scope() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            jobs = session.scalars(
                query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
            ).all()
            return JobPage(
                items=[JobOut.model_validate(j) for j in jobs],
                total=total,
                limit=limit,
                offset=offset,
            )

    def update_params(self, job_id: str, change: dict[str, Any]) -> ParamsUpdateOut:
        """Apply a live change; optimistic on `params_version`, so concurrent changes queue up."""
        while True:
            with session_scope() as session:
                job = self._job(session, job_id)
                self._require_active(job, "change its params")
                spec = CATALOGUE[job.demo]
                params = spec.apply_live_change(job.params, change)
                version = job.params_version + 1
                updated = session.execute(
                    update(Job)
                    .where(
                        Job.id == job_id,
                        Job.params_version == job.params_version,
                        Job.status.in_(ACTIVE),
                    )
                    .values(params=params, params_version=version)
                ).rowcount
            if updated:
                self.engine.update_params(job_id, params, version)
                return ParamsUpdateOut(params=params, version=version)

    def cancel(self, job_id: str) -> JobOut:
        with session_scope() as session:
            self._require_active(self._job(session, job_id), "cancel it")
        self.engine.cancel(job_id)
        return self.get(job_id)

    def events(self, job_id: str, after: int, limit: int) -> EventPage:
        with session_scope() as session:
            self._job(session, job_id)
            page = event_log.read(session, job_id, after=after, limit=limit)
        return EventPage(events=page, next_after=page[-1]["seq"] if page else after)

    def metrics(self, job_id: str, max_points: int | None) -> dict[str, MetricSeries]:
        with session_scope() as session:
            self._job(session, job_id)
            metric_events = event_log.read(session, job_id, types=["metric"])
        return {
            name: downsample(steps, values, max_points)
            for name, (steps, values) in series_from_events(metric_events).items()
        }

    def artifacts(self, job_id: str) -> list[ArtifactOut]:
        with session_scope() as session:
            self._job(session, job_id)
            rows = session.execute(
                select(Artifact.name, Artifact.media_type, Artifact.size, Artifact.created_at)
                .where(Artifact.job_id == job_id)
                .order_by(Artifact.name)
            ).all()
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

    def artifact(self, job_id: str, name: str) -> tuple[bytes, str]:
        with session_scope() as session:
            self._job(session, job_id)
            row = session.scalar(
                select(Artifact).where(Artifact.job_id == job_id, Artifact.name == name)
            )
            if row is None:
                raise NotFound("artifact", name)
            return row.content, row.media_type

    @staticmethod
    def _job(session: Any, job_id: str) -> Job:
        job = session.get(Job, job_id)
        if job is None:
            raise NotFound("job", job_id)
        return job

    @staticmethod
    def _require_active(job: Job, action: str) -> None:
        if job.status in TERMINAL_STATUSES:
            raise Conflict(
                f"job {job.id} has already finished ({job.status}): too late to {action}"
            )
