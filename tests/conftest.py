import pytest

from core.settings import get_settings
from tests.support import (
    ScratchDatabase,
    Server,
    require_services,
    start_distributed,
    start_server,
    stop_server,
)


@pytest.fixture(autouse=True)
def fresh_settings() -> None:
    """Settings are cached per process; a test that sets DIVELAB_* variables gets them read."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    server = start_server(tmp_path_factory.mktemp("embedded"), {"DIVELAB_WORKERS": "2"})
    yield server
    stop_server(server)


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
