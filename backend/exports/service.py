"""The logic behind the export routes. Blocking (database) code: routes call it in a thread."""

import base64
from dataclasses import dataclass

from backend.exports.notebook import notebook_json
from backend.exports.script import RunRecord, record_of, script
from core.builtin_images import BUILTINS
from core.callers import Caller
from core.demo_spec import DemoSpec
from core.errors import Conflict
from core.events import JobStatus
from core.store import events as event_store
from core.store import images, jobs
from core.store.database import Database
from core.store.models import Job
from workers.demos import CATALOGUE


@dataclass(frozen=True)
class Export:
    filename: str
    content: str


class Exports:
    def __init__(self, database: Database) -> None:
        self.database = database

    def script(self, caller: Caller, job_id: str) -> Export:
        spec, record = self.record(caller, job_id)
        return Export(f"{spec.id.replace('-', '_')}_{job_id}.py", script(spec, record))

    def notebook(self, caller: Caller, job_id: str) -> Export:
        spec, record = self.record(caller, job_id)
        return Export(f"{spec.id.replace('-', '_')}_{job_id}.ipynb", notebook_json(spec, record))

    def record(self, caller: Caller, job_id: str) -> tuple[DemoSpec, RunRecord]:
        """A finished run's params, live changes, metrics and uploaded images."""
        with self.database.session() as session:
            job = jobs.get(session, caller, job_id)
            refuse_export(job)
            events = event_store.read(session, job_id, types=["params", "metric"])
            spec = CATALOGUE[job.demo]
            uploads = {}
            for image_id in uploaded_images(spec, job.params):
                found = images.content(session, image_id)
                if found is not None:
                    uploads[image_id] = base64.b64encode(found[0]).decode("ascii")
        return spec, record_of(job_id, events, uploads)


def refuse_export(job: Job) -> None:
    if job.parent_id is not None:
        raise Conflict(
            f"Run {job.id} is a fork: it continued a snapshot of run {job.parent_id}, which a "
            "script cannot rebuild. Export the run it came from, or start this one afresh."
        )
    if job.status != JobStatus.succeeded:
        raise Conflict(
            f"Run {job.id} is {job.status}: only a run that trained to its end exports, so "
            "that the script can be checked against all of its metrics."
        )


def uploaded_images(spec: DemoSpec, params: dict) -> list[str]:
    """The ids of the learner's uploads among a run's image params."""
    properties = spec.params_schema.get("properties", {})
    return [
        value
        for name, value in params.items()
        if properties.get(name, {}).get("widget") == "image" and value not in BUILTINS
    ]
