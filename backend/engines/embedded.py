"""Embedded mode: a pool of local worker processes, SQLite, no Redis.

The API process is the single sequencer of every job's events: a supervisor thread reads the
workers' sockets, numbers the events, stores each batch in one transaction (the lifecycle
admitting every status first) and only then hands it to the websocket hub, so anything a
client missed is already in the database. The same thread notices a worker process that died
(its socket closes), fails its job and starts a replacement.

Worker processes are programs of the worker side (`python -m workers.pool_process`), started
with this server's settings in their environment: the API side never imports their code.
"""

import asyncio
import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from typing import Any

from backend.engines.base import JobEngine, silent_worker
from backend.streams.hub import StreamHub
from core import events
from core.channel import JobTicket, PipeMessage, worker_identity
from core.events import Draft, JobStatus
from core.quotas import Waiting, next_to_start
from core.settings import Settings
from core.store import artifacts, jobs, quotas, snapshots
from core.store import events as event_store
from core.store.database import Database
from core.store.lifecycle import Lifecycle
from core.store.models import Job
from core.store.thinning import FrameThinning

log = logging.getLogger(__name__)

SERVER_STOPPED = "The server stopped while this job was running."


@dataclass(eq=False)  # slots are compared and hashed by identity
class _Slot:
    index: int
    process: subprocess.Popen
    conn: Connection
    ready: bool = False
    job_id: str | None = None
    owner_id: str | None = None
    last_heard: float = 0.0  # time.monotonic() of its last message
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def identity(self) -> str:
        return worker_identity(self.process.pid)

    def send(self, message: tuple) -> None:
        # A dead worker is the supervisor's business: it fails the job and replaces it.
        with self.send_lock, contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(message)


@dataclass
class _Queued:
    ticket: JobTicket
    owner_id: str
    queued_at: float

    @property
    def waiting(self) -> Waiting:
        return Waiting(self.ticket.job_id, self.owner_id, self.queued_at)


@dataclass
class _Batch:
    drafts: dict[str, list[Draft]] = field(default_factory=lambda: defaultdict(list))
    artifacts: list[tuple[str, str, str, bytes]] = field(default_factory=list)
    snapshots: list[tuple[str, int, bytes]] = field(default_factory=list)


class EmbeddedEngine(JobEngine):
    mode = "embedded"

    def __init__(
        self, hub: StreamHub, settings: Settings, database: Database, lifecycle: Lifecycle
    ) -> None:
        super().__init__(hub)
        self._settings = settings
        self._snapshot_bounds = snapshots.Bounds.of(settings)
        self._database = database
        self._lifecycle = lifecycle
        self._slots: list[_Slot] = []
        self._pending: list[_Queued] = []  # started fairly across owners (core.quotas)
        self._last_started: dict[str, float] = {}  # owner -> when their last job started
        self._limits: dict[str, tuple[int | None, float]] = {}  # owner -> (running, until)
        self._schedule_lock = threading.Lock()  # pending queue and slot assignment
        self._sequence_lock = threading.Lock()  # seq numbering, storage and fan-out
        # The next seq of jobs seen speaking; any other job is looked up in storage.
        self._next_seq: dict[str, int] = {}
        self._thinning: dict[str, FrameThinning] = {}  # of each running job's frames
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

    @property
    def slots(self) -> int:
        return self._settings.workers

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self.hub.bind(asyncio.get_running_loop())
        await asyncio.to_thread(self._recover_jobs_of_previous_run)
        self._slots = [self._spawn(i) for i in range(self._settings.workers)]
        self._supervisor = threading.Thread(
            target=self._supervise, name="divelab-pool", daemon=True
        )
        self._supervisor.start()

    async def stop(self) -> None:
        await self.hub.close()
        self._stopping.set()
        if self._supervisor is not None:
            await asyncio.to_thread(self._supervisor.join, 5)
        for slot in self._slots:
            if slot.job_id is not None:
                self.publish(slot.job_id, [events.status(JobStatus.failed, error=SERVER_STOPPED)])
            slot.send((PipeMessage.stop, None))
        for slot in self._slots:
            try:
                await asyncio.to_thread(slot.process.wait, 3)
            except subprocess.TimeoutExpired:
                slot.process.kill()

    def _spawn(self, index: int) -> _Slot:
        ours, theirs = socket.socketpair()
        process = subprocess.Popen(
            [sys.executable, "-m", "workers.pool_process", str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
            env={**os.environ, **self._settings.as_environment()},
        )
        theirs.close()
        return _Slot(index, process, Connection(ours.detach()))

    def _recover_jobs_of_previous_run(self) -> None:
        """Jobs a previous server left behind: running ones died with it, queued ones resume."""
        with self._database.session() as session:
            leftovers = [(job, JobTicket.of(job)) for job in jobs.left_active(session)]
        for job, ticket in leftovers:
            if job.status == JobStatus.running:
                self.publish(job.id, [events.status(JobStatus.failed, error=SERVER_STOPPED)])
            else:
                self._pending.append(_Queued(ticket, job.owner_id, job.created_at.timestamp()))

    # -- the API's requests ---------------------------------------------------------------

    def create(self, job: Job) -> None:
        # Not under the sequence lock: nothing else numbers events of a job not yet created,
        # and a request must not wait for the workers' event batches to be stored.
        with self._database.session() as session:
            self._lifecycle.create(session, job)
            numbered = _number([events.status(JobStatus.queued)], 1)
            event_store.append(session, job.id, numbered)
        self._next_seq[job.id] = 2
        self.hub.deliver_threadsafe({job.id: numbered})

    def submit(self, ticket: JobTicket, owner_id: str) -> None:
        with self._schedule_lock:
            self._pending.append(_Queued(ticket, owner_id, time.time()))
            self._dispatch()

    def cancel(self, job_id: str, reason: str) -> None:
        with self._schedule_lock:
            for queued in self._pending:
                if queued.ticket.job_id == job_id:
                    self._pending.remove(queued)
                    self.publish(
                        job_id,
                        [events.status(JobStatus.cancelled, error=f"{reason} It had not started.")],
                        only_from=JobStatus.queued,
                    )
                    return
            slot = self._slot_running(job_id)
        if slot is not None:
            slot.send((PipeMessage.cancel, job_id, reason))

    def update_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        with self._schedule_lock:
            for queued in self._pending:
                if queued.ticket.job_id == job_id:
                    queued.ticket = replace(queued.ticket, params=params, params_version=version)
                    return
            slot = self._slot_running(job_id)
        if slot is not None:
            slot.send((PipeMessage.params, job_id, params, version))

    def request_snapshot(self, job_id: str) -> None:
        with self._schedule_lock:
            slot = self._slot_running(job_id)
        if slot is not None:
            slot.send((PipeMessage.snapshot_now, job_id))

    def publish(
        self, job_id: str, drafts: list[Draft], *, only_from: JobStatus | None = None
    ) -> list[dict[str, Any]]:
        batch = _Batch()
        batch.drafts[job_id].extend(drafts)
        return self._store_and_fan_out(batch, only_from).get(job_id, [])

    # -- scheduling ----------------------------------------------------------------------

    def _slot_running(self, job_id: str) -> _Slot | None:
        return next((s for s in self._slots if s.job_id == job_id), None)

    def _dispatch(self) -> None:
        """Give queued jobs to idle workers, fairly across owners, claiming each (caller holds
        the schedule lock)."""
        idle = [slot for slot in self._slots if slot.ready and slot.job_id is None]
        if not idle or not self._pending:
            return
        running = Counter(slot.owner_id for slot in self._slots if slot.job_id is not None)
        limit_of = self._running_limits({queued.owner_id for queued in self._pending})
        by_job = {queued.ticket.job_id: queued for queued in self._pending}
        while idle and self._pending:
            waiting = [q.waiting for q in self._pending]
            chosen = next_to_start(waiting, running, self._last_started, limit_of.get)
            if chosen is None:
                return  # everyone who waits is at their limit of jobs running
            queued = by_job[chosen.job_id]
            self._pending.remove(queued)
            slot = idle[0]
            claim = events.status(JobStatus.running, worker=slot.identity)
            if not self.publish(chosen.job_id, [claim]):
                continue  # no longer queued
            idle.pop(0)
            slot.job_id, slot.owner_id = chosen.job_id, chosen.owner_id
            slot.last_heard = time.monotonic()
            running[chosen.owner_id] += 1
            self._last_started[chosen.owner_id] = time.time()
            slot.send((PipeMessage.run, chosen.job_id, queued.ticket.as_dict()))

    def _running_limits(self, owners: set[str]) -> dict[str, int | None]:
        """Each owner's limit of jobs running (None: none), read again after a few seconds:
        an owner at their limit keeps waiting while the supervisor loops."""
        now = time.monotonic()
        stale = {owner for owner in owners if self._limits.get(owner, (None, 0.0))[1] < now}
        if stale:
            with self._database.session() as session:
                for owner in stale:
                    limits = quotas.limits_of(session, owner)
                    self._limits[owner] = (limits.running if limits else None, now + 5)
        return {owner: self._limits[owner][0] for owner in owners}

    # -- the supervisor thread -----------------------------------------------------------

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            try:
                self._supervise_once()
            except Exception:  # the pool must outlive any single bad batch or message
                log.exception("worker pool supervisor hit an error; carrying on")

    def _supervise_once(self) -> None:
        by_conn = {slot.conn: slot for slot in self._slots}
        ready = wait(list(by_conn), timeout=0.2)
        batch = _Batch()
        exited = [by_conn[conn] for conn in ready if not self._drain(by_conn[conn], batch)]
        if batch.drafts or batch.artifacts or batch.snapshots:
            self._store_and_fan_out(batch)
        for slot in exited:
            self._replace(slot)
        for slot in self._hung():
            self._end_hung(slot)
        with self._schedule_lock:
            self._dispatch()

    def _drain(self, slot: _Slot, batch: _Batch) -> bool:
        """Read everything the worker sent; False once its socket closed (it is gone)."""
        try:
            while slot.conn.poll():
                kind, job_id, *payload = slot.conn.recv()
                slot.last_heard = time.monotonic()
                if kind == PipeMessage.event:
                    batch.drafts[job_id].append(payload[0])
                elif kind == PipeMessage.artifact:
                    batch.artifacts.append((job_id, *payload))
                elif kind == PipeMessage.snapshot:
                    batch.snapshots.append((job_id, *payload))
                elif kind == PipeMessage.ready:
                    slot.ready = True
                elif kind == PipeMessage.idle:
                    with self._schedule_lock:
                        slot.job_id = None
        except (EOFError, OSError):
            return False
        return True

    def _hung(self) -> list[_Slot]:
        """Busy workers silent for longer than the heartbeat timeout: stopped, deadlocked or
        stuck in a call that never returns (their heartbeat thread beats otherwise)."""
        silent_since = time.monotonic() - self._settings.heartbeat_timeout_seconds
        return [s for s in self._slots if s.job_id is not None and s.last_heard < silent_since]

    def _end_hung(self, slot: _Slot) -> None:
        """Fail its job with the reason, then kill it: its socket closes and `_replace`
        starts a fresh process in its place."""
        with self._schedule_lock:
            job_id, slot.job_id = slot.job_id, None
        timeout = self._settings.heartbeat_timeout_seconds
        log.warning(
            "worker %d silent for %ss while running job %s; ending it", slot.index, timeout, job_id
        )
        self.publish(
            job_id, [events.status(JobStatus.failed, error=silent_worker(slot.identity, timeout))]
        )
        slot.process.kill()

    def _replace(self, slot: _Slot) -> None:
        try:
            code = slot.process.wait(5)
        except subprocess.TimeoutExpired:  # it closed its socket but lives on: end it
            slot.process.kill()
            code = slot.process.wait()
        with self._schedule_lock:
            job_id, slot.job_id, slot.ready = slot.job_id, None, False
        if job_id is not None:
            self.publish(job_id, [events.status(JobStatus.failed, error=_death_reason(code))])
        if not self._stopping.is_set():
            log.warning("worker %d exited with code %s; starting a new one", slot.index, code)
            slot.conn.close()
            self._slots[slot.index] = self._spawn(slot.index)

    # -- sequencing ---------------------------------------------------------------------

    def _store_and_fan_out(
        self, batch: _Batch, only_from: JobStatus | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        with self._sequence_lock, self._database.session() as session:
            sequenced: dict[str, list[dict[str, Any]]] = {}
            for job_id, drafts in batch.drafts.items():
                seq = self._next_seq.get(job_id) or event_store.next_seq(session, job_id)
                if seq is None:
                    continue  # a job says nothing after its final status
                admitted = self._lifecycle.admit(session, job_id, drafts, only_from=only_from)
                numbered = _number(admitted, seq)
                if not numbered:
                    continue
                event_store.append(session, job_id, numbered, self._thinning_of(job_id))
                sequenced[job_id] = numbered
                if events.is_terminal_status(numbered[-1]):
                    self._next_seq.pop(job_id, None)
                    self._thinning.pop(job_id, None)
                else:
                    self._next_seq[job_id] = numbered[-1]["seq"] + 1
            for job_id, name, media_type, content in batch.artifacts:
                artifacts.save(session, job_id, name, media_type, content)
            for job_id, step, content in batch.snapshots:
                snapshots.save(session, job_id, step, content, self._snapshot_bounds)
        self.hub.deliver_threadsafe(sequenced)
        return sequenced

    def _thinning_of(self, job_id: str) -> FrameThinning:
        if job_id not in self._thinning:
            self._thinning[job_id] = FrameThinning(self._settings.frames_kept_per_name)
        return self._thinning[job_id]


def _number(drafts: list[Draft], first: int) -> list[dict[str, Any]]:
    """Number drafts from `first`, up to and including a terminal status."""
    numbered: list[dict[str, Any]] = []
    for seq, draft in enumerate(drafts, start=first):
        numbered.append({**draft, "seq": seq})
        if events.is_terminal_status(draft):
            break
    return numbered


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        hint = " (the system may have run out of memory)" if name == "SIGKILL" else ""
        return (
            f"The worker process running this job was killed by {name}{hint}. Train again to retry."
        )
    return f"The worker process running this job exited unexpectedly (exit code {exitcode})."
