"""Request and response bodies of the jobs API."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from core.events import Event, JobStatus


class JobCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "demo": "gradient-descent",
                    "params": {"function": "quadratic", "optimizers": [{"name": "gd", "lr": 0.1}]},
                }
            ]
        },
    )

    demo: str = Field(description="A demo id from GET /api/demos.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Any subset of the demo's params; defaults fill in."
    )


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    demo: str
    status: JobStatus
    params: dict[str, Any] = Field(description="The params in force, live changes included.")
    params_version: int
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None = Field(description="Why the job failed or diverged, in plain words.")
    summary: dict[str, Any] | None = Field(description="The demo's final results.")
    worker: str | None = Field(description="host:pid of the worker that ran the job.")
    owner_id: str = Field(description="Who started it (`local` without sign-in).")
    shared: bool = Field(description="Whether the owner's classmates may watch it.")
    parent_id: str | None = Field(
        default=None, description="A fork: the run it continues (which may since be deleted)."
    )
    fork_step: int | None = Field(
        default=None,
        description="A fork: the parent's step it branched after; its own events begin there.",
    )


class ForkCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"step": 300, "params": {"lr": 0.05}}]},
    )

    step: int | None = Field(
        ge=0,
        le=10**9,
        description="Fork after this step, from the nearest snapshot at or before it; null: "
        "a running job now (its next step boundary), a finished one from its last step.",
    )
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Changes to the params in force at the snapshot: live params and those "
        "the demo marks `forkable`, not the model's shape.",
    )


class SnapshotOut(BaseModel):
    step: int = Field(description="The training state after this many steps.")
    size: int = Field(description="Bytes.")
    created_at: datetime


class SnapshotList(BaseModel):
    snapshots: list[SnapshotOut]
    every: int = Field(description="Steps between two snapshots while the job runs.")
    forkable_params: list[str] = Field(description="Params a fork of this demo may change.")


class LineageNode(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    parent_id: str | None
    fork_step: int | None
    status: JobStatus
    created_at: datetime
    params: dict[str, Any]


class Lineage(BaseModel):
    """A run's family: the runs it descends from and every fork below them, that the caller
    may see (a deleted run's forks keep their `parent_id`)."""

    root_id: str
    nodes: list[LineageNode]


class QueuePlace(BaseModel):
    """Where a waiting job stands; every field but `status` is null once it is not waiting."""

    status: JobStatus
    position: int | None = Field(description="1: it starts at the next free worker slot.")
    waiting: int | None = Field(description="Jobs waiting in all, this one included.")
    estimated_wait_seconds: float | None = Field(
        description="An estimate from the recent run times of each demo, not a promise."
    )


class ShareChange(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    shared: bool = Field(description="Whether the owner's classmates may watch the run.")


class JobPage(BaseModel):
    items: list[JobOut]
    total: int
    limit: int
    offset: int


class ParamsUpdateOut(BaseModel):
    params: dict[str, Any]
    version: int = Field(
        description="Matches the `version` of the `params` event that "
        "reports when the worker applied the change."
    )


class EventPage(BaseModel):
    events: list[Event]
    next_after: int = Field(description="Pass as `after` to read the events that follow.")


class MetricSeries(BaseModel):
    steps: list[int]
    values: list[float]
    total_points: int = Field(description="Points in the full-resolution series.")


class ArtifactOut(BaseModel):
    name: str
    media_type: str
    size: int
    created_at: datetime
    url: str
