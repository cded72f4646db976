"""Many viewers of one job: what one API process delivers, how late, and at what cost.

Starts its own server (embedded, or distributed with 1 or more API processes) on loopback,
one `gradient-descent` job emitting RATE events/s (a metric and a positions frame per step),
and N websocket viewers of it spread over client processes, joining at 400 a second. For every
configuration it prints how long the viewers took to join and catch up (each one's first
message), then, over a window that opens a second after the last one joined: delivered
messages/s and events/s, lag (receive time - the event's `ts`) p50/p95/p99, events lost (a
hole no `skipped` marker announced) and duplicated, viewers cut off (1013) and dropped (closed
otherwise before the window's end; viewers answer the server's pings), the API processes'
CPU (all of them, and the busiest one's) and their CPU time per delivered event (events
produced within the window). Viewers ask for batches (`batch=true`, as the UI
does) unless --unbatched; each configuration runs with viewers offering permessage-deflate and
without (the server declines it).

    .venv/bin/python bench/fanout.py --viewers 100,500,1000 --modes embedded,distributed
    git archive 692f4b5 | tar -x -C /tmp/before && \\
        .venv/bin/python bench/fanout.py --source /tmp/before ...   # the same, served by older code
"""

import argparse
import asyncio
import base64
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import (
    ScratchDatabase,
    Server,
    services_missing,
    start_distributed,
    start_server,
    stop_server,
)

CLIENT_PROCESSES = 2
CONNECT_PER_SECOND = 400  # viewers join gradually, as a lecture hall's would
JOIN_TIMEOUT = 120.0
SETTLE_SECONDS = 1.0


@dataclass
class Tally:
    messages: int = 0
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    cut_off: int = 0
    dropped: int = 0  # closed before the window's end otherwise (not 1013)
    connected: int = 0
    lags_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the client process's, over its whole life


class Viewing(asyncio.Protocol):
    """A lean websocket client (a handshake and a frame parser over a plain asyncio
    protocol), so that a thousand viewers on the bench's own machine leave it CPU to serve:
    the `websockets` client costs several times more per message."""

    def __init__(self, path: str, host: str, deflate: bool, window: "Window", tally: Tally):
        self.path, self.host, self.deflate = path, host, deflate
        self.window, self.tally = window, tally
        self.buffer = bytearray()
        self.upgraded = False
        self.inflater: zlib._Decompress | None = None
        self.last: int | None = None
        self.joined = False
        self.left = False
        self.done = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        key = base64.b64encode(os.urandom(16)).decode()
        extensions = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if self.deflate else ""
        transport.write(
            f"GET {self.path} HTTP/1.1\r\nHost: {self.host}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"{extensions}\r\n".encode()
        )

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.upgraded:
            head, separator, rest = bytes(self.buffer).partition(b"\r\n\r\n")
            if not separator:
                return
            self.upgraded = True
            self.tally.connected += 1
            if b"permessage-deflate" in head.lower():
                self.inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            self.buffer = bytearray(rest)
        while (frame := self.frame()) is not None:
            opcode, compressed, payload = frame
            if opcode == 8:  # close
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
                self.leave(cut_off=code == 1013)
                return
            if opcode == 9:  # the server's keepalive ping: a browser answers it
                self.transport.write(client_frame(0xA, payload))
            if opcode in (1, 2):
                if compressed and self.inflater is not None:
                    payload = self.inflater.decompress(payload + b"\x00\x00\xff\xff")
                self.message(payload)

    def frame(self) -> tuple[int, bool, bytes] | None:
        buffer = self.buffer
        if len(buffer) < 2:
            return None
        opcode, compressed = buffer[0] & 0x0F, bool(buffer[0] & 0x40)
        length, offset = buffer[1] & 0x7F, 2
        if length == 126:
            if len(buffer) < 4:
                return None
            length, offset = int.from_bytes(buffer[2:4], "big"), 4
        elif length == 127:
            if len(buffer) < 10:
                return None
            length, offset = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < offset + length:
            return None
        payload = bytes(buffer[offset : offset + length])
        del buffer[: offset + length]
        return opcode, compressed, payload

    def message(self, payload: bytes) -> None:
        now = time.time()
        start, end = self.window.start.value, self.window.end.value
        if not self.joined:  # its first message: it has joined and caught up
            self.joined = True
            self.window.joined[self.window.process] += 1
        if end and now > end:
            self.leave()
            return
        counted = bool(start) and now >= start
        parsed = json.loads(payload)
        tally = self.tally
        tally.messages += counted
        for message in parsed if isinstance(parsed, list) else [parsed]:
            if message["type"] == "skipped":
                self.last = message["until"]
                continue
            seq = message.get("seq")
            if seq is None:
                continue
            last = self.last
            if last is not None and seq <= last:
                tally.duplicated += counted
                continue
            if last is not None and seq > last + 1:
                tally.lost += (seq - last - 1) * counted
            self.last = seq
            if counted and message["ts"] >= start:  # produced in the window: not catch-up
                tally.events += 1
                tally.lags_ms.append((now - message["ts"]) * 1000)

    def leave(self, cut_off: bool = False) -> None:
        """Close; a viewer closed before the window's end, other than cut off, was dropped."""
        if not self.left:
            self.left = True
            end = self.window.end.value
            self.tally.cut_off += cut_off
            self.tally.dropped += not cut_off and not (end and time.time() > end)
        self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.left:
            self.leave()
        if not self.done.done():
            self.done.set_result(None)


def client_frame(opcode: int, payload: bytes) -> bytes:
    """A final client frame (masked, as every client frame must be) of up to 125 bytes."""
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked


async def view(url: str, deflate: bool, window: "Window", tally: Tally) -> None:
    address = urlsplit(url)
    path = f"{address.path}?{address.query}"
    loop = asyncio.get_running_loop()
    _, viewing = await loop.create_connection(
        lambda: Viewing(path, address.netloc, deflate, window, tally),
        address.hostname,
        address.port,
    )
    await viewing.done


@dataclass
class Window:
    """What the bench process and its client processes share: when the measured window starts
    and ends (0: not yet known), and how many viewers of each client process have joined."""

    start: Any
    end: Any
    joined: Any
    process: int = 0


def client_process(urls: list[str], deflate: bool, window: Window, results) -> None:
    async def main() -> Tally:
        tally = Tally()
        tasks = []
        for url in urls:
            tasks.append(asyncio.create_task(view(url, deflate, window, tally)))
            await asyncio.sleep(CLIENT_PROCESSES / CONNECT_PER_SECOND)
        while not window.end.value:
            await asyncio.sleep(0.1)
        _, late = await asyncio.wait(tasks, timeout=window.end.value - time.time() + 10)
        for task in late:  # viewers the server never answered again: counted as they are
            task.cancel()
        return tally

    tally = asyncio.run(main())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    tally.cpu_seconds = usage.ru_utime + usage.ru_stime
    step = max(1, len(tally.lags_ms) // 20_000)  # a sample is enough for percentiles
    tally.lags_ms = tally.lags_ms[::step]
    results.put(tally)


def cpu_seconds(pids: list[int]) -> list[float]:
    """Each process's CPU time so far."""
    times = []
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        times.append((int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"))
    return times


def api_pids(server: Server) -> list[int]:
    """The API process and the API processes it started (uvicorn workers), not job workers."""
    pids = [server.process.pid]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        parent = next(
            int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid")
        )
        if parent == server.process.pid and b"multiprocessing" in cmdline:
            pids.append(int(entry.name))
    return pids


def measure(
    server: Server, viewers: int, rate: int, seconds: float, deflate: bool, batch: bool
) -> dict:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        job = client.post(
            "/api/jobs",
            json={
                "demo": "gradient-descent",
                "params": {
                    "function": "quadratic",
                    "optimizers": [{"name": "gd", "lr": 0.0001}],
                    "steps": 100_000,
                    "speed": rate / 2,
                },
            },
        ).json()
    server.wait_for_status(job["id"], "running", timeout=120)
    after = server.all_events(job["id"])[-1]["seq"]
    url = f"{server.ws_url}/api/jobs/{job['id']}/stream?after={after}"
    urls = [url + ("&batch=true" if batch else "")] * viewers
    context = multiprocessing.get_context("spawn")
    shared = Window(context.RawValue("d"), context.RawValue("d"), context.RawArray("i", 2))
    results = context.Queue()
    clients = [
        context.Process(
            target=client_process,
            args=(urls[i::CLIENT_PROCESSES], deflate, replace(shared, process=i), results),
        )
        for i in range(CLIENT_PROCESSES)
    ]
    joining = time.time()
    for process in clients:
        process.start()
    # The window opens once every viewer has joined and caught up (a lecture hall opening the
    # job is the join time, reported on its own), and the server has settled.
    while sum(shared.joined) < viewers and time.time() < joining + JOIN_TIMEOUT:
        time.sleep(0.05)
    joined_seconds = time.time() - joining
    time.sleep(SETTLE_SECONDS)
    pids = api_pids(server)
    shared.start.value = time.time()
    cpu_before = cpu_seconds(pids)
    time.sleep(seconds)
    cpu_after = cpu_seconds(pids)
    per_process = [after - before for before, after in zip(cpu_before, cpu_after, strict=True)]
    cpu = sum(per_process)
    shared.end.value = time.time()
    tallies = [results.get(timeout=120) for _ in clients]
    for process in clients:
        process.join(30)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        client.post(f"/api/jobs/{job['id']}/cancel")
    lags = sorted(lag for tally in tallies for lag in tally.lags_ms)
    events = sum(t.events for t in tallies)

    def percentile(q: float) -> float:
        return lags[min(len(lags) - 1, int(q * len(lags)))] if lags else float("nan")

    return {
        "messages/s": sum(t.messages for t in tallies) / seconds,
        "events/s": events / seconds,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "lost": sum(t.lost for t in tallies),
        "duplicated": sum(t.duplicated for t in tallies),
        "cut off": sum(t.cut_off for t in tallies),
        "dropped": sum(t.dropped for t in tallies),
        "connected": sum(t.connected for t in tallies),
        "join s": joined_seconds if sum(shared.joined) >= viewers else float("nan"),
        "cpu %": 100 * cpu / seconds,
        "busiest %": 100 * max(per_process) / seconds,  # of the API processes
        "client cpu s": sum(t.cpu_seconds for t in tallies),
        "µs/event": 1e6 * cpu / events if events else float("nan"),
    }


def started(
    mode: str, processes: int, data_dir: Path, source: Path | None
) -> tuple[Server, ScratchDatabase | None]:
    env = {"DIVELAB_WORKERS": "1", "DIVELAB_MAX_STREAMS": "5000"}
    if source is not None:  # another version's code, for a side-by-side figure
        env["PYTHONPATH"] = str(source.resolve())
    if mode == "embedded":
        return start_server(data_dir, env), None
    if missing := services_missing():
        raise SystemExit(f"the distributed mode needs Redis and PostgreSQL: {missing}")
    database = ScratchDatabase.create()
    env = {**env, "DIVELAB_API_PROCESSES": str(processes), "DIVELAB_WORKER_CONCURRENCY": "1"}
    return start_distributed(data_dir, database, env), database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", default="100,500,1000")
    parser.add_argument("--rate", type=int, default=50, help="events per second of the job")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--modes", default="embedded,distributed")
    parser.add_argument("--processes", default="1,2", help="API processes (distributed)")
    parser.add_argument("--deflate", choices=["both", "on", "off"], default="both")
    parser.add_argument("--unbatched", action="store_true", help="one event per message")
    parser.add_argument(
        "--source", type=Path, help="serve the code in this directory (e.g. a `git archive`)"
    )
    args = parser.parse_args()
    deflates = {"both": [False, True], "on": [True], "off": [False]}[args.deflate]
    columns = [
        "join s",
        "client cpu s",
        "messages/s",
        "events/s",
        "p50",
        "p95",
        "p99",
        "lost",
        "duplicated",
        "cut off",
        "dropped",
        "cpu %",
        "busiest %",
        "µs/event",
    ]
    print(
        f"{args.rate} events/s, {args.seconds:g} s measured, "
        f"{'one event per message' if args.unbatched else 'batched viewers (batch=true)'}, "
        f"{os.cpu_count()} CPUs; lag in ms; server: {args.source or 'this checkout'}"
    )
    print(f"{'mode':26} {'viewers':>7} " + " ".join(f"{c:>10}" for c in columns))
    for mode in args.modes.split(","):
        for processes in [1] if mode == "embedded" else [int(p) for p in args.processes.split(",")]:
            for viewers in [int(v) for v in args.viewers.split(",")]:
                for deflate in deflates:
                    with tempfile.TemporaryDirectory() as data_dir:
                        server, database = started(mode, processes, Path(data_dir), args.source)
                        try:
                            row = measure(
                                server,
                                viewers,
                                args.rate,
                                args.seconds,
                                deflate,
                                not args.unbatched,
                            )
                        finally:
                            stop_server(server)
                            if database is not None:
                                database.drop()
                    label = mode if mode == "embedded" else f"distributed ×{processes}"
                    label += " deflate" if deflate else ""
                    print(
                        f"{label:26} {viewers:>7} "
                        + " ".join(
                            f"{row[c]:>10.0f}"
                            if c not in ("join s", "p50", "p95", "p99")
                            else f"{row[c]:>10.1f}"
                            for c in columns
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    main()
