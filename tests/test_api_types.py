"""The UI's TypeScript types are generated from the API's OpenAPI document: they must match."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from backend.openapi import document
from tests.support import ROOT

FRONTEND = ROOT / "frontend"
COMMITTED = FRONTEND / "src" / "api" / "schema.d.ts"


def generator() -> Path:
    tool = FRONTEND / "node_modules" / ".bin" / "openapi-typescript"
    if tool.exists() and shutil.which("node"):
        return tool
    message = "openapi-typescript is not installed: `make test` runs `npm ci` in frontend/"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def test_the_committed_ui_types_match_the_server(tmp_path: Path) -> None:
    spec, generated = tmp_path / "openapi.json", tmp_path / "schema.d.ts"
    spec.write_text(json.dumps(document(), indent=2, sort_keys=True) + "\n")
    subprocess.run(
        [generator(), str(spec), "-o", str(generated)],
        cwd=FRONTEND,
        check=True,
        capture_output=True,
    )
    assert generated.read_text() == COMMITTED.read_text(), (
        "frontend/src/api/schema.d.ts is out of date with the API: run `make types`"
    )


def test_the_openapi_document_describes_events_and_every_frame_kind() -> None:
    schemas = document()["components"]["schemas"]
    for kind in ("Surface", "Points", "Image", "ImageGrid", "Heatmap", "Lines"):
        event = schemas[f"{kind}FrameEvent"]
        assert event["properties"]["data"] == {"$ref": f"#/components/schemas/{kind}Data"}
        assert {"type", "kind", "data", "seq"} <= set(event["required"])
