"""Forks through the API, in both engines: from finished and from running jobs, a fork of a
fork, the lineage, and the errors (no snapshot yet: 409; a param a fork may not change: 422)."""

import time

import pytest

from tests.support import Server

GD = "gradient-descent"
RACERS = [{"name": "gd", "lr": 0.01}, {"name": "sgd", "lr": 0.01}]  # SGD draws noise
# 8 s of training: room for several snapshots within their 1.5% share even on a busy machine
# (at 4 s a loaded CI machine once kept only the first and the last, in the distributed mode)
FINISHED = {"function": "quadratic", "optimizers": RACERS, "speed": 75, "steps": 600}
RUNNING = {**FINISHED, "steps": 100_000, "speed": 50}


def snapshot_steps(server: Server, job_id: str) -> list[int]:
    with server.client() as client:
        response = client.get(f"/api/jobs/{job_id}/snapshots")
    assert response.status_code == 200, response.text
    return [snapshot["step"] for snapshot in response.json()["snapshots"]]


def fork(server: Server, job_id: str, step: int | None, params: dict | None = None) -> dict:
    with server.client() as client:
        response = client.post(
            f"/api/jobs/{job_id}/fork", json={"step": step, "params": params or {}}
        )
    assert response.status_code == 201, response.text
    return response.json()


def metric_values(server: Server, job_id: str) -> dict[str, dict[int, float]]:
    values: dict[str, dict[int, float]] = {}
    for event in server.all_events(job_id):
        if event["type"] == "metric":
            for name, value in event["values"].items():
                values.setdefault(name, {})[event["step"]] = value
    return values


@pytest.fixture(scope="module")
def finished(server: Server) -> str:
    job = server.create(GD, FINISHED)
    assert server.wait_done(job["id"])["status"] == "succeeded"
    return job["id"]


def test_a_finished_job_keeps_snapshots_from_its_first_step_to_its_last(
    server: Server, finished: str
) -> None:
    steps = snapshot_steps(server, finished)
    assert steps[0] == 0 and steps[-1] == FINISHED["steps"]
    assert len(steps) >= 3, steps


def test_a_control_twin_forked_mid_run_reproduces_its_parent(server: Server, finished: str) -> None:
    middle = snapshot_steps(server, finished)[1]
    twin = fork(server, finished, middle + 1)  # the nearest snapshot at or before the step
    assert (twin["parent_id"], twin["fork_step"]) == (finished, middle)
    assert twin["params"] == server.job(finished)["params"]
    assert server.wait_done(twin["id"])["status"] == "succeeded"

    events = server.all_events(twin["id"])
    assert all(e["step"] is None or e["step"] >= middle for e in events[1:])
    parent, child = metric_values(server, finished), metric_values(server, twin["id"])
    for name, series in child.items():
        assert min(series) > middle
        expected = {s: v for s, v in parent[name].items() if s > middle}
        assert series == expected, f"{name} differs from the parent after step {middle}"


def test_a_fork_of_a_fork_and_the_lineage(server: Server, finished: str) -> None:
    steps = snapshot_steps(server, finished)
    changed = {"optimizers": [{"name": "gd", "lr": 0.02}, {"name": "sgd", "lr": 0.01}]}
    child = fork(server, finished, steps[1], changed)
    done = server.wait_done(child["id"])
    assert done["status"] == "succeeded", done["error"]
    child_steps = snapshot_steps(server, child["id"])
    assert child_steps[0] == steps[1] and child_steps[-1] == FINISHED["steps"]
    grandchild = fork(server, child["id"], child_steps[-1], {"steps": FINISHED["steps"] + 50})
    assert server.wait_done(grandchild["id"])["status"] == "succeeded"
    assert max(metric_values(server, grandchild["id"])["gd"]) == FINISHED["steps"] + 50

    with server.client() as client:
        lineage = client.get(f"/api/jobs/{grandchild['id']}/lineage").json()
    parents = {node["id"]: node["parent_id"] for node in lineage["nodes"]}
    assert lineage["root_id"] == finished
    assert parents[child["id"]] == finished and parents[grandchild["id"]] == child["id"]
    job = server.job(grandchild["id"])
    assert (job["parent_id"], job["fork_step"]) == (child["id"], FINISHED["steps"])


def test_a_running_job_forks_now_at_its_next_step(server: Server) -> None:
    job = server.create(GD, RUNNING)
    server.wait_for_status(job["id"], "running")
    time.sleep(0.5)
    now = fork(server, job["id"], None, {"speed": 0, "steps": 400})
    assert now["fork_step"] > 0
    assert now["fork_step"] in snapshot_steps(server, job["id"])
    with server.client() as client:
        client.post(f"/api/jobs/{job['id']}/cancel")
    done = server.wait_done(now["id"])
    assert done["status"] == "succeeded", done["error"]
    events = server.all_events(now["id"])
    assert next(e for e in events if e["type"] == "params")["step"] == now["fork_step"]
    assert all(e["step"] > now["fork_step"] for e in events if e["type"] == "metric")


def test_forks_refuse_what_they_cannot_do(server: Server, finished: str) -> None:
    steps = snapshot_steps(server, finished)
    child = fork(server, finished, steps[1])
    server.wait_done(child["id"])
    with server.client() as client:
        before_first = client.post(
            f"/api/jobs/{child['id']}/fork", json={"step": steps[1] - 1, "params": {}}
        )
        shape = client.post(
            f"/api/jobs/{finished}/fork", json={"step": None, "params": {"function": "saddle"}}
        )
        sweep = client.post(
            "/api/jobs",
            json={"demo": "polynomial-fit", "params": {"mode": "sweep", "speed": 0, "epochs": 5}},
        ).json()
        unknown = client.post("/api/jobs/0123456789abcdef/fork", json={"step": 1})
    assert before_first.status_code == 409
    assert before_first.json()["first_step"] == steps[1]
    assert shape.status_code == 422
    assert shape.json()["detail"][0]["loc"] == ["body", "params", "function"]
    assert shape.json()["detail"][0]["type"] == "not_forkable"
    assert unknown.status_code == 404
    server.wait_done(sweep["id"], timeout=120)
    with server.client() as client:
        no_snapshot = client.post(f"/api/jobs/{sweep['id']}/fork", json={"step": None})
    assert no_snapshot.status_code == 409, no_snapshot.text
    assert no_snapshot.json()["type"] == "no_snapshot"
    assert "sweep" in no_snapshot.json()["detail"]
