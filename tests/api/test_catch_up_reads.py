"""Catch-up reads shared by viewers joining at once, never a read that began before one asked
(it subscribed to the live events before asking: an older read could leave a gap)."""

import asyncio

import pytest

from backend.streams.hub import Encoded
from backend.streams.replay import SharedReads
from tests.support import run_async


class Storage:
    """Counts reads; each returns one event whose seq is the read's number."""

    def __init__(self, seconds: float = 0.05) -> None:
        self.seconds = seconds
        self.began: list[float] = []
        self.ended: list[float] = []

    async def read(self) -> list[Encoded]:
        loop = asyncio.get_running_loop()
        self.began.append(loop.time())
        await asyncio.sleep(self.seconds)
        self.ended.append(loop.time())
        number = len(self.began)
        return [Encoded.of({"seq": number, "ts": 0.0, "type": "log", "message": "x"})]


def test_viewers_asking_before_a_read_begins_share_it() -> None:
    storage = Storage()

    async def hall() -> list[list[Encoded]]:
        reads = SharedReads()
        return await asyncio.gather(*(reads.read("k", storage.read) for _ in range(50)))

    results = run_async(hall())
    assert len(storage.began) == 1
    assert all(result is results[0] for result in results)  # one list, encoded once


def test_a_viewer_asking_during_a_read_gets_the_next_one_which_begins_after() -> None:
    storage = Storage()

    async def early_and_late() -> tuple[list[Encoded], list[Encoded], list[Encoded]]:
        reads = SharedReads()
        early = asyncio.create_task(reads.read("k", storage.read))
        await asyncio.sleep(0.02)  # the first read is in flight
        late = [asyncio.create_task(reads.read("k", storage.read)) for _ in range(2)]
        return await early, *(await asyncio.gather(*late))

    early, late, later = run_async(early_and_late())
    assert [early[0].seq, late[0].seq, later[0].seq] == [1, 2, 2]
    assert storage.began[1] >= storage.ended[0]  # one read of a key at a time


def test_other_keys_are_read_apart_and_a_failed_read_fails_its_waiters_only() -> None:
    storage = Storage()

    async def broken() -> list[Encoded]:
        raise OSError("the database went away")

    async def scenario() -> tuple[list[Encoded], list[Encoded]]:
        reads = SharedReads()
        with pytest.raises(OSError, match="went away"):
            await asyncio.gather(reads.read("k", broken), reads.read("k", broken))
        return await asyncio.gather(reads.read("k", storage.read), reads.read("j", storage.read))

    first, second = run_async(scenario())
    assert len(storage.began) == 2 and first is not second  # "k" read again; "j" on its own
