"""Classroom mode: sign-in by invite, each learner's runs their own, tokens for scripts, and
an authorization matrix over every route."""

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support import Server, run_async, start_server, stop_server

GD = "gradient-descent"
QUICK = {"function": "quadratic", "speed": 0, "steps": 3}
SLOW = {"steps": 100_000, "speed": 20}


def add_instructor(server: Server, name: str, password: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [Path(sys.executable).parent / "divelab", "instructor", "add", name],
        input=password + "\n",
        env=server.env,
        capture_output=True,
        text=True,
    )


@dataclass
class Class:
    server: Server
    instructor: httpx.Client
    a: httpx.Client
    b: httpx.Client
    class_id: str
    code: str

    def close(self) -> None:
        for client in (self.instructor, self.a, self.b):
            client.close()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Class]:
    server = start_server(
        tmp_path_factory.mktemp("classroom"),
        {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "2"},
    )
    assert add_instructor(server, "ada", "correct horse").returncode == 0
    instructor = server.client()
    assert (
        instructor.post("/api/session", json={"name": "ada", "password": "correct horse"})
    ).status_code == 204
    created = instructor.post("/api/classes", json={"name": "Deep learning 101"}).json()
    learners = []
    for name in ("Alice", "Bob"):
        learner = server.client()
        joined = learner.post("/api/classes/join", json={"code": created["code"], "name": name})
        assert joined.status_code == 204, joined.text
        learners.append(learner)
    group = Class(server, instructor, *learners, created["id"], created["code"])
    yield group
    group.close()
    stop_server(server)


def test_a_wrong_password_and_no_credential_are_401(classroom: Class) -> None:
    with classroom.server.client() as anonymous:
        wrong = anonymous.post("/api/session", json={"name": "ada", "password": "nope"})
        jobs = anonymous.get("/api/jobs")
        public = anonymous.get("/api/demos")
    assert wrong.status_code == 401 and wrong.json()["type"] == "unauthorized"
    assert jobs.status_code == 401 and "Sign in" in jobs.json()["detail"]
    assert jobs.headers["www-authenticate"] == "Bearer"
    assert public.status_code == 200  # the catalogue is public


def test_each_learner_sees_and_controls_only_their_own_runs(classroom: Class) -> None:
    mine = classroom.a.post("/api/jobs", json={"demo": GD, "params": SLOW}).json()
    theirs_view = classroom.b.get(f"/api/jobs/{mine['id']}")
    theirs_cancel = classroom.b.post(f"/api/jobs/{mine['id']}/cancel")
    listed = classroom.b.get("/api/jobs").json()["items"]
    assert theirs_view.status_code == 404 and theirs_cancel.status_code == 404
    assert mine["id"] not in [j["id"] for j in listed]
    assert mine["id"] in [j["id"] for j in classroom.instructor.get("/api/jobs").json()["items"]]
    stopped = classroom.instructor.post(f"/api/jobs/{mine['id']}/cancel")
    assert stopped.status_code == 202  # the instructor may stop any run


def test_signing_out_ends_the_session(classroom: Class) -> None:
    with classroom.server.client() as learner:
        learner.post("/api/classes/join", json={"code": classroom.code, "name": "Leaving"})
        assert learner.get("/api/me").status_code == 200
        stale = learner.cookies["divelab_session"]
        assert learner.delete("/api/session").status_code == 204
        assert "divelab_session" not in learner.cookies
        again = learner.get("/api/me", headers={"cookie": f"divelab_session={stale}"})
    assert again.status_code == 401


def test_a_shared_run_is_watched_by_classmates_but_not_changed(classroom: Class) -> None:
    job = classroom.a.post("/api/jobs", json={"demo": GD, "params": SLOW}).json()
    assert classroom.b.get(f"/api/jobs/{job['id']}").status_code == 404
    shared = classroom.a.put(f"/api/jobs/{job['id']}/shared", json={"shared": True})
    assert shared.status_code == 200 and shared.json()["shared"] is True
    watched = classroom.b.get(f"/api/jobs/{job['id']}/events")
    changed = classroom.b.post(f"/api/jobs/{job['id']}/cancel")
    resharing = classroom.b.put(f"/api/jobs/{job['id']}/shared", json={"shared": False})
    assert watched.status_code == 200 and watched.json()["events"]
    assert changed.status_code == 403 and changed.json()["type"] == "forbidden"
    assert resharing.status_code == 403
    with classroom.server.client() as outsider:  # not signed in: nothing to see
        assert outsider.get(f"/api/jobs/{job['id']}").status_code == 401
    classroom.a.post(f"/api/jobs/{job['id']}/cancel")


def test_me_says_who_is_signed_in(classroom: Class) -> None:
    me = classroom.a.get("/api/me").json()
    assert (me["name"], me["role"], me["class_id"], me["auth"]) == (
        "Alice",
        "learner",
        classroom.class_id,
        "classroom",
    )
    assert classroom.instructor.get("/api/me").json()["role"] == "instructor"


def test_a_token_works_for_scripts_until_revoked(classroom: Class) -> None:
    created = classroom.a.post("/api/tokens", json={"name": "notebook"}).json()
    bearer = {"authorization": f"Bearer {created['token']}"}
    with classroom.server.client() as script:
        job = script.post("/api/jobs", json={"demo": GD, "params": QUICK}, headers=bearer)
        assert job.status_code == 201
        assert classroom.a.get(f"/api/jobs/{job.json()['id']}").status_code == 200
        listed = classroom.a.get("/api/tokens").json()
        assert [t["id"] for t in listed] == [created["id"]] and "token" not in listed[0]
        assert classroom.a.delete(f"/api/tokens/{created['id']}").status_code == 204
        assert script.get("/api/jobs", headers=bearer).status_code == 401


def test_a_name_taken_needs_its_pin_and_a_pin_brings_a_learner_back(classroom: Class) -> None:
    code = classroom.code
    with classroom.server.client() as first, classroom.server.client() as second:
        joined = first.post("/api/classes/join", json={"code": code, "name": "Cy", "pin": "4321"})
        assert joined.status_code == 204
        job = first.post("/api/jobs", json={"demo": GD, "params": QUICK}).json()
        wrong = second.post("/api/classes/join", json={"code": code, "name": "Cy", "pin": "0000"})
        back = second.post("/api/classes/join", json={"code": code, "name": "Cy", "pin": "4321"})
        assert wrong.status_code == 401 and back.status_code == 204
        assert second.get(f"/api/jobs/{job['id']}").status_code == 200  # the same learner
    with classroom.server.client() as someone:
        taken = someone.post("/api/classes/join", json={"code": code, "name": "Alice"})
        assert taken.status_code == 409 and "taken" in taken.json()["detail"]


def test_ending_the_class_stops_its_invite_and_sessions(tmp_path: Path) -> None:
    server = start_server(tmp_path, {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "1"})
    try:
        add_instructor(server, "grace", "long enough")
        with server.client() as instructor, server.client() as learner:
            instructor.post("/api/session", json={"name": "grace", "password": "long enough"})
            created = instructor.post("/api/classes", json={"name": "Once"}).json()
            learner.post("/api/classes/join", json={"code": created["code"], "name": "Dee"})
            assert learner.get("/api/me").status_code == 200
            ended = instructor.post(f"/api/classes/{created['id']}/end").json()
            assert ended["ended"] and ended["code"] is None
            assert learner.get("/api/me").status_code == 401
            again = learner.post("/api/classes/join", json={"code": created["code"], "name": "E"})
            assert again.status_code == 404
    finally:
        stop_server(server)


def test_the_stream_needs_a_credential(classroom: Class) -> None:
    import websockets

    job = classroom.a.post("/api/jobs", json={"demo": GD, "params": QUICK}).json()
    url = f"{classroom.server.ws_url}/api/jobs/{job['id']}/stream"
    cookie = {"cookie": f"divelab_session={classroom.a.cookies['divelab_session']}"}

    async def codes() -> tuple:
        async with websockets.connect(url) as anonymous:
            with contextlib.suppress(websockets.ConnectionClosed):
                await anonymous.recv()
        async with websockets.connect(url, additional_headers=cookie) as owner:
            first = await owner.recv()
        return anonymous.close_code, first

    anonymous_code, first = run_async(codes())
    assert anonymous_code == 4401 and '"seq":1' in first.replace(" ", "")


def test_cross_site_requests_and_websockets_are_refused_even_with_a_session(
    classroom: Class,
) -> None:
    """CSRF: a page on another site, in the learner's or the instructor's browser, cannot use
    their session: the cookie is SameSite (browsers leave it off cross-site requests), and a
    request that carries it anyway from a foreign Origin is refused before any route."""
    import websockets

    joined = classroom.server.client().post(
        "/api/classes/join", json={"code": classroom.code, "name": "Carol"}
    )
    cookie = joined.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie

    evil = {"origin": "https://evil.example"}
    before = classroom.a.get("/api/jobs").json()["total"]
    forged = classroom.a.post("/api/jobs", json={"demo": GD, "params": QUICK}, headers=evil)
    form = classroom.a.post(
        "/api/jobs", content=b"demo=gradient-descent", headers={"content-type": "text/plain"}
    )
    class_url = f"/api/classes/{classroom.class_id}"
    stop_all = classroom.instructor.post(f"{class_url}/stop", headers=evil)
    end = classroom.instructor.post(f"{class_url}/end", headers=evil)
    token = classroom.a.post("/api/tokens", json={"name": "x"}, headers=evil)
    assert [r.status_code for r in (forged, stop_all, end, token)] == [403] * 4
    assert forged.json()["type"] == "forbidden_origin"
    assert form.status_code == 415  # the kind of POST a cross-site form may send unasked
    assert classroom.a.get("/api/jobs").json()["total"] == before
    assert classroom.instructor.get(class_url).json()["ended"] is False

    job = classroom.a.post("/api/jobs", json={"demo": GD, "params": QUICK}).json()
    sessions = {
        "a": {"cookie": f"divelab_session={classroom.a.cookies['divelab_session']}"},
        "instructor": {
            "cookie": f"divelab_session={classroom.instructor.cookies['divelab_session']}"
        },
    }
    ws = classroom.server.ws_url
    for url, who in (
        (f"{ws}/api/jobs/{job['id']}/stream", "a"),
        (f"{ws}{class_url}/grid?demo={GD}", "instructor"),
    ):
        with pytest.raises(websockets.InvalidStatus) as refused:
            run_async(open_and_close(url, {**sessions[who], **evil}))
        assert refused.value.response.status_code == 403, url


async def open_and_close(url: str, headers: dict[str, str]) -> None:
    import websockets

    async with websockets.connect(url, additional_headers=headers):
        pass


def test_failed_sign_ins_and_invite_guesses_are_rate_limited_but_a_class_joins_at_once(
    tmp_path: Path,
) -> None:
    """Per address, at most 10 failed sign-ins and 30 failed joins a minute (wrong password,
    code or PIN): then 429 with Retry-After, even for the right one. Successful joins do not
    count: a class of 40 behind one school address joins in one go."""
    server = start_server(tmp_path, {"DIVELAB_AUTH": "classroom", "DIVELAB_WORKERS": "1"})
    try:
        assert add_instructor(server, "ada", "correct horse").returncode == 0
        with server.client() as client:
            right = {"name": "ada", "password": "correct horse"}
            assert client.post("/api/session", json=right).status_code == 204
            code = client.post("/api/classes", json={"name": "big"}).json()["code"]
            joins = [
                client.post("/api/classes/join", json={"code": code, "name": f"learner {i}"})
                for i in range(40)
            ]
            assert [r.status_code for r in joins] == [204] * 40

            wrong = {"name": "ada", "password": "wrong horse"}
            failed = [client.post("/api/session", json=wrong).status_code for _ in range(10)]
            locked = client.post("/api/session", json=right)
            guesses = [
                client.post("/api/classes/join", json={"code": "WRONG234", "name": "x"}).status_code
                for _ in range(30)
            ]
            guessed_out = client.post("/api/classes/join", json={"code": code, "name": "late"})
        assert failed == [401] * 10
        assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
        assert "failed attempts" in locked.json()["detail"]
        assert guesses == [404] * 30
        assert guessed_out.status_code == 429
    finally:
        stop_server(server)
