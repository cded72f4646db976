"""WS /api/jobs/{id}/stream: stored events after a cursor, then live ones, in order.

Order of operations is what makes the stream gap-free: the client is subscribed to the live
fan-out *before* the stored events are read, and every event is stored before it is fanned
out. An event is therefore either in the stored read or in the client's queue (or both:
duplicates are dropped by `seq`).
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from backend.dependencies import CurrentCaller
from backend.engines.base import JobEngine
from backend.jobs.service import JobService
from backend.streams.hub import Subscriber
from core import events

router = APIRouter(tags=["streams"])

CLOSE_UNKNOWN_JOB = 4404
CLOSE_TOO_SLOW = 1013  # "try again later": reconnect with ?after=<last seq>
REPLAY_PAGE = 2000


class _Cursor:
    def __init__(self, after: int) -> None:
        self.last = after
        self.finished = False

    def accept(self, event: dict[str, Any]) -> bool:
        if event["seq"] <= self.last:
            return False
        self.last = event["seq"]
        self.finished = self.finished or events.is_terminal_status(event)
        return True


async def _backfill(
    jobs: JobService, engine: JobEngine, job_id: str, cursor: _Cursor
) -> AsyncIterator[dict]:
    """Everything after the cursor that is already stored or held by the mode."""
    while page := await run_in_threadpool(jobs.stored_events, job_id, cursor.last, REPLAY_PAGE):
        for event in page:
            if cursor.accept(event):
                yield event
        if len(page) < REPLAY_PAGE or cursor.finished:
            break
    if not cursor.finished:
        for event in await engine.catch_up(job_id, cursor.last):
            if cursor.accept(event):
                yield event


async def _live(
    jobs: JobService,
    engine: JobEngine,
    subscriber: Subscriber,
    cursor: _Cursor,
    heartbeat: float,
) -> AsyncIterator[dict]:
    overflow = asyncio.ensure_future(subscriber.overflowed.wait())
    try:
        while not cursor.finished:
            get = asyncio.ensure_future(subscriber.queue.get())
            done, _ = await asyncio.wait(
                {get, overflow}, timeout=heartbeat, return_when=asyncio.FIRST_COMPLETED
            )
            if get not in done:
                get.cancel()
                if overflow in done:
                    raise _TooSlow
                yield events.heartbeat()
                continue
            event = get.result()
            if event["seq"] > cursor.last + 1:  # defensive: fill a hole from storage
                async for missed in _backfill(jobs, engine, subscriber.job_id, cursor):
                    yield missed
            if cursor.accept(event):
                yield event
    finally:
        overflow.cancel()


class _TooSlow(Exception):
    pass


@router.websocket("/api/jobs/{job_id}/stream")
async def stream(websocket: WebSocket, job_id: str, caller: CurrentCaller, after: int = 0) -> None:
    engine: JobEngine = websocket.app.state.engine
    jobs: JobService = websocket.app.state.jobs
    heartbeat = websocket.app.state.settings.stream_heartbeat_seconds
    await websocket.accept()
    if not await run_in_threadpool(jobs.exists, caller, job_id):
        await websocket.close(CLOSE_UNKNOWN_JOB, f"job {job_id!r} does not exist")
        return
    cursor = _Cursor(max(0, after))
    subscriber = await engine.hub.subscribe(job_id)
    try:
        async for event in _backfill(jobs, engine, job_id, cursor):
            await websocket.send_json(event)
        async for event in _live(jobs, engine, subscriber, cursor, heartbeat):
            await websocket.send_json(event)
        await websocket.close(1000, "job finished")
    except _TooSlow:
        await websocket.close(CLOSE_TOO_SLOW, f"too slow: reconnect with after={cursor.last}")
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left; RuntimeError is Starlette's "already closed"
    finally:
        with contextlib.suppress(Exception):
            await engine.hub.unsubscribe(subscriber)
