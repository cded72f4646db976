"""Tables. Every schema change goes through an Alembic revision (tests fail on drift)."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

# Explicit constraint names so that migrations are reproducible across SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned in UTC (SQLite would hand them back naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        # SQLite keeps no zone: store naive UTC so stored values and comparisons agree.
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSON, datetime: UTCDateTime()}


LOCAL_OWNER = "local"  # the one user without sign-in; jobs from before classroom mode


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(
        String(32), index=True, default=LOCAL_OWNER, server_default=LOCAL_OWNER
    )
    shared: Mapped[bool] = mapped_column(default=False, server_default=false())
    demo: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    params: Mapped[dict[str, Any]]
    params_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[dict[str, Any] | None]
    worker: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[datetime | None]
    admitted_at: Mapped[datetime | None]  # handed to Celery (distributed, fair admission)
    # a fork: the run it continues and the step after which it branched (no foreign key:
    # deleting a parent leaves its forks, which hold their own copy of the snapshot)
    parent_id: Mapped[str | None] = mapped_column(String(32), index=True)
    fork_step: Mapped[int | None]


class JobEvent(Base):
    __tablename__ = "job_events"
    __table_args__ = (UniqueConstraint("job_id", "seq", name="uq_job_events_job_id_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    seq: Mapped[int]
    type: Mapped[str] = mapped_column(String(16))
    step: Mapped[int | None]
    ts: Mapped[float] = mapped_column(Float)
    payload: Mapped[dict[str, Any]]


Index("ix_job_events_job_id_type_seq", JobEvent.job_id, JobEvent.type, JobEvent.seq)


class Artifact(Base):
    __tablename__ = "artifacts"
    __table_args__ = (UniqueConstraint("job_id", "name", name="uq_artifacts_job_id_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(128))
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    created_at: Mapped[datetime]
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Snapshot(Base):
    """A job's training state after `step` steps (`workers.kit.state`): what a fork starts
    from. Kept out of the event log, bounded per job (`core.store.snapshots`)."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("job_id", "step", name="uq_snapshots_job_id_step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    step: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime]
    content: Mapped[bytes] = mapped_column(LargeBinary)


class UploadedImage(Base):
    """An image a learner uploaded, stored in the database so workers on any host can read it."""

    __tablename__ = "images"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_id: Mapped[str] = mapped_column(
        String(32), index=True, default=LOCAL_OWNER, server_default=LOCAL_OWNER
    )
    name: Mapped[str] = mapped_column(String(255))  # the uploaded file's name, for display
    media_type: Mapped[str] = mapped_column(String(32))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(index=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)


class Classroom(Base):
    """A class an instructor teaches: learners join it by its invite code until it expires,
    is revoked or ends; its limits bound each learner's share."""

    __tablename__ = "classes"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    instructor_id: Mapped[str] = mapped_column(String(32), index=True)
    code: Mapped[str | None] = mapped_column(String(16), unique=True)  # None: revoked
    created_at: Mapped[datetime]
    invite_expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    limits: Mapped[dict[str, Any]]
    # The demo settings pushed to every learner's form: {"demo", "params", "pushed_at"}.
    preset: Mapped[dict[str, Any] | None]


class User(Base):
    """An instructor (signs in with a password) or a learner of a class (joins by invite,
    comes back with a PIN)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("class_id", "name", name="uq_users_class_id_name"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))  # instructor | learner
    class_id: Mapped[str | None] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )
    password_hash: Mapped[str | None] = mapped_column(Text)  # instructors
    pin_hash: Mapped[str | None] = mapped_column(Text)  # learners who chose a PIN
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class Credential(Base):
    """A browser session (cookie) or a personal API token (Bearer): only a hash of the secret
    is kept, so a stolen database signs nobody in."""

    __tablename__ = "credentials"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # session | token
    name: Mapped[str | None] = mapped_column(String(100))  # a token's, shown in its list
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
