"""Request and response bodies of the instructor's class tools."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PresetPush(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    demo: str = Field(min_length=1, max_length=64, description="A demo id from GET /api/demos.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Any subset of the demo's params; defaults fill in."
    )
    start: bool = Field(
        default=False,
        description="Also start a run with these params for every learner (their limits apply).",
    )


class Preset(BaseModel):
    """Demo settings an instructor pushed: they appear in every learner's form."""

    demo: str
    params: dict[str, Any]
    pushed_at: datetime


class Refusal(BaseModel):
    learner: str
    reason: str


class PresetOutcome(BaseModel):
    preset: Preset
    started: list[str] = Field(description="The runs started for learners (job ids).")
    refused: list[Refusal] = Field(description="Learners whose run could not start, and why.")


class StopOutcome(BaseModel):
    cancelled: int = Field(description="How many queued or running jobs were stopped.")
