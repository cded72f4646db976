"""The instructor's class tools and a learner's place in the queue (classroom mode, both
engines, one job slot): queue position and wait, pushed presets, stop all, the live grid."""

import asyncio
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import websockets

from tests.api.test_classroom import add_instructor
from tests.api.test_fairness import started_at
from tests.support import (
    ScratchDatabase,
    Server,
    require_services,
    run_async,
    start_distributed,
    start_server,
    stop_server,
)

GD = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 3}
SLOW = {"steps": 100_000, "speed": 20}
LIMITS = {
    "running": 1,
    "queued": 5,
    "worker_minutes_per_day": 600,
    "uploads": 5,
    "upload_megabytes": 50,
}


@dataclass
class Class:
    server: Server
    instructor: httpx.Client
    alice: httpx.Client
    bob: httpx.Client
    class_id: str

    def cookie(self, client: httpx.Client) -> dict[str, str]:
        return {"cookie": f"divelab_session={client.cookies['divelab_session']}"}

    def stop_all(self) -> None:
        assert self.instructor.post(f"/api/classes/{self.class_id}/stop").status_code == 200


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def taught(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Class]:
    env = {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "1", "DIVELAB_WORKER_CONCURRENCY": "1"}
    data_dir = tmp_path_factory.mktemp(f"teaching-{request.param}")
    database = None
    if request.param == "embedded":
        server = start_server(data_dir, env)
    else:
        require_services()
        database = ScratchDatabase.create()
        server = start_distributed(data_dir, database, env)
    assert add_instructor(server, "ada", "long enough").returncode == 0
    instructor = server.client()
    instructor.post("/api/session", json={"name": "ada", "password": "long enough"})
    created = instructor.post("/api/classes", json={"name": "teaching", "limits": LIMITS}).json()
    learners = []
    for name in ("Alice", "Bob"):
        learner = server.client()
        joined = learner.post("/api/classes/join", json={"code": created["code"], "name": name})
        assert joined.status_code == 204
        learners.append(learner)
    group = Class(server, instructor, *learners, created["id"])
    yield group
    for client in (instructor, *learners):
        client.close()
    stop_server(server)
    if database is not None:
        database.drop()


def submit(client: httpx.Client, params: dict) -> str:
    response = client.post("/api/jobs", json={"demo": GD, "params": params})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def wait_status(client: httpx.Client, job_id: str, statuses: set[str]) -> dict:
    deadline = time.monotonic() + 60
    while (job := client.get(f"/api/jobs/{job_id}").json())["status"] not in statuses:
        assert time.monotonic() < deadline, job
        time.sleep(0.05)
    return job


def test_a_learner_sees_their_place_in_the_fair_queue_and_an_estimated_wait(
    taught: Class,
) -> None:
    alice_jobs = [submit(taught.alice, SLOW) for _ in range(3)]
    started_at(taught.alice, alice_jobs[0])
    bobs = submit(taught.bob, SLOW)
    places = {
        job: client.get(f"/api/jobs/{job}/queue").json()
        for client, job in [(taught.alice, j) for j in alice_jobs] + [(taught.bob, bobs)]
    }
    other = taught.bob.get(f"/api/jobs/{alice_jobs[1]}/queue")
    taught.stop_all()

    assert places[alice_jobs[0]]["status"] == "running"
    assert places[alice_jobs[0]]["position"] is None
    # Bob queued last but has nothing running: his job starts at the next free slot.
    assert [places[job]["position"] for job in (bobs, alice_jobs[1], alice_jobs[2])] == [1, 2, 3]
    assert {places[job]["waiting"] for job in (bobs, *alice_jobs[1:])} == {3}
    waits = [places[job]["estimated_wait_seconds"] for job in (bobs, *alice_jobs[1:])]
    assert 0 < waits[0] < waits[1] < waits[2], waits
    assert other.status_code == 404  # another learner's job is not revealed


def test_a_pushed_preset_reaches_every_learner_and_can_start_for_all(taught: Class) -> None:
    url = f"/api/classes/{taught.class_id}/preset"
    pushed = taught.instructor.post(url, json={"demo": GD, "params": QUICK, "start": True})
    assert pushed.status_code == 200, pushed.text
    outcome = pushed.json()
    assert len(outcome["started"]) == 2 and outcome["refused"] == []
    for learner in (taught.alice, taught.bob):
        preset = learner.get("/api/me").json()["preset"]
        assert preset["demo"] == GD and preset["params"] == QUICK
    for job_id in outcome["started"]:  # each learner's own run, with the pushed params
        job = wait_status(taught.instructor, job_id, {"succeeded"})
        assert {k: job["params"][k] for k in QUICK} == QUICK
    owners = {
        taught.instructor.get(f"/api/jobs/{j}").json()["owner_id"] for j in outcome["started"]
    }
    assert len(owners) == 2

    bad = taught.instructor.post(url, json={"demo": GD, "params": {"steps": -1}})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-2:] == ["params", "steps"]
    unknown = taught.instructor.post(url, json={"demo": "no-such-demo"})
    assert unknown.status_code == 422
    assert taught.alice.post(url, json={"demo": GD}).status_code == 403

    limits = f"/api/classes/{taught.class_id}/limits"
    taught.instructor.put(limits, json={**LIMITS, "queued": 0})
    try:
        refused = taught.instructor.post(url, json={"demo": GD, "params": QUICK, "start": True})
    finally:
        taught.instructor.put(limits, json=LIMITS)
    assert refused.json()["started"] == []
    assert [r["learner"] for r in refused.json()["refused"]] == ["Alice", "Bob"]
    assert all("runs waiting" in r["reason"] for r in refused.json()["refused"])

    class_url = f"/api/classes/{taught.class_id}"
    assert taught.instructor.get(class_url).json()["preset"]["demo"] == GD
    assert taught.instructor.delete(url).status_code == 204
    assert taught.alice.get("/api/me").json()["preset"] is None
    assert taught.instructor.get(class_url).json()["preset"] is None


def test_stop_all_stops_every_run_of_the_class(taught: Class) -> None:
    jobs = [submit(taught.alice, SLOW), submit(taught.bob, SLOW)]
    started_at(taught.alice, jobs[0])
    stopped = taught.instructor.post(f"/api/classes/{taught.class_id}/stop")
    assert stopped.status_code == 200 and stopped.json() == {"cancelled": 2}
    for job, learner in zip(jobs, (taught.alice, taught.bob), strict=True):
        stopped_job = wait_status(learner, job, {"cancelled"})
        assert stopped_job["error"].startswith("Stopped by the instructor, ada.")
    assert taught.bob.post(f"/api/classes/{taught.class_id}/stop").status_code == 403


def test_the_grid_streams_every_learners_run_over_one_websocket(taught: Class) -> None:
    url = f"{taught.server.ws_url}/api/classes/{taught.class_id}/grid?demo={GD}"
    race = {"function": "quadratic", "steps": 40, "speed": 40}
    alices = {**race, "optimizers": [{"name": "gd", "lr": 0.1}]}
    bobs = {**race, "optimizers": [{"name": "momentum", "lr": 0.1}]}

    async def watch() -> tuple[list[dict], list[str]]:
        messages: list[dict] = []
        async with websockets.connect(
            url, additional_headers=taught.cookie(taught.instructor)
        ) as ws:
            jobs = [submit(taught.alice, alices), submit(taught.bob, bobs)]
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                messages.append(message)
                latest = {r["job_id"]: r["status"] for r in message.get("learners", [])}
                # A tick reads the runs before their metrics, and a run's metrics are all
                # stored before its final status: the last points come with it.
                if all(latest.get(job) == "succeeded" for job in jobs):
                    break
        return messages, jobs

    messages, jobs = run_async(watch())
    rosters = [m["learners"] for m in messages if "learners" in m]
    assert [r["name"] for r in rosters[-1]] == ["Alice", "Bob"]
    assert {r["job_id"] for r in rosters[-1]} == set(jobs)
    # The two learners race different optimizers: the grid draws each run's own metrics.
    metrics = messages[-1]["metrics"]  # a grid message, not a heartbeat
    assert {"gd", "momentum"} <= set(metrics), metrics
    for job in jobs:  # the grid's points, joined, are the run's whole series
        drawn: dict[str, list] = {}
        for message in messages:
            update = message.get("points", {}).get(job)
            for name, series in (update or {}).get("series", {}).items():
                drawn.setdefault(name, [])
                drawn[name] += list(zip(series["steps"], series["values"], strict=True))
        stored = taught.instructor.get(f"/api/jobs/{job}/metrics").json()
        assert set(drawn) == set(stored) & set(metrics)
        for name in drawn:
            expected = list(zip(stored[name]["steps"], stored[name]["values"], strict=True))
            assert drawn[name] == expected, name
