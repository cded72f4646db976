"""Hardening: every input bounded and answered without a 5xx; a laptop server no web page can
drive. Against a real server, in both modes (the `server` fixture)."""

import asyncio
import time

import pytest
import websockets

from tests.support import Server, run_async

GD = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 5}


def finished_job(server: Server) -> dict:
    job = server.create(GD, QUICK)
    return server.wait_done(job["id"])


def slow_job(server: Server) -> dict:
    return server.create(GD, {"steps": 5000, "speed": 20})


# -- numbers at the edges ------------------------------------------------------------------


@pytest.mark.parametrize("max_points", [4, 5, 6, 7])
def test_metrics_downsample_to_any_allowed_size(server: Server, max_points: int) -> None:
    job = server.create(GD, {**QUICK, "steps": 50})
    server.wait_done(job["id"])
    with server.client() as client:
        response = client.get(f"/api/jobs/{job['id']}/metrics", params={"max_points": max_points})
    assert response.status_code == 200
    for series in response.json().values():
        assert 2 <= len(series["steps"]) <= max_points and series["total_points"] == 51


@pytest.mark.parametrize(
    ("path", "query", "field"),
    [("/api/jobs", {"offset": 2**63}, "offset"), ("/events", {"after": 2**63}, "after")],
)
def test_huge_cursors_are_refused_naming_the_field(
    server: Server, path: str, query: dict, field: str
) -> None:
    job = finished_job(server)
    url = path if path.startswith("/api") else f"/api/jobs/{job['id']}{path}"
    with server.client() as client:
        response = client.get(url, params=query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", field]


@pytest.mark.parametrize("after", ["abc", str(2**63), "-1"])
def test_a_bad_stream_cursor_closes_with_a_reason(server: Server, after: str) -> None:
    job = finished_job(server)
    code, reason = run_async(close_of(f"{server.ws_url}/api/jobs/{job['id']}/stream?after={after}"))
    assert code == 4400 and "after must be a whole number" in reason


def test_a_stream_past_the_end_of_a_finished_job_closes_at_once(server: Server) -> None:
    job = finished_job(server)
    last = server.all_events(job["id"])[-1]["seq"]
    for after in (last, last + 100):
        started = time.monotonic()
        messages, code = server.stream(job["id"], after=after, timeout=10)
        assert code == 1000 and messages == []
        assert time.monotonic() - started < 0.9  # before the first heartbeat (1 s here)


async def close_of(url: str, **connect: object) -> tuple[int | None, str]:
    async with websockets.connect(url, **connect) as ws:
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        return ws.close_code, ws.close_reason


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_numbers(server: Server, bad: str) -> None:
    bodies = [
        f'{{"demo": "{GD}", "params": {{"start": [{bad}, 0]}}}}',
        f'{{"demo": "{GD}", "params": {{"optimizers": [{{"name": "gd", "lr": {bad}}}]}}}}',
        f'{{"demo": "attention-pooling", "params": {{"sigma": {bad}}}}}',
    ]
    with server.client() as client:
        before = client.get("/api/jobs").json()["total"]
        for body in bodies:
            response = client.post(
                "/api/jobs", content=body, headers={"content-type": "application/json"}
            )
            assert response.status_code == 422, response.text
            assert response.json()["detail"][0]["type"] == "finite_number"
        job = slow_job(server)
        patch = client.patch(
            f"/api/jobs/{job['id']}/params",
            content=f'{{"speed": {bad}}}',
            headers={"content-type": "application/json"},
        )
        client.post(f"/api/jobs/{job['id']}/cancel")
        assert client.get("/api/jobs").json()["total"] == before + 1
    assert patch.status_code == 422 and patch.json()["detail"][0]["loc"] == ["body", "speed"]


def test_a_seed_beyond_what_generators_take_is_refused(server: Server) -> None:
    with server.client() as client:
        response = client.post("/api/jobs", json={"demo": GD, "params": {"seed": 10**30}})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "params", "seed"]


def test_a_body_that_is_not_json_is_a_400_that_says_so(server: Server) -> None:
    with server.client() as client:
        response = client.post(
            "/api/jobs", content=b"{not json", headers={"content-type": "application/json"}
        )
    assert response.status_code == 400
    assert response.json()["type"] == "invalid_json"


# -- deleting jobs -------------------------------------------------------------------------


def test_a_finished_job_is_deleted_with_everything_it_holds(server: Server) -> None:
    job = finished_job(server)
    with server.client() as client:
        assert client.get(f"/api/jobs/{job['id']}/artifacts").json()  # trajectories.csv
        assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
        for path in ("", "/events", "/artifacts", "/artifacts/trajectories.csv", "/metrics"):
            assert client.get(f"/api/jobs/{job['id']}{path}").status_code == 404
        again = client.delete(f"/api/jobs/{job['id']}")
    assert again.status_code == 404 and again.json()["type"] == "not_found"


def test_an_active_job_cannot_be_deleted(server: Server) -> None:
    job = slow_job(server)
    with server.client() as client:
        response = client.delete(f"/api/jobs/{job['id']}")
        client.post(f"/api/jobs/{job['id']}/cancel")
    assert response.status_code == 409 and "cancel it" in response.json()["detail"]


# -- a laptop server no web page can drive ---------------------------------------------------


def test_a_foreign_host_header_is_refused(server: Server) -> None:
    """DNS rebinding: evil.example resolves to this machine, but the Host says so."""
    with server.client() as client:
        response = client.get("/api/jobs", headers={"host": "evil.example"})
        ok = client.get("/api/health", headers={"host": "localhost"})
    assert response.status_code == 400 and response.json()["type"] == "invalid_host"
    assert ok.status_code == 200


def test_a_cross_site_request_cannot_stop_or_change_a_job(server: Server) -> None:
    job = slow_job(server)
    evil = {"origin": "https://evil.example"}
    with server.client() as client:
        cancel = client.post(f"/api/jobs/{job['id']}/cancel", headers=evil)
        form = client.post(
            f"/api/jobs/{job['id']}/cancel",
            content=b"x=1",
            headers={"content-type": "text/plain"},
        )
        patch = client.patch(f"/api/jobs/{job['id']}/params", json={"speed": 1}, headers=evil)
        create = client.post("/api/jobs", json={"demo": GD}, headers=evil)
        assert server.job(job["id"])["status"] in ("queued", "running")
        assert server.job(job["id"])["params"]["speed"] == 20
        own = client.post(f"/api/jobs/{job['id']}/cancel", headers={"origin": server.url})
    assert cancel.status_code == 403 and cancel.json()["type"] == "forbidden_origin"
    assert patch.status_code == 403 and create.status_code == 403
    assert form.status_code == 415 and form.json()["type"] == "unsupported_media_type"
    assert own.status_code == 202


def test_a_foreign_page_cannot_open_a_stream(server: Server) -> None:
    job = finished_job(server)
    url = f"{server.ws_url}/api/jobs/{job['id']}/stream"
    with pytest.raises(websockets.InvalidStatus) as refused:
        run_async(close_of(url, origin="https://evil.example"))
    assert refused.value.response.status_code == 403
    messages, code = server.stream(job["id"])  # no Origin: a script, not a page
    assert code == 1000 and messages


def test_responses_carry_security_headers(server: Server) -> None:
    with server.client() as client:
        for path in ("/", "/api/health", "/api/jobs/nope"):
            headers = client.get(path).headers
            policy = headers["content-security-policy"]
            assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
            assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";")[0]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"


# -- the OpenAPI document says what the server does -------------------------------------------


def test_openapi_describes_errors_bodies_and_media_types(server: Server) -> None:
    with server.client() as client:
        spec = client.get("/openapi.json").json()
    create = spec["paths"]["/api/jobs"]["post"]
    assert {"201", "400", "403", "413", "415", "422", "429"} <= set(create["responses"])
    body = create["requestBody"]["content"]["application/json"]["schema"]
    with server.client() as client:
        demos = [d["id"] for d in client.get("/api/demos").json()]
    assert set(body["discriminator"]["mapping"]) == set(demos)
    gd = spec["components"]["schemas"]["GradientDescentParams"]["properties"]
    assert gd["seed"]["maximum"] == 2**32 - 1
    artifact = spec["paths"]["/api/jobs/{job_id}/artifacts/{name}"]["get"]["responses"]["200"]
    assert list(artifact["content"]) == ["*/*"]
    assert "400" in spec["paths"]["/api/jobs/{job_id}/params"]["patch"]["responses"]


def test_nothing_answers_5xx_to_odd_requests(server: Server) -> None:
    odd = [
        ("GET", "/api/jobs?limit=0"),
        ("GET", "/api/jobs?status=exploded"),
        ("GET", "/api/jobs/" + "x" * 5000),
        ("GET", "/api/jobs/%00"),
        ("POST", "/api/jobs/nope/cancel"),
        ("DELETE", "/api/images/stained-glass"),
        ("PATCH", "/api/jobs/nope/params"),
        ("GET", "/api/demos/%F0%9F%98%80/preview.svg"),
    ]
    with server.client() as client:
        for method, path in odd:
            response = client.request(method, path)
            assert response.status_code < 500, (method, path, response.text)
            assert "type" in response.json()
