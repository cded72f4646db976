"""A class of learners sharing one embedded DiveLab: fairness, waits and API latency.

Starts a classroom-mode server (embedded engine, DIVELAB_WORKERS job slots), an instructor
and a class; N learners join, each makes a personal token and, for the whole run, keeps one
job queued or running with a websocket on it (`gradient-descent`, about STEPS/SPEED seconds of
work): submit, watch every event to the end, submit again. Meanwhile a prober times GETs and
POSTs. It prints:

- submit -> start wait per learner (p50, p95 over each learner's jobs; the worst learner's);
- per-learner service: worker seconds each learner's jobs got, and max/min across learners
  (1.0 = perfectly even; the target is <= 1.5);
- API latency p50/p95 of GET /api/jobs/{id}, GET /api/jobs and POST /api/jobs under that load;
- events lost (a seq missing from a stream) and duplicated: the target is 0.

    .venv/bin/python bench/classroom.py --learners 60 --seconds 300
"""

import argparse
import asyncio
import json
import multiprocessing
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support import Server, start_server, stop_server

DEMO = "gradient-descent"
STEPS, SPEED = 20, 20  # about one second of work per job
QUICK_JOB = {"demo": DEMO, "params": {"steps": STEPS, "speed": SPEED}}
LIMITS = {
    "running": 1,
    "queued": 2,
    "worker_minutes_per_day": 24 * 60,
    "uploads": 1,
    "upload_megabytes": 1,
}


@dataclass
class Learner:
    name: str
    token: str
    waits: list[float] = field(default_factory=list)
    worker_seconds: float = 0.0
    jobs: int = 0
    lost: int = 0
    duplicated: int = 0

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass
class Latencies:
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    async def timed(self, kind: str, request: Awaitable[httpx.Response]) -> httpx.Response:
        began = time.perf_counter()
        response = await request
        self.by_kind[kind].append((time.perf_counter() - began) * 1000)
        return response


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def set_up_class(server: Server, learners: int) -> list[Learner]:
    divelab = Path(sys.executable).parent / "divelab"
    subprocess.run(
        [divelab, "instructor", "add", "bench"],
        input="bench password\n",
        env=server.env,
        check=True,
        capture_output=True,
        text=True,
    )
    with server.client() as instructor:
        instructor.post("/api/session", json={"name": "bench", "password": "bench password"})
        code = instructor.post("/api/classes", json={"name": "bench", "limits": LIMITS}).json()[
            "code"
        ]
    joined = []
    for i in range(learners):
        with server.client() as client:
            name = f"learner {i:02d}"
            assert client.post("/api/classes/join", json={"code": code, "name": name}).is_success
            token = client.post("/api/tokens", json={"name": "bench"}).json()["token"]
        joined.append(Learner(name, token))
    return joined


async def keep_busy(server: Server, learner: Learner, latencies: Latencies, until: float) -> None:
    """Submit, watch to the end, submit again, until the time is up."""
    async with httpx.AsyncClient(base_url=server.url, headers=learner.headers, timeout=60) as api:
        while time.monotonic() < until:
            submitted = time.time()
            created = await latencies.timed(
                "POST /api/jobs",
                api.post("/api/jobs", json=QUICK_JOB),
            )
            if created.status_code == 429:
                await asyncio.sleep(float(created.headers.get("retry-after", "1")))
                continue
            job_id = created.json()["id"]
            await watch(server, learner, job_id)
            job = (
                await latencies.timed("GET /api/jobs/{id}", api.get(f"/api/jobs/{job_id}"))
            ).json()
            started = datetime.fromisoformat(job["started_at"]).timestamp()
            finished = datetime.fromisoformat(job["finished_at"]).timestamp()
            learner.waits.append(started - submitted)
            learner.worker_seconds += finished - started
            learner.jobs += 1


async def watch(server: Server, learner: Learner, job_id: str) -> None:
    url = f"{server.ws_url}/api/jobs/{job_id}/stream"
    seen: list[int] = []
    async with websockets.connect(url, additional_headers=learner.headers) as ws:
        async for text in ws:
            message = json.loads(text)
            if "seq" in message:
                seen.append(message["seq"])
    learner.duplicated += len(seen) - len(set(seen))
    learner.lost += (max(seen) - len(set(seen))) if seen else 0


def probe(url: str, token: str, seconds: float) -> dict[str, list[float]]:
    """API latency as a client of its own sees it (its own process, so that the learners'
    event loop does not delay it): list, create (then cancel at once, so that it takes no
    worker time from the class), read."""
    timings: dict[str, list[float]] = defaultdict(list)

    def timed(kind: str, send: Callable[[], httpx.Response]) -> httpx.Response:
        began = time.perf_counter()
        response = send()
        timings[kind].append((time.perf_counter() - began) * 1000)
        return response

    until = time.monotonic() + seconds
    with httpx.Client(base_url=url, headers={"authorization": f"Bearer {token}"}) as api:
        while time.monotonic() < until:
            timed("GET /api/jobs", lambda: api.get("/api/jobs", params={"limit": 20}))
            created = timed("POST /api/jobs", lambda: api.post("/api/jobs", json=QUICK_JOB))
            job = f"/api/jobs/{created.json()['id']}"
            timed("GET /api/jobs/{id}", lambda job=job: api.get(job))
            api.post(f"{job}/cancel")
            time.sleep(0.25)
    return dict(timings)


async def run_class(server: Server, learners: list[Learner], seconds: float) -> Latencies:
    latencies = Latencies()
    until = time.monotonic() + seconds
    await asyncio.gather(*(keep_busy(server, learner, latencies, until) for learner in learners))
    return latencies


def report(
    learners: list[Learner],
    seen_by_learners: Latencies,
    probed: dict[str, list[float]],
    seconds: float,
    slots: int,
) -> None:
    waits = [w for learner in learners for w in learner.waits]
    worst = max(learners, key=lambda learner: percentile(learner.waits, 0.95))
    service = [learner.worker_seconds for learner in learners]
    jobs = [learner.jobs for learner in learners]
    print(f"{len(learners)} learners, {slots} job slots, {seconds:.0f} s, {sum(jobs)} jobs run")
    print(
        f"submit -> start wait: p50 {percentile(waits, 0.5):.1f} s, p95 "
        f"{percentile(waits, 0.95):.1f} s; worst learner's p95 "
        f"{percentile(worst.waits, 0.95):.1f} s ({worst.name})"
    )
    spread = max(service) / max(min(service), 1e-9)
    print(
        f"service per learner: {min(service):.1f}-{max(service):.1f} worker s "
        f"(mean {statistics.mean(service):.1f}), max/min {spread:.2f}; "
        f"jobs {min(jobs)}-{max(jobs)}"
    )
    print("API latency, a separate client process:")
    print_latencies(probed)
    print(f"API latency as the {len(learners)} learners' one client process saw it:")
    print_latencies(seen_by_learners.by_kind)
    lost = sum(learner.lost for learner in learners)
    duplicated = sum(learner.duplicated for learner in learners)
    print(f"events lost {lost}, duplicated {duplicated}")


def print_latencies(by_kind: dict[str, list[float]]) -> None:
    for kind, values in sorted(by_kind.items()):
        print(
            f"  {kind:>20}: p50 {percentile(values, 0.5):.0f} ms, p95 "
            f"{percentile(values, 0.95):.0f} ms ({len(values)} requests)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--workers", type=int, default=2, help="job slots of the local pool")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as data_dir:
        server = start_server(
            Path(data_dir),
            {
                "DIVELAB_AUTH": "classroom",
                "DIVELAB_WORKERS": str(args.workers),
                "DIVELAB_MAX_STREAMS": str(args.learners * 2 + 10),
            },
        )
        try:
            *learners, prober = set_up_class(server, args.learners + 1)
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                probed = pool.apply_async(probe, (server.url, prober.token, args.seconds))
                seen_by_learners = asyncio.run(run_class(server, learners, args.seconds))
                probed_latencies = probed.get()
        finally:
            stop_server(server)
    report(learners, seen_by_learners, probed_latencies, args.seconds, args.workers)


if __name__ == "__main__":
    main()
