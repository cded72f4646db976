"""Many viewers of one job: what one API process delivers, how late, and at what cost.

Starts its own server (embedded, or distributed with 1 or more API processes) on loopback,
one `gradient-descent` job emitting RATE events/s (a metric and a positions frame per step),
and N websocket viewers of it spread over client processes. For every configuration it prints
delivered messages/s and events/s, lag (receive time - the event's `ts`) p50/p95/p99, events
lost (a hole no `skipped` marker announced) and duplicated, viewers cut off (1013), the API's
CPU and its CPU time per delivered event (events produced within the measured window; the
catch-up of viewers joining is left out). Viewers ask for batches (`batch=true`, as the UI
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
from dataclasses import dataclass, field
from pathlib import Path
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


@dataclass
class Tally:
    messages: int = 0
    events: int = 0
    lost: int = 0
    duplicated: int = 0
    cut_off: int = 0
    connected: int = 0
    lags_ms: list[float] = field(default_factory=list)
    cpu_seconds: float = 0.0  # the client process's, over its whole life


class Viewing(asyncio.Protocol):
    """A lean websocket client (a handshake and a frame parser over a plain asyncio
    protocol), so that a thousand viewers on the bench's own machine leave it CPU to serve:
    the `websockets` client costs several times more per message."""

    def __init__(self, path: str, host: str, deflate: bool, start: float, end: float, tally: Tally):
        self.path, self.host, self.deflate = path, host, deflate
        self.start, self.end, self.tally = start, end, tally
        self.buffer = bytearray()
        self.upgraded = False
        self.inflater: zlib._Decompress | None = None
        self.last: int | None = None
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
                self.tally.cut_off += code == 1013
                self.transport.close()
                return
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
        if now > self.end:
            self.transport.close()
            return
        counted = now >= self.start
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
            if counted and message["ts"] >= self.start:  # produced in the window: not catch-up
                tally.events += 1
                tally.lags_ms.append((now - message["ts"]) * 1000)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def view(url: str, deflate: bool, start: float, end: float, tally: Tally) -> None:
    address = urlsplit(url)
    path = f"{address.path}?{address.query}"
    loop = asyncio.get_running_loop()
    _, viewing = await loop.create_connection(
        lambda: Viewing(path, address.netloc, deflate, start, end, tally),
        address.hostname,
        address.port,
    )
    await viewing.done


def client_process(urls: list[str], deflate: bool, start: float, end: float, results) -> None:
    async def main() -> Tally:
        tally = Tally()
        tasks = []
        for url in urls:
            tasks.append(asyncio.create_task(view(url, deflate, start, end, tally)))
            await asyncio.sleep(CLIENT_PROCESSES / CONNECT_PER_SECOND)
        _, late = await asyncio.wait(tasks, timeout=end - time.time() + 10)
        for task in late:  # viewers the server never answered again: counted as they are
            task.cancel()
        return tally

    tally = asyncio.run(main())
    usage = resource.getrusage(resource.RUSAGE_SELF)
    tally.cpu_seconds = usage.ru_utime + usage.ru_stime
    step = max(1, len(tally.lags_ms) // 20_000)  # a sample is enough for percentiles
    tally.lags_ms = tally.lags_ms[::step]
    results.put(tally)


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


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
    warm_up = viewers / CONNECT_PER_SECOND + 3
    start = time.time() + warm_up
    end = start + seconds
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    clients = [
        context.Process(
            target=client_process, args=(urls[i::CLIENT_PROCESSES], deflate, start, end, results)
        )
        for i in range(CLIENT_PROCESSES)
    ]
    for process in clients:
        process.start()
    time.sleep(max(0.0, start - time.time()))
    pids = api_pids(server)
    cpu_before = cpu_seconds(pids)
    time.sleep(seconds)
    cpu = cpu_seconds(pids) - cpu_before
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
        "connected": sum(t.connected for t in tallies),
        "cpu %": 100 * cpu / seconds,
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
        "client cpu s",
        "messages/s",
        "events/s",
        "p50",
        "p95",
        "p99",
        "lost",
        "duplicated",
        "cut off",
        "cpu %",
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
                            if c not in ("p50", "p95", "p99")
                            else f"{row[c]:>10.1f}"
                            for c in columns
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    main()
