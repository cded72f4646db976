"""Where jobs run: the embedded process pool, or Celery workers (distributed)."""

from backend.engines.base import JobEngine
from backend.settings import Settings
from backend.streams.hub import StreamHub


def create_engine_for(settings: Settings) -> JobEngine:
    hub = StreamHub(settings.stream_client_queue)
    if settings.mode == "distributed":
        from backend.engines.distributed import DistributedEngine

        return DistributedEngine(hub, settings)
    from backend.engines.embedded import EmbeddedEngine

    return EmbeddedEngine(hub, settings)
