"""Distributed mode, worker side: the Celery task that runs one job, and the worker command.

Celery carries only `[job_id]` as JSON; the worker claims the job by publishing its `running`
status, which the lifecycle admits only from `queued`, so a redelivered or duplicated task
message finds the job already claimed (or cancelled) and does nothing: a job never runs
twice. The params in force (changes made while it was queued included) are read after the
claim. Events go to the job's Redis stream and to the database (`core.redis_log`); live
params and cancel are read from Redis at step boundaries; a heartbeat thread stamps the job
row so the API can tell a lost worker from a slow step.
"""

import argparse
import logging
import threading
import time
from typing import Any

import redis
from celery import Celery, signals

from core import events
from core.channel import Control, JobTicket, worker_identity
from core.dispatch import RUN_JOB_TASK, create_celery
from core.events import Draft, JobStatus
from core.images import ImageLibrary
from core.redis_log import RedisEventLog, RedisPublisher
from core.settings import Settings, get_settings
from core.store import artifacts, jobs, snapshots
from core.store.database import Database
from core.store.lifecycle import Lifecycle
from core.store.snapshots import SnapshotLibrary
from core.store.thinning import FrameThinning
from workers.context import JobResources
from workers.runtime import cpu_threads_per_worker, prepare_process, resolve_device, run_job

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.025  # events are batched this long at most before they reach readers
CONTROL_POLL_SECONDS = 0.02  # at most one Redis round trip per 20 ms of steps


class WorkerProcess:
    """What one Celery pool process holds: its database, Redis client and resources."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.database = Database.of(settings)
        self.redis = redis.Redis.from_url(
            settings.redis_url, client_name=f"divelab-worker:{worker_identity()}"
        )
        self.publisher = RedisPublisher(
            self.database, Lifecycle(), RedisEventLog(self.redis, settings.redis_prefix)
        )
        prepare_process(settings.device, cpu_threads_per_worker(settings.worker_concurrency))
        self.resources = JobResources(
            settings,
            ImageLibrary(self.database),
            SnapshotLibrary(self.database),
            resolve_device(settings.device),
        )

    def run(self, job_id: str) -> None:
        ticket = self.claim(job_id)
        if ticket is None:
            log.info("job %s is no longer queued (cancelled, or already claimed): skipping", job_id)
            return
        thinning = FrameThinning(self.settings.frames_kept_per_name)
        channel = RedisChannel(
            self.publisher, self.database, job_id, thinning, snapshots.Bounds.of(self.settings)
        )
        heartbeat = Heartbeat(self.database, job_id, self.settings.heartbeat_seconds)
        heartbeat.start()
        try:
            run_job(ticket, channel, self.resources)
        finally:
            channel.flush()
            heartbeat.stop()

    def claim(self, job_id: str) -> JobTicket | None:
        """queued -> running, or None when the lifecycle refuses (cancelled, claimed)."""
        running = events.status(JobStatus.running, worker=worker_identity())
        if not self.publisher.publish(job_id, [running]):
            return None
        with self.database.session() as session:
            job = jobs.load(session, job_id)
            return JobTicket.of(job)


class RedisChannel:
    """Batches events for up to FLUSH_SECONDS; status and params events go out at once."""

    def __init__(
        self,
        publisher: RedisPublisher,
        database: Database,
        job_id: str,
        thinning: FrameThinning,
        snapshot_bounds: snapshots.Bounds,
    ) -> None:
        self._publisher = publisher
        self._database = database
        self._job_id = job_id
        self._thinning = thinning
        self._snapshot_bounds = snapshot_bounds
        self._snapshot_requests = 0
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
            self._publisher.publish(self._job_id, drafts, thinning=self._thinning)

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        with self._database.session() as session:
            artifacts.save(session, self._job_id, name, media_type, content)

    def save_snapshot(self, step: int, content: bytes) -> None:
        with self._database.session() as session:
            snapshots.save(session, self._job_id, step, content, self._snapshot_bounds)

    def poll(self) -> Control:
        now = time.monotonic()
        if self._buffer and now - self._buffered_since >= FLUSH_SECONDS:
            self.flush()
        if now < self._next_poll:
            return Control(cancel=self._last.cancel)
        self._next_poll = now + CONTROL_POLL_SECONDS
        controls = self._publisher.log.controls(self._job_id)
        snapshot = controls.snapshot_requests > self._snapshot_requests
        self._snapshot_requests = controls.snapshot_requests
        params, version = controls.params, controls.version
        if params is not None and version is not None and version > self._version:
            self._version = version
            self._last = Control(params, version, controls.cancel, snapshot)
        else:
            self._last = Control(cancel=controls.cancel, snapshot=snapshot)
        return self._last


class Heartbeat:
    """Stamps `jobs.heartbeat_at` from a thread, so long steps do not look like a lost host."""

    def __init__(self, database: Database, job_id: str, interval: float) -> None:
        self._database = database
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
                with self._database.session() as session:
                    jobs.stamp_heartbeat(session, self._job_id)
            except Exception:  # a database hiccup must not kill the job; the next beat retries
                log.exception("heartbeat for job %s failed", self._job_id)


# -- the Celery app and its pool processes ---------------------------------------------------

_process: WorkerProcess | None = None


@signals.worker_process_init.connect
def _start_process(**_: Any) -> None:
    """Each pool process: its own database connections (never shared across fork), torch."""
    global _process
    _process = WorkerProcess(get_settings())


def run_job_task(job_id: str) -> None:
    assert _process is not None, "worker_process_init did not run"
    _process.run(job_id)


def worker_app(settings: Settings) -> Celery:
    app = create_celery(settings)
    app.task(name=RUN_JOB_TASK, ignore_result=True)(run_job_task)
    return app


def main(argv: list[str] | None = None) -> None:
    """`divelab worker`: a Celery worker for the distributed mode."""
    parser = argparse.ArgumentParser(prog="divelab worker", description=main.__doc__)
    parser.add_argument("--queues", help="comma-separated: gpu, cpu (default both)")
    parser.add_argument("--concurrency", type=int, help="jobs at once (default 1)")
    args = parser.parse_args(argv)
    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit("divelab worker needs DIVELAB_REDIS_URL (the distributed mode).")
    worker_app(settings).worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--queues={args.queues or settings.worker_queues}",
            f"--concurrency={args.concurrency or settings.worker_concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )
