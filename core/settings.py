"""Every setting DiveLab reads, in one place. Environment variables use the `DIVELAB_` prefix."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from core.downloads import VGG19_WEIGHTS_URL


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIVELAB_", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path(user_data_dir("divelab")),
        description="Where the SQLite database, downloaded datasets and model weights live.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host:5432/db. "
        "Unset: a SQLite file in DATA_DIR.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Set to run distributed (Celery workers, Redis event streams). "
        "Unset: embedded.",
    )
    redis_prefix: str = Field(
        default="divelab:",
        description="Prefix of every Redis key DiveLab and its Celery queues use, so several "
        "installations (or test runs) can share one Redis.",
    )
    datasets_mirror: str | None = Field(
        default=None,
        description="Base URL serving `<dataset id>/<file name>` in place of the public "
        "mirrors of MNIST, Fashion-MNIST, The Time Machine and PTB (a local copy).",
    )
    vgg19_weights_url: str = Field(
        default=VGG19_WEIGHTS_URL,
        description="Where style transfer downloads VGG19's weights (a mirror may serve the "
        "same file; it is checked against the hash in its name).",
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins of web UIs served elsewhere that may call this API, as JSON: "
        '["https://lab.example.org"]. Empty: only the UI this server serves.',
    )
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=2, ge=1, description="Size of the local worker pool (embedded).")
    api_processes: int = Field(
        default=1,
        ge=1,
        le=64,
        description="API processes `divelab serve` runs (distributed mode only: the embedded "
        "mode's one process sequences every job's events). Each has its own Redis reader.",
    )
    device: Literal["auto", "cpu", "cuda"] = Field(
        default="auto", description="Where demos train: auto picks CUDA when a GPU is visible."
    )
    worker_concurrency: int = Field(
        default=1, ge=1, description="Jobs one `divelab worker` runs at once (distributed)."
    )
    worker_queues: str = Field(
        default="gpu,cpu",
        description="Celery queues a `divelab worker` takes jobs from: `gpu` (demos that want "
        "a GPU) and/or `cpu` (light demos).",
    )
    heartbeat_seconds: float = Field(
        default=3.0, gt=0, description="How often a worker tells that its running job is alive."
    )
    heartbeat_timeout_seconds: float = Field(
        default=15.0,
        gt=0,
        description="Silence after which a running job is failed as lost, and (embedded) its "
        "hung worker process is killed and replaced.",
    )
    stream_heartbeat_seconds: float = Field(
        default=10.0, gt=0, description="Idle time after which a websocket gets a heartbeat."
    )
    stream_batch_seconds: float = Field(
        default=0.1,
        gt=0,
        le=1,
        description="How often a batched websocket viewer (the UI) gets what is queued for it.",
    )
    stream_client_queue: int = Field(
        default=2000,
        ge=10,
        description="Events buffered per websocket client before a slow client is disconnected.",
    )

    auth: Literal["none", "classroom"] = Field(
        default="none",
        description="`none`: one local user, no sign-in (a laptop). `classroom`: instructors "
        "sign in, learners join a class by invite, each learner's runs are their own.",
    )
    session_hours: float = Field(
        default=12, gt=0, le=24 * 90, description="How long a browser session lasts (classroom)."
    )
    invite_days: float = Field(
        default=7, gt=0, le=365, description="How long a class's invite code works (classroom)."
    )
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names this server answers to, as JSON: "
        '["lab.example.org"]. Always allowed: 127.0.0.1, localhost, ::1 and DIVELAB_HOST. '
        "Other Host headers (DNS rebinding) get 400.",
    )
    max_request_bytes: int = Field(
        default=1_000_000, ge=1024, description="Largest request body but uploads, in bytes."
    )
    max_upload_bytes: int = Field(
        default=10 * 1024 * 1024, ge=1024, description="Largest image upload, in bytes."
    )
    upload_decoders: int = Field(
        default=2, ge=1, le=64, description="Uploaded images decoded at once; others wait."
    )
    max_uploads: int = Field(default=1000, ge=1, description="Uploaded images kept at most.")
    max_upload_storage_bytes: int = Field(
        default=1024**3, ge=1024 * 1024, description="Bytes of uploaded images kept at most."
    )
    admission_window: int = Field(
        default=2,
        ge=1,
        le=1000,
        description="Jobs handed to Celery and not yet claimed by a worker, at most "
        "(distributed): the rest wait in the database, to start fairly across learners.",
    )
    max_queued_jobs: int = Field(
        default=100,
        ge=1,
        description="Jobs waiting for a worker at most; beyond, new jobs get 429 and Retry-After.",
    )
    snapshots_per_job: int = Field(
        default=24,
        ge=2,
        le=10_000,
        description="Snapshots of a job's training state kept at most (for forks): past it, "
        "the oldest are thinned; the first and the last are always kept.",
    )
    snapshot_bytes_per_job: int = Field(
        default=256 * 1024**2,
        ge=1024 * 1024,
        description="Bytes of snapshots kept per job at most, thinned the same way.",
    )
    frames_kept_per_name: int = Field(
        default=400,
        ge=2,
        description="Frames of one name a job keeps in its stored event log, evenly spread over "
        "the run (first and latest always kept); live viewers see every frame.",
    )
    retention_days: float = Field(
        default=90,
        ge=0,
        description="Finished jobs older than this are deleted with their events and artifacts; "
        "0 keeps them forever.",
    )
    max_streams: int = Field(
        default=2000, ge=1, description="Open websocket streams per API process at most."
    )

    @model_validator(mode="after")
    def _one_process_when_embedded(self) -> "Settings":
        if self.api_processes > 1 and not self.redis_url:
            raise ValueError(
                "DIVELAB_API_PROCESSES > 1 needs the distributed mode (DIVELAB_REDIS_URL): "
                "in the embedded mode one process sequences every job's events"
            )
        return self

    @property
    def mode(self) -> Literal["embedded", "distributed"]:
        return "distributed" if self.redis_url else "embedded"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'divelab.sqlite3'}"

    @property
    def has_external_database(self) -> bool:
        """A database DiveLab does not own: its schema is upgraded by `divelab migrate`."""
        return self.database_url is not None

    def ensure_data_dir(self) -> Path:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return self.data_dir

    def as_environment(self) -> dict[str, str]:
        """These settings as DIVELAB_* variables, for a process that should read the same."""
        values = self.model_dump(mode="json", exclude_none=True)
        return {
            f"DIVELAB_{name.upper()}": value if isinstance(value, str) else json.dumps(value)
            for name, value in values.items()
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
