"""Property-based fuzzing of the whole API from its OpenAPI document (schemathesis): every
phase (examples, coverage, fuzzing, stateful: calls chained through the links from created jobs
and images), a fixed seed and a bounded number of cases, against a real server of each mode.
No response may be a 5xx, and every response must conform to the document (status codes,
media types, headers, bodies); requests that violate the schema must be refused.

Left out: `positive_data_acceptance`, which expects every schema-valid request to succeed; the
schema cannot say that an upload must be an image, that a live change may name only live
params of the job's demo, or that a probe must use its task's vocabulary.
"""

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import (
    ROOT,
    ScratchDatabase,
    Server,
    require_services,
    start_distributed,
    start_server,
    stop_server,
)

SEED = 20261201
EXAMPLES = 15  # per operation and phase: about 1,000 requests per mode
BOUNDS = {"DIVELAB_MAX_QUEUED_JOBS": "8", "DIVELAB_MAX_UPLOADS": "20"}


@pytest.fixture(scope="module", params=["embedded", "distributed"])
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A server of its own: fuzzing leaves jobs and uploads behind."""
    data_dir = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    if request.param == "embedded":
        server = start_server(data_dir, {**BOUNDS, "DIVELAB_WORKERS": "1"})
        yield server
        stop_server(server)
        return
    require_services()
    database = ScratchDatabase.create()
    server = start_distributed(data_dir, database, BOUNDS)
    yield server
    stop_server(server)
    database.drop()


def test_the_api_survives_and_conforms_to_its_schema(fuzzed: Server, tmp_path: Path) -> None:
    report = ROOT / "test-artifacts" / f"fuzz-{fuzzed.mode}.txt"
    report.parent.mkdir(exist_ok=True)
    result = subprocess.run(
        [
            Path(sys.executable).parent / "st",
            "run",
            f"{fuzzed.url}/openapi.json",
            "--checks=all",
            "--exclude-checks=positive_data_acceptance",
            "--phases=examples,coverage,fuzzing,stateful",
            f"--max-examples={EXAMPLES}",
            f"--seed={SEED}",
            "--workers=1",
            "--max-time=40",
            "--request-timeout=20",
            "--no-color",
            "--generation-database=none",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=170,
    )
    report.write_text(result.stdout + result.stderr)
    tail = "\n".join(result.stdout.splitlines()[-60:])
    assert result.returncode == 0, f"schemathesis found failures ({report}):\n{tail}"
