from collections.abc import Iterator
from pathlib import Path

import pytest

from core.store import schema
from core.store.database import Database
from tests.support import ScratchDatabase, require_services


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A job store at the newest schema, of each kind DiveLab runs on."""
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.sqlite3'}")
        schema.upgrade(database)
        yield database
        database.dispose()
        return
    require_services()
    scratch = ScratchDatabase.create()
    database = Database(scratch.url)
    schema.upgrade(database)
    yield database
    database.dispose()
    scratch.drop()
