"""The FastAPI application: routers, error handlers, the engine's lifecycle, the UI."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel

from backend import __version__, errors
from backend.demos.router import router as demos_router
from backend.engines import create_engine_for
from backend.jobs.router import router as jobs_router
from backend.jobs.service import JobService
from backend.settings import Settings, get_settings
from backend.streams.router import router as streams_router
from workers.demos.contract import ParamsError

FRONTEND_DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"


class Health(BaseModel):
    status: Literal["ok"]
    mode: Literal["embedded", "distributed"]
    version: str


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = create_engine_for(settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await engine.start()
        try:
            yield
        finally:
            await engine.stop()

    app = FastAPI(
        title="DiveLab",
        version=__version__,
        description="Train the models of *Dive into Deep Learning* live: start jobs, stream "
        "their events over a websocket, change live hyperparameters while they run.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.jobs = JobService(engine)
    errors.install(app)

    @app.exception_handler(ParamsError)
    async def _invalid_params(_: Request, error: ParamsError) -> JSONResponse:
        return errors.params_error_response(error, ("body",))

    @app.get("/api/health", response_model=Health, tags=["health"])
    def health() -> Health:
        return Health(status="ok", mode=settings.mode, version=__version__)

    app.include_router(demos_router)
    app.include_router(jobs_router)
    app.include_router(streams_router)
    mount_ui(app)
    return app


def mount_ui(app: FastAPI) -> None:
    if (FRONTEND_DIST / "index.html").exists():
        from fastapi.staticfiles import StaticFiles

        app.mount("/", StaticFiles(directory=FRONTEND_DIST, html=True), name="ui")
        return

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home() -> str:
        return PLACEHOLDER_HOME


PLACEHOLDER_HOME = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>DiveLab</title><style>body{font:16px system-ui;max-width:40rem;margin:4rem auto}</style>
</head><body><h1>DiveLab</h1>
<p>The API is running. The web UI has not been built in this checkout.</p>
<p>Explore and try the API at <a href="/docs">/docs</a>; list the demos at
<a href="/api/demos">/api/demos</a>.</p></body></html>"""
