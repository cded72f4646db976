"""The per-job event log, and the job row it keeps up to date.

Status events are the only way a job's status changes after creation: storing one updates
the job row in the same transaction, so the row and the log never disagree.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.events import JobStatus
from backend.storage.models import Artifact, Job, JobEvent


def utcnow() -> datetime:
    return datetime.now(UTC)


def append(session: Session, job_id: str, sequenced: Sequence[dict[str, Any]]) -> None:
    """Store events that already carry their `seq`; apply status events to the job row."""
    session.add_all(
        JobEvent(
            job_id=job_id, seq=e["seq"], type=e["type"], step=e.get("step"), ts=e["ts"], payload=e
        )
        for e in sequenced
    )
    statuses = [e for e in sequenced if e["type"] == "status"]
    if statuses:
        job = session.get(Job, job_id)
        if job is not None:
            for event in statuses:
                apply_status(job, event)


def apply_status(job: Job, event: dict[str, Any]) -> None:
    status = JobStatus(event["status"])
    at = datetime.fromtimestamp(event["ts"], UTC)
    job.status = status.value
    if status is JobStatus.running:
        job.started_at = at
        job.worker = event.get("worker")
    elif status.is_terminal:
        job.finished_at = at
        job.error = event.get("error")
        job.summary = event.get("summary")


def next_seq(session: Session, job_id: str) -> int | None:
    """The seq of a job's next event, or None once the job has finished (or never existed)."""
    status = session.scalar(select(Job.status).where(Job.id == job_id))
    if status is None or JobStatus(status).is_terminal:
        return None
    last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id))
    return (last or 0) + 1


def read(
    session: Session,
    job_id: str,
    after: int = 0,
    limit: int | None = None,
    types: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    query = (
        select(JobEvent.payload)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after)
        .order_by(JobEvent.seq)
    )
    if types:
        query = query.where(JobEvent.type.in_(types))
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def save_artifact(
    session: Session, job_id: str, name: str, media_type: str, content: bytes
) -> None:
    """Store (or replace) a job's named artifact."""
    existing = session.scalar(
        select(Artifact).where(Artifact.job_id == job_id, Artifact.name == name)
    )
    if existing is None:
        existing = Artifact(job_id=job_id, name=name)
        session.add(existing)
    existing.media_type = media_type
    existing.content = content
    existing.size = len(content)
    existing.created_at = utcnow()
