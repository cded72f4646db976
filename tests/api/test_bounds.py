"""Bounds a server keeps whatever its callers do, each set by a setting (embedded servers of
their own, with small bounds)."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.test_hardening import close_of
from tests.support import Server, run_async, start_server, stop_server

GD = "gradient-descent"
LONG = {"steps": 100_000, "speed": 20}


@pytest.fixture(scope="module")
def bounded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    server = start_server(
        tmp_path_factory.mktemp("bounded"),
        {
            "DIVELAB_WORKERS": "1",
            "DIVELAB_MAX_QUEUED_JOBS": "2",
            "DIVELAB_MAX_REQUEST_BYTES": "4096",
            "DIVELAB_MAX_UPLOAD_BYTES": "65536",
            "DIVELAB_MAX_STREAMS": "2",
            "DIVELAB_HEARTBEAT_SECONDS": "0.5",
            "DIVELAB_HEARTBEAT_TIMEOUT_SECONDS": "3",
        },
    )
    yield server
    stop_server(server)


def cancel_all(server: Server, jobs: list[dict]) -> None:
    with server.client() as client:
        for job in jobs:
            client.post(f"/api/jobs/{job['id']}/cancel")
    for job in jobs:
        server.wait_done(job["id"])


def test_a_full_queue_answers_429_with_retry_after_and_keeps_nothing(bounded: Server) -> None:
    created = [bounded.create(GD, LONG)]
    try:
        bounded.wait_for_status(created[0]["id"], "running")
        created += [bounded.create(GD, LONG) for _ in range(2)]
        with bounded.client() as client:
            total = client.get("/api/jobs").json()["total"]
            refused = client.post("/api/jobs", json={"demo": GD})
            assert client.get("/api/jobs").json()["total"] == total
    finally:
        cancel_all(bounded, created)
    assert refused.status_code == 429
    assert refused.json()["type"] == "too_many_requests"
    assert int(refused.headers["retry-after"]) > 0
    assert bounded.create(GD, {"function": "quadratic", "speed": 0})["status"] in (
        "queued",
        "running",
    )


def test_a_body_past_its_bound_is_refused_declared_or_chunked(bounded: Server) -> None:
    big = b'{"demo": "gradient-descent", "params": {"label": "' + b"x" * 8000 + b'"}}'

    def chunked() -> Iterator[bytes]:  # no Content-Length: the server counts as it reads
        for start in range(0, len(big), 1000):
            yield big[start : start + 1000]

    def upload_chunks() -> Iterator[bytes]:
        boundary = b"--b\r\n"
        yield boundary + b'Content-Disposition: form-data; name="file"; filename="a.png"\r\n\r\n'
        for _ in range(200):  # 200 KB, past the 64 KB bound
            yield b"\0" * 1024
        yield b"\r\n--b--\r\n"

    json_type = {"content-type": "application/json"}
    with bounded.client() as client:
        declared = client.post("/api/jobs", content=big, headers=json_type)
        streamed = client.post("/api/jobs", content=chunked(), headers=json_type)
        upload = client.post(
            "/api/images",
            content=upload_chunks(),
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
        listed = client.get("/api/images").json()
    for response in (declared, streamed, upload):
        assert response.status_code == 413, response.text
        assert response.json()["type"] == "too_large"
    assert all(image["source"] == "builtin" for image in listed)


def test_streams_past_the_bound_are_told_to_come_back(bounded: Server) -> None:
    job = bounded.create(GD, LONG)
    url = f"{bounded.ws_url}/api/jobs/{job['id']}/stream"

    async def open_three() -> tuple[int | None, str]:
        import websockets

        async with websockets.connect(url), websockets.connect(url):
            return await close_of(url)

    try:
        code, reason = run_async(open_three())
    finally:
        cancel_all(bounded, [job])
    assert code == 4429 and "retry later" in reason


def test_a_hung_worker_fails_its_job_and_is_replaced(bounded: Server) -> None:
    job = bounded.create(GD, LONG)
    running = bounded.wait_for_status(job["id"], "running")
    pid = int(running["worker"].rsplit(":", 1)[1])
    os.kill(pid, signal.SIGSTOP)  # alive, but silent: a deadlock, a stuck GPU call
    stopped_at = time.monotonic()
    failed = bounded.wait_done(job["id"], timeout=20)
    assert failed["status"] == "failed" and "stopped responding" in failed["error"]
    assert time.monotonic() - stopped_at < 3 + 2  # the timeout, and a supervisor round
    with pytest.raises(ProcessLookupError):
        for _ in range(50):  # killed, and reaped by the pool
            os.kill(pid, 0)
            time.sleep(0.1)
    follow_up = bounded.create(GD, {"function": "quadratic", "speed": 0})
    assert bounded.wait_done(follow_up["id"])["status"] == "succeeded"


def test_old_finished_jobs_go_at_start_after_the_retention(tmp_path: Path) -> None:
    server = start_server(tmp_path, {"DIVELAB_WORKERS": "1"})
    try:
        old = server.create(GD, {"function": "quadratic", "speed": 0})
        server.wait_done(old["id"])
    finally:
        stop_server(server)
    time.sleep(1)
    server = start_server(tmp_path, {"DIVELAB_WORKERS": "1", "DIVELAB_RETENTION_DAYS": "1e-5"})
    try:  # 1e-5 days is 0.86 s: the job finished before that
        deadline = time.monotonic() + 10
        while server.job(old["id"]).get("type") != "not_found":
            assert time.monotonic() < deadline
            time.sleep(0.2)
        with httpx.Client(base_url=server.url) as client:
            assert client.get(f"/api/jobs/{old['id']}/events").status_code == 404
    finally:
        stop_server(server)
