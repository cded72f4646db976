import pytest

from tests.support import Server, start_server, stop_server


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory: pytest.TempPathFactory) -> Server:
    server = start_server(tmp_path_factory.mktemp("embedded"), {"DIVELAB_WORKERS": "2"})
    yield server
    stop_server(server)


@pytest.fixture(scope="session")
def server(embedded_server: Server) -> Server:
    """The server the API contract suite runs against."""
    return embedded_server
