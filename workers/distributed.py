"""Distributed mode, worker side: a Celery task that runs one job.

Celery carries only `{"job_id": ...}` as JSON; everything else comes from the database when the
worker claims the job. The claim is a conditional UPDATE (queued -> running), so a redelivered
or duplicated task message finds the job already claimed and does nothing: a job never runs
twice. Events go to the job's Redis stream and to the database (see backend/streams/redis_log);
live params and cancel are read from Redis at step boundaries; a heartbeat thread stamps the
job row so the API can tell a lost worker from a slow step.
"""

import logging
import threading
import time
from typing import Any

import redis
from celery import Celery, signals
from sqlalchemy import update

from backend.events import Draft, JobStatus
from backend.settings import Settings, get_settings
from backend.storage import event_log
from backend.storage.database import get_engine, session_scope
from backend.storage.models import Job
from backend.streams.redis_log import RedisEventLog
from workers.context import Control
from workers.demos import CATALOGUE
from workers.runtime import (
    JobTicket,
    cpu_threads_per_worker,
    prepare_process,
    resolve_device,
    run_job,
    worker_identity,
)

log = logging.getLogger(__name__)

RUN_JOB_TASK = "divelab.run_job"
FLUSH_SECONDS = 0.025  # events are batched this long at most before they reach readers
CONTROL_POLL_SECONDS = 0.02  # at most one Redis round trip per 20 ms of steps


def queue_for(demo: str) -> str:
    return "gpu" if CATALOGUE[demo].needs_gpu else "cpu"


def create_celery(settings: Settings) -> Celery:
    app = Celery("divelab", broker=settings.redis_url, set_as_current=False)
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],  # never pickle
        task_ignore_result=True,
        # One job per worker process at a time, acknowledged when it ends: a worker busy with
        # a long job reserves nothing else, and a message is not lost if a worker dies before
        # claiming it. Redelivery (e.g. after the visibility timeout of a very long job) is
        # harmless because of the claim.
        task_acks_late=True,
        task_reject_on_worker_lost=False,
        worker_prefetch_multiplier=1,
        broker_transport_options={
            "global_keyprefix": settings.redis_prefix,
            "visibility_timeout": 12 * 3600,
        },
        broker_connection_retry_on_startup=True,
        task_default_queue="cpu",
        worker_hijack_root_logger=False,
    )
    app.task(name=RUN_JOB_TASK, ignore_result=True)(run_job_task)
    return app


# -- the task -------------------------------------------------------------------------------


def run_job_task(job_id: str) -> None:
    settings = get_settings()
    ticket = claim(job_id)
    if ticket is None:
        log.info("job %s is no longer queued (cancelled, or already claimed): skipping", job_id)
        return
    client = redis.Redis.from_url(
        settings.redis_url, client_name=f"divelab-worker:{worker_identity()}"
    )
    channel = RedisChannel(RedisEventLog(client, settings.redis_prefix), job_id)
    heartbeat = Heartbeat(job_id, settings.heartbeat_seconds)
    heartbeat.start()
    try:
        run_job(ticket, channel, _device, str(settings.data_dir))
    finally:
        channel.flush()
        heartbeat.stop()
        client.close()


def claim(job_id: str) -> JobTicket | None:
    """queued -> running, atomically; the ticket with the params in force, or None."""
    now = event_log.utcnow()
    with session_scope() as session:
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.queued.value)
            .values(
                status=JobStatus.running.value,
                started_at=now,
                heartbeat_at=now,
                worker=worker_identity(),
            )
        ).rowcount
        if not claimed:
            return None
        job = session.get(Job, job_id)
        return JobTicket(job.id, job.demo, job.params, job.params_version)


class RedisChannel:
    """Batches events for up to FLUSH_SECONDS; status and params events go out at once."""

    def __init__(self, events: RedisEventLog, job_id: str) -> None:
        self._events = events
        self._job_id = job_id
        self._buffer: list[Draft] = []
        self._buffered_since = 0.0
        self._next_poll = 0.0
        self._last = Control()
        self._version = 0

    def emit(self, draft: Draft) -> None:
        if not self._buffer:
            self._buffered_since = time.monotonic()
        self._buffer.append(draft)
        urgent = draft["type"] in ("status", "params", "log")
        if urgent or time.monotonic() - self._buffered_since >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        drafts, self._buffer = self._buffer, []
        if drafts:
            store(self._events, self._job_id, drafts)

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        with session_scope() as session:
            event_log.save_artifact(session, self._job_id, name, media_type, content)

    def poll(self) -> Control:
        now = time.monotonic()
        if self._buffer and now - self._buffered_since >= FLUSH_SECONDS:
            self.flush()
        if now < self._next_poll:
            return Control(cancel=self._last.cancel)
        self._next_poll = now + CONTROL_POLL_SECONDS
        params, version, cancel = self._events.controls(self._job_id)
        if params is not None and version is not None and version > self._version:
            self._version = version
            self._last = Control(params=params, version=version, cancel=cancel)
        else:
            self._last = Control(cancel=cancel)
        return self._last


def store(events: RedisEventLog, job_id: str, drafts: list[Draft]) -> list[dict[str, Any]]:
    """Number drafts in Redis, then keep them in the database (status updates the job row)."""
    numbered = events.append(job_id, drafts)
    if numbered:
        with session_scope() as session:
            event_log.append(session, job_id, numbered)
    return numbered


class Heartbeat:
    """Stamps `jobs.heartbeat_at` from a thread, so long steps do not look like a lost host."""

    def __init__(self, job_id: str, interval: float) -> None:
        self._job_id = job_id
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self._interval)

    def _beat(self) -> None:
        while not self._stop.wait(self._interval):
            try:
                with session_scope() as session:
                    session.execute(
                        update(Job)
                        .where(Job.id == self._job_id)
                        .values(heartbeat_at=event_log.utcnow())
                    )
            except Exception:  # a database hiccup must not kill the job; the next beat retries
                log.exception("heartbeat for job %s failed", self._job_id)


# -- worker process set-up ------------------------------------------------------------------

_device = "cpu"


@signals.worker_process_init.connect
def _warm_up(**_: Any) -> None:
    """Each pool process: fresh DB connections (never shared across fork), torch imported."""
    global _device
    settings = get_settings()
    get_engine().dispose(close=False)
    prepare_process(settings.device, cpu_threads_per_worker(settings.worker_concurrency))
    _device = resolve_device(settings.device)
