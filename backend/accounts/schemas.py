"""Request and response bodies of sign-in, classes and tokens."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.quotas import ClassLimits

Name = Field(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Name
    password: str = Field(min_length=1, max_length=200)


class Join(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    code: str = Field(min_length=4, max_length=16, pattern=r"^[A-Za-z0-9]+$")
    name: str = Name
    pin: str | None = Field(
        default=None,
        min_length=4,
        max_length=12,
        pattern=r"^[0-9]+$",
        description="Digits that let the learner come back under this name on another device.",
    )


class ClassCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")
    limits: ClassLimits = Field(default_factory=ClassLimits, description="Each learner's share.")


class Roster(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    names: list[str] = Field(min_length=1, max_length=200)


class ClassPreset(BaseModel):
    """Demo settings an instructor pushed: they appear in every learner's form."""

    demo: str
    params: dict[str, Any]
    pushed_at: datetime


class ClassOut(BaseModel):
    id: str
    name: str
    code: str | None = Field(description="The invite code; null once revoked.")
    invite_url: str | None = Field(description="The page a learner opens to join.")
    expires_at: datetime = Field(description="When the invite stops working.")
    ended: bool
    limits: ClassLimits
    preset: ClassPreset | None = Field(description="The settings pushed to the learners' forms.")


class LearnerOut(BaseModel):
    id: str
    name: str
    has_pin: bool


class ClassDetail(ClassOut):
    learners: list[LearnerOut]


class Usage(BaseModel):
    running: int
    queued: int
    worker_minutes_today: float
    uploads: int
    upload_megabytes: float


class Me(BaseModel):
    id: str
    name: str
    role: Literal["local", "instructor", "learner"]
    class_id: str | None
    auth: Literal["none", "classroom"] = Field(description="The server's mode.")
    limits: ClassLimits | None = Field(description="A learner's limits; null: none.")
    usage: Usage | None = Field(description="What a learner uses of them now.")
    preset: ClassPreset | None = Field(
        description="The demo settings a learner's instructor pushed to their form; null: none."
    )


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f]+$")


class TokenOut(BaseModel):
    id: str
    name: str | None
    created_at: datetime


class NewToken(BaseModel):
    id: str
    token: str = Field(description="Shown this once; send it as `Authorization: Bearer TOKEN`.")
