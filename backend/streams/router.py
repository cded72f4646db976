"""WS /api/jobs/{id}/stream: stored events after a cursor, then live ones, in order.

Order of operations is what makes the stream gap-free: the client is subscribed to the live
fan-out *before* the stored events are read, and every event is stored before it is fanned
out. An event is therefore either in the stored read or in the client's queue (or both:
duplicates are dropped by `seq`). The stored log leaves out frames thinned away
(`core/store/thinning.py`), and a batched viewer that falls behind gets only the newest frame
of each name; before an event that follows such a hole, a `{"type": "skipped", "until": SEQ}`
message (no `seq` of its own) says so.

`?batch=true` (the UI) sends JSON arrays of events, at most every
DIVELAB_STREAM_BATCH_SECONDS; without it (scripts) every event is a message of its own.
"""

import contextlib
import json
import re
from collections.abc import Iterator
from functools import partial

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from backend.dependencies import resolve_caller
from backend.engines.base import JobEngine
from backend.jobs.service import JobService
from backend.streams.hub import Encoded, StreamHub, Viewer, with_markers
from backend.streams.replay import SharedReads
from backend.streams.shared_frames import frame_writer
from core import events
from core.callers import Caller
from core.limits import ID_PATTERN, MAX_SEQ

router = APIRouter(tags=["streams"])

CLOSE_BAD_REQUEST = 4400
CLOSE_UNAUTHORIZED = 4401
CLOSE_UNKNOWN_JOB = 4404
CLOSE_TOO_MANY_STREAMS = 4429  # this API process serves DIVELAB_MAX_STREAMS already
CLOSE_TOO_SLOW = 1013  # "try again later": reconnect with ?after=<last seq>
REPLAY_PAGE = 2000


class Sender:
    """One viewer's end of the websocket: events one per message, or (`batch=true`, the
    UI) as JSON arrays of several, with `skipped` markers before announced holes."""

    def __init__(self, websocket: WebSocket, hub: StreamHub, job_id: str, batched: bool) -> None:
        self.websocket = websocket
        self.hub = hub
        self.job_id = job_id
        self.batched = batched
        # Where the server offers it, the hub writes the live events itself.
        self.frame_writer = frame_writer(websocket.scope)

    async def send(self, after: int, items: list[Encoded]) -> None:
        """Send the events that follow seq `after` (a hole before one gets its marker)."""
        if not items:
            return
        if self.batched:
            await self.websocket.send_text(self.hub.batch_text(self.job_id, after, items))
            return
        for text in with_markers(after, items):
            await self.websocket.send_text(text)

    async def send_heartbeat(self) -> None:
        heartbeat = json.dumps(events.heartbeat())
        await self.websocket.send_text(f"[{heartbeat}]" if self.batched else heartbeat)


async def _backfill(
    jobs: JobService,
    engine: JobEngine,
    viewer: Viewer,
    sender: Sender,
    reads: SharedReads,
    from_memory: bool = True,
) -> None:
    """Send everything after the cursor that is already stored or held by the mode: from
    the hub's recent events when it holds them all (`from_memory`), else from storage, in
    reads shared with the viewers catching up from the same place at the same time."""
    cursor, job_id = viewer.cursor, viewer.job_id
    recent = sender.hub.recent_after(job_id, cursor.last) if from_memory else None
    if recent is not None:
        await sender.send(*cursor.accepted(recent))
        return

    async def stored(after: int) -> list[Encoded]:
        page = await run_in_threadpool(jobs.stored_events, job_id, after, REPLAY_PAGE)
        return [Encoded.of(event) for event in page]

    async def held(after: int) -> list[Encoded]:
        return [Encoded.of(event) for event in await engine.catch_up(job_id, after)]

    while page := await reads.read((job_id, "stored", cursor.last), partial(stored, cursor.last)):
        await sender.send(*cursor.accepted(page))
        if len(page) < REPLAY_PAGE or cursor.finished:
            break
    if not cursor.finished:
        held_now = await reads.read((job_id, "held", cursor.last), partial(held, cursor.last))
        await sender.send(*cursor.accepted(held_now))


async def _live(
    jobs: JobService, engine: JobEngine, viewer: Viewer, sender: Sender, reads: SharedReads
) -> None:
    while not viewer.cursor.finished:
        viewer.writer = sender.frame_writer  # the hub writes while this task waits
        await viewer.ready.wait()
        viewer.writer = None  # this task sends now: nothing may be written in between
        if viewer.cursor.finished:
            break
        if viewer.overflowed:  # checked before every send: no backlog for a viewer cut off
            raise _TooSlow
        if viewer.has_hole():  # defensive: fill a hole from storage
            await _backfill(jobs, engine, viewer, sender, reads, from_memory=False)
        after, items = viewer.take()
        if items:
            await sender.send(after, items)
        else:  # woken by the ticker: idle for a heartbeat interval (or the client left)
            await sender.send_heartbeat()


class _TooSlow(Exception):
    pass


def parse_after(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and int(raw) <= MAX_SEQ else None


@router.websocket("/api/jobs/{job_id}/stream")
async def stream(websocket: WebSocket, job_id: str, after: str = "0", batch: bool = False) -> None:
    streams: OpenStreams = websocket.app.state.streams
    with streams.held() as admitted:
        await websocket.accept()
        if not admitted:
            await websocket.close(CLOSE_TOO_MANY_STREAMS, "too many open streams: retry later")
            return
        caller = await run_in_threadpool(resolve_caller, websocket)
        if caller is None:  # classroom mode: the session cookie or a Bearer token
            await websocket.close(CLOSE_UNAUTHORIZED, "sign in first")
            return
        await serve_stream(websocket, job_id, caller, after, batch)


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


async def serve_stream(
    websocket: WebSocket, job_id: str, caller: Caller, after: str, batched: bool
) -> None:
    engine: JobEngine = websocket.app.state.engine
    jobs: JobService = websocket.app.state.jobs
    reads: SharedReads = websocket.app.state.catch_up_reads
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
    viewer = await engine.hub.subscribe(job_id, batched, start)
    sender = Sender(websocket, engine.hub, job_id, batched)
    try:
        await _backfill(jobs, engine, viewer, sender, reads)
        if not viewer.cursor.finished and await run_in_threadpool(jobs.has_finished, job_id):
            viewer.cursor.finished = True  # the client has every event up to the last already
        await _live(jobs, engine, viewer, sender, reads)
        await websocket.close(1000, "job finished")
    except _TooSlow:
        reason = f"too slow: reconnect with after={viewer.cursor.last}"
        await websocket.close(CLOSE_TOO_SLOW, reason)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left; RuntimeError is Starlette's "already closed"
    finally:
        with contextlib.suppress(Exception):
            await engine.hub.unsubscribe(viewer)
