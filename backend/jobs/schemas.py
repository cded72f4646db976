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
