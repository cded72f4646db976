"""Distributed mode, API side: Celery for dispatch, Redis Streams for events, a watchdog.

- Jobs go to Celery (`gpu` or `cpu` queue by the demo's needs) as `[job_id]` in JSON.
- Events the API produces (`queued`, `cancelled` before a start, a lost worker's `failed`) go
  through the same `RedisPublisher` as a worker's: lifecycle, Redis, database.
- Each API process runs ONE Redis reader task that follows the streams of every job any of
  its websocket clients watches (XREAD over all of them) and feeds the StreamHub; clients never
  get Redis connections of their own.
- A watchdog fails running jobs whose worker stopped heartbeating (host lost, kill -9, OOM).
"""

import asyncio
import contextlib
import logging
import secrets
from collections import Counter
from datetime import timedelta
from typing import Any

import redis
import redis.asyncio as aioredis

from backend.engines.base import JobEngine, silent_worker
from backend.streams.hub import StreamHub
from core import events
from core.channel import JobTicket, worker_identity
from core.dispatch import RUN_JOB_TASK, create_celery, queue_for
from core.events import Draft, JobStatus
from core.quotas import next_to_start
from core.redis_log import RedisEventLog, RedisKeys, RedisPublisher, decode_entry
from core.settings import Settings
from core.store import jobs, quotas
from core.store.database import Database
from core.store.lifecycle import Lifecycle, utcnow
from core.store.models import Job
from workers.demos import CATALOGUE

log = logging.getLogger(__name__)

ADMIT_EVERY_SECONDS = 0.25
READ_BLOCK_MS = 1000  # how long one XREAD waits; following a new stream wakes it at once


class DistributedEngine(JobEngine):
    mode = "distributed"

    def __init__(
        self, hub: StreamHub, settings: Settings, database: Database, lifecycle: Lifecycle
    ) -> None:
        super().__init__(hub)
        self._settings = settings
        self._database = database
        self._keys = RedisKeys(settings.redis_prefix)
        # Named, so `CLIENT LIST` shows which process holds which connection.
        self._client_name = f"divelab-api:{worker_identity()}"
        self._redis = redis.Redis.from_url(settings.redis_url, client_name=self._client_name)
        self._events = RedisEventLog(self._redis, settings.redis_prefix)
        self._publisher = RedisPublisher(database, lifecycle, self._events)
        self._celery = create_celery(settings)
        self._async_redis: aioredis.Redis | None = None
        # A stream of this process's own, always read: writing to it wakes the blocked XREAD
        # so that a newly followed job joins at once.
        self._wake = f"{settings.redis_prefix}reader:{secrets.token_hex(8)}"
        self._cursors: dict[str, str] = {self._wake: "0-0"}  # stream key -> last id read
        self._tasks: list[asyncio.Task] = []
        hub.on_first = self._follow
        hub.on_last = self._unfollow

    @property
    def slots(self) -> None:
        return None  # Celery workers come and go on other hosts

    async def start(self) -> None:
        self.hub.bind(asyncio.get_running_loop())
        self._async_redis = aioredis.Redis.from_url(
            self._settings.redis_url, client_name=self._client_name
        )
        await self._async_redis.ping()
        self._loop = asyncio.get_running_loop()
        self._admit_now = asyncio.Event()
        self._tasks = [
            asyncio.create_task(self._read_streams(), name="redis-reader"),
            asyncio.create_task(self._watch_heartbeats(), name="watchdog"),
            asyncio.create_task(self._admit(), name="admission"),
        ]

    async def stop(self) -> None:
        await self.hub.close()
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

    def create(self, job: Job) -> None:
        self._publisher.create(job)

    def publish(
        self, job_id: str, drafts: list[Draft], *, only_from: JobStatus | None = None
    ) -> list[dict[str, Any]]:
        return self._publisher.publish(job_id, drafts, only_from=only_from)

    def submit(self, ticket: JobTicket, owner_id: str) -> None:
        """The job waits in the database until admission hands it to Celery (fairly)."""
        self._loop.call_soon_threadsafe(self._admit_now.set)

    def admit_fairly(self) -> list[str]:
        """Hand queued jobs to Celery, the next by `core.quotas.next_to_start`, while fewer
        than DIVELAB_ADMISSION_WINDOW wait there unclaimed: Celery's own queue stays short, so
        a learner's ten jobs never stand in front of another's one. Sent inside the
        transaction, so a crash leaves a job unadmitted (retried), never lost."""
        admitted: list[str] = []
        with self._database.session() as session:
            quotas.lock_admission(session)
            free = self._settings.admission_window - len(quotas.queued(session, admitted=True))
            waiting = quotas.queued(session, admitted=False) if free > 0 else []
            if not waiting:
                return admitted
            running = Counter(quotas.running_by_owner(session))
            last_started = quotas.last_started_by_owner(session)
            running_limit = {
                owner: limits.running if (limits := quotas.limits_of(session, owner)) else None
                for owner in {w.owner_id for w in waiting}
            }
            demos = quotas.demos_of(session, [w.job_id for w in waiting])
            now = utcnow()
            while free > 0 and waiting:
                chosen = next_to_start(waiting, running, last_started, running_limit.get)
                if chosen is None:
                    break
                waiting.remove(chosen)
                if quotas.admit(session, chosen.job_id, now):
                    queue = queue_for(CATALOGUE[demos[chosen.job_id]])
                    self._celery.send_task(RUN_JOB_TASK, args=[chosen.job_id], queue=queue)
                    admitted.append(chosen.job_id)
                    running[chosen.owner_id] += 1
                    last_started[chosen.owner_id] = now.timestamp()
                    free -= 1
        return admitted

    async def _admit(self) -> None:
        """Admission, whenever a job is submitted and at least every ADMIT_EVERY_SECONDS (a
        worker claiming a job frees room without telling this process)."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ADMIT_EVERY_SECONDS):
                    await self._admit_now.wait()
            self._admit_now.clear()
            try:
                await asyncio.to_thread(self.admit_fairly)
            except Exception:
                log.exception("admission failed; retrying")

    def cancel(self, job_id: str, reason: str) -> None:
        # Racing the worker's claim: the lifecycle lets exactly one of the two win.
        before_start = events.status(JobStatus.cancelled, error=f"{reason} It had not started.")
        if not self.publish(job_id, [before_start], only_from=JobStatus.queued):
            self._events.request_cancel(job_id, reason)

    def update_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        self._events.offer_params(job_id, params, version)

    def request_snapshot(self, job_id: str) -> None:
        self._events.request_snapshot(job_id)

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
        with self._database.session() as session:
            silent = jobs.silent_since(session, utcnow() - timedelta(seconds=timeout))
        for job_id, worker in silent:
            log.warning("job %s: worker %s silent for %ss; failing it", job_id, worker, timeout)
            lost = events.status(JobStatus.failed, error=silent_worker(worker, timeout))
            self.publish(job_id, [lost], only_from=JobStatus.running)
