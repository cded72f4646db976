"""`divelab serve | worker | migrate`."""

import argparse
import getpass
import logging
import os
import sys

from core.settings import get_settings
from core.store import schema
from core.store.database import Database


def migrate() -> None:
    """Bring the database schema to the newest Alembic revision."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    database = Database.of(get_settings())
    schema.upgrade(database)
    database.dispose()


def prepare_schema() -> None:
    """The embedded database is DiveLab's own: create or upgrade it. An external one is
    upgraded by whoever runs it, with `divelab migrate`: refuse to serve an older schema."""
    settings = get_settings()
    database = Database.of(settings)
    try:
        if not settings.has_external_database:
            schema.upgrade(database)
        elif not schema.is_current(database):
            raise SystemExit(
                "divelab: the database schema is older than this version of DiveLab: "
                "run `divelab migrate`, then start again."
            )
    finally:
        database.dispose()


def serve() -> None:
    import uvicorn

    from backend.streams.shared_frames import SharedFrameProtocol

    prepare_schema()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    uvicorn.run(
        "backend.app:create_app",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.api_processes,
        ws_ping_interval=20,
        # Compressing every message once per viewer costs the API more than the bandwidth it
        # saves (events are small; images are compressed already): decline permessage-deflate.
        ws_per_message_deflate=False,
        ws=SharedFrameProtocol,  # uvicorn's own, letting the stream hub share frames
    )


def instructor_add(name: str) -> None:
    """Create an instructor of classroom mode; the password is asked for, or read from
    standard input when that is not a terminal."""
    from backend.accounts.service import Accounts
    from core.errors import DiveLabError

    if sys.stdin.isatty():
        password = getpass.getpass(f"Password for {name}: ")
        if getpass.getpass("Again: ") != password:
            raise SystemExit("divelab: the two passwords differ; nothing was created.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    settings = get_settings()
    prepare_schema()
    database = Database.of(settings)
    try:
        Accounts(database, settings).add_instructor(name, password)
    except DiveLabError as error:
        raise SystemExit(f"divelab: {error}") from None
    finally:
        database.dispose()
    print(f"Instructor {name!r} created. Sign in at the lab with this name and password.")


def worker(argv: list[str]) -> None:
    """The worker side is a program of its own (`python -m workers`): the API side starts it,
    it never imports it."""
    os.execv(sys.executable, [sys.executable, "-m", "workers", *argv])


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["worker"]:
        worker(argv[1:])
    parser = argparse.ArgumentParser(prog="divelab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("serve", help="serve the API and UI (embedded: and a worker pool)")
    commands.add_parser("migrate", help="create or upgrade the database schema")
    commands.add_parser(
        "worker", help="run jobs from Redis (distributed mode); see `divelab worker --help`"
    )
    instructor = commands.add_parser("instructor", help="manage instructors (classroom mode)")
    instructor_commands = instructor.add_subparsers(dest="action", required=True)
    add = instructor_commands.add_parser("add", help="create an instructor")
    add.add_argument("name")
    args = parser.parse_args(argv)
    if args.command == "instructor":
        instructor_add(args.name)
        return
    {"serve": serve, "migrate": migrate}[args.command]()


if __name__ == "__main__":
    main()
