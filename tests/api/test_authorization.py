"""The authorization matrix of classroom mode: every route of the API (read from the app's
own OpenAPI document, so that a new route without a rule here fails) and the websocket, for
an anonymous caller, a revoked token, learner A (who owns the resources), learner B and the
instructor."""

import io
import itertools
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
import websockets
from PIL import Image

from backend.openapi import document
from tests.api.test_classroom import add_instructor
from tests.support import Server, run_async, start_server, stop_server

GD = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 3}
PUBLIC, SIGNED_IN, OWNER, INSTRUCTOR, OWN_CREDENTIAL = (
    "public",
    "signed in",
    "owner",
    "instructor",
    "own credential",
)
# (method, path) -> who may: public (anyone), signed in (anyone with a live credential),
# owner (the resource's owner and the instructor; anyone else: not found), instructor (only
# the instructor; learners: forbidden), own credential (the credential's holder).
RULES = {
    ("GET", "/api/health"): PUBLIC,
    ("GET", "/api/demos"): PUBLIC,
    ("GET", "/api/demos/{demo_id}"): PUBLIC,
    ("GET", "/api/demos/{demo_id}/preview.svg"): PUBLIC,
    ("GET", "/api/demos/{demo_id}/code"): PUBLIC,
    ("POST", "/api/session"): PUBLIC,
    ("DELETE", "/api/session"): PUBLIC,
    ("POST", "/api/classes/join"): PUBLIC,
    ("GET", "/api/me"): SIGNED_IN,
    ("POST", "/api/tokens"): SIGNED_IN,
    ("GET", "/api/tokens"): SIGNED_IN,
    ("DELETE", "/api/tokens/{token_id}"): OWN_CREDENTIAL,
    ("POST", "/api/jobs"): SIGNED_IN,
    ("GET", "/api/jobs"): SIGNED_IN,
    ("GET", "/api/jobs/{job_id}"): OWNER,
    ("DELETE", "/api/jobs/{job_id}"): OWNER,
    ("PATCH", "/api/jobs/{job_id}/params"): OWNER,
    ("PUT", "/api/jobs/{job_id}/shared"): OWNER,
    ("POST", "/api/jobs/{job_id}/cancel"): OWNER,
    ("GET", "/api/jobs/{job_id}/queue"): OWNER,
    ("GET", "/api/jobs/{job_id}/events"): OWNER,
    ("GET", "/api/jobs/{job_id}/metrics"): OWNER,
    ("GET", "/api/jobs/{job_id}/artifacts"): OWNER,
    ("GET", "/api/jobs/{job_id}/artifacts/{name}"): OWNER,
    ("GET", "/api/jobs/{job_id}/snapshots"): OWNER,
    ("POST", "/api/jobs/{job_id}/fork"): OWNER,
    ("GET", "/api/jobs/{job_id}/lineage"): OWNER,
    ("GET", "/api/jobs/{job_id}/code"): OWNER,
    ("GET", "/api/jobs/{job_id}/notebook"): OWNER,
    ("POST", "/api/images"): SIGNED_IN,
    ("GET", "/api/images"): SIGNED_IN,
    ("GET", "/api/images/{image_id}"): OWNER,
    ("DELETE", "/api/images/{image_id}"): OWNER,
    ("GET", "/api/images/{image_id}/content"): OWNER,
    ("POST", "/api/classes"): INSTRUCTOR,
    ("GET", "/api/classes"): INSTRUCTOR,
    ("GET", "/api/classes/{class_id}"): INSTRUCTOR,
    ("POST", "/api/classes/{class_id}/roster"): INSTRUCTOR,
    ("DELETE", "/api/classes/{class_id}/learners/{learner_id}"): INSTRUCTOR,
    ("PUT", "/api/classes/{class_id}/limits"): INSTRUCTOR,
    ("POST", "/api/classes/{class_id}/invite"): INSTRUCTOR,
    ("DELETE", "/api/classes/{class_id}/invite"): INSTRUCTOR,
    ("POST", "/api/classes/{class_id}/end"): INSTRUCTOR,
    ("POST", "/api/classes/{class_id}/preset"): INSTRUCTOR,
    ("DELETE", "/api/classes/{class_id}/preset"): INSTRUCTOR,
    ("POST", "/api/classes/{class_id}/stop"): INSTRUCTOR,
}
PATH_PARAMETERS = ("job_id", "image_id", "token_id", "class_id", "learner_id", "demo_id", "name")
IDENTITIES = ["anonymous", "revoked token", "learner B", "learner A", "instructor"]


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@dataclass
class World:
    server: Server
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    class_id: str = ""
    code: str = ""
    names: Iterator[int] = field(default_factory=itertools.count)

    def call(self, who: str, method: str, path: str, **kwargs: object):
        with self.server.client() as client:
            return client.request(method, path, headers=self.headers[who], **kwargs)

    def wait_done(self, job_id: str) -> None:
        deadline = time.monotonic() + 60
        while self.call("learner A", "GET", f"/api/jobs/{job_id}").json()["status"] in (
            "queued",
            "running",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.05)

    def fresh(self, parameter: str, class_id: str = "") -> str:
        """A new resource of learner A's (or a new class, or a learner of `class_id`) for one
        request: what a request may delete or end is never what the others use."""
        if parameter == "job_id":
            job = self.call("learner A", "POST", "/api/jobs", json={"demo": GD, "params": QUICK})
            self.wait_done(job.json()["id"])  # its artifact is there
            return job.json()["id"]
        if parameter == "image_id":
            files = {"file": ("red.png", png(), "image/png")}
            return self.call("learner A", "POST", "/api/images", files=files).json()["id"]
        if parameter == "token_id":
            return self.call("learner A", "POST", "/api/tokens", json={"name": "t"}).json()["id"]
        if parameter == "learner_id":
            roster = {"names": [f"roster {next(self.names)}"]}
            detail = self.call("instructor", "POST", f"/api/classes/{class_id}/roster", json=roster)
            return detail.json()["learners"][-1]["id"]
        if parameter == "class_id":
            return self.call("instructor", "POST", "/api/classes", json={"name": "c"}).json()["id"]
        return {"demo_id": GD, "name": "trajectories.csv"}[parameter]

    def body(self, method: str, path: str) -> dict[str, object]:
        bodies: dict[tuple[str, str], Callable[[], dict[str, object]]] = {
            ("POST", "/api/jobs"): lambda: {"json": {"demo": GD, "params": QUICK}},
            ("PATCH", "/api/jobs/{job_id}/params"): lambda: {"json": {"speed": 5}},
            ("POST", "/api/jobs/{job_id}/fork"): lambda: {"json": {"step": None}},
            ("PUT", "/api/jobs/{job_id}/shared"): lambda: {"json": {"shared": False}},
            ("POST", "/api/images"): lambda: {"files": {"file": ("a.png", png(), "image/png")}},
            ("POST", "/api/session"): lambda: {"json": {"name": "ada", "password": "secret pw"}},
            ("POST", "/api/classes/join"): lambda: {
                "json": {"code": self.code, "name": f"joiner {next(self.names)}"}
            },
            ("POST", "/api/classes"): lambda: {"json": {"name": "another"}},
            ("POST", "/api/classes/{class_id}/roster"): lambda: {"json": {"names": ["x"]}},
            ("PUT", "/api/classes/{class_id}/limits"): lambda: {"json": {"queued": 4}},
            ("POST", "/api/classes/{class_id}/preset"): lambda: {
                "json": {"demo": GD, "params": QUICK}
            },
            ("POST", "/api/tokens"): lambda: {"json": {"name": "t"}},
        }
        return bodies.get((method, path), dict)()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    server = start_server(
        tmp_path_factory.mktemp("authz"), {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "2"}
    )
    world = World(server)
    add_instructor(server, "ada", "secret pw")
    with server.client() as client:
        client.post("/api/session", json={"name": "ada", "password": "secret pw"})
        world.headers["instructor"] = {
            "cookie": f"divelab_session={client.cookies['divelab_session']}"
        }
    world.headers["anonymous"] = {}
    created = world.call("instructor", "POST", "/api/classes", json={"name": "matrix"}).json()
    world.class_id, world.code = created["id"], created["code"]
    for name in ("learner A", "learner B"):
        with server.client() as client:
            client.post("/api/classes/join", json={"code": world.code, "name": name})
            world.headers[name] = {"cookie": f"divelab_session={client.cookies['divelab_session']}"}
    revoked = world.call("learner B", "POST", "/api/tokens", json={"name": "old"}).json()
    world.call("learner B", "DELETE", f"/api/tokens/{revoked['id']}")
    world.headers["revoked token"] = {"authorization": f"Bearer {revoked['token']}"}
    yield world
    stop_server(server)


def expected(rule: str, who: str) -> set[str]:
    """What the answer must be: 'allowed' (neither 401, 403 nor 404) or a status."""
    if rule == PUBLIC:
        return {"allowed", "401"}  # (a sign-in with no credential is judged by its body)
    if who in ("anonymous", "revoked token"):
        return {"401"}
    if rule == SIGNED_IN:
        return {"allowed"}
    if rule == INSTRUCTOR:
        return {"allowed"} if who == "instructor" else {"403"}
    if rule in (OWNER, OWN_CREDENTIAL):
        return (
            {"404"}
            if who == "learner B" or (rule == OWN_CREDENTIAL and who != "learner A")
            else {"allowed"}
        )
    raise AssertionError(rule)


def outcome(status: int) -> str:
    return str(status) if status in (401, 403, 404) else "allowed"


def test_every_route_has_a_rule() -> None:
    routes = {
        (method.upper(), path)
        for path, operations in document()["paths"].items()
        for method in operations
    }
    assert routes - set(RULES) == set(), "a route without an authorization rule"
    assert set(RULES) - routes == set(), "a rule for a route that is gone"


@pytest.mark.parametrize(("method", "path"), sorted(RULES))
def test_the_matrix(world: World, method: str, path: str) -> None:
    rule = RULES[(method, path)]
    for who in IDENTITIES:
        url, class_id = path, ""
        for parameter in PATH_PARAMETERS:  # a class before its learners
            if f"{{{parameter}}}" in url:
                value = world.fresh(parameter, class_id)
                class_id = value if parameter == "class_id" else class_id
                url = url.replace(f"{{{parameter}}}", value)
        # Signing out would end the identity's session for the rest of the matrix: it is
        # public, and tried without one (signing out is tested in test_classroom.py).
        caller = "anonymous" if (method, path) == ("DELETE", "/api/session") else who
        response = world.call(caller, method, url, **world.body(method, path))
        assert response.status_code < 500, (who, method, url, response.text)
        assert outcome(response.status_code) in expected(rule, who), (
            who,
            method,
            url,
            response.status_code,
            response.text,
        )


async def close_code(url: str, headers: dict[str, str]) -> int | None:
    async with websockets.connect(url, additional_headers=headers) as ws:
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed:
            return ws.close_code


def test_the_stream_matrix(world: World) -> None:
    job = world.fresh("job_id")
    url = f"{world.server.ws_url}/api/jobs/{job}/stream"

    codes = {who: run_async(close_code(url, world.headers[who])) for who in IDENTITIES}
    assert codes == {
        "anonymous": 4401,
        "revoked token": 4401,
        "learner B": 4404,
        "learner A": 1000,
        "instructor": 1000,
    }


def test_the_grid_matrix(world: World) -> None:
    """Only the class's instructor opens its live grid (they get its first message)."""
    url = f"{world.server.ws_url}/api/classes/{world.class_id}/grid?demo={GD}"
    outcomes = {who: run_async(grid_outcome(url, world.headers[who])) for who in IDENTITIES}
    assert outcomes == {
        "anonymous": 4401,
        "revoked token": 4401,
        "learner B": 4404,
        "learner A": 4404,
        "instructor": "grid",
    }
    unknown_demo = url.replace(GD, "no-such-demo")
    assert run_async(grid_outcome(unknown_demo, world.headers["instructor"])) == 4404


async def grid_outcome(url: str, headers: dict[str, str]) -> int | str | None:
    async with websockets.connect(url, additional_headers=headers) as ws:
        try:
            return json.loads(await ws.recv())["type"]
        except websockets.ConnectionClosed:
            return ws.close_code
