"""Distributed mode, API side: Celery for dispatch, Redis Streams for events, a watchdog.

- Jobs go to Celery (`gpu` or `cpu` queue by the demo's needs) as `{"job_id": ...}` in JSON.
- Each API process runs ONE Redis reader task that follows the streams of every job any of
  its websocket clients watches (XREAD over all of them) and feeds the StreamHub; clients never
  get Redis connections of their own.
- A watchdog fails running jobs whose worker stopped heartbeating (host lost, kill -9, OOM).
"""

import asyncio
import contextlib
import logging
import secrets
from datetime import timedelta
from typing import Any

import redis
import redis.asyncio as aioredis
from sqlalchemy import select, update

from backend import events
from backend.engines.base import JobEngine
from backend.events import Draft, JobStatus
from backend.settings import Settings
from backend.storage import event_log
from backend.storage.database import session_scope
from backend.storage.models import Job
from backend.streams.hub import StreamHub
from backend.streams.redis_log import RedisEventLog, RedisKeys, decode_entry
from workers.distributed import RUN_JOB_TASK, create_celery, queue_for, store
from workers.runtime import JobTicket, worker_identity

log = logging.getLogger(__name__)

READ_BLOCK_MS = 1000  # how long one XREAD waits; following a new stream wakes it at once


class DistributedEngine(JobEngine):
    mode = "distributed"

    def __init__(self, hub: StreamHub, settings: Settings) -> None:
        super().__init__(hub)
        self._settings = settings
        self._keys = RedisKeys(settings.redis_prefix)
        # Named, so `CLIENT LIST` shows which process holds which connection.
        self._client_name = f"divelab-api:{worker_identity()}"
        self._redis = redis.Redis.from_url(settings.redis_url, client_name=self._client_name)
        self._events = RedisEventLog(self._redis, settings.redis_prefix)
        self._celery = create_celery(settings)
        self._async_redis: aioredis.Redis | None = None
        # A stream of this process's own, always read: writing to it wakes the blocked XREAD
        # so that a newly followed job joins at once.
        self._wake = f"{settings.redis_prefix}reader:{secrets.token_hex(8)}"
        self._cursors: dict[str, str] = {self._wake: "0-0"}  # stream key -> last id read
        self._tasks: list[asyncio.Task] = []
        hub.on_first = self._follow
        hub.on_last = self._unfollow

    async def start(self) -> None:
        self.hub.bind(asyncio.get_running_loop())
        self._async_redis = aioredis.Redis.from_url(
            self._settings.redis_url, client_name=self._client_name
        )
        await self._async_redis.ping()
        self._tasks = [
            asyncio.create_task(self._read_streams(), name="redis-reader"),
            asyncio.create_task(self._watch_heartbeats(), name="watchdog"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._async_redis is not None:
            await self._async_redis.delete(self._wake)
            await self._async_redis.aclose()
        self._redis.close()

    # -- the API's requests ---------------------------------------------------------------

    def publish(self, job_id: str, drafts: list[Draft]) -> list[dict[str, Any]]:
        return store(self._events, job_id, drafts)

    def submit(self, ticket: JobTicket) -> None:
        self._celery.send_task(RUN_JOB_TASK, args=[ticket.job_id], queue=queue_for(ticket.demo))

    def cancel(self, job_id: str) -> None:
        with session_scope() as session:
            # Racing the worker's claim: exactly one of the two conditional updates wins.
            still_queued = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == JobStatus.queued.value)
                .values(status=JobStatus.cancelled.value)
            ).rowcount
        if still_queued:
            self.publish(
                job_id, [events.status(JobStatus.cancelled, error="Cancelled before it started.")]
            )
        else:
            self._events.request_cancel(job_id)

    def update_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        self._events.offer_params(job_id, params, version)

    async def catch_up(self, job_id: str, after: int) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._events.read_after, job_id, after)

    # -- one reader for all followed streams --------------------------------------------

    async def _follow(self, job_id: str) -> None:
        """Start following at the stream's current end; older events come from catch-up."""
        stream = self._keys.stream(job_id)
        assert self._async_redis is not None
        newest = await self._async_redis.xrevrange(stream, count=1)
        self._cursors[stream] = newest[0][0].decode() if newest else "0-0"
        await self._async_redis.xadd(self._wake, {"follow": job_id}, maxlen=10)

    async def _unfollow(self, job_id: str) -> None:
        self._cursors.pop(self._keys.stream(job_id), None)

    async def _read_streams(self) -> None:
        assert self._async_redis is not None
        while True:
            try:
                replies = await self._async_redis.xread(dict(self._cursors), block=READ_BLOCK_MS)
            except (redis.ConnectionError, redis.TimeoutError):
                log.warning("Redis unreachable; retrying the event reader in 1 s")
                await asyncio.sleep(1)
                continue
            for stream_key, entries in replies or []:
                stream = stream_key.decode()
                if stream not in self._cursors:
                    continue  # nobody watches it any more
                self._cursors[stream] = entries[-1][0].decode()
                if stream == self._wake:
                    continue
                self.hub.deliver(
                    self._keys.job_of_stream(stream),
                    [decode_entry(entry_id, fields) for entry_id, fields in entries],
                )

    # -- the heartbeat watchdog -----------------------------------------------------------

    async def _watch_heartbeats(self) -> None:
        interval = max(1.0, self._settings.heartbeat_seconds)
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(self.fail_silent_jobs)
            except Exception:
                log.exception("heartbeat watchdog failed; retrying")

    def fail_silent_jobs(self) -> None:
        timeout = self._settings.heartbeat_timeout_seconds
        cutoff = event_log.utcnow() - timedelta(seconds=timeout)
        with session_scope() as session:
            silent = session.execute(
                select(Job.id, Job.worker).where(
                    Job.status == JobStatus.running.value, Job.heartbeat_at < cutoff
                )
            ).all()
        for job_id, worker in silent:
            log.warning("job %s: worker %s silent for %ss; failing it", job_id, worker, timeout)
            self.publish(
                job_id, [events.status(JobStatus.failed, error=lost_worker(worker, timeout))]
            )


def lost_worker(worker: str | None, timeout: float) -> str:
    return (
        f"The worker running this job ({worker}) stopped responding for more than "
        f"{timeout:g} s: its machine may have been lost, or the process was killed (for "
        "example for running out of memory). Train again to retry."
    )
