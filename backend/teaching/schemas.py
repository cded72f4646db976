"""Request and response bodies of the instructor's class tools."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from backend.accounts.schemas import ClassPreset


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


class Refusal(BaseModel):
    learner: str
    reason: str


class PresetOutcome(BaseModel):
    preset: ClassPreset
    started: list[str] = Field(description="The runs started for learners (job ids).")
    refused: list[Refusal] = Field(description="Learners whose run could not start, and why.")


class StopOutcome(BaseModel):
    cancelled: int = Field(description="How many queued or running jobs were stopped.")
