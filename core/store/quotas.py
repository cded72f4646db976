"""SQL for learners' limits and usage, and for admitting queued jobs fairly (classroom mode)."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.callers import Caller
from core.errors import TooManyRequests
from core.events import JobStatus
from core.quotas import ClassLimits, QueueSnapshot, Waiting
from core.store.models import Classroom, Job, UploadedImage, User


def limits_of(session: Session, owner_id: str) -> ClassLimits | None:
    """A learner's limits (their class's, with the defaults for what it leaves out); None for
    an instructor or the local user, who have none."""
    row = session.execute(
        select(Classroom.limits)
        .join(User, User.class_id == Classroom.id)
        .where(User.id == owner_id, User.role == "learner")
    ).first()
    return ClassLimits.model_validate(row[0]) if row else None


def count_in(session: Session, owner_id: str, status: JobStatus) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Job)
            .where(Job.owner_id == owner_id, Job.status == status.value)
        )
        or 0
    )


def worker_seconds_since(session: Session, owner_id: str, since: datetime, now: datetime) -> float:
    """Worker time of the owner's jobs since `since`: finished ones, and running ones so far."""
    total = 0.0
    for started, finished in session.execute(
        select(Job.started_at, Job.finished_at).where(
            Job.owner_id == owner_id,
            Job.started_at.is_not(None),
            (Job.finished_at.is_(None)) | (Job.finished_at >= since),
        )
    ):
        total += ((finished or now) - max(started, since)).total_seconds()
    return total


def uploads_of(session: Session, owner_id: str) -> tuple[int, int]:
    count, size = session.execute(
        select(func.count(UploadedImage.id), func.coalesce(func.sum(UploadedImage.size), 0)).where(
            UploadedImage.owner_id == owner_id
        )
    ).one()
    return int(count), int(size)


# -- admission (distributed mode) ------------------------------------------------------------


ADMISSION_LOCK = 0x646976656C6162  # "divelab": one API process admits at a time


def lock_admission(session: Session) -> None:
    """Hold the admission lock until the transaction ends (PostgreSQL; an embedded SQLite
    database has one writer anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(ADMISSION_LOCK)))


def queued(session: Session, admitted: bool) -> list[Waiting]:
    """Queued jobs not yet handed to Celery, oldest first; or (`admitted`) those handed to it
    that no worker has claimed yet, in the order handed over."""
    handed_over = Job.admitted_at.is_not(None) if admitted else Job.admitted_at.is_(None)
    return [
        Waiting(job_id, owner_id, created_at.timestamp())
        for job_id, owner_id, created_at in session.execute(
            select(Job.id, Job.owner_id, Job.created_at)
            .where(Job.status == JobStatus.queued.value, handed_over)
            .order_by(Job.admitted_at if admitted else Job.created_at)
        )
    ]


def running_by_owner(session: Session) -> dict[str, int]:
    """Jobs running per owner, admitted ones waiting for a worker counted as running."""
    rows = session.execute(
        select(Job.owner_id, func.count())
        .where(
            (Job.status == JobStatus.running.value)
            | ((Job.status == JobStatus.queued.value) & Job.admitted_at.is_not(None))
        )
        .group_by(Job.owner_id)
    )
    return {owner: count for owner, count in rows}


def last_started_by_owner(session: Session) -> dict[str, float]:
    """When each owner's last job was handed to a worker (admitted, or started)."""
    rows = session.execute(
        select(Job.owner_id, func.max(func.coalesce(Job.admitted_at, Job.started_at)))
        .where(func.coalesce(Job.admitted_at, Job.started_at).is_not(None))
        .group_by(Job.owner_id)
    )
    return {owner: at.timestamp() for owner, at in rows if at is not None}


def admit(session: Session, job_id: str, at: datetime) -> bool:
    """Mark a queued job as handed to Celery; False when it was cancelled meanwhile."""
    return bool(
        session.execute(
            update(Job)
            .where(
                Job.id == job_id, Job.status == JobStatus.queued.value, Job.admitted_at.is_(None)
            )
            .values(admitted_at=at)
        ).rowcount
    )


def demos_of(session: Session, job_ids: Sequence[str]) -> dict[str, str]:
    return dict(session.execute(select(Job.id, Job.demo).where(Job.id.in_(job_ids))).all())


# -- a job's place in the queue --------------------------------------------------------------

TYPICAL_OF_LAST = 20  # a demo's expected run time: the mean of its last runs that succeeded


def queue_snapshot(session: Session, now: datetime) -> QueueSnapshot:
    waiting = queued(session, admitted=False)
    admitted = queued(session, admitted=True)
    running_jobs = session.execute(
        select(Job.demo, Job.started_at).where(Job.status == JobStatus.running.value)
    ).all()
    demos = demos_of(session, [job.job_id for job in (*admitted, *waiting)])
    return QueueSnapshot(
        waiting=waiting,
        admitted=admitted,
        running=running_by_owner(session),
        last_started=last_started_by_owner(session),
        running_elapsed=[
            (demo, (now - started).total_seconds() if started else 0.0)
            for demo, started in running_jobs
        ],
        typical_seconds=typical_seconds(
            session, {demo for demo, _ in running_jobs} | set(demos.values())
        ),
        demos=demos,
    )


def typical_seconds(session: Session, demos: set[str]) -> dict[str, float]:
    typical = {}
    for demo in demos:
        durations = [
            (finished - started).total_seconds()
            for started, finished in session.execute(
                select(Job.started_at, Job.finished_at)
                .where(
                    Job.demo == demo,
                    Job.status == JobStatus.succeeded.value,
                    Job.started_at.is_not(None),
                    Job.finished_at.is_not(None),
                )
                .order_by(Job.finished_at.desc())
                .limit(TYPICAL_OF_LAST)
            )
        ]
        if durations:
            typical[demo] = sum(durations) / len(durations)
    return typical


# -- a learner's limits at the moment they ask for more (429: which limit, when it frees) -----
# (Jobs running at once are the schedulers' business: a learner at that limit waits.)

RETRY_QUEUED_SECONDS = 30


def start_of_day(now: datetime) -> datetime:
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


def refuse_new_job(session: Session, caller: Caller, now: datetime) -> None:
    limits = limits_of(session, caller.id)
    if limits is None:
        return
    waiting = count_in(session, caller.id, JobStatus.queued)
    if waiting >= limits.queued:
        raise TooManyRequests(
            f"You have {waiting} runs waiting, the most your class allows: another can wait "
            "as soon as one of them starts (or you cancel one).",
            RETRY_QUEUED_SECONDS,
        )
    today = start_of_day(now)
    used = worker_seconds_since(session, caller.id, today, now)
    if used >= limits.worker_minutes_per_day * 60:
        frees = today + timedelta(days=1)
        raise TooManyRequests(
            f"Your runs used {used / 60:.0f} of the {limits.worker_minutes_per_day} worker "
            f"minutes your class allows per day: more at {frees:%H:%M} UTC.",
            int((frees - now).total_seconds()) + 1,
        )


def refuse_upload(session: Session, caller: Caller) -> None:
    limits = limits_of(session, caller.id)
    if limits is None:
        return
    count, size = uploads_of(session, caller.id)
    if count >= limits.uploads or size >= limits.upload_megabytes * 1024 * 1024:
        raise TooManyRequests(
            f"You keep {count} uploaded images ({size / 1e6:.1f} MB), the most your class "
            f"allows ({limits.uploads} images, {limits.upload_megabytes} MB): delete one first.",
            RETRY_QUEUED_SECONDS,
        )


def usage_of(session: Session, caller: Caller, now: datetime) -> dict[str, float] | None:
    """A learner's use of each limit, for `GET /api/me`."""
    if limits_of(session, caller.id) is None:
        return None
    count, size = uploads_of(session, caller.id)
    return {
        "running": count_in(session, caller.id, JobStatus.running),
        "queued": count_in(session, caller.id, JobStatus.queued),
        "worker_minutes_today": worker_seconds_since(session, caller.id, start_of_day(now), now)
        / 60,
        "uploads": count,
        "upload_megabytes": size / 1e6,
    }
