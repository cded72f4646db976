"""A fresh start needs no extra step: the embedded database is created at start; an external
database that is behind makes `divelab serve` refuse, in one line that names the fix."""

import subprocess
import sys
from pathlib import Path

from tests.support import ScratchDatabase, require_services, start_server, stop_server


def test_serve_on_a_fresh_data_folder_creates_its_database(tmp_path: Path) -> None:
    assert list(tmp_path.iterdir()) == []
    server = start_server(tmp_path)  # and no `divelab migrate` before
    try:
        job = server.create("gradient-descent", {"function": "quadratic", "speed": 0})
        assert server.wait_done(job["id"])["status"] == "succeeded"
    finally:
        stop_server(server)
    assert (tmp_path / "divelab.sqlite3").exists()


def test_serve_refuses_an_external_database_that_is_behind(tmp_path: Path) -> None:
    require_services()
    database = ScratchDatabase.create()
    try:
        result = subprocess.run(
            [Path(sys.executable).parent / "divelab", "serve"],
            env={
                "PATH": "/usr/bin:/bin",
                "DIVELAB_DATA_DIR": str(tmp_path),
                "DIVELAB_DATABASE_URL": database.url,
                "DIVELAB_PORT": "9",  # never bound: it must stop before serving
            },
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        database.drop()
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "divelab migrate" in lines[0], result.stderr
    assert "Traceback" not in result.stderr
