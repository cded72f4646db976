"""The lecture hall's send path: one frame, built once, written to every viewer at the same
place by the hub itself, through uvicorn's protocol with DiveLab's extension."""

import asyncio
import json
from typing import Any

import uvicorn
import websockets
from websockets.frames import Frame
from websockets.streams import StreamReader

from backend.streams.hub import Encoded, StreamHub, Viewer
from backend.streams.shared_frames import SharedFrameProtocol, frame_writer, text_frame
from tests.support import free_port, run_async

TICK = 0.02


class RecordingWriter:
    """A connection as the hub sees it: what it was written, and whether it takes more."""

    def __init__(self) -> None:
        self.frames: list[bytes] = []
        self.open = True
        self.writable = True  # False: a reader that stopped reading, its buffers full

    def write(self, frame: bytes) -> None:
        self.frames.append(frame)


def metric(seq: int) -> Encoded:
    return Encoded.of({"seq": seq, "ts": 0.0, "type": "metric", "step": seq, "values": {"l": 1}})


def decoded(frames: bytes) -> list[Any]:
    """The messages in bytes written to a connection, as a client parses them."""
    reader = StreamReader()
    reader.feed_data(frames)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=False)
    messages = []
    while True:
        try:
            next(parser)
        except StopIteration as done:
            messages.append(json.loads(done.value.data))
        except EOFError:
            return messages
        parser = Frame.parse(reader.read_exact, mask=False)


async def watched(
    hub: StreamHub, places: list[int], batched: bool = True
) -> list[tuple[Viewer, RecordingWriter]]:
    """Viewers of job "j" at these places, each with a writer the hub writes with."""
    hub.bind(asyncio.get_running_loop())
    pairs = []
    for after in places:
        viewer = await hub.subscribe("j", batched, after)
        viewer.writer = RecordingWriter()
        pairs.append((viewer, viewer.writer))
    return pairs


def test_viewers_at_one_place_are_written_one_shared_frame() -> None:
    async def scenario() -> list[tuple[Viewer, RecordingWriter]]:
        hub = StreamHub(viewer_queue_size=100, batch_seconds=TICK, heartbeat_seconds=60)
        pairs = await watched(hub, [0, 0, 0, 1])
        hub.deliver_encoded("j", [metric(1), metric(2), metric(3)])
        await asyncio.sleep(3 * TICK)
        await hub.close()
        return pairs

    (first, a), (_, b), (_, c), (behind_one, d) = run_async(scenario())
    assert len(a.frames) == 1 and a.frames[0] is b.frames[0] is c.frames[0]  # built once
    assert [m["seq"] for m in decoded(a.frames[0])[0]] == [1, 2, 3]
    assert [m["seq"] for m in decoded(d.frames[0])[0]] == [2, 3]  # its own place, its own frame
    assert not first.ready.is_set() and not behind_one.ready.is_set()  # no task was woken
    assert first.cursor.last == behind_one.cursor.last == 3


def test_unbatched_viewers_get_a_frame_per_event_in_one_write() -> None:
    async def scenario() -> list[tuple[Viewer, RecordingWriter]]:
        hub = StreamHub(viewer_queue_size=100, batch_seconds=60, heartbeat_seconds=60)
        pairs = await watched(hub, [0, 0], batched=False)
        hub.deliver_encoded("j", [metric(1), metric(2)])  # written at once, no tick
        return pairs

    (_, a), (_, b) = run_async(scenario())
    assert a.frames[0] is b.frames[0]
    assert [m["seq"] for m in decoded(a.frames[0])] == [1, 2]


def test_a_viewer_whose_connection_takes_no_more_is_cut_off_at_its_bound() -> None:
    async def scenario() -> tuple[Viewer, RecordingWriter, RecordingWriter]:
        hub = StreamHub(viewer_queue_size=10, batch_seconds=TICK, heartbeat_seconds=60)
        (stalled, held), (_, taken) = await watched(hub, [0, 0])
        hub.deliver_encoded("j", [metric(1)])
        await asyncio.sleep(2 * TICK)
        held.writable = False
        for seq in range(2, 16):
            hub.deliver_encoded("j", [metric(seq)])
            await asyncio.sleep(TICK * 1.5)
        await hub.close()
        return stalled, held, taken

    stalled, held, taken = run_async(scenario())
    assert [m["seq"] for frame in held.frames for m in decoded(frame)[0]] == [1]
    assert stalled.overflowed and not stalled.pending  # 11 queued: past its bound, dropped
    assert stalled.ready.is_set() and stalled.writer is None  # its task closes it with 1013
    assert [m["seq"] for frame in taken.frames for m in decoded(frame)[0]] == list(range(1, 16))


def frame_event(seq: int) -> Encoded:
    return Encoded.of({"seq": seq, "ts": 0.0, "type": "frame", "name": "f", "kind": "text"})


def test_a_batched_viewer_behind_gets_the_newest_frames_when_its_connection_takes_more() -> None:
    async def scenario() -> RecordingWriter:
        hub = StreamHub(viewer_queue_size=500, batch_seconds=TICK, heartbeat_seconds=60)
        [(_, writer)] = await watched(hub, [0])
        writer.writable = False
        for step in range(40):  # 80 events wait: past 64, its older frames coalesce
            hub.deliver_encoded("j", [metric(2 * step + 1), frame_event(2 * step + 2)])
        await asyncio.sleep(2 * TICK)
        assert not writer.frames
        writer.writable = True
        await asyncio.sleep(2 * TICK)
        await hub.close()
        return writer

    [batch] = decoded(run_async(scenario()).frames[0])
    story = [m["seq"] if "seq" in m else -m["until"] for m in batch]  # -N: a hole up to N
    # Every metric, the newest frame only, each frame left out announced (a marker).
    assert story == [1] + [n for seq in range(3, 80, 2) for n in (-(seq - 1), seq)] + [80]


def test_the_hub_hands_a_viewer_back_to_its_task_for_a_hole_and_for_the_end() -> None:
    async def scenario() -> list[tuple[Viewer, RecordingWriter]]:
        hub = StreamHub(viewer_queue_size=100, batch_seconds=TICK, heartbeat_seconds=60)
        pairs = await watched(hub, [0, 0])
        hole, ending = pairs
        hole[0].pending.append(metric(5))  # 1-4 are missing: storage must fill them first
        hub.deliver_encoded("j", [metric(6)])
        ending[0].cursor.last = 5
        terminal = {"seq": 7, "ts": 0.0, "type": "status", "status": "succeeded"}
        await asyncio.sleep(2 * TICK)
        hub.deliver_encoded("j", [Encoded.of(terminal)])
        await asyncio.sleep(2 * TICK)
        await hub.close()
        return pairs

    (hole, hole_writer), (ending, ending_writer) = run_async(scenario())
    assert hole.ready.is_set() and hole.writer is None and not hole_writer.frames
    assert [m["seq"] for m in decoded(b"".join(ending_writer.frames))[1]] == [7]
    assert ending.cursor.finished and ending.ready.is_set() and ending.writer is None


async def shared_frame_app(scope: dict, receive: Any, send: Any) -> None:
    """Accepts, writes two frames with the connection's writer, closes the ASGI way."""
    assert scope["type"] == "websocket"
    await receive()
    await send({"type": "websocket.accept"})
    writer = frame_writer(scope)
    assert writer is not None and writer.open
    frame = text_frame('{"n":1}')
    writer.write(frame + text_frame('{"n":2}'))
    await send({"type": "websocket.send", "text": '{"n":3}'})
    await send({"type": "websocket.close", "code": 1000})


def test_the_served_protocol_lets_the_app_write_whole_frames_between_its_own() -> None:
    async def scenario() -> tuple[list[str], int | None]:
        port = free_port()
        config = uvicorn.Config(
            shared_frame_app, port=port, ws=SharedFrameProtocol, log_level="warning"
        )
        server = uvicorn.Server(config)
        serving = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            async with websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
                received = [message async for message in ws]
                return received, ws.close_code
        finally:
            server.should_exit = True
            await serving

    received, code = run_async(scenario())
    assert received == ['{"n":1}', '{"n":2}', '{"n":3}'] and code == 1000
