"""Shared test helpers: run a demo in-process, and talk to a real DiveLab server."""

import asyncio
import base64
import io
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import numpy as np
import websockets
from PIL import Image

from core.channel import Control, JobTicket
from core.events import JobStatus, event_adapter
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from core.store.snapshots import SnapshotLibrary
from workers.context import JobResources, SnapshotSource
from workers.runtime import run_job

ROOT = Path(__file__).resolve().parent.parent
T = TypeVar("T")


@dataclass
class RecordingChannel:
    """A WorkerChannel that keeps everything, and replays scripted control messages.

    `script(step_or_poll_count)` returns the Control to hand out at that poll.
    """

    script: Callable[[int], Control] | None = None
    drafts: list[dict[str, Any]] = field(default_factory=list)
    artifacts: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    snapshots: dict[int, bytes] = field(default_factory=dict)
    snapshot_polls: dict[int, int] = field(default_factory=dict)  # poll -> step saved there
    polls: int = 0

    def emit(self, draft: dict[str, Any]) -> None:
        self.drafts.append(draft)

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        self.artifacts[name] = (media_type, content)

    def save_snapshot(self, step: int, content: bytes) -> None:
        self.snapshots[step] = content
        self.snapshot_polls.setdefault(self.polls, step)

    def snapshot_asked_at(self, poll: int) -> int:
        """The step of the snapshot saved at the poll that asked for one."""
        return self.snapshot_polls[poll]

    def content(self, job_id: str, step: int) -> bytes:
        """The channel is also where a fork of its job reads its snapshots from."""
        return self.snapshots[step]

    def poll(self) -> Control:
        self.polls += 1
        return self.script(self.polls) if self.script else Control()

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.drafts if d["type"] == kind]

    @property
    def final(self) -> dict[str, Any]:
        return self.of_type("status")[-1]


def resources(
    data_dir: str | Path, device: str = "cpu", snapshots: SnapshotSource | None = None
) -> JobResources:
    """What a worker process offers a job, for a job run in this process. Its settings are
    read from the environment (as a worker's are), with `data_dir` for the caches."""
    settings = Settings(data_dir=Path(data_dir))
    database = Database(f"sqlite:///{Path(data_dir) / 'divelab.sqlite3'}")
    return JobResources(
        settings, ImageLibrary(database), snapshots or SnapshotLibrary(database), device
    )


def metrics_after(channel: RecordingChannel, step: int) -> list[tuple[int, str, float]]:
    """Every metric value reported after `step`, but throughputs (they differ between runs)."""
    return [
        (metric["step"], name, value)
        for metric in channel.of_type("metric")
        if metric["step"] > step
        for name, value in metric["values"].items()
        if not name.endswith(("per_second", "per_sec"))
    ]


def frames(channel: RecordingChannel, name: str) -> list[dict[str, Any]]:
    """The frame drafts of one panel, in order."""
    return [d for d in channel.of_type("frame") if d["name"] == name]


def decode_png(image: dict[str, Any], rgb: bool = False) -> np.ndarray:
    """An `image` frame's pixels, after checking its stated size: as stored (a palette PNG as
    RGB), or as RGB whatever the mode (`rgb`: pictures compared channel by channel)."""
    assert image["format"] == "png"
    picture = Image.open(io.BytesIO(base64.b64decode(image["base64"])))
    assert (picture.width, picture.height) == (image["width"], image["height"])
    return np.asarray(picture.convert("RGB") if rgb or picture.mode == "P" else picture)


def run_demo(
    demo: str,
    params: dict[str, Any],
    channel: RecordingChannel | None = None,
    data_dir: str = "/tmp",
    fork_of: tuple[RecordingChannel, int] | None = None,
) -> RecordingChannel:
    """Run a demo to its end in this process, on the CPU; `fork_of` (the parent's channel,
    a step it saved a snapshot after): as a fork of that run."""
    channel = channel or RecordingChannel()
    if fork_of is None:
        ticket = JobTicket("test-job", demo, params, 1)
        run_job(ticket, channel, resources(data_dir))
    else:
        parent, step = fork_of
        ticket = JobTicket("test-fork", demo, params, 1, resume_step=step, parent_id="test-job")
        run_job(ticket, channel, resources(data_dir, snapshots=parent))
    # Every draft, numbered, must satisfy the event contract (typed frames included).
    for seq, draft in enumerate(channel.drafts, start=1):
        event_adapter.validate_python({**draft, "seq": seq})
    return channel


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to its end on a thread of its own, so that it works even where this
    thread already has an event loop (Playwright's sync API leaves one behind)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """A `divelab serve` subprocess (and, distributed, a `divelab worker`), with clients."""

    url: str
    process: subprocess.Popen
    env: dict[str, str]
    mode: str = "embedded"
    capacity: int = 2  # jobs that run at once; more wait queued
    worker: subprocess.Popen | None = None

    def start_worker(self) -> None:
        """(Re)start the distributed worker, in its own process group (a 'host')."""
        log = open(Path(self.env["DIVELAB_DATA_DIR"]) / "worker.log", "a")  # noqa: SIM115
        self.worker = subprocess.Popen(
            [Path(sys.executable).parent / "divelab", "worker"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_worker_host(self) -> None:
        """SIGKILL the worker and all its processes at once, as if its machine vanished."""
        assert self.worker is not None
        os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait(10)

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30)

    def create(self, demo: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        with self.client() as client:
            response = client.post("/api/jobs", json={"demo": demo, "params": params or {}})
        assert response.status_code == 201, response.text
        return response.json()

    def job(self, job_id: str) -> dict[str, Any]:
        with self.client() as client:
            return client.get(f"/api/jobs/{job_id}").json()

    def wait_for_status(self, job_id: str, *statuses: str, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in statuses:
                return job
            time.sleep(0.05)
        raise AssertionError(f"job {job_id} is {job['status']}, not {statuses}, after {timeout}s")

    def wait_done(self, job_id: str, timeout: float = 60) -> dict:
        terminal = [s.value for s in JobStatus if s.is_terminal]
        return self.wait_for_status(job_id, *terminal, timeout=timeout)

    def all_events(self, job_id: str) -> list[dict[str, Any]]:
        with self.client() as client:
            return client.get(f"/api/jobs/{job_id}/events", params={"limit": 10_000}).json()[
                "events"
            ]

    def stream(
        self, job_id: str, after: int = 0, stop_after: int | None = None, timeout: float = 60
    ) -> tuple[list[dict], int | None]:
        """Read the websocket; returns (messages, close code). Stops early after N events."""
        return run_async(self._stream(job_id, after, stop_after, timeout))

    async def _stream(
        self, job_id: str, after: int, stop_after: int | None, timeout: float
    ) -> tuple[list[dict], int | None]:
        messages: list[dict] = []
        url = f"{self.ws_url}/api/jobs/{job_id}/stream?after={after}"
        async with asyncio.timeout(timeout), websockets.connect(url) as ws:
            try:
                async for raw in ws:
                    messages.append(json.loads(raw))
                    if stop_after is not None and sum("seq" in m for m in messages) >= stop_after:
                        return messages, None
            except websockets.ConnectionClosedError:
                pass  # closed with a code other than 1000/1001: the caller checks it
            return messages, ws.close_code


def start_server(
    data_dir: Path,
    extra_env: dict[str, str] | None = None,
    timeout: float = 60,
    mode: str = "embedded",
) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "DIVELAB_DATA_DIR": str(data_dir),
        "DIVELAB_PORT": str(port),
        "DIVELAB_HOST": "127.0.0.1",
        "DIVELAB_STREAM_HEARTBEAT_SECONDS": "1",
        # Hermetic: a job that tries to download weights or datasets reaches a closed port.
        "DIVELAB_VGG19_WEIGHTS_URL": "http://127.0.0.1:9/vgg19-dcbb9e9d.pth",
        "DIVELAB_DATASETS_MIRROR": "http://127.0.0.1:9",
        **(extra_env or {}),
    }
    bin_dir = Path(sys.executable).parent
    if "DIVELAB_DATABASE_URL" in env:  # an external database is migrated by its operator
        subprocess.run([bin_dir / "divelab", "migrate"], env=env, check=True, capture_output=True)
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - lives as long as the server
    process = subprocess.Popen(
        [bin_dir / "divelab", "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    server = Server(
        f"http://127.0.0.1:{port}",
        process,
        env,
        mode=mode,
        capacity=int(env.get("DIVELAB_WORKERS", "2")),
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {(data_dir / 'server.log').read_text()}")
        try:
            if httpx.get(f"{server.url}/api/health", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"server did not come up: {(data_dir / 'server.log').read_text()}")


def stop_server(server: Server) -> None:
    for process in (server.process, server.worker):
        if process is None or process.poll() is not None:
            continue
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()


# -- the distributed mode's services ---------------------------------------------------------

REDIS_URL = os.environ.get("DIVELAB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_URL = os.environ.get(
    "DIVELAB_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def services_missing() -> str | None:
    """Why the distributed suite cannot run here, or None when Redis and PostgreSQL answer."""
    import psycopg
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"no Redis at {REDIS_URL} ({error})"
    try:
        psycopg.connect(POSTGRES_URL, connect_timeout=2, autocommit=True).close()
    except psycopg.Error as error:
        return f"no PostgreSQL at {POSTGRES_URL} ({error})"
    return None


def require_services() -> None:
    """Redis and PostgreSQL must answer: in CI their absence fails the run, elsewhere it skips."""
    import pytest

    missing = services_missing()
    if missing is None:
        return
    message = f"DISTRIBUTED SUITE NOT RUN: {missing}. Start Redis and PostgreSQL (see README)."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@dataclass
class ScratchDatabase:
    """A PostgreSQL database of its own per test run, so runs never collide."""

    name: str

    @classmethod
    def create(cls) -> "ScratchDatabase":
        import psycopg

        database = cls(f"divelab_test_{secrets.token_hex(4)}")
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database.name}"')
        return database

    @property
    def url(self) -> str:
        base = POSTGRES_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        return f"{base}/{self.name}"

    def drop(self) -> None:
        import psycopg

        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def start_distributed(
    data_dir: Path, database: ScratchDatabase, extra_env: dict[str, str] | None = None
) -> Server:
    """API + one `divelab worker` (2 jobs at once) on a real Redis and PostgreSQL."""
    env = {
        "DIVELAB_REDIS_URL": REDIS_URL,
        "DIVELAB_DATABASE_URL": database.url,
        "DIVELAB_REDIS_PREFIX": f"divelab-test-{secrets.token_hex(4)}:",
        "DIVELAB_WORKERS": "2",
        "DIVELAB_WORKER_CONCURRENCY": "2",
        **(extra_env or {}),
    }
    server = start_server(data_dir, env, mode="distributed")
    server.start_worker()
    return server
