"""WS /api/jobs/{id}/stream: stored events after a cursor, then live ones, in order.

Order of operations is what makes the stream gap-free: the client is subscribed to the live
fan-out *before* the stored events are read, and every event is stored before it is fanned
out. An event is therefore either in the stored read or in the client's queue (or both:
duplicates are dropped by `seq`). The stored log leaves out frames thinned away
(`core/store/thinning.py`); where a replay skips such seqs, a `{"type": "skipped", "until":
SEQ}` message (no `seq` of its own) says so before the next event.
"""

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from backend.dependencies import CurrentCaller
from backend.engines.base import JobEngine
from backend.jobs.service import JobService
from backend.streams.hub import Subscriber
from core import events
from core.callers import Caller
from core.limits import ID_PATTERN, MAX_SEQ

router = APIRouter(tags=["streams"])

CLOSE_BAD_REQUEST = 4400
CLOSE_UNKNOWN_JOB = 4404
CLOSE_TOO_MANY_STREAMS = 4429  # this API process serves DIVELAB_MAX_STREAMS already
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
            if event["seq"] > cursor.last + 1:  # frames thinned out of the stored log
                yield {"type": "skipped", "until": event["seq"] - 1}
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


def parse_after(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) <= MAX_SEQ else None


@router.websocket("/api/jobs/{job_id}/stream")
async def stream(
    websocket: WebSocket, job_id: str, caller: CurrentCaller, after: str = "0"
) -> None:
    streams: OpenStreams = websocket.app.state.streams
    with streams.held() as admitted:
        await websocket.accept()
        if not admitted:
            await websocket.close(CLOSE_TOO_MANY_STREAMS, "too many open streams: retry later")
            return
        await serve_stream(websocket, job_id, caller, after)


class OpenStreams:
    """The websockets open on this process, counted from their first moment (before the
    handshake completes), so that a burst of connections cannot slip past the bound."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.count = 0

    @contextlib.contextmanager
    def held(self) -> Iterator[bool]:
        """Whether this stream fits under the bound; it counts until it ends."""
        if self.count >= self.bound:
            yield False
            return
        self.count += 1
        try:
            yield True
        finally:
            self.count -= 1


async def serve_stream(websocket: WebSocket, job_id: str, caller: Caller, after: str) -> None:
    engine: JobEngine = websocket.app.state.engine
    jobs: JobService = websocket.app.state.jobs
    settings = websocket.app.state.settings
    start = parse_after(after)
    if start is None:
        reason = f"after must be a whole number from 0 to {MAX_SEQ}, not {after[:20]!r}"
        await websocket.close(CLOSE_BAD_REQUEST, reason)
        return
    if not re.fullmatch(ID_PATTERN, job_id) or not await run_in_threadpool(
        jobs.exists, caller, job_id
    ):
        await websocket.close(CLOSE_UNKNOWN_JOB, f"job {job_id!r} does not exist")
        return
    cursor = _Cursor(start)
    subscriber = await engine.hub.subscribe(job_id)
    try:
        async for event in _backfill(jobs, engine, job_id, cursor):
            await websocket.send_json(event)
        if not cursor.finished and await run_in_threadpool(jobs.has_finished, job_id):
            cursor.finished = True  # the client has every event up to the last already
        async for event in _live(
            jobs, engine, subscriber, cursor, settings.stream_heartbeat_seconds
        ):
            await websocket.send_json(event)
        await websocket.close(1000, "job finished")
    except _TooSlow:
        await websocket.close(CLOSE_TOO_SLOW, f"too slow: reconnect with after={cursor.last}")
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left; RuntimeError is Starlette's "already closed"
    finally:
        with contextlib.suppress(Exception):
            await engine.hub.unsubscribe(subscriber)
