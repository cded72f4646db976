"""Fan-out of a job's live events to every websocket viewer of this process.

Built for a lecture hall (a thousand viewers of one job): each event is encoded to JSON once
and the same text goes to every viewer; a viewer is a queue of those texts, with no task or
wait of its own per event. Batched viewers (the UI) are served at most every
DIVELAB_STREAM_BATCH_SECONDS by one ticker: what is queued goes in one message, the same
message for every viewer that is caught up; unbatched viewers (scripts) get each event as it
arrives, as a message of its own. Where the server shares frames
(`backend/streams/shared_frames.py`), the hub writes to viewers itself, without waking their
tasks: the ticker a batch's frame, each delivery a run of per-event frames in one write, built
once for all the viewers at the same place; elsewhere it wakes each viewer's task, which sends.
The same ticker sends (or asks for) the heartbeats of idle viewers. A viewer whose
queue passes its bound (events wait in it while its connection takes no more) is marked
overflowed and its queue dropped at once: it is cut off before its next send (it resumes with
`after=`), and delivery never waits for it, so a slow viewer cannot slow the others or the
job. The hub also keeps each live job's latest events, encoded, so that viewers joining
near the head catch up from memory.
"""

import asyncio
import contextlib
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from backend.streams.shared_frames import FrameWriter, text_frame
from core import events

Event = dict[str, Any]

COALESCE_AFTER = 64  # queued events past which a batched viewer is behind: frames coalesce


@dataclass(frozen=True, slots=True)
class Encoded:
    """An event as every viewer gets it."""

    seq: int
    text: str
    frame: str | None  # a frame's name: a batched viewer behind keeps only the newest
    terminal: bool

    @classmethod
    def of(cls, event: Event) -> "Encoded":
        return cls(
            event["seq"],
            json.dumps(event, separators=(",", ":"), allow_nan=False),
            event["name"] if event["type"] == "frame" else None,
            events.is_terminal_status(event),
        )


class Cursor:
    """The last seq a viewer was sent, and whether that was the job's final event."""

    def __init__(self, after: int) -> None:
        self.last = after
        self.finished = False

    def accepted(self, items: list[Encoded]) -> tuple[int, list[Encoded]]:
        """(where the cursor was, the items past it, duplicates dropped); the cursor moves to
        the last."""
        after = self.last
        fresh = []
        for item in items:
            if item.seq > self.last:
                fresh.append(item)
                self.last = item.seq
                self.finished = self.finished or item.terminal
        return after, fresh


class Viewer:
    def __init__(self, job_id: str, bound: int, batched: bool, after: int) -> None:
        self.job_id = job_id
        self.bound = bound
        self.batched = batched
        self.cursor = Cursor(after)
        self.pending: deque[Encoded] = deque()
        self.ready = asyncio.Event()
        self.overflowed = False
        self.idle_since = time.monotonic()  # its last send; the ticker sends heartbeats
        # Set while the hub writes to this viewer itself (its task waits on `ready`).
        self.writer: FrameWriter | None = None

    def offer(self, encoded: list[Encoded]) -> bool:
        """Queue events; False when the viewer is cut off (or is now: past its bound)."""
        if self.overflowed:
            return False
        self.pending.extend(encoded)
        if len(self.pending) > self.bound:
            self.overflow()
            return False
        return True

    def overflow(self) -> None:
        self.overflowed = True
        self.pending.clear()  # no backlog is sent to a viewer that is cut off
        self.hand_back()

    def hand_back(self) -> None:
        """Let the viewer's task take over (the hub writes for it no more until it asks)."""
        self.writer = None
        self.ready.set()

    def has_hole(self) -> bool:
        """Whether what is queued does not follow what was sent (storage fills the hole)."""
        return bool(self.pending) and self.pending[0].seq > self.cursor.last + 1

    def take(self) -> tuple[int, list[Encoded]]:
        """(the cursor's place, the queued events past it, only the newest frame of each name
        for a batched viewer behind); empty: the ticker asks for a heartbeat."""
        taken = list(self.pending)
        self.pending.clear()
        self.ready.clear()
        self.idle_since = time.monotonic()
        if self.batched and len(taken) > COALESCE_AFTER:
            taken = coalesced(taken)
        return self.cursor.accepted(taken)


class StreamHub:
    """`on_first`/`on_last` let a mode start and stop its per-job live source (e.g. Redis)."""

    def __init__(
        self,
        viewer_queue_size: int,
        batch_seconds: float,
        heartbeat_seconds: float,
        on_first: Callable[[str], Awaitable[None]] | None = None,
        on_last: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._size = viewer_queue_size
        self._batch_seconds = batch_seconds
        self._heartbeat_seconds = heartbeat_seconds
        self._topics: dict[str, set[Viewer]] = defaultdict(set)
        # The latest events of each live job, encoded: a viewer that joins near the head (a
        # lecture hall opening the same job) catches up from here, not from the database.
        self._recent: dict[str, deque[Encoded]] = {}
        # The next tick's viewers: batched ones with events since the last, and any whose
        # connection took no more when the hub wrote for it.
        self._due: set[Viewer] = set()
        self._batch_texts: dict[tuple[str, int, tuple[int, ...]], str] = {}  # within a tick
        self._frames_built: dict[tuple[str, int, tuple[int, ...], bool], bytes] = {}  # a tick's
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ticker: asyncio.Task | None = None
        self.on_first = on_first
        self.on_last = on_last

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._ticker = loop.create_task(self._tick(), name="stream-ticker")

    async def close(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker

    async def subscribe(self, job_id: str, batched: bool, after: int) -> Viewer:
        viewer = Viewer(job_id, self._size, batched, after)
        first = not self._topics.get(job_id)
        self._topics[job_id].add(viewer)
        if first and self.on_first is not None:
            await self.on_first(job_id)
        return viewer

    async def unsubscribe(self, viewer: Viewer) -> None:
        self._due.discard(viewer)
        topic = self._topics.get(viewer.job_id)
        if topic is None:
            return
        topic.discard(viewer)
        if not topic:
            del self._topics[viewer.job_id]
            # A mode may stop feeding this job now (distributed: its stream is unfollowed),
            # so its recent events would no longer be all of them.
            self._recent.pop(viewer.job_id, None)
            if self.on_last is not None:
                await self.on_last(viewer.job_id)

    def deliver(self, job_id: str, batch: list[Event]) -> None:
        """Called on the event loop's thread."""
        self.deliver_encoded(job_id, [Encoded.of(event) for event in batch])

    def deliver_encoded(self, job_id: str, encoded: list[Encoded]) -> None:
        if encoded and encoded[-1].terminal:
            self._recent.pop(job_id, None)  # later viewers replay it from the database
        else:
            recent = self._recent.setdefault(job_id, deque(maxlen=self._size))
            recent.extend(encoded)
        for viewer in self._topics.get(job_id, ()):
            if not viewer.offer(encoded):
                continue
            if viewer.batched:
                self._due.add(viewer)  # served at the next tick
            elif viewer.writer is not None:
                self._write(viewer, viewer.writer)
            else:
                viewer.ready.set()

    def recent_after(self, job_id: str, after: int) -> list[Encoded] | None:
        """The job's events after seq `after` when this hub still holds all of them (None:
        read them from storage)."""
        recent = self._recent.get(job_id)
        if not recent or recent[0].seq > after + 1:
            return None
        return [item for item in recent if item.seq > after]

    def deliver_threadsafe(self, batches: dict[str, list[Event]]) -> None:
        """Called from any other thread (where the events are encoded, off the loop); a no-op
        before the hub is bound to a loop."""
        if self._loop is None or self._loop.is_closed():
            return
        for job_id, batch in batches.items():
            encoded = [Encoded.of(event) for event in batch]
            self._loop.call_soon_threadsafe(self.deliver_encoded, job_id, encoded)

    def batch_text(self, job_id: str, after: int, items: list[Encoded]) -> str:
        """The JSON array of the events that follow seq `after` (with a `skipped` marker before
        each hole), built once per tick for all the viewers of the job at the same place."""
        # The seqs themselves, not just the first and last: a viewer caught up from storage
        # (frames thinned) and one behind in memory (frames coalesced) may hold different
        # events between the same two places.
        key = (job_id, after, tuple(item.seq for item in items))
        text = self._batch_texts.get(key)
        if text is None:
            text = self._batch_texts[key] = "[" + ",".join(with_markers(after, items)) + "]"
        return text

    def _frames(self, viewer: Viewer, after: int, items: list[Encoded]) -> bytes:
        """What a viewer is written for the events that follow seq `after`: one frame of their
        batch, or (unbatched) a frame per event in one write; built once for all the viewers
        at the same place."""
        key = (viewer.job_id, after, tuple(item.seq for item in items), viewer.batched)
        frames = self._frames_built.get(key)
        if frames is None:
            if viewer.batched:
                frames = text_frame(self.batch_text(viewer.job_id, after, items))
            else:
                frames = b"".join(text_frame(text) for text in with_markers(after, items))
            self._frames_built[key] = frames
        return frames

    async def _tick(self) -> None:
        """Every batch interval: serve the batched viewers with something queued, and every
        viewer idle for a heartbeat interval."""
        next_tick = time.monotonic()
        while True:
            # On a fixed beat, not an interval after each tick's work (a thousand viewers'
            # writes take tens of milliseconds): late ticks are not made up.
            next_tick = max(next_tick + self._batch_seconds, time.monotonic())
            await asyncio.sleep(next_tick - time.monotonic())
            self._batch_texts.clear()
            self._frames_built.clear()
            due, self._due = self._due, set()
            for viewer in due:
                if viewer.writer is None:
                    viewer.ready.set()
                else:
                    self._write(viewer, viewer.writer)
            self._send_heartbeats()

    def _send_heartbeats(self) -> None:
        quiet_since = time.monotonic() - self._heartbeat_seconds
        heartbeat = json.dumps(events.heartbeat())
        frames = {True: text_frame(f"[{heartbeat}]"), False: text_frame(heartbeat)}
        for topic in self._topics.values():
            for viewer in topic:
                if viewer.idle_since >= quiet_since:
                    continue
                if viewer.writer is None or not viewer.writer.open:
                    viewer.ready.set()  # its task sends the heartbeat (or finds it gone)
                    continue
                viewer.writer.write(frames[viewer.batched])
                viewer.idle_since = time.monotonic()

    def _write(self, viewer: Viewer, writer: FrameWriter) -> None:
        """Write what is queued for a viewer, or hand it back to its task: a hole to fill from
        storage, a viewer too slow or gone, or the job's end (the task closes the stream)."""
        if viewer.overflowed or viewer.has_hole() or not writer.open:
            viewer.hand_back()
            return
        if not writer.writable:  # it takes no more for now: its events wait, and may coalesce
            self._due.add(viewer)  # tried again at the next tick
            return
        after, items = viewer.take()
        if items:
            writer.write(self._frames(viewer, after, items))
        if viewer.cursor.finished:
            viewer.hand_back()


def coalesced(items: list[Encoded]) -> list[Encoded]:
    """The newest frame of each name only (a picture replaces an unsent older one); every
    other event is kept, in order."""
    newest = {item.frame: item.seq for item in items if item.frame is not None}
    return [item for item in items if item.frame is None or newest[item.frame] == item.seq]


def with_markers(after: int, items: list[Encoded]) -> list[str]:
    """The texts of the events that follow seq `after`, with `{"type":"skipped","until":N}`
    before each that leaves a hole (frames thinned out of the stored log, or coalesced)."""
    texts: list[str] = []
    previous = after
    for item in items:
        if item.seq > previous + 1:
            texts.append(f'{{"type":"skipped","until":{item.seq - 1}}}')
        texts.append(item.text)
        previous = item.seq
    return texts
