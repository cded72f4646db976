"""Latency of the job platform, as a learner feels it.

For each of N jobs: submit -> first `metric` event seen on the websocket, and
PATCH of a live param -> the `params` event that reports it applied. Prints p50/p95.

    .venv/bin/python bench/latency.py [--jobs 50] [--mode embedded|distributed|both]
"""

import argparse
import asyncio
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import (
    ScratchDatabase,
    Server,
    services_missing,
    start_distributed,
    start_server,
    stop_server,
)

PARAMS = {
    "function": "quadratic",
    "optimizers": [{"name": "gd", "lr": 0.01}],
    "steps": 100_000,
    "speed": 50,
}


async def one_job(server: Server, client: httpx.AsyncClient) -> tuple[float, float]:
    submitted = time.perf_counter()
    job = (
        await client.post("/api/jobs", json={"demo": "gradient-descent", "params": PARAMS})
    ).json()
    url = f"{server.ws_url}/api/jobs/{job['id']}/stream"
    async with websockets.connect(url) as ws:
        first_metric = await read_until(ws, lambda e: e["type"] == "metric") - submitted
        patched = time.perf_counter()
        await client.patch(
            f"/api/jobs/{job['id']}/params", json={"optimizers": [{"name": "gd", "lr": 0.02}]}
        )
        applied = (
            await read_until(ws, lambda e: e["type"] == "params" and e["version"] == 2) - patched
        )
        await client.post(f"/api/jobs/{job['id']}/cancel")
        await read_until(ws, lambda e: e["type"] == "status" and e["status"] == "cancelled")
    return first_metric, applied


async def read_until(ws: websockets.ClientConnection, wanted) -> float:
    async for raw in ws:
        if wanted(json.loads(raw)):
            return time.perf_counter()
    raise RuntimeError("stream closed before the awaited event")


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


async def measure(server: Server, jobs: int) -> tuple[list[float], list[float]]:
    firsts, patches = [], []
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        await one_job(server, client)  # warm-up, not counted
        for _ in range(jobs):
            first, patch = await one_job(server, client)
            firsts.append(first * 1000)
            patches.append(patch * 1000)
    return firsts, patches


def report(mode: str, firsts: list[float], patches: list[float]) -> None:
    print(
        f"mode: {mode}   jobs: {len(firsts)}   machine: {platform.node()} "
        f"({platform.machine()}, {platform.processor() or 'cpu'})"
    )
    for name, values in [("submit -> first metric", firsts), ("PATCH -> params event", patches)]:
        print(
            f"  {name:24s} p50 {percentile(values, 50):7.1f} ms   "
            f"p95 {percentile(values, 95):7.1f} ms   max {max(values):7.1f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=50)
    parser.add_argument("--mode", choices=["embedded", "distributed", "both"], default="both")
    args = parser.parse_args()
    modes = ["embedded", "distributed"] if args.mode == "both" else [args.mode]
    for mode in modes:
        firsts, patches = run_mode(mode, args.jobs)
        report(mode, firsts, patches)


def run_mode(mode: str, jobs: int) -> tuple[list[float], list[float]]:
    database = None
    with tempfile.TemporaryDirectory() as data_dir:
        if mode == "distributed":
            if missing := services_missing():
                raise SystemExit(f"distributed mode needs Redis and PostgreSQL: {missing}")
            database = ScratchDatabase.create()
            server = start_distributed(Path(data_dir), database)
        else:
            server = start_server(Path(data_dir), {"DIVELAB_WORKERS": "2"})
        try:
            return asyncio.run(measure(server, jobs))
        finally:
            stop_server(server)
            if database is not None:
                database.drop()


if __name__ == "__main__":
    main()
