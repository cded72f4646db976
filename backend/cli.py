"""`divelab serve | worker | migrate`."""

import argparse
import logging
from pathlib import Path

from backend.settings import get_settings

ROOT = Path(__file__).resolve().parent.parent


def migrate() -> None:
    """Bring the database schema to the newest Alembic revision."""
    from alembic.config import Config

    from alembic import command

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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="divelab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API and UI (and, embedded, a worker pool)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    args = parser.parse_args(argv)
    {"serve": serve, "migrate": migrate}[args.command]()


if __name__ == "__main__":
    main()
