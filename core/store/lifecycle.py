"""A job's lifecycle: every status it can take, every transition, and the only code that
changes `jobs.status`.

    queued ──claim──▶ running ──▶ succeeded | failed | cancelled | diverged
       └──▶ cancelled (before it started) | failed (its worker died before it started)

A transition is made together with the status event that reports it, in the caller's
transaction: the embedded sequencer and the distributed publisher call `transition` for every
status draft before they store it, and drop the draft when it is refused. Creating a job is
entering `queued`. Hooks registered with `on_change` run inside the same transaction at every
entry into and exit from a state (a quota is taken and released there).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.errors import Conflict
from core.events import Draft, JobStatus, status_of
from core.store.models import Job

Q, R = JobStatus.queued, JobStatus.running


@dataclass(frozen=True)
class Transition:
    source: JobStatus
    target: JobStatus
    when: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Q, R, "a worker claims the job (exactly one claim wins)"),
    Transition(Q, JobStatus.cancelled, "the learner cancels it before it starts"),
    Transition(Q, JobStatus.failed, "the worker it was handed to dies before it starts"),
    Transition(R, JobStatus.succeeded, "the demo returns its summary"),
    Transition(R, JobStatus.failed, "the demo raises, or its worker dies, goes silent or stops"),
    Transition(R, JobStatus.cancelled, "the worker stops at a step after a cancel request"),
    Transition(R, JobStatus.diverged, "a metric becomes NaN or infinite"),
)
_ALLOWED = {(t.source, t.target) for t in TRANSITIONS}

Hook = Callable[[Session, Job, JobStatus | None, JobStatus], None]
"""(session, job, the status it leaves or None when created, the status it enters)."""


def is_allowed(source: JobStatus, target: JobStatus) -> bool:
    return (source, target) in _ALLOWED


def utcnow() -> datetime:
    return datetime.now(UTC)


class Lifecycle:
    def __init__(self) -> None:
        self._hooks: list[Hook] = []

    def on_change(self, hook: Hook) -> None:
        self._hooks.append(hook)

    def create(self, session: Session, job: Job) -> None:
        """A new job enters `queued`."""
        job.status = Q.value
        session.add(job)
        session.flush()
        self._run_hooks(session, job, None, Q)

    def transition(
        self, session: Session, job_id: str, draft: Draft, *, only_from: JobStatus | None = None
    ) -> bool:
        """Make the transition a status draft reports; False (nothing changed) when the
        table refuses it from the job's status, or when that status is not `only_from`.

        Compare-and-set: concurrent transitions of one job (a claim racing a cancel, a
        worker's end racing the watchdog) cannot both win.
        """
        target = status_of(draft)
        if target is None:
            raise ValueError(f"not a status draft: {draft['type']}")
        job = session.get(Job, job_id, with_for_update=True, populate_existing=True)
        if job is None:
            return False
        source = JobStatus(job.status)
        if not is_allowed(source, target) or (only_from is not None and source != only_from):
            return False
        changed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == source.value)
            .values(status=target.value, **_recorded_with(target, draft))
            .execution_options(synchronize_session=False)
        ).rowcount
        if not changed:
            return False
        session.refresh(job)
        self._run_hooks(session, job, source, target)
        return True

    def admit(
        self,
        session: Session,
        job_id: str,
        drafts: list[Draft],
        *,
        only_from: JobStatus | None = None,
    ) -> list[Draft]:
        """The drafts up to the first status whose transition is refused; each admitted
        status draft has made its transition."""
        admitted: list[Draft] = []
        for draft in drafts:
            if status_of(draft) is not None and not self.transition(
                session, job_id, draft, only_from=only_from
            ):
                break
            admitted.append(draft)
        return admitted

    def _run_hooks(
        self, session: Session, job: Job, source: JobStatus | None, target: JobStatus
    ) -> None:
        for hook in self._hooks:
            hook(session, job, source, target)


def _recorded_with(target: JobStatus, draft: Draft) -> dict:
    """What the job row keeps of the transition's event."""
    at = datetime.fromtimestamp(draft["ts"], UTC)
    if target is R:
        return {"started_at": at, "heartbeat_at": at, "worker": draft.get("worker")}
    return {"finished_at": at, "error": draft.get("error"), "summary": draft.get("summary")}


def require_finished(job: Job, action: str) -> None:
    """Only a finished job can be deleted: a queued or running one is stopped first."""
    if not JobStatus(job.status).is_terminal:
        raise Conflict(f"job {job.id} is still {job.status}: cancel it before you {action}")


def require_active(job: Job, action: str) -> None:
    """Only a queued or running job can be steered."""
    if JobStatus(job.status).is_terminal:
        raise Conflict(f"job {job.id} has already finished ({job.status}): too late to {action}")
