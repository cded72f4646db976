"""A worker process of the embedded pool: imports torch once, then runs jobs on request.

It talks to the API process over one duplex pipe: commands come in (`run`, `params`,
`cancel`, `stop`), events and artifacts go out. Nothing is shared but the pipe, so a worker
killed mid-write cannot leave a lock held for the others.
"""

import signal
from multiprocessing.connection import Connection
from typing import Any

from backend.events import Draft
from workers.context import Control
from workers.runtime import JobTicket, prepare_process, resolve_device, run_job


class PipeChannel:
    def __init__(self, conn: Connection, job_id: str) -> None:
        self._conn = conn
        self._job_id = job_id
        self._cancelled = False

    def emit(self, draft: Draft) -> None:
        self._conn.send(("event", self._job_id, draft))

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        self._conn.send(("artifact", self._job_id, name, media_type, content))

    def poll(self) -> Control:
        newest: tuple[dict[str, Any], int] | None = None
        while self._conn.poll():
            command, job_id, *payload = self._conn.recv()
            if job_id != self._job_id:
                continue  # meant for a job this worker has already finished
            if command == "cancel":
                self._cancelled = True
            elif command == "params" and (newest is None or payload[1] > newest[1]):
                newest = (payload[0], payload[1])
        if newest is None:
            return Control(cancel=self._cancelled)
        return Control(params=newest[0], version=newest[1], cancel=self._cancelled)


def worker_main(conn: Connection, device_setting: str, data_dir: str, threads: int) -> None:
    # Ctrl-C in the terminal reaches the whole process group; the API shuts workers down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prepare_process(device_setting, threads)
    device = resolve_device(device_setting)
    conn.send(("ready", None))
    while True:
        try:
            command, job_id, *payload = conn.recv()
        except EOFError:
            return
        if command == "stop":
            return
        if command == "run":
            run_job(JobTicket(**payload[0]), PipeChannel(conn, job_id), device, data_dir)
            conn.send(("idle", job_id))
