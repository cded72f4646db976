"""A fair share of the workers, in both engines, with real workers: a learner who queues ten
jobs does not delay two who queue one each; class limits answer 429 saying which."""

import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import httpx
import pytest

from tests.api.test_classroom import add_instructor
from tests.support import (
    ScratchDatabase,
    Server,
    require_services,
    start_distributed,
    start_server,
    stop_server,
)

GD = "gradient-descent"
SHORT = {"function": "quadratic", "steps": 15, "speed": 10}  # about 1.5 s of work each
LIMITS = {
    "running": 5,
    "queued": 20,
    "worker_minutes_per_day": 600,
    "uploads": 5,
    "upload_megabytes": 50,
}


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def taught(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A classroom-mode server whose workers run two jobs at once."""
    env = {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "2"}
    data_dir = tmp_path_factory.mktemp(f"fair-{request.param}")
    if request.param == "embedded":
        server = start_server(data_dir, env)
        yield server
        stop_server(server)
        return
    require_services()
    database = ScratchDatabase.create()
    server = start_distributed(data_dir, database, env)
    yield server
    stop_server(server)
    database.drop()


def signed_in_class(server: Server, limits: dict) -> tuple[httpx.Client, str]:
    add_instructor(server, "ada", "long enough")
    instructor = server.client()
    instructor.post("/api/session", json={"name": "ada", "password": "long enough"})
    created = instructor.post("/api/classes", json={"name": "fair", "limits": limits})
    assert created.status_code == 201, created.text
    return instructor, created.json()["code"]


def join(server: Server, code: str, name: str) -> httpx.Client:
    client = server.client()
    assert client.post("/api/classes/join", json={"code": code, "name": name}).status_code == 204
    return client


def started_at(client: httpx.Client, job_id: str) -> datetime:
    deadline = time.monotonic() + 120
    while (job := client.get(f"/api/jobs/{job_id}").json())["started_at"] is None:
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    return datetime.fromisoformat(job["started_at"])


def test_two_learners_with_one_job_start_before_the_third_of_ten(taught: Server) -> None:
    instructor, code = signed_in_class(taught, LIMITS)
    a, b, c = (join(taught, code, name) for name in ("A", "B", "C"))
    many = [a.post("/api/jobs", json={"demo": GD, "params": SHORT}).json()["id"] for _ in range(10)]
    one_b = b.post("/api/jobs", json={"demo": GD, "params": SHORT}).json()["id"]
    one_c = c.post("/api/jobs", json={"demo": GD, "params": SHORT}).json()["id"]
    a_starts = sorted(started_at(a, job) for job in many)
    b_start, c_start = started_at(b, one_b), started_at(c, one_c)
    # Two slots: A's first two start at once; the next two free slots go to B and C.
    assert b_start < a_starts[2] and c_start < a_starts[2], (a_starts, b_start, c_start)
    for client in (instructor, a, b, c):
        client.close()


def test_class_limits_answer_429_naming_the_limit(tmp_path: Path) -> None:
    server = start_server(tmp_path, {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "1"})
    try:
        limits = {**LIMITS, "running": 1, "queued": 1, "uploads": 0}
        instructor, code = signed_in_class(server, limits)
        learner = join(server, code, "Eve")
        slow = {"steps": 100_000, "speed": 20}
        first = learner.post("/api/jobs", json={"demo": GD, "params": slow}).json()
        started_at(learner, first["id"])  # running, so no longer waiting
        second = learner.post("/api/jobs", json={"demo": GD, "params": slow}).json()
        third = learner.post("/api/jobs", json={"demo": GD, "params": slow})
        me = learner.get("/api/me").json()
        upload = learner.post(
            "/api/images", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}
        )
        for job in (first, second):
            learner.post(f"/api/jobs/{job['id']}/cancel")
        assert third.status_code == 429 and "runs waiting" in third.json()["detail"]
        assert int(third.headers["retry-after"]) > 0
        assert me["limits"]["queued"] == 1 and me["usage"]["queued"] + me["usage"]["running"] == 2
        assert upload.status_code == 429 and "uploaded images" in upload.json()["detail"]
        changed = instructor.put(
            f"/api/classes/{instructor.get('/api/classes').json()[0]['id']}/limits",
            json={**limits, "queued": 5},
        )
        assert changed.status_code == 200 and changed.json()["limits"]["queued"] == 5
        instructor.close()
        learner.close()
    finally:
        stop_server(server)
