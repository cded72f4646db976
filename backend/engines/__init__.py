"""Where jobs run: the embedded process pool, or Celery workers (distributed)."""

from backend.engines.base import JobEngine
from backend.streams.hub import StreamHub
from core.settings import Settings
from core.store.database import Database
from core.store.lifecycle import Lifecycle


def create_engine_for(settings: Settings, database: Database, lifecycle: Lifecycle) -> JobEngine:
    hub = StreamHub(
        settings.stream_client_queue,
        settings.stream_batch_seconds,
        settings.stream_heartbeat_seconds,
    )
    if settings.mode == "distributed":
        from backend.engines.distributed import DistributedEngine

        return DistributedEngine(hub, settings, database, lifecycle)
    from backend.engines.embedded import EmbeddedEngine

    return EmbeddedEngine(hub, settings, database, lifecycle)
