"""SQL for the `jobs` table. Reads take the caller; status changes belong to the lifecycle."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from core.callers import Caller
from core.errors import Forbidden, NotFound
from core.events import JobStatus
from core.store.lifecycle import utcnow
from core.store.models import Job
from core.store.visibility import changeable_by, visible_to

ACTIVE = (JobStatus.queued.value, JobStatus.running.value)


def get(session: Session, caller: Caller, job_id: str) -> Job:
    """A job the caller may read (another learner's is "not found": never revealed)."""
    job = find_visible(session, caller, job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job


def get_to_change(session: Session, caller: Caller, job_id: str) -> Job:
    """A job the caller may stop, steer, share or delete; a run shared with them is
    read-only (403), anyone else's is not found (404)."""
    job = get(session, caller, job_id)
    allowed = session.scalar(select(Job.id).where(Job.id == job_id, changeable_by(caller, Job)))
    if allowed is None:
        raise Forbidden(f"job {job_id} was shared with you to watch, not to change")
    return job


def find_visible(session: Session, caller: Caller, job_id: str) -> Job | None:
    return session.scalar(select(Job).where(Job.id == job_id, visible_to(caller, Job)))


def forks_of(session: Session, caller: Caller, parent_ids: Sequence[str]) -> Sequence[Job]:
    """The forks of these jobs that the caller may see, oldest first."""
    return session.scalars(
        select(Job)
        .where(Job.parent_id.in_(parent_ids), visible_to(caller, Job))
        .order_by(Job.created_at)
    ).all()


def exists(session: Session, caller: Caller, job_id: str) -> bool:
    query = select(Job.id).where(Job.id == job_id, visible_to(caller, Job))
    return session.scalar(query) is not None


def has_finished(session: Session, job_id: str) -> bool:
    status = session.scalar(select(Job.status).where(Job.id == job_id))
    return status is not None and JobStatus(status).is_terminal


def load(session: Session, job_id: str) -> Job:
    """A job by id for DiveLab itself (a worker that claimed it), never for a caller."""
    job = session.get(Job, job_id)
    if job is None:
        raise NotFound("job", job_id)
    return job


def find(
    session: Session,
    caller: Caller,
    demo: str | None,
    status: JobStatus | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Job], int]:
    """A page of jobs, newest first, and how many match in all."""
    query = select(Job).where(visible_to(caller, Job))
    if demo:
        query = query.where(Job.demo == demo)
    if status:
        query = query.where(Job.status == status.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(
        query.order_by(Job.created_at.desc(), Job.id).limit(limit).offset(offset)
    )
    return page.all(), total


def left_active(session: Session) -> Sequence[Job]:
    """Jobs queued or running, oldest first: what a restarted server finds."""
    return session.scalars(select(Job).where(Job.status.in_(ACTIVE)).order_by(Job.created_at)).all()


def silent_since(session: Session, cutoff: datetime) -> list[tuple[str, str | None]]:
    """(id, worker) of running jobs whose worker has not stamped them since `cutoff`."""
    rows = session.execute(
        select(Job.id, Job.worker).where(
            Job.status == JobStatus.running.value, Job.heartbeat_at < cutoff
        )
    )
    return [(job_id, worker) for job_id, worker in rows]


def replace_params(
    session: Session, job_id: str, expected_version: int, params: dict[str, Any]
) -> bool:
    """Store live params as version `expected_version + 1`, unless another change or the
    job's end came first (optimistic on `params_version`)."""
    return bool(
        session.execute(
            update(Job)
            .where(
                Job.id == job_id,
                Job.params_version == expected_version,
                Job.status.in_(ACTIVE),
            )
            .values(params=params, params_version=expected_version + 1)
        ).rowcount
    )


def count_queued(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).select_from(Job).where(Job.status == JobStatus.queued.value)
        )
        or 0
    )


def remove(session: Session, job: Job) -> None:
    """A job, its events and its artifacts (they go with it: ON DELETE CASCADE)."""
    session.delete(job)


def remove_finished_before(session: Session, cutoff: datetime) -> int:
    """Delete the jobs that finished before `cutoff` (and all they hold); how many."""
    finished = [s.value for s in JobStatus if s.is_terminal]
    return session.execute(
        delete(Job).where(Job.status.in_(finished), Job.finished_at < cutoff)
    ).rowcount


def stamp_heartbeat(session: Session, job_id: str) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))
