"""Fan-out of a job's live events to every websocket client of this process.

Each client gets a bounded queue. A client that falls that far behind is marked overflowed
and disconnected (it resumes with `after=`); delivery never waits for a client, so a slow
client cannot slow the others or the job.
"""

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

Event = dict[str, Any]


class Subscriber:
    def __init__(self, job_id: str, maxsize: int) -> None:
        self.job_id = job_id
        self.queue: asyncio.Queue[Event] = asyncio.Queue(maxsize)
        self.overflowed = asyncio.Event()

    def offer(self, event: Event) -> None:
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()


class StreamHub:
    """`on_first`/`on_last` let a mode start and stop its per-job live source (e.g. Redis)."""

    def __init__(
        self,
        client_queue_size: int,
        on_first: Callable[[str], Awaitable[None]] | None = None,
        on_last: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._size = client_queue_size
        self._topics: dict[str, set[Subscriber]] = defaultdict(set)
        self._loop: asyncio.AbstractEventLoop | None = None
        self.on_first = on_first
        self.on_last = on_last

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    async def subscribe(self, job_id: str) -> Subscriber:
        subscriber = Subscriber(job_id, self._size)
        first = not self._topics.get(job_id)
        self._topics[job_id].add(subscriber)
        if first and self.on_first is not None:
            await self.on_first(job_id)
        return subscriber

    async def unsubscribe(self, subscriber: Subscriber) -> None:
        topic = self._topics.get(subscriber.job_id)
        if topic is None:
            return
        topic.discard(subscriber)
        if not topic:
            del self._topics[subscriber.job_id]
            if self.on_last is not None:
                await self.on_last(subscriber.job_id)

    def deliver(self, job_id: str, events: list[Event]) -> None:
        """Called on the event loop's thread."""
        for subscriber in list(self._topics.get(job_id, ())):
            for event in events:
                subscriber.offer(event)

    def deliver_threadsafe(self, batch: dict[str, list[Event]]) -> None:
        """Called from any other thread; a no-op before the hub is bound to a loop."""
        if self._loop is None or self._loop.is_closed():
            return
        for job_id, events in batch.items():
            self._loop.call_soon_threadsafe(self.deliver, job_id, events)
