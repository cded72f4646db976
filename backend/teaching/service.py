"""The instructor's class tools: push a preset to every learner's form (and start it for
all), stop every run of the class, and the rows of the live grid."""

from dataclasses import dataclass
from typing import Any

from backend.accounts.schemas import ClassPreset
from backend.accounts.service import Accounts, caller_of
from backend.jobs.service import JobService, unknown_demo
from backend.teaching.schemas import PresetOutcome, Refusal, StopOutcome
from core.callers import Caller
from core.errors import Conflict, DiveLabError, InvalidInput
from core.store import accounts as accounts_store
from core.store import classroom as store
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import Job, User
from workers.demos import CATALOGUE


@dataclass(frozen=True)
class LearnerRun:
    """A learner and their newest run of the grid's demo (job fields None: no run yet)."""

    learner_id: str
    name: str
    job_id: str | None = None
    status: str | None = None
    params: dict[str, Any] | None = None
    error: str | None = None

    @classmethod
    def of(cls, learner: User, job: Job | None) -> "LearnerRun":
        if job is None:
            return cls(learner.id, learner.name)
        return cls(learner.id, learner.name, job.id, job.status, job.params, job.error)


class Teaching:
    def __init__(self, database: Database, accounts: Accounts, jobs: JobService) -> None:
        self.database = database
        self.accounts = accounts
        self.jobs = jobs

    def push_preset(
        self, caller: Caller, class_id: str, demo: str, params: dict[str, Any], start: bool
    ) -> PresetOutcome:
        spec = CATALOGUE.get(demo)
        if spec is None:
            raise unknown_demo(demo)
        try:
            spec.validate(params)
        except InvalidInput as error:
            raise error.under("params") from None
        with self.database.session() as session:
            classroom = self.accounts.own_class(session, caller, class_id)
            if classroom.ended_at is not None:
                raise Conflict("This class has ended.")
            learners = accounts_store.learners(session, class_id)
        started, refused = [], []
        for learner in learners if start else []:
            try:
                started.append(self.jobs.create(caller_of(learner), demo, params).id)
            except DiveLabError as error:
                refused.append(Refusal(learner=learner.name, reason=error.detail))
        # Stored once the runs exist: a learner's page that sees the preset finds its run too.
        preset = ClassPreset(demo=demo, params=params, pushed_at=utcnow())
        with self.database.session() as session:
            self.accounts.own_class(session, caller, class_id).preset = preset.model_dump(
                mode="json"
            )
        return PresetOutcome(preset=preset, started=started, refused=refused)

    def clear_preset(self, caller: Caller, class_id: str) -> None:
        with self.database.session() as session:
            self.accounts.own_class(session, caller, class_id).preset = None

    def stop_all(self, caller: Caller, class_id: str) -> StopOutcome:
        with self.database.session() as session:
            self.accounts.own_class(session, caller, class_id)
            active = store.active_jobs_of_class(session, class_id)
        cancelled = 0
        for job_id in active:
            try:
                self.jobs.cancel(caller, job_id)
                cancelled += 1
            except Conflict:
                pass  # it finished meanwhile
        return StopOutcome(cancelled=cancelled)

    def check_grid(self, caller: Caller, class_id: str, demo: str) -> None:
        """NotFound unless the caller teaches the class and the demo exists."""
        if demo not in CATALOGUE:
            raise unknown_demo(demo)
        with self.database.session() as session:
            self.accounts.own_class(session, caller, class_id)

    def latest_runs(self, class_id: str, demo: str) -> list[LearnerRun]:
        with self.database.session() as session:
            rows = store.learners_with_latest_run(session, class_id, demo)
            return [LearnerRun.of(learner, job) for learner, job in rows]

    def metrics_after(self, cursors: dict[str, int]) -> list[dict[str, Any]]:
        with self.database.session() as session:
            return store.metrics_after(session, cursors)
