"""What one long job leaves in the event log, without and with the frame bound, side by side.

A `gradient-descent` job of N steps (speed 0) emits a metric and a positions frame per step.
The same job runs on two embedded servers: one keeping every frame
(DIVELAB_FRAMES_KEPT_PER_NAME far above N), one with the default bound. Prints the stored
events, their payload bytes, and the database file's size.

    .venv/bin/python bench/event_log.py [--steps 100000]
"""

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings
from tests.support import start_server, stop_server

UNBOUNDED = str(10**9)


def stored(steps: int, frames_kept: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {"DIVELAB_WORKERS": "1"}
        if frames_kept:
            env["DIVELAB_FRAMES_KEPT_PER_NAME"] = frames_kept
        server = start_server(Path(data_dir), env)
        try:
            job = server.create(
                "gradient-descent", {"function": "rastrigin", "steps": steps, "speed": 0}
            )
            done = server.wait_done(job["id"], timeout=3600)
        finally:
            stop_server(server)
        assert done["status"] == "succeeded", done
        database = Path(data_dir) / "divelab.sqlite3"
        with sqlite3.connect(database) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection.execute("VACUUM")
            events, frames, payload = connection.execute(
                "SELECT count(*), sum(type = 'frame'), sum(length(payload)) FROM job_events"
            ).fetchone()
        return {
            "events": events,
            "frames": frames,
            "payload_mb": payload / 1e6,
            "file_mb": database.stat().st_size / 1e6,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100_000)
    args = parser.parse_args()
    default = Settings.model_fields["frames_kept_per_name"].default
    rows = [
        ("every frame kept", stored(args.steps, UNBOUNDED)),
        (f"bounded ({default} per name)", stored(args.steps, None)),
    ]
    print(f"gradient-descent, {args.steps:,} steps, one job, embedded (SQLite):")
    print(f"{'':28} {'events':>10} {'frames':>9} {'payload MB':>11} {'file MB':>9}")
    for label, row in rows:
        print(
            f"{label:28} {row['events']:>10,} {row['frames']:>9,} "
            f"{row['payload_mb']:>11.1f} {row['file_mb']:>9.1f}"
        )
    before, after = rows[0][1], rows[1][1]
    print(f"database file: {after['file_mb'] / before['file_mb']:.2f}× with the bound")


if __name__ == "__main__":
    main()
