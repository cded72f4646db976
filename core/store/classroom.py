"""SQL for teaching a class: each learner's latest run of a demo, their active jobs, and the
metrics of many runs at once (the instructor's live grid)."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.events import JobStatus
from core.store.models import Job, JobEvent, User

ACTIVE = (JobStatus.queued.value, JobStatus.running.value)


def learners_with_latest_run(
    session: Session, class_id: str, demo: str
) -> list[tuple[User, Job | None]]:
    """Every learner of the class, by name, with their newest run of the demo (or None)."""
    learners = session.scalars(
        select(User).where(User.class_id == class_id, User.removed_at.is_(None)).order_by(User.name)
    ).all()
    newest = (
        select(Job.owner_id, func.max(Job.created_at).label("created_at"))
        .where(Job.demo == demo, Job.owner_id.in_([learner.id for learner in learners]))
        .group_by(Job.owner_id)
        .subquery()
    )
    latest = {
        job.owner_id: job
        for job in session.scalars(
            select(Job).join(
                newest,
                and_(Job.owner_id == newest.c.owner_id, Job.created_at == newest.c.created_at),
            )
        )
    }
    return [(learner, latest.get(learner.id)) for learner in learners]


def active_jobs_of_class(session: Session, class_id: str) -> list[str]:
    """The queued and running jobs of the class's learners."""
    learners = select(User.id).where(User.class_id == class_id)
    return list(
        session.scalars(select(Job.id).where(Job.owner_id.in_(learners), Job.status.in_(ACTIVE)))
    )


def metrics_after(session: Session, cursors: Mapping[str, int]) -> list[dict[str, Any]]:
    """The metric events of several jobs, each after its own seq, in order per job."""
    if not cursors:
        return []
    query = (
        select(JobEvent.payload, JobEvent.job_id)
        .where(
            JobEvent.type == "metric",
            or_(
                *(and_(JobEvent.job_id == job, JobEvent.seq > seq) for job, seq in cursors.items())
            ),
        )
        .order_by(JobEvent.job_id, JobEvent.seq)
    )
    return [{**payload, "job_id": job_id} for payload, job_id in session.execute(query)]


def last_seqs(session: Session, job_ids: Sequence[str]) -> dict[str, int]:
    rows = session.execute(
        select(JobEvent.job_id, func.max(JobEvent.seq))
        .where(JobEvent.job_id.in_(job_ids))
        .group_by(JobEvent.job_id)
    )
    return {job_id: seq for job_id, seq in rows}
