"""`python -m backend.openapi FILE`: write the API's OpenAPI document, from which the UI's
TypeScript types are generated (`make types`; a test fails when they drift)."""

import json
import sys
import tempfile
from pathlib import Path

from backend.app import create_app
from core.settings import Settings


def document() -> dict:
    with tempfile.TemporaryDirectory() as data_dir:  # the app is built, never started
        return create_app(Settings(data_dir=Path(data_dir))).openapi()


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(document(), indent=2, sort_keys=True) + "\n")
