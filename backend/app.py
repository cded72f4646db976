"""The FastAPI application: routers, error handlers, the engine's lifecycle, the UI."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.exceptions import HTTPException
from starlette.types import Scope

from backend import errors, openapi
from backend.accounts.router import router as accounts_router
from backend.accounts.service import Accounts
from backend.demos.router import router as demos_router
from backend.engines import create_engine_for
from backend.exports.router import router as exports_router
from backend.exports.service import Exports
from backend.guard import RequestGuard
from backend.images.router import router as images_router
from backend.images.service import ImageService
from backend.jobs.forks import Forks
from backend.jobs.router import router as jobs_router
from backend.jobs.service import JobService
from backend.streams.replay import SharedReads
from backend.streams.router import OpenStreams
from backend.streams.router import router as streams_router
from backend.teaching.router import router as teaching_router
from backend.teaching.service import Teaching
from core import __version__
from core.settings import Settings, get_settings
from core.store.database import Database
from core.store.lifecycle import Lifecycle

log = logging.getLogger(__name__)

FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"


class Health(BaseModel):
    status: Literal["ok"]
    mode: Literal["embedded", "distributed"]
    version: str


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app and everything it owns, made from `settings`: its database, the job lifecycle,
    the engine of its mode and the services the routes call."""
    settings = settings or get_settings()
    database = Database.of(settings)
    engine = create_engine_for(settings, database, Lifecycle())

    jobs = JobService(engine, database, settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        sweeper = asyncio.create_task(sweep_expired_jobs(jobs), name="retention")
        try:
            yield
        finally:
            sweeper.cancel()
            await engine.stop()
            database.dispose()

    app = FastAPI(
        title="DiveLab",
        version=__version__,
        description="Train the models of *Dive into Deep Learning* live: start jobs, stream "
        "their events over a websocket, change live hyperparameters while they run.",
        lifespan=lifespan,
    )
    app.add_middleware(RequestGuard, settings=settings)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = jobs
    app.state.forks = Forks(jobs)
    app.state.exports = Exports(database)
    app.state.streams = OpenStreams(settings.max_streams)
    app.state.catch_up_reads = SharedReads()
    app.state.images = ImageService(database, settings)
    app.state.accounts = Accounts(database, settings)
    app.state.teaching = Teaching(database, app.state.accounts, jobs)
    errors.install(app)
    openapi.install(app)

    @app.get("/api/health", response_model=Health, tags=["health"])
    def health() -> Health:
        return Health(status="ok", mode=settings.mode, version=__version__)

    app.include_router(accounts_router)
    app.include_router(demos_router)
    app.include_router(jobs_router)
    app.include_router(exports_router)
    app.include_router(images_router)
    app.include_router(streams_router)
    app.include_router(teaching_router)
    mount_ui(app)
    return app


SWEEP_EVERY_SECONDS = 3600


async def sweep_expired_jobs(jobs: JobService) -> None:
    """Once at start, then hourly: finished jobs past DIVELAB_RETENTION_DAYS go."""
    while True:
        try:
            removed = await asyncio.to_thread(jobs.delete_expired)
            if removed:
                log.info("deleted %d jobs finished more than the retention ago", removed)
        except Exception:  # the database may be briefly away; the next sweep retries
            log.exception("retention sweep failed")
        await asyncio.sleep(SWEEP_EVERY_SECONDS)


def mount_ui(app: FastAPI) -> None:
    if (FRONTEND_DIST / "index.html").exists():
        app.mount("/", SinglePageApp(directory=FRONTEND_DIST, html=True), name="ui")
        return

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return PLACEHOLDER_HOME


class SinglePageApp(StaticFiles):
    """The built UI. Its client-side routes (/demos/..., /jobs/...) are no files: they get
    index.html, so a reload or a shared link works. Unknown /api paths and missing files
    (anything with a file extension) stay 404."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except HTTPException as error:
            is_api = path == "api" or path.startswith("api/")
            if error.status_code != 404 or is_api or "." in path.rsplit("/", 1)[-1]:
                raise
            return await super().get_response("index.html", scope)


PLACEHOLDER_HOME = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>DiveLab</title><style>body{font:16px system-ui;max-width:40rem;margin:4rem auto}</style>
</head><body><h1>DiveLab</h1>
<p>The API is running. The web UI has not been built in this checkout.</p>
<p>Explore and try the API at <a href="/docs">/docs</a>; list the demos at
<a href="/api/demos">/api/demos</a>.</p></body></html>"""
