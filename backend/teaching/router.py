"""The instructor's class tools: thin wrappers around `Teaching`, and the grid's websocket."""

import asyncio
import contextlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response, WebSocket, WebSocketDisconnect
from fastapi import status as http
from starlette.concurrency import run_in_threadpool

from backend.dependencies import CurrentCaller, resolve_caller
from backend.errors import responses
from backend.streams.router import CLOSE_TOO_MANY_STREAMS, CLOSE_UNAUTHORIZED, OpenStreams
from backend.teaching.grid import GridFeed
from backend.teaching.schemas import PresetOutcome, PresetPush, StopOutcome
from backend.teaching.service import Teaching
from core import events
from core.errors import DiveLabError
from core.limits import ID_PATTERN

router = APIRouter(prefix="/api/classes", tags=["teaching"], responses=responses(400, 422))
CHANGES = responses(401, 403, 404, 413, 415)

Id = Annotated[str, Path(pattern=ID_PATTERN)]
GRID_SECONDS = 1.0
GRID_HEARTBEAT_SECONDS = 15.0
CLOSE_NOT_YOURS = 4404


def service(request: Request) -> Teaching:
    return request.app.state.teaching


Service = Annotated[Teaching, Depends(service)]


@router.post(
    "/{class_id}/preset",
    response_model=PresetOutcome,
    responses={**CHANGES, **responses(409)},
    summary="Push demo settings to every learner's form (and start them for all)",
)
def push_preset(
    class_id: Id, body: PresetPush, caller: CurrentCaller, teaching: Service
) -> PresetOutcome:
    return teaching.push_preset(caller, class_id, body.demo, body.params, body.start)


@router.delete(
    "/{class_id}/preset",
    status_code=http.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=CHANGES,
    summary="Withdraw the pushed settings",
)
def clear_preset(class_id: Id, caller: CurrentCaller, teaching: Service) -> Response:
    teaching.clear_preset(caller, class_id)
    return Response(status_code=http.HTTP_204_NO_CONTENT)


@router.post(
    "/{class_id}/stop",
    response_model=StopOutcome,
    responses=CHANGES,
    summary="Stop every queued and running job of the class's learners",
)
def stop_all(class_id: Id, caller: CurrentCaller, teaching: Service) -> StopOutcome:
    return teaching.stop_all(caller, class_id)


@router.websocket("/{class_id}/grid")
async def grid(websocket: WebSocket, class_id: str, demo: str = "") -> None:
    """The live grid (see `backend.teaching.grid`); closes 4401 without a credential and
    4404 for a class the caller does not teach or an unknown demo."""
    streams: OpenStreams = websocket.app.state.streams
    teaching: Teaching = websocket.app.state.teaching
    with streams.held() as admitted:
        await websocket.accept()
        if not admitted:
            await websocket.close(CLOSE_TOO_MANY_STREAMS, "too many open streams: retry later")
            return
        caller = await run_in_threadpool(resolve_caller, websocket)
        if caller is None:
            await websocket.close(CLOSE_UNAUTHORIZED, "sign in first")
            return
        try:
            await run_in_threadpool(teaching.check_grid, caller, class_id, demo)
        except DiveLabError as error:
            await websocket.close(CLOSE_NOT_YOURS, error.detail[:120])
            return
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            await serve_grid(websocket, GridFeed(teaching, class_id, demo))


async def serve_grid(websocket: WebSocket, feed: GridFeed) -> None:
    """A grid message a second (a heartbeat when nothing changed for a while) until the
    instructor leaves or the server stops: both arrive as a disconnect, which is waited for
    beside the ticks, so that a quiet grid never holds up the server's shutdown."""
    gone = asyncio.ensure_future(until_disconnected(websocket))
    try:
        quiet = 0.0
        while not gone.done():
            message = await run_in_threadpool(feed.tick)
            if message is None and quiet < GRID_HEARTBEAT_SECONDS:
                quiet += GRID_SECONDS
            else:
                await websocket.send_text(json.dumps(message or events.heartbeat()))
                quiet = 0.0
            await asyncio.wait({gone}, timeout=GRID_SECONDS)
    finally:
        gone.cancel()


async def until_disconnected(websocket: WebSocket) -> None:
    """The grid reads nothing from its viewer but the end of the connection."""
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
