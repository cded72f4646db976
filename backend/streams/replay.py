"""Catch-up reads shared by the viewers that join one job at once (a lecture hall opening it).

A joining viewer reads the events it missed (stored ones, then those the mode holds outside
the database) and has them decoded and encoded: for a thousand viewers of a long job, a
thousand times the same work. Here one read of a key (the job, the source, the place read
after) is in flight at a time; whoever asks meanwhile waits for the next one, which begins
when it ends and serves them all. A viewer only ever gets a read that began after it asked,
hence after it subscribed to the live fan-out: the stream stays gap-free.
"""

import asyncio
from collections.abc import Awaitable, Callable, Hashable

from backend.streams.hub import Encoded

Read = Callable[[], Awaitable[list[Encoded]]]


class SharedReads:
    def __init__(self) -> None:
        self._next: dict[Hashable, asyncio.Future[list[Encoded]]] = {}  # not begun yet
        self._last: dict[Hashable, asyncio.Task[None]] = {}  # the latest read of each key

    async def read(self, key: Hashable, read: Read) -> list[Encoded]:
        """The result of a read of `key` that begins after this call (shared)."""
        waiting = self._next.get(key)
        if waiting is None:
            waiting = self._next[key] = asyncio.get_running_loop().create_future()
            self._last[key] = asyncio.create_task(
                self._run(key, waiting, read, self._last.get(key))
            )
        return await asyncio.shield(waiting)

    async def _run(
        self,
        key: Hashable,
        waiting: asyncio.Future[list[Encoded]],
        read: Read,
        before: asyncio.Task[None] | None,
    ) -> None:
        if before is not None:
            await asyncio.wait([before])  # one read of a key at a time
        del self._next[key]  # from now on, askers wait for the read after this one
        try:
            waiting.set_result(await read())
        except asyncio.CancelledError:
            waiting.cancel()
            raise
        except Exception as error:  # each waiter raises it
            waiting.set_exception(error)
        finally:
            if self._last.get(key) is asyncio.current_task():
                del self._last[key]
