"""The REST and websocket contract, against a real `divelab serve` (see conftest.py)."""

import time

import pytest

from core.events import event_adapter
from tests.support import Server

GD = "gradient-descent"


def slow_params(steps: int = 400, speed: float = 40, **extra) -> dict:
    """A gd race slow enough to act on while it runs."""
    return {
        "function": "quadratic",
        "optimizers": [{"name": "gd", "lr": 0.01}],
        "steps": steps,
        "speed": speed,
        **extra,
    }


def assert_contiguous(events: list[dict]) -> None:
    seqs = [e["seq"] for e in events]
    assert seqs == list(range(1, len(seqs) + 1)), seqs


# -- health and catalogue ------------------------------------------------------------------


def test_health_names_the_mode(server: Server) -> None:
    with server.client() as client:
        body = client.get("/api/health").json()
    assert body["status"] == "ok"
    assert body["mode"] == server.mode
    assert body["version"]


def test_catalogue_describes_params_with_defaults_ranges_and_liveness(server: Server) -> None:
    with server.client() as client:
        demos = client.get("/api/demos").json()
        one = client.get(f"/api/demos/{GD}")
        missing = client.get("/api/demos/no-such-demo")
    assert GD in [d["id"] for d in demos]
    in_book = [d for d in demos if d["book"]]
    sections = [tuple(int(n) for n in d["chapter"].split()[0].split(".")) for d in in_book]
    assert sections == sorted(sections)  # book order
    # then the demos beyond the book (no section, a chapter of Zefs Guide)
    beyond = demos[len(in_book) :]
    assert all(not d["book"] and d["zefs"] and d["chapter"] == "Beyond the book" for d in beyond)
    demo = one.json()
    assert demo["chapter"] == "12.3 Gradient Descent"  # today's d2l.ai numbering
    assert set(demo["live_params"]) == {"optimizers", "speed"}
    props = demo["params_schema"]["properties"]
    assert props["steps"]["default"] == 20 and props["steps"]["maximum"] == 100_000
    assert props["speed"]["live"] is True and props["speed"]["unit"] == "steps/s"
    gd_schema = demo["params_schema"]["$defs"]["GD"]["properties"]["lr"]
    assert gd_schema["live"] is True and gd_schema["scale"] == "log"
    assert missing.status_code == 404


def test_catalogue_names_both_books_and_serves_each_demos_picture(server: Server) -> None:
    with server.client() as client:
        demos = {d["id"]: d for d in client.get("/api/demos").json()}
        picture = client.get(demos["transformer-attention"]["preview_url"])
        missing = client.get("/api/demos/no-such-demo/preview.svg")
    (main,) = demos["transformer-attention"]["book"]
    assert (main["number"], main["chapter_title"]) == (
        "11.7",
        "Attention Mechanisms and Transformers",
    )
    assert main["edition_0_14"] == {"number": "10.3", "title": "Transformer"}
    assert [z["topic"] for z in demos["transformer-attention"]["zefs"]] == [
        "Attention",
        "Transformers",
    ]
    for demo in demos.values():  # a section of the book, or beyond it: Zefs Guide names it
        assert demo["book"] or demo["chapter"] == "Beyond the book", demo["id"]
        assert demo["zefs"] and demo["what_to_try"], demo["id"]
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    assert picture.content.lstrip().startswith(b"<svg")
    assert missing.status_code == 404 and missing.json()["type"] == "not_found"


def test_catalogue_serves_each_demos_metric_charts(server: Server) -> None:
    with server.client() as client:
        demos = {d["id"]: d for d in client.get("/api/demos").json()}
    assert demos[GD]["charts"] == []  # the default: one chart with every metric
    assert demos["edge-kernel"]["charts"] == [
        {"title": "Loss", "metrics": ["loss"], "y_label": "squared error", "log_scale": True},
        {"title": "Kernel weights", "metrics": ["K[*]"], "y_label": "weight", "log_scale": False},
    ]


def test_openapi_documents_routes_and_errors(server: Server) -> None:
    with server.client() as client:
        spec = client.get("/openapi.json").json()
    patch = spec["paths"]["/api/jobs/{job_id}/params"]["patch"]["responses"]
    assert {"200", "404", "409", "422"} <= set(patch)
    assert "/api/jobs/{job_id}/metrics" in spec["paths"]
    with server.client() as client:
        assert client.get("/docs").status_code == 200


# -- creating and reading jobs ---------------------------------------------------------------


def test_create_fills_defaults_and_runs_to_success(server: Server) -> None:
    job = server.create(GD, {"function": "quadratic", "speed": 0})
    assert job["status"] in ("queued", "running")
    assert job["params"]["steps"] == 20 and job["params"]["start"] == [-5.0, -2.0]
    done = server.wait_done(job["id"])
    assert done["status"] == "succeeded"
    assert done["started_at"] and done["finished_at"] and done["error"] is None
    assert [o["label"] for o in done["summary"]["optimizers"]] == ["gd", "momentum", "rmsprop"]
    events = server.all_events(job["id"])
    assert_contiguous(events)
    for event in events:
        event_adapter.validate_python(event)
    assert [e["status"] for e in events if e["type"] == "status"] == [
        "queued",
        "running",
        "succeeded",
    ]


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"demo": GD, "params": {"steps": 0}}, ["body", "params", "steps"]),
        (
            {"demo": GD, "params": {"optimizers": [{"name": "gd", "lr": -1}]}},
            ["body", "params", "optimizers", 0, "gd", "lr"],
        ),
        (
            {"demo": GD, "params": {"optimizers": [{"name": "newton"}]}},
            ["body", "params", "optimizers", 0],
        ),
        ({"demo": GD, "params": {"learning_rate": 1}}, ["body", "params", "learning_rate"]),
        ({"demo": "no-such-demo"}, ["body", "demo"]),
        ({"params": {}}, ["body", "demo"]),
    ],
)
def test_create_rejects_bad_input_naming_the_field(server: Server, body: dict, loc: list) -> None:
    with server.client() as client:
        before = client.get("/api/jobs").json()["total"]
        response = client.post("/api/jobs", json=body)
        after = client.get("/api/jobs").json()["total"]
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == loc
    assert after == before  # nothing half-created


def test_list_is_newest_first_filtered_and_paginated(server: Server) -> None:
    ids = [
        server.create(GD, {"function": "quadratic", "speed": 0, "steps": 2})["id"] for _ in range(3)
    ]
    for job_id in ids:
        server.wait_done(job_id)
    with server.client() as client:
        page = client.get("/api/jobs", params={"demo": GD, "limit": 2}).json()
        second = client.get("/api/jobs", params={"demo": GD, "limit": 2, "offset": 2}).json()
        succeeded = client.get("/api/jobs", params={"status": "succeeded", "limit": 200}).json()
        none = client.get("/api/jobs", params={"demo": "no-such-demo"}).json()
        bad = client.get("/api/jobs", params={"status": "exploded"})
    assert [j["id"] for j in page["items"]] == ids[::-1][:2]
    assert second["items"][0]["id"] == ids[0]
    assert page["total"] >= 3 and page["limit"] == 2
    assert all(j["status"] == "succeeded" for j in succeeded["items"])
    assert none == {"items": [], "total": 0, "limit": 50, "offset": 0}
    assert bad.status_code == 422


def test_unknown_ids_are_404(server: Server) -> None:
    with server.client() as client:
        for response in [
            client.get("/api/jobs/nope"),
            client.post("/api/jobs/nope/cancel"),
            client.patch("/api/jobs/nope/params", json={"speed": 1}),
            client.get("/api/jobs/nope/events"),
            client.get("/api/jobs/nope/metrics"),
            client.get("/api/jobs/nope/artifacts"),
        ]:
            assert response.status_code == 404, response.request.url
            assert "nope" in response.json()["detail"]


def test_events_page_through_a_cursor(server: Server) -> None:
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 30})
    server.wait_done(job["id"])
    seen: list[dict] = []
    after = 0
    with server.client() as client:
        while page := client.get(
            f"/api/jobs/{job['id']}/events", params={"after": after, "limit": 7}
        ).json():
            if not page["events"]:
                break
            assert len(page["events"]) <= 7
            seen += page["events"]
            after = page["next_after"]
    assert_contiguous(seen)
    assert seen[-1]["type"] == "status" and seen[-1]["status"] == "succeeded"


def test_metrics_full_and_downsampled(server: Server) -> None:
    job = server.create(
        GD,
        {
            "function": "quadratic",
            "speed": 0,
            "steps": 500,
            "optimizers": [{"name": "sgd", "lr": 0.05}],
        },
    )
    server.wait_done(job["id"])
    with server.client() as client:
        full = client.get(f"/api/jobs/{job['id']}/metrics").json()["sgd"]
        small = client.get(f"/api/jobs/{job['id']}/metrics", params={"max_points": 50}).json()
        bad = client.get(f"/api/jobs/{job['id']}/metrics", params={"max_points": 1})
    assert full["steps"] == list(range(501)) and full["total_points"] == 501
    series = small["sgd"]
    assert len(series["steps"]) <= 50 and series["total_points"] == 501
    # MinMaxLTTB keeps the extremes of the full series.
    assert max(series["values"]) == max(full["values"])
    assert min(series["values"]) == min(full["values"])
    assert bad.status_code == 422


def test_artifacts_are_listed_and_downloadable(server: Server) -> None:
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 3})
    server.wait_done(job["id"])
    with server.client() as client:
        listing = client.get(f"/api/jobs/{job['id']}/artifacts").json()
        csv = client.get(listing[0]["url"])
        missing = client.get(f"/api/jobs/{job['id']}/artifacts/nothing.bin")
    assert [a["name"] for a in listing] == ["trajectories.csv"]
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "step,optimizer,x1,x2,f"
    assert missing.status_code == 404


# -- live params and cancel ------------------------------------------------------------------


def test_live_change_bends_the_trajectory_from_the_reported_step(server: Server) -> None:
    job = server.create(GD, slow_params(steps=120, speed=40))
    server.wait_for_status(job["id"], "running")
    time.sleep(0.5)
    with server.client() as client:
        response = client.patch(
            f"/api/jobs/{job['id']}/params", json={"optimizers": [{"name": "gd", "lr": 0.2}]}
        )
        assert response.status_code == 200
        assert response.json()["version"] == 2
        assert response.json()["params"]["optimizers"][0]["lr"] == 0.2
        assert client.get(f"/api/jobs/{job['id']}").json()["params"]["optimizers"][0]["lr"] == 0.2
    server.wait_done(job["id"])
    events = server.all_events(job["id"])
    (change,) = [e for e in events if e["type"] == "params" and e["version"] == 2]
    applied_at = change["step"]
    assert 1 < applied_at < 120
    points = {
        e["step"]: e["data"]["points"][0]
        for e in events
        if e["type"] == "frame" and e["name"] == "positions"
    }
    for step in range(1, 121):  # x <- x - lr * (2 x1, 4 x2), with the lr in force at `step`
        lr = 0.01 if step < applied_at else 0.2
        x1, x2 = points[step - 1]
        assert points[step] == pytest.approx([x1 - lr * 2 * x1, x2 - lr * 4 * x2]), step


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        ({"steps": 5}, ["body", "steps"]),
        ({"speed": -1}, ["body", "speed"]),
        ({"optimizers": [{"name": "adam", "lr": 0.1}]}, ["body", "optimizers", 0]),
        (
            {"optimizers": [{"name": "gd", "lr": 0.1}, {"name": "gd", "lr": 0.1}]},
            ["body", "optimizers"],
        ),
    ],
)
def test_live_change_rejects_what_is_not_live_or_invalid(
    server: Server, change: dict, loc: list
) -> None:
    job = server.create(GD, slow_params(steps=200, speed=20))
    try:
        with server.client() as client:
            response = client.patch(f"/api/jobs/{job['id']}/params", json=change)
            params = client.get(f"/api/jobs/{job['id']}").json()["params"]
        assert response.status_code == 422
        assert response.json()["detail"][0]["loc"] == loc
        assert params == job["params"]  # nothing changed
    finally:
        with server.client() as client:
            client.post(f"/api/jobs/{job['id']}/cancel")


def test_finished_jobs_refuse_changes_and_cancel_with_409(server: Server) -> None:
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 2})
    server.wait_done(job["id"])
    with server.client() as client:
        patch = client.patch(f"/api/jobs/{job['id']}/params", json={"speed": 3})
        cancel = client.post(f"/api/jobs/{job['id']}/cancel")
    assert patch.status_code == 409 and "finished" in patch.json()["detail"]
    assert cancel.status_code == 409


def test_cancel_stops_a_running_job_within_a_step(server: Server) -> None:
    job = server.create(GD, slow_params(steps=10_000, speed=20))
    server.wait_for_status(job["id"], "running")
    time.sleep(0.3)
    with server.client() as client:
        response = client.post(f"/api/jobs/{job['id']}/cancel")
    assert response.status_code == 202
    cancelled_at = time.monotonic()
    done = server.wait_done(job["id"], timeout=10)
    assert done["status"] == "cancelled" and done["error"] == "Stopped at the learner's request."
    assert time.monotonic() - cancelled_at < 2  # a step is 50 ms at 20 steps/s
    events = server.all_events(job["id"])
    assert_contiguous(events)
    assert events[-1]["status"] == "cancelled"


def test_jobs_beyond_the_pool_wait_queued_and_can_be_cancelled(server: Server) -> None:
    running = [
        server.create(GD, slow_params(steps=10_000, speed=10)) for _ in range(server.capacity)
    ]
    try:
        for job in running:
            server.wait_for_status(job["id"], "running")
        waiting = server.create(GD, slow_params(steps=3, speed=0))
        time.sleep(0.5)
        assert server.job(waiting["id"])["status"] == "queued"
        with server.client() as client:
            assert client.post(f"/api/jobs/{waiting['id']}/cancel").status_code == 202
        done = server.wait_done(waiting["id"], timeout=10)
        assert done["status"] == "cancelled" and done["started_at"] is None
        assert done["error"] == "Stopped at the learner's request. It had not started."
    finally:
        with server.client() as client:
            for job in running:
                client.post(f"/api/jobs/{job['id']}/cancel")
    for job in running:
        server.wait_done(job["id"])


def test_a_diverging_run_ends_diverged_and_explains_why(server: Server) -> None:
    job = server.create(
        GD,
        {
            "function": "quadratic",
            "speed": 0,
            "steps": 2000,
            "optimizers": [{"name": "gd", "lr": 3}],
        },
    )
    done = server.wait_done(job["id"])
    assert done["status"] == "diverged"
    assert "learning rate" in done["error"] and "step" in done["error"]


# -- the websocket stream --------------------------------------------------------------------


def test_stream_replays_then_follows_live_and_closes_1000(server: Server) -> None:
    job = server.create(GD, slow_params(steps=40, speed=40))
    messages, code = server.stream(job["id"])
    events = [m for m in messages if "seq" in m]
    assert code == 1000
    assert_contiguous(events)
    assert events[-1]["type"] == "status" and events[-1]["status"] == "succeeded"
    assert events == server.all_events(job["id"])


def test_stream_resumes_after_a_disconnect_without_gaps_or_duplicates(server: Server) -> None:
    job = server.create(GD, slow_params(steps=60, speed=40))
    first, _ = server.stream(job["id"], stop_after=25)  # disconnect mid-run
    first = [m for m in first if "seq" in m]
    assert server.job(job["id"])["status"] == "running"
    rest, code = server.stream(job["id"], after=first[-1]["seq"])
    combined = first + [m for m in rest if "seq" in m]
    assert code == 1000
    assert_contiguous(combined)
    assert combined[-1]["status"] == "succeeded"


def test_stream_of_a_finished_job_replays_from_the_cursor(server: Server) -> None:
    job = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 5})
    server.wait_done(job["id"])
    messages, code = server.stream(job["id"], after=4)
    assert code == 1000
    assert [m["seq"] for m in messages] == list(range(5, len(messages) + 5))


def test_stream_sends_heartbeats_when_idle(server: Server) -> None:
    # At 0.5 steps/s the stream is idle for 2 s between steps; heartbeats fill the gaps.
    job = server.create(GD, slow_params(steps=2, speed=0.5))
    messages, code = server.stream(job["id"])
    assert code == 1000
    assert any(m["type"] == "heartbeat" and "seq" not in m for m in messages)


def test_stream_of_an_unknown_job_closes_4404(server: Server) -> None:
    messages, code = server.stream("no-such-job")
    assert messages == [] and code == 4404
