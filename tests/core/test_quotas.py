"""Fair shares: the next job to start, and a learner's limits as they ask for more."""

import secrets
from datetime import timedelta

import pytest

from core.callers import Caller
from core.errors import TooManyRequests
from core.events import JobStatus
from core.quotas import ClassLimits, QueueSnapshot, Waiting, next_to_start
from core.store import quotas
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import Classroom, Job, User


def waiting(*owners: str) -> list[Waiting]:
    return [Waiting(f"{owner}{i}", owner, float(i)) for i, owner in enumerate(owners)]


def test_the_next_job_belongs_to_whoever_runs_fewest_then_waited_longest() -> None:
    queue = waiting(*"AAAAAAAAAA", "B", "C")
    assert next_to_start(queue, {"A": 2}, {"A": 5.0}, lambda o: None).owner_id == "B"
    assert (
        next_to_start(queue, {"A": 1, "B": 1}, {"A": 5.0, "B": 3.0}, lambda o: None).owner_id == "C"
    )
    # equal running: the one whose last job started longest ago
    assert (
        next_to_start(
            queue, {"A": 1, "B": 1, "C": 1}, {"A": 1.0, "B": 3.0, "C": 2.0}, lambda o: None
        ).owner_id
        == "A"
    )
    # and within one learner, their oldest job first
    assert next_to_start(queue, {}, {}, lambda o: None).job_id == "A0"


def test_a_place_in_the_queue_puts_jobs_handed_to_celery_first_then_takes_turns() -> None:
    """Admitted jobs (handed to Celery, no worker yet) start first; the rest take turns by
    learner; each start waits for the slot that frees first, for its demo's typical time."""
    queue = QueueSnapshot(
        waiting=[Waiting("a2", "a", 1.0), Waiting("a3", "a", 2.0), Waiting("c1", "c", 3.0)],
        admitted=[Waiting("b1", "b", 0.5)],
        running={"a": 1, "b": 1},
        last_started={"a": 10.0, "b": 20.0},
        running_elapsed=[("slow", 30.0)],
        typical_seconds={"slow": 100.0, "quick": 10.0},
        demos={"b1": "quick", "a2": "quick", "a3": "quick", "c1": "quick"},
    )
    # one slot, busy for 70 s more: b1 at 70, then c1 (nothing running) at 80, a2 at 90...
    assert queue.place("b1", slots=1) == (1, 4, 70.0)
    assert queue.place("c1", slots=1) == (2, 4, 80.0)
    assert queue.place("a2", slots=1) == (3, 4, 90.0)
    assert queue.place("a3", slots=1) == (4, 4, 100.0)
    assert queue.place("c1", slots=2) == (2, 4, 10.0)  # a free slot takes b1 at once
    assert queue.place("running-or-gone", slots=1) is None


def test_a_learner_at_their_running_limit_waits() -> None:
    queue = waiting("A", "A", "B")
    limit = {"A": 1, "B": 1}.get
    assert next_to_start(queue, {"A": 1}, {}, limit).owner_id == "B"
    assert next_to_start(queue, {"A": 1, "B": 1}, {}, limit) is None
    assert next_to_start(waiting("A"), {"A": 7}, {}, lambda o: None).owner_id == "A"  # no limit


def learner(database: Database, limits: ClassLimits) -> Caller:
    now = utcnow()
    with database.session() as session:
        classroom = Classroom(
            id=secrets.token_hex(8),
            name="c",
            instructor_id="i",
            code=secrets.token_hex(4),
            created_at=now,
            invite_expires_at=now,
            limits=limits.model_dump(),
        )
        session.add(classroom)
        session.flush()
        user = User(
            id=secrets.token_hex(8), name="l", role="learner", class_id=classroom.id, created_at=now
        )
        session.add(user)
    return Caller(user.id, "learner", "l", classroom.id)


def add_job(database: Database, owner: str, status: JobStatus, minutes: float = 0) -> None:
    now = utcnow()
    with database.session() as session:
        session.add(
            Job(
                id=secrets.token_hex(8),
                owner_id=owner,
                demo="gradient-descent",
                status=status.value,
                params={},
                created_at=now,
                started_at=now - timedelta(minutes=minutes)
                if status is not JobStatus.queued
                else None,
                finished_at=now if status.is_terminal else None,
            )
        )


def test_waiting_jobs_past_the_class_limit_are_refused(database: Database) -> None:
    caller = learner(database, ClassLimits(queued=2))
    add_job(database, caller.id, JobStatus.queued)
    with database.session() as session:
        quotas.refuse_new_job(session, caller, utcnow())  # one waits: a second may
    add_job(database, caller.id, JobStatus.queued)
    with database.session() as session, pytest.raises(TooManyRequests) as refused:
        quotas.refuse_new_job(session, caller, utcnow())
    assert "2 runs waiting" in refused.value.detail and refused.value.headers["Retry-After"]


def test_worker_minutes_of_the_day_are_counted_and_refused_past_the_limit(
    database: Database,
) -> None:
    caller = learner(database, ClassLimits(worker_minutes_per_day=30))
    add_job(database, caller.id, JobStatus.succeeded, minutes=20)
    add_job(database, caller.id, JobStatus.running, minutes=5)
    with database.session() as session:
        usage = quotas.usage_of(session, caller, utcnow())
        assert usage is not None and usage["worker_minutes_today"] == pytest.approx(25, abs=0.1)
        quotas.refuse_new_job(session, caller, utcnow())
    add_job(database, caller.id, JobStatus.failed, minutes=6)
    with database.session() as session, pytest.raises(TooManyRequests) as refused:
        quotas.refuse_new_job(session, caller, utcnow())
    assert "worker minutes" in refused.value.detail
    assert 0 < int(refused.value.headers["Retry-After"]) <= 86_401  # at the next midnight


def test_instructors_and_the_local_user_have_no_limits(database: Database) -> None:
    for caller in (Caller("local"), Caller("someone", "instructor", "i")):
        for _ in range(5):
            add_job(database, caller.id, JobStatus.queued)
        with database.session() as session:
            quotas.refuse_new_job(session, caller, utcnow())
            assert quotas.usage_of(session, caller, utcnow()) is None
