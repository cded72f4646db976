"""The job lifecycle: the table of transitions, refusals, hooks, and races between writers."""

import ast
import itertools
import secrets
import threading
from pathlib import Path

import pytest

from core import events
from core.events import JobStatus
from core.store import jobs
from core.store.database import Database
from core.store.lifecycle import TRANSITIONS, Lifecycle, is_allowed, utcnow
from core.store.models import Job
from tests.support import ROOT

Q, R = JobStatus.queued, JobStatus.running
TABLE = {(t.source, t.target) for t in TRANSITIONS}
# How to bring a new job into each status through the table itself.
PATHS = {Q: [], R: [R], **{s: [R, s] for s in JobStatus if s.is_terminal}}
PATHS[JobStatus.cancelled] = [JobStatus.cancelled]  # (also reachable from running)


def new_job(database: Database, lifecycle: Lifecycle, into: JobStatus = Q) -> str:
    job = Job(id=secrets.token_hex(8), demo="gradient-descent", params={}, created_at=utcnow())
    with database.session() as session:
        lifecycle.create(session, job)
    for step in PATHS[into]:
        assert transition(database, lifecycle, job.id, step)
    return job.id


def transition(
    database: Database,
    lifecycle: Lifecycle,
    job_id: str,
    target: JobStatus,
    only_from: JobStatus | None = None,
) -> bool:
    draft = events.status(target, worker="host:1", error="why", summary={"a": 1})
    with database.session() as session:
        return lifecycle.transition(session, job_id, draft, only_from=only_from)


def status_of(database: Database, job_id: str) -> JobStatus:
    with database.session() as session:
        return JobStatus(jobs.load(session, job_id).status)


def test_the_table_is_the_documented_lifecycle() -> None:
    assert {
        (Q, R),
        (Q, JobStatus.cancelled),
        (Q, JobStatus.failed),
        (R, JobStatus.succeeded),
        (R, JobStatus.failed),
        (R, JobStatus.cancelled),
        (R, JobStatus.diverged),
    } == TABLE
    assert not any(is_allowed(s, t) for s in JobStatus if s.is_terminal for t in JobStatus)


@pytest.mark.parametrize(("source", "target"), sorted(TABLE))
def test_each_transition_of_the_table_is_made_and_recorded(
    database: Database, source: JobStatus, target: JobStatus
) -> None:
    lifecycle = Lifecycle()
    job_id = new_job(database, lifecycle, source)
    assert transition(database, lifecycle, job_id, target)
    with database.session() as session:
        job = jobs.load(session, job_id)
        assert job.status == target.value
        if target is R:
            assert job.worker == "host:1" and job.started_at == job.heartbeat_at
        else:
            assert job.finished_at is not None
            assert (job.error, job.summary) == ("why", {"a": 1})


@pytest.mark.parametrize(
    ("source", "target"),
    [pair for pair in itertools.product(JobStatus, JobStatus) if pair not in TABLE],
)
def test_every_other_transition_is_refused_and_changes_nothing(
    database: Database, source: JobStatus, target: JobStatus
) -> None:
    lifecycle = Lifecycle()
    job_id = new_job(database, lifecycle, source)
    with database.session() as session:
        before = jobs.load(session, job_id)
        row = (before.status, before.finished_at, before.error, before.worker)
    assert not transition(database, lifecycle, job_id, target)
    with database.session() as session:
        after = jobs.load(session, job_id)
        assert (after.status, after.finished_at, after.error, after.worker) == row


def test_only_from_narrows_what_the_table_allows(database: Database) -> None:
    lifecycle = Lifecycle()
    running = new_job(database, lifecycle, R)
    assert not transition(database, lifecycle, running, JobStatus.cancelled, only_from=Q)
    assert status_of(database, running) is R
    queued = new_job(database, lifecycle)
    assert transition(database, lifecycle, queued, JobStatus.cancelled, only_from=Q)


def test_an_unknown_job_has_no_transition(database: Database) -> None:
    assert not transition(database, Lifecycle(), "no-such-job", R)


def test_hooks_see_every_entry_and_exit_inside_the_transaction(database: Database) -> None:
    lifecycle = Lifecycle()
    seen: list[tuple[JobStatus | None, JobStatus]] = []
    lifecycle.on_change(lambda session, job, old, new: seen.append((old, new)))
    job_id = new_job(database, lifecycle, JobStatus.succeeded)
    assert seen == [(None, Q), (Q, R), (R, JobStatus.succeeded)]

    def refuse(session: object, job: Job, old: JobStatus | None, new: JobStatus) -> None:
        if new is JobStatus.failed:
            raise RuntimeError("over quota")

    lifecycle.on_change(refuse)
    other = new_job(database, lifecycle, R)
    with pytest.raises(RuntimeError, match="over quota"):
        transition(database, lifecycle, other, JobStatus.failed)
    assert status_of(database, other) is R  # rolled back with the hook's transaction
    assert status_of(database, job_id) is JobStatus.succeeded


def test_admit_keeps_drafts_up_to_a_refused_status(database: Database) -> None:
    lifecycle = Lifecycle()
    job_id = new_job(database, lifecycle, R)
    batch = [
        events.metric(1, {"loss": 1.0}),
        events.status(JobStatus.succeeded),
        events.log("after the end"),
        events.status(JobStatus.failed),
        events.metric(2, {"loss": 0.5}),
    ]
    with database.session() as session:
        admitted = lifecycle.admit(session, job_id, batch)
    assert admitted == batch[:3]
    assert status_of(database, job_id) is JobStatus.succeeded


def test_racing_claims_and_cancels_let_exactly_one_win(database: Database) -> None:
    """A worker's claim racing a learner's cancel (and a duplicate claim): one wins per job."""
    if database.is_sqlite:
        pytest.skip("one process writes an embedded database: the race is PostgreSQL's")
    lifecycle = Lifecycle()
    job_ids = [new_job(database, lifecycle) for _ in range(20)]
    contenders = [(R, None), (R, None), (JobStatus.cancelled, Q)]
    wins: dict[str, list[JobStatus]] = {job_id: [] for job_id in job_ids}
    start = threading.Barrier(len(contenders))

    def contend(target: JobStatus, only_from: JobStatus | None) -> None:
        start.wait()
        for job_id in job_ids:
            if transition(database, lifecycle, job_id, target, only_from):
                wins[job_id].append(target)

    threads = [threading.Thread(target=contend, args=c) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for job_id, won in wins.items():
        assert len(won) == 1, won
        assert status_of(database, job_id) is won[0]


def test_no_module_but_the_lifecycle_writes_a_jobs_status() -> None:
    """`jobs.status` changes in one place: no assignment to `.status`, no `status=` in an
    UPDATE's values, outside core/store/lifecycle.py."""
    writers = []
    for path in sorted(Path(ROOT).glob("*/**/*.py")):
        if path.parts[len(ROOT.parts)] in ("tests", "alembic", ".venv", "frontend"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            assigns_status = isinstance(node, ast.Assign | ast.AugAssign) and any(
                isinstance(t, ast.Attribute) and t.attr == "status"
                for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            )
            updates_status = (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"
                and any(k.arg == "status" for k in node.keywords)
            )
            if assigns_status or updates_status:
                writers.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert {w.split(":")[0] for w in writers} == {"core/store/lifecycle.py"}, writers
