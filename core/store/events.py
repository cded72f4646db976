"""SQL for `job_events`: the per-job log of numbered events."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from core.events import JobStatus
from core.store.models import Job, JobEvent
from core.store.thinning import FrameThinning


def append(
    session: Session,
    job_id: str,
    numbered: list[dict[str, Any]],
    thinning: FrameThinning | None = None,
) -> None:
    """Store events that already carry their `seq` (status events are the lifecycle's
    business: it has made their transitions), thinning the job's frames when the sequencer
    keeps a `FrameThinning` for it."""
    if thinning is not None:
        numbered, dropped = thinning.select(numbered)
        if dropped:
            session.execute(
                delete(JobEvent).where(JobEvent.job_id == job_id, JobEvent.seq.in_(dropped))
            )
    if numbered:  # one executemany, without an ORM object per event
        session.execute(
            insert(JobEvent),
            [
                {
                    "job_id": job_id,
                    "seq": e["seq"],
                    "type": e["type"],
                    "step": e.get("step"),
                    "ts": e["ts"],
                    "payload": e,
                }
                for e in numbered
            ],
        )


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
    """Events with seq > after, in order (the caller has checked the job is visible)."""
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
