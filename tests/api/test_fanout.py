"""Many viewers of one job: batched and one-per-message viewers see the same story, a slow
viewer is cut off without slowing the others, and reconnects under load lose nothing."""

import asyncio
import json
import random
import socket
import time
from collections.abc import Iterator

import pytest
import websockets

from backend.streams.hub import Encoded, StreamHub
from tests.support import Server, run_async, start_server, stop_server

GD = "gradient-descent"
RACE = {
    "function": "rastrigin",
    "optimizers": [{"name": n, "lr": 0.001} for n in ["gd", "momentum", "adam"]],
    "start": [1, 1],
}


@pytest.fixture(scope="module")
def hall(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server that buffers 2,000 events per viewer (a second of the fastest job here)."""
    server = start_server(
        tmp_path_factory.mktemp("hall"),
        {"DIVELAB_WORKERS": "1", "DIVELAB_STREAM_CLIENT_QUEUE": "2000"},
    )
    yield server
    stop_server(server)


async def watch(
    url: str, sock: socket.socket | None = None
) -> tuple[list[dict], list[float], int | None]:
    """Every event (batches flattened, markers kept), each event's lag, the close code."""
    received, lags = [], []
    async with websockets.connect(url, sock=sock, max_size=None) as ws:
        try:
            async for raw in ws:
                now = time.time()
                parsed = json.loads(raw)
                for message in parsed if isinstance(parsed, list) else [parsed]:
                    if message["type"] != "heartbeat":
                        received.append(message)
                    if "seq" in message:
                        lags.append(now - message["ts"])
        except websockets.ConnectionClosedError:
            pass
        return received, lags, ws.close_code


def seqs(messages: list[dict]) -> list[int]:
    return [m["seq"] for m in messages if "seq" in m]


def test_batched_and_unbatched_viewers_receive_the_same_events(hall: Server) -> None:
    job = hall.create(GD, {**RACE, "steps": 300, "speed": 100})
    base = f"{hall.ws_url}/api/jobs/{job['id']}/stream?after=0"

    async def both() -> tuple:
        return await asyncio.gather(watch(base + "&batch=true"), watch(base))

    (batched, _, batched_code), (single, _, single_code) = run_async(both())
    assert batched_code == single_code == 1000
    assert [m for m in batched if m["type"] != "skipped"] == single
    assert seqs(single) == list(range(1, len(seqs(single)) + 1))
    assert single[-1]["status"] == "succeeded"


async def stalled_viewer(server: Server, url: str, job_id: str) -> tuple[list[dict], int | None]:
    """A viewer that stops reading (tiny socket buffers, no reads) until the job has ended,
    then reads what it was sent before it was cut off."""
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", int(server.url.rsplit(":", 1)[1])))
    async with websockets.connect(url, sock=stalled, max_queue=1, max_size=None) as slow:
        while server.job(job_id)["status"] in ("queued", "running"):
            await asyncio.sleep(0.2)
        received = []
        try:
            async for raw in slow:
                parsed = json.loads(raw)
                received.extend(parsed if isinstance(parsed, list) else [parsed])
        except websockets.ConnectionClosedError:
            pass
        return received, slow.close_code


def test_a_slow_viewer_is_cut_off_and_the_one_beside_it_keeps_up(hall: Server) -> None:
    job = hall.create(GD, {**RACE, "steps": 8000, "speed": 1000})  # megabytes, 2,000 events/s
    url = f"{hall.ws_url}/api/jobs/{job['id']}/stream?after=0"

    async def slow_and_normal() -> tuple:
        return await asyncio.gather(
            stalled_viewer(hall, url, job["id"]), watch(url + "&batch=true")
        )

    (slow, slow_code), (normal, lags, normal_code) = run_async(slow_and_normal())
    assert slow_code == 1013  # cut off, and told to resume with after=
    produced = hall.all_events(job["id"])[-1]["seq"]  # the stored log is thinned: the last
    assert len([m for m in slow if "seq" in m]) < produced  # its backlog was dropped, not sent
    assert normal_code == 1000 and normal[-1]["status"] == "succeeded"
    assert_every_hole_announced(normal)  # behind a fast job, its older frames coalesce
    lags.sort()
    assert lags[int(0.95 * len(lags))] < 1.0  # seconds; ~tens of ms on a quiet machine


def assert_every_hole_announced(messages: list[dict]) -> None:
    last = 0
    for message in messages:
        if message["type"] == "skipped":
            assert message["until"] > last
            last = message["until"]
        else:
            assert message["seq"] == last + 1, (last, message["seq"])
            last = message["seq"]


def test_reconnecting_viewers_under_load_lose_and_repeat_nothing(hall: Server) -> None:
    job = hall.create(GD, {**RACE, "steps": 1500, "speed": 150})
    base = f"{hall.ws_url}/api/jobs/{job['id']}/stream"
    rng = random.Random(7)

    async def viewer() -> list[int]:
        story: list[int] = []
        while True:
            after = story[-1] if story else 0
            url = f"{base}?after={after}&batch=true"
            async with websockets.connect(url, max_size=None) as ws:
                leave_at = time.monotonic() + rng.uniform(0.1, 1.0)
                try:
                    async for raw in ws:
                        for message in json.loads(raw):
                            if "seq" in message:
                                story.append(message["seq"])
                            elif message["type"] == "skipped":
                                story.append(-message["until"])  # an announced hole
                        if time.monotonic() > leave_at:
                            break  # the learner's network drops
                except websockets.ConnectionClosedError:
                    pass
                if ws.close_code == 1000:
                    return story

    async def hall_of_viewers() -> list[list[int]]:
        return await asyncio.wait_for(asyncio.gather(*(viewer() for _ in range(40))), 120)

    stories = run_async(hall_of_viewers())
    # Frames may be thinned or coalesced away (announced); every other event reaches everyone.
    stored = {e["seq"] for e in hall.all_events(job["id"]) if e["type"] != "frame"}
    for story in stories:
        last = 0
        for seq in story:
            if seq < 0:  # a hole announced up to -seq
                assert -seq > last
                last = -seq
                continue
            assert seq == last + 1, (last, seq)
            last = seq
        assert stored <= {seq for seq in story if seq > 0}


def test_viewers_at_one_place_share_a_batch_only_when_it_holds_the_same_events() -> None:
    """One viewer caught up from storage (a frame thinned away) and one from memory (another
    frame coalesced away) can sit at the same place with as many events to the same last one:
    each must get its own events."""
    hub = StreamHub(viewer_queue_size=10, batch_seconds=0.1, heartbeat_seconds=15)

    def encoded(seq: int, kind: str) -> Encoded:
        event = {"seq": seq, "ts": 0.0, "type": kind, "step": seq, "values": {"loss": 1.0}}
        return Encoded.of(event if kind == "metric" else {**event, "name": "f", "kind": "x"})

    from_storage = [encoded(11, "metric"), encoded(13, "metric")]
    from_memory = [encoded(12, "metric"), encoded(13, "metric")]
    first = json.loads(hub.batch_text("job", 10, from_storage))
    second = json.loads(hub.batch_text("job", 10, from_memory))
    assert [m.get("seq") for m in first] == [11, None, 13]
    assert [m.get("seq") for m in second] == [None, 12, 13]
