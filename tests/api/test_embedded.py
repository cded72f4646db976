"""Embedded-mode behaviour: the local pool survives dead workers; slow clients are cut off."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets

from tests.support import Server, run_async, start_server, stop_server

GD = "gradient-descent"


def test_the_api_process_never_imports_torch() -> None:
    code = (
        "import sys; from backend.app import create_app; import backend.cli; "
        "create_app(); print('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_killed_worker_fails_its_job_and_is_replaced(embedded_server: Server) -> None:
    server = embedded_server
    job = server.create(GD, {"steps": 10_000, "speed": 20})
    running = server.wait_for_status(job["id"], "running")
    pid = int(running["worker"].rsplit(":", 1)[1])
    os.kill(pid, signal.SIGKILL)
    failed = server.wait_done(job["id"], timeout=10)
    assert failed["status"] == "failed"
    assert "SIGKILL" in failed["error"]
    # Both slots take work again: the dead process was replaced.
    workers = int(server.env["DIVELAB_WORKERS"])
    jobs = [server.create(GD, {"steps": 10_000, "speed": 20}) for _ in range(workers)]
    try:
        pids = {server.wait_for_status(j["id"], "running", timeout=30)["worker"] for j in jobs}
        assert len(pids) == workers and running["worker"] not in pids
    finally:
        with server.client() as client:
            for j in jobs:
                client.post(f"/api/jobs/{j['id']}/cancel")
    follow_up = server.create(GD, {"function": "quadratic", "speed": 0})
    assert server.wait_done(follow_up["id"])["status"] == "succeeded"


@pytest.fixture(scope="module")
def tight_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    """A server that buffers only 20 events per websocket client."""
    server = start_server(
        tmp_path_factory.mktemp("tight"),
        {"DIVELAB_WORKERS": "1", "DIVELAB_STREAM_CLIENT_QUEUE": "20"},
    )
    yield server
    stop_server(server)


def test_a_client_too_slow_to_keep_up_is_cut_off_and_resumes(tight_server: Server) -> None:
    server = tight_server
    optimizers = [{"name": n, "lr": 0.001} for n in ["gd", "sgd", "momentum", "adam"]]
    job = server.create(
        GD,
        {
            "function": "rastrigin",
            "optimizers": optimizers,
            "steps": 4000,
            "speed": 0,
            "start": [1, 1],
        },
    )
    stalled, code = run_async(stall_then_read(server, job["id"]))
    # The job never waited for the stalled client.
    assert server.job(job["id"])["status"] == "succeeded"
    assert code == 1013
    events = [m for m in stalled if "seq" in m]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    rest, code = server.stream(job["id"], after=events[-1]["seq"])
    assert code == 1000
    # The replay comes from the stored log, whose frames are thinned (4000 positions frames,
    # at most DIVELAB_FRAMES_KEPT_PER_NAME kept): every hole is announced, nothing is repeated.
    assert_no_unannounced_hole(rest, after=events[-1]["seq"])
    combined = events + [m for m in rest if "seq" in m]
    stored = server.all_events(job["id"])
    assert len(stored) < 2 * 4000  # thinned: not a metric and a frame per step
    assert {e["seq"] for e in stored} <= {e["seq"] for e in combined}
    assert combined[-1]["type"] == "status" and combined[-1]["status"] == "succeeded"


def assert_no_unannounced_hole(messages: list[dict], after: int) -> None:
    last = after
    for message in messages:
        if message["type"] == "skipped":
            assert message["until"] > last
            last = message["until"]
        elif "seq" in message:
            assert message["seq"] == last + 1, (last, message["seq"])
            last = message["seq"]


async def stall_then_read(server: Server, job_id: str) -> tuple[list[dict], int | None]:
    """Connect with tiny socket buffers, read nothing until the job ends, then read all."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    url = f"{server.ws_url}/api/jobs/{job_id}/stream"
    messages: list[dict] = []
    async with websockets.connect(url, sock=sock, max_queue=1, max_size=None) as ws:
        deadline = time.monotonic() + 90
        while server.job(job_id)["status"] in ("queued", "running"):
            assert time.monotonic() < deadline
            await asyncio.sleep(0.2)
        try:
            async for raw in ws:
                messages.append(json.loads(raw))
        except websockets.ConnectionClosedError:
            pass
        return messages, ws.close_code


def test_restart_fails_jobs_left_running(tmp_path: Path) -> None:
    server = start_server(tmp_path, {"DIVELAB_WORKERS": "1"})
    try:
        job = server.create(GD, {"steps": 10_000, "speed": 10})
        server.wait_for_status(job["id"], "running")
        queued = server.create(GD, {"function": "quadratic", "speed": 0})
        server.process.kill()  # the server dies without a chance to clean up
        server.process.wait(10)
    finally:
        stop_server(server)
    server = start_server(tmp_path, {"DIVELAB_WORKERS": "1"})
    try:
        failed = server.job(job["id"])
        assert failed["status"] == "failed" and "server stopped" in failed["error"]
        assert server.wait_done(queued["id"])["status"] == "succeeded"
    finally:
        stop_server(server)
