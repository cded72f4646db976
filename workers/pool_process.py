"""A worker process of the embedded pool: imports torch once, then runs jobs on request.

The API process starts it as `python -m workers.pool_process FD` with the settings in its
environment, and talks to it over the socket FD: commands come in (`run`, `params`, `cancel`,
`stop`), events and artifacts go out (`core.channel.PipeMessage`). Nothing is shared but the
socket, so a worker killed mid-write cannot leave a lock held for the others, and its end of
the socket closing is how the API learns that it died.
"""

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from core.channel import Control, JobTicket, PipeMessage
from core.events import Draft
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from core.store.snapshots import SnapshotLibrary
from workers.context import JobResources
from workers.runtime import cpu_threads_per_worker, prepare_process, resolve_device, run_job


class Link:
    """The process's link to the API: one socket, written by the job and its heartbeat."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self._send_lock = threading.Lock()

    def send(self, message: tuple) -> None:
        with self._send_lock:
            self.conn.send(message)


class PipeChannel:
    def __init__(self, link: Link, job_id: str) -> None:
        self._link = link
        self._conn = link.conn
        self._job_id = job_id
        self._cancelled: str | None = None  # why, once a stop was asked

    def emit(self, draft: Draft) -> None:
        self._link.send((PipeMessage.event, self._job_id, draft))

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        self._link.send((PipeMessage.artifact, self._job_id, name, media_type, content))

    def save_snapshot(self, step: int, content: bytes) -> None:
        self._link.send((PipeMessage.snapshot, self._job_id, step, content))

    def poll(self) -> Control:
        newest: tuple[dict[str, Any], int] | None = None
        snapshot = False
        while self._conn.poll():
            command, job_id, *payload = self._conn.recv()
            if job_id != self._job_id:
                continue  # meant for a job this worker has already finished
            if command == PipeMessage.cancel:
                self._cancelled = payload[0]
            elif command == PipeMessage.snapshot_now:
                snapshot = True
            elif command == PipeMessage.params and (newest is None or payload[1] > newest[1]):
                newest = (payload[0], payload[1])
        if newest is None:
            return Control(cancel=self._cancelled, snapshot=snapshot)
        return Control(
            params=newest[0], version=newest[1], cancel=self._cancelled, snapshot=snapshot
        )


@contextmanager
def heartbeats(link: Link, job_id: str, interval: float) -> Iterator[None]:
    """Tell the API every `interval` that this process is alive while it runs a job: a long
    step is not a hang, but a stopped or deadlocked process stops beating."""
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            link.send((PipeMessage.heartbeat, job_id))

    thread = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def serve(conn: Connection, settings: Settings) -> None:
    # Ctrl-C in the terminal reaches the whole process group; the API shuts workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare_process(settings.device, cpu_threads_per_worker(settings.workers))
    database = Database.of(settings)
    resources = JobResources(
        settings,
        ImageLibrary(database),
        SnapshotLibrary(database),
        resolve_device(settings.device),
    )
    link = Link(conn)
    link.send((PipeMessage.ready, None))
    while True:
        try:
            command, job_id, *payload = conn.recv()
        except EOFError:
            return
        if command == PipeMessage.stop:
            return
        if command == PipeMessage.run:
            with heartbeats(link, job_id, settings.heartbeat_seconds):
                run_job(JobTicket(**payload[0]), PipeChannel(link, job_id), resources)
            link.send((PipeMessage.idle, job_id))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])), Settings())
