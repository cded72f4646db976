"""A run exported through the API: its script reproduces it, the live change included; what
cannot be exported says why (409), and the demo's code is served for the Code tab."""

from pathlib import Path

from tests.api.test_forks import RACERS, fork
from tests.exports.test_scripts import without_divelab
from tests.support import Server

GD = "gradient-descent"


def test_a_finished_run_downloads_as_a_script_that_verifies(
    embedded_server: Server, tmp_path: Path
) -> None:
    server = embedded_server
    job = server.create(GD, {"function": "quadratic", "optimizers": RACERS, "steps": 300})
    server.wait_for_status(job["id"], "running")
    faster = [{**RACERS[0], "lr": 0.05}, RACERS[1]]
    with server.client() as client:
        changed = client.patch(f"/api/jobs/{job['id']}/params", json={"optimizers": faster})
        assert changed.status_code == 200, changed.text
        client.patch(f"/api/jobs/{job['id']}/params", json={"speed": 0})
    assert server.wait_done(job["id"])["status"] == "succeeded"
    with server.client() as client:
        response = client.get(f"/api/jobs/{job['id']}/code")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/x-python")
    filename = f"gradient_descent_{job['id']}.py"
    assert response.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert "'lr': 0.05" in response.text.split("LIVE_CHANGES = ", 1)[1].split("\n\n")[0]

    (tmp_path / filename).write_text(response.text)
    result = without_divelab([filename, "--verify", "--threads", "1"], tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "recorded metric values match the run's" in result.stdout


def test_what_cannot_be_exported_says_why(embedded_server: Server) -> None:
    server = embedded_server
    running = server.create(GD, {"steps": 100_000, "speed": 20})
    finished = server.create(GD, {"function": "quadratic", "speed": 0, "steps": 30})
    server.wait_done(finished["id"])
    forked = fork(server, finished["id"], None)
    with server.client() as client:
        not_yet = client.get(f"/api/jobs/{running['id']}/code")
        of_fork = client.get(f"/api/jobs/{forked['id']}/code")
        unknown = client.get("/api/jobs/0123456789abcdef/code")
        client.post(f"/api/jobs/{running['id']}/cancel")
        code = client.get(f"/api/demos/{GD}/code")
        no_demo = client.get("/api/demos/no-such-demo/code")
    assert not_yet.status_code == 409 and "trained to its end" in not_yet.json()["detail"]
    assert of_fork.status_code == 409 and "is a fork" in of_fork.json()["detail"]
    assert unknown.status_code == 404
    assert code.status_code == 200
    assert "# --- workers/demos/gradient_descent/model.py ---" in code.text
    assert no_demo.status_code == 404
