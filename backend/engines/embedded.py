"""Embedded mode: a pool of local worker processes, SQLite, no Redis.

The API process is the single sequencer of every job's events: a supervisor thread reads the
workers' pipes, numbers the events, stores each batch in one transaction and only then hands
it to the websocket hub (so anything a client missed is already in the database). The same
thread notices a worker process that died, fails its job and starts a replacement.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import signal
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from sqlalchemy import select

from backend import events
from backend.engines.base import JobEngine
from backend.events import Draft, JobStatus
from backend.settings import Settings
from backend.storage import event_log
from backend.storage.database import session_scope
from backend.storage.models import Job
from backend.streams.hub import StreamHub
from workers.local_worker import worker_main
from workers.runtime import JobTicket, cpu_threads_per_worker

log = logging.getLogger(__name__)


@dataclass(eq=False)  # slots are compared and hashed by identity
class _Slot:
    index: int
    process: BaseProcess
    conn: Connection
    ready: bool = False
    job_id: str | None = None
    send_lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, message: tuple) -> None:
        # A dead worker is the supervisor's business: it fails the job and replaces it.
        with self.send_lock, contextlib.suppress(BrokenPipeError, OSError):
            self.conn.send(message)


@dataclass
class _Batch:
    drafts: dict[str, list[Draft]] = field(default_factory=lambda: defaultdict(list))
    artifacts: list[tuple[str, str, str, bytes]] = field(default_factory=list)


class EmbeddedEngine(JobEngine):
    mode = "embedded"

    def __init__(self, hub: StreamHub, settings: Settings) -> None:
        super().__init__(hub)
        self._settings = settings
        self._context = multiprocessing.get_context("spawn")
        self._slots: list[_Slot] = []
        self._pending: deque[JobTicket] = deque()
        self._schedule_lock = threading.Lock()  # pending queue and slot assignment
        self._sequence_lock = threading.Lock()  # seq numbering, storage and fan-out
        # The next seq of jobs seen speaking; any other job is looked up in storage.
        self._next_seq: dict[str, int] = {}
        self._stopping = threading.Event()
        self._supervisor: threading.Thread | None = None

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
        self._stopping.set()
        if self._supervisor is not None:
            await asyncio.to_thread(self._supervisor.join, 5)
        for slot in self._slots:
            if slot.job_id is not None:
                self.publish(
                    slot.job_id,
                    [
                        events.status(
                            JobStatus.failed, error="The server stopped while this job was running."
                        )
                    ],
                )
            slot.send(("stop", None))
        for slot in self._slots:
            await asyncio.to_thread(slot.process.join, 3)
            if slot.process.is_alive():
                slot.process.kill()

    def _spawn(self, index: int) -> _Slot:
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(
                child,
                self._settings.device,
                str(self._settings.data_dir),
                cpu_threads_per_worker(self._settings.workers),
            ),
            name=f"divelab-worker-{index}",
            daemon=True,
        )
        process.start()
        child.close()
        return _Slot(index, process, parent)

    def _recover_jobs_of_previous_run(self) -> None:
        """Jobs a previous server left behind: running ones died with it, queued ones resume."""
        with session_scope() as session:
            stale = session.scalars(
                select(Job)
                .where(Job.status.in_([JobStatus.queued, JobStatus.running]))
                .order_by(Job.created_at)
            ).all()
            leftovers = [
                (job.id, job.status, job.demo, job.params, job.params_version) for job in stale
            ]
        for job_id, status, demo, params, version in leftovers:
            if status == JobStatus.running:
                self.publish(
                    job_id,
                    [
                        events.status(
                            JobStatus.failed, error="The server stopped while this job was running."
                        )
                    ],
                )
            else:
                self._pending.append(JobTicket(job_id, demo, params, version))

    # -- the API's requests ---------------------------------------------------------------

    def submit(self, ticket: JobTicket) -> None:
        with self._schedule_lock:
            self._pending.append(ticket)
            self._dispatch()

    def cancel(self, job_id: str) -> None:
        with self._schedule_lock:
            for ticket in self._pending:
                if ticket.job_id == job_id:
                    self._pending.remove(ticket)
                    self.publish(
                        job_id,
                        [events.status(JobStatus.cancelled, error="Cancelled before it started.")],
                    )
                    return
            slot = self._slot_running(job_id)
        if slot is not None:
            slot.send(("cancel", job_id))

    def update_params(self, job_id: str, params: dict[str, Any], version: int) -> None:
        with self._schedule_lock:
            for i, ticket in enumerate(self._pending):
                if ticket.job_id == job_id:
                    self._pending[i] = JobTicket(job_id, ticket.demo, params, version)
                    return
            slot = self._slot_running(job_id)
        if slot is not None:
            slot.send(("params", job_id, params, version))

    def publish(self, job_id: str, drafts: list[Draft]) -> list[dict[str, Any]]:
        batch = _Batch()
        batch.drafts[job_id].extend(drafts)
        return self._store_and_fan_out(batch).get(job_id, [])

    # -- scheduling ----------------------------------------------------------------------

    def _slot_running(self, job_id: str) -> _Slot | None:
        return next((s for s in self._slots if s.job_id == job_id), None)

    def _dispatch(self) -> None:
        """Give queued jobs to idle workers (caller holds the schedule lock)."""
        for slot in self._slots:
            if not self._pending:
                return
            if slot.ready and slot.job_id is None:
                ticket = self._pending.popleft()
                slot.job_id = ticket.job_id
                slot.send(("run", ticket.job_id, ticket.as_dict()))

    # -- the supervisor thread -----------------------------------------------------------

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            try:
                self._supervise_once()
            except Exception:  # the pool must outlive any single bad batch or message
                log.exception("worker pool supervisor hit an error; carrying on")

    def _supervise_once(self) -> None:
        by_conn = {slot.conn: slot for slot in self._slots}
        by_sentinel = {slot.process.sentinel: slot for slot in self._slots}
        ready = wait([*by_conn, *by_sentinel], timeout=0.2)
        batch = _Batch()
        exited: list[_Slot] = []
        for handle in ready:
            slot = by_conn.get(handle) or by_sentinel[handle]  # type: ignore[index]
            if not self._drain(slot, batch) and slot not in exited:
                exited.append(slot)
        if batch.drafts or batch.artifacts:
            self._store_and_fan_out(batch)
        for slot in exited:
            self._replace(slot)
        with self._schedule_lock:
            self._dispatch()

    def _drain(self, slot: _Slot, batch: _Batch) -> bool:
        """Read everything the worker sent; False once its process is gone."""
        try:
            while slot.conn.poll():
                kind, job_id, *payload = slot.conn.recv()
                if kind == "event":
                    batch.drafts[job_id].append(payload[0])
                elif kind == "artifact":
                    batch.artifacts.append((job_id, *payload))
                elif kind == "ready":
                    slot.ready = True
                elif kind == "idle":
                    with self._schedule_lock:
                        slot.job_id = None
        except (EOFError, OSError):
            return False
        return slot.process.is_alive()

    def _replace(self, slot: _Slot) -> None:
        slot.process.join(1)
        code = slot.process.exitcode
        with self._schedule_lock:
            job_id, slot.job_id, slot.ready = slot.job_id, None, False
        if job_id is not None:
            self.publish(job_id, [events.status(JobStatus.failed, error=_death_reason(code))])
        if not self._stopping.is_set():
            log.warning("worker %d exited with code %s; starting a new one", slot.index, code)
            slot.conn.close()
            fresh = self._spawn(slot.index)
            self._slots[slot.index] = fresh

    # -- sequencing ---------------------------------------------------------------------

    def _store_and_fan_out(self, batch: _Batch) -> dict[str, list[dict[str, Any]]]:
        with self._sequence_lock, session_scope() as session:
            sequenced: dict[str, list[dict[str, Any]]] = {}
            for job_id, drafts in batch.drafts.items():
                seq = self._next_seq.pop(job_id, None) or event_log.next_seq(session, job_id)
                if seq is None:
                    continue  # a job says nothing after its final status
                numbered = _number(drafts, seq)
                event_log.append(session, job_id, numbered)
                sequenced[job_id] = numbered
                if not events.is_terminal_status(numbered[-1]):
                    self._next_seq[job_id] = numbered[-1]["seq"] + 1
            for job_id, name, media_type, content in batch.artifacts:
                event_log.save_artifact(session, job_id, name, media_type, content)
        self.hub.deliver_threadsafe(sequenced)
        return sequenced


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
