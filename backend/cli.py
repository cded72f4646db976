"""`divelab serve | worker | migrate`."""

import argparse
import logging
from pathlib import Path

from backend.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def migrate() -> None:
    """Bring the database schema to the newest Alembic revision."""
    from alembic import command
    from alembic.config import Config

    get_settings().ensure_data_dir()
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    command.upgrade(config, "head")


def serve() -> None:
    import uvicorn

    from backend.app import create_app

    settings = get_settings()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, ws_ping_interval=20)


def worker(queues: str | None, concurrency: int | None) -> None:
    """A Celery worker for the distributed mode; its processes import torch once."""
    from workers.distributed import create_celery

    settings = get_settings()
    if not settings.redis_url:
        raise SystemExit("divelab worker needs DIVELAB_REDIS_URL (the distributed mode).")
    app = create_celery(settings)
    app.worker_main(
        [
            "worker",
            "--loglevel=INFO",
            f"--queues={queues or settings.worker_queues}",
            f"--concurrency={concurrency or settings.worker_concurrency}",
            "--pool=prefork",
            "--without-gossip",
            "--without-mingle",
        ]
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="divelab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API and UI (embedded: and a worker pool)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    worker_cmd = commands.add_parser("worker", help="run jobs from Redis (distributed mode)")
    worker_cmd.add_argument("--queues", help="comma-separated: gpu, cpu (default both)")
    worker_cmd.add_argument("--concurrency", type=int, help="jobs at once (default 1)")
    args = parser.parse_args(argv)
    if args.command == "worker":
        worker(args.queues, args.concurrency)
    else:
        {"serve": serve, "migrate": migrate}[args.command]()


if __name__ == "__main__":
    main()
