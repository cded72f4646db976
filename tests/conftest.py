import os

import pytest

from tests.support import (
    ScratchDatabase,
    Server,
    services_missing,
    start_distributed,
    start_server,
    stop_server,
)


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    server = start_server(tmp_path_factory.mktemp("embedded"), {"DIVELAB_WORKERS": "2"})
    yield server
    stop_server(server)


def require_services() -> None:
    """Redis and PostgreSQL must answer: in CI their absence fails the run, elsewhere it skips."""
    missing = services_missing()
    if missing is None:
        return
    message = f"DISTRIBUTED SUITE NOT RUN: {missing}. Start Redis and PostgreSQL (see README)."
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def distributed_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    require_services()
    database = ScratchDatabase.create()
    server = start_distributed(tmp_path_factory.mktemp("distributed"), database)
    yield server
    stop_server(server)
    database.drop()


@pytest.fixture(scope="session", params=["embedded", "distributed"])
def server(request: pytest.FixtureRequest) -> Server:
    """The API contract suite runs once per mode, against the same routes."""
    return request.getfixturevalue(f"{request.param}_server")
