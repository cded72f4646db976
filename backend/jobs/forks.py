"""Forks: a new job that continues another from a snapshot of its training state, with some
params changed. Blocking (database) code: routes call it in a thread."""

import time
from typing import Any

from backend.jobs.schemas import JobOut, Lineage, LineageNode, SnapshotList, SnapshotOut
from backend.jobs.service import Fork, JobService
from core.callers import Caller
from core.errors import InvalidInput, NoSnapshot
from core.events import JobStatus
from core.store import events as event_store
from core.store import jobs, snapshots
from core.store.models import Job
from workers.demos import CATALOGUE

# A running job reaches its next step boundary well before, but for a slow step (a large
# image on a CPU): then the caller forks from a saved step instead.
FORK_NOW_TIMEOUT_SECONDS = 10.0
FORK_NOW_POLL_SECONDS = 0.05


class Forks:
    def __init__(self, jobs_service: JobService) -> None:
        self.jobs = jobs_service
        self.database = jobs_service.database

    def snapshots(self, caller: Caller, job_id: str) -> SnapshotList:
        with self.database.session() as session:
            job = jobs.get(session, caller, job_id)
            rows = snapshots.listed(session, job_id)
        spec = CATALOGUE[job.demo]
        return SnapshotList(
            snapshots=[SnapshotOut.model_validate(row, from_attributes=True) for row in rows],
            every=spec.snapshot_every,
            forkable_params=spec.fork_params,
        )

    def fork(self, caller: Caller, job_id: str, step: int | None, change: dict[str, Any]) -> JobOut:
        """Start a fork after `step` (the nearest snapshot at or before it), or now."""
        with self.database.session() as session:
            parent = jobs.get(session, caller, job_id)
            status, demo = JobStatus(parent.status), parent.demo
            fork_params(demo, parent.params, change)  # a bad change is refused before any wait
        if step is None and status is JobStatus.running:
            chosen = self._snapshot_now(job_id)
        else:
            chosen = self._snapshot_at_or_before(job_id, step, status)
        with self.database.session() as session:
            content = snapshots.content(session, job_id, chosen)
            params = fork_params(demo, params_at(session, job_id, chosen), change)
        return self.jobs.start(caller, demo, params, Fork(job_id, chosen, content))

    def _snapshot_at_or_before(self, job_id: str, step: int | None, status: JobStatus) -> int:
        with self.database.session() as session:
            steps = [row.step for row in snapshots.listed(session, job_id)]
        eligible = [s for s in steps if step is None or s <= step]
        if eligible:
            return eligible[-1]
        if steps:
            raise NoSnapshot(
                f"The first snapshot of job {job_id} is after step {steps[0]}: fork from there "
                "or later.",
                steps[0],
            )
        raise NoSnapshot(no_snapshot_yet(job_id, status), None)

    def _snapshot_now(self, job_id: str) -> int:
        """Ask the running job for a snapshot at its next step boundary and wait for it."""
        with self.database.session() as session:
            before = {row.step: row.created_at for row in snapshots.listed(session, job_id)}
        self.jobs.engine.request_snapshot(job_id)
        deadline = time.monotonic() + FORK_NOW_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            time.sleep(FORK_NOW_POLL_SECONDS)
            with self.database.session() as session:
                rows = snapshots.listed(session, job_id)
                finished = JobStatus(jobs.load(session, job_id).status).is_terminal
            new = [r.step for r in rows if before.get(r.step) != r.created_at]
            if new:
                return max(new)
            if finished:  # it ended first: fork from its last state, if it kept one
                return self._snapshot_at_or_before(job_id, None, JobStatus.succeeded)
        raise NoSnapshot(
            f"Job {job_id} did not reach a step boundary within "
            f"{FORK_NOW_TIMEOUT_SECONDS:g} s: fork from a saved step instead.",
            min(before, default=None),
        )

    def lineage(self, caller: Caller, job_id: str) -> Lineage:
        """The run's ancestors up to the oldest still there, and every fork below it."""
        with self.database.session() as session:
            job = jobs.get(session, caller, job_id)
            root = job
            while root.parent_id and (parent := jobs.find_visible(session, caller, root.parent_id)):
                root = parent
            family = [root, *descendants(session, caller, root)]
            return Lineage(root_id=root.id, nodes=[LineageNode.model_validate(j) for j in family])


def fork_params(demo: str, base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    try:
        return CATALOGUE[demo].apply_fork_change(base, change)
    except InvalidInput as error:
        raise error.under("params") from None


def descendants(session: Any, caller: Caller, root: Job) -> list[Job]:
    found: list[Job] = []
    generation = [root.id]
    while generation:
        children = jobs.forks_of(session, caller, generation)
        found.extend(children)
        generation = [child.id for child in children]
    return found


def params_at(session: Any, job_id: str, step: int) -> dict[str, Any]:
    """The params in force after `step`: the last `params` event at or before it."""
    in_force: dict[str, Any] | None = None
    for event in event_store.read(session, job_id, types=["params"]):
        if event["step"] is not None and event["step"] > step:
            break
        in_force = event["params"]
    return in_force if in_force is not None else jobs.load(session, job_id).params


def no_snapshot_yet(job_id: str, status: JobStatus) -> str:
    if status is JobStatus.queued:
        return f"Job {job_id} has not started: it has no snapshot to fork from yet."
    if status.is_terminal:
        return (
            f"Job {job_id} saved no snapshot of its training state (it ended {status.value} "
            "before its first, or this kind of run keeps none, such as a sweep)."
        )
    return f"Job {job_id} has no snapshot yet: its first comes at its first step."
