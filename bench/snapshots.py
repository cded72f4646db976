"""What snapshots of the training state (for forks) cost each demo, and what thinning keeps.

For every demo in the catalogue, one run in this process on the CPU, at the demo's default
params and its own `snapshot_every`, except `speed: 0` (flat out: the worst case, no waits
that hide the cost) and a length (for style transfer also a size) chosen so that the whole
bench takes about a minute on one thread (see BENCH_PARAMS). Nothing is downloaded: image
data sets are `digits` (bundled with scikit-learn), style transfer uses its built-in images
and, without VGG19's weights, its random-feature fallback (the image and Adam's moments, what
a snapshot holds, are the same size either way); every download URL points at a closed port.

Per demo: snapshots due on schedule (every `snapshot_every` steps, and the last) and taken
(the context skips scheduled ones while snapshots exceed their share of the job's time, and
takes those asked for), their mean size, the mean time of `kit.state.capture` (timed by
wrapping the module attribute `workers.context` calls), the time to restore the middle one
into the same objects, and the share of the training time (from the first `checkpoint` to the
end of the job, final snapshot included) spent capturing; PASS under 2%. Where a demo is paced
by default (`speed`, in steps or epochs per second), also the share at that pace ("paced"):
there each step (epoch) lasts at least 1/speed seconds. A demo that takes no snapshot has not
been converted yet (no `ctx.track`). Then, for one long run of a fast demo, the snapshots
that `core.store.snapshots.thinned` keeps within the default bounds (sizes as measured).

    .venv/bin/python -m bench.snapshots [--threads 1] [--demo mlp --demo style-transfer]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as bench/snapshots.py

from core.channel import Control, JobTicket
from core.events import JobStatus
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from core.store.snapshots import Bounds, SnapshotLibrary, thinned
from workers import context
from workers.context import JobResources
from workers.demos import CATALOGUE
from workers.kit import state
from workers.runtime import run_job

TARGET_SHARE = 0.02
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: a download fails at once, offline

# Runs of a few seconds each: long enough for several snapshots on schedule and for the two
# that every run takes (the first and the last) to weigh as they do in a longer run, short
# enough for the whole bench to take about a minute. A demo missing here runs its defaults.
BENCH_PARAMS: dict[str, dict[str, Any]] = {
    "linear-regression": {"epochs": 30},
    "polynomial-fit": {"epochs": 1000},
    "weight-decay": {"epochs": 1000},
    "softmax-regression": {"dataset": "digits", "epochs": 100},
    "mlp": {"epochs": 500},
    "initialization": {"steps": 2000},
    "dropout": {"dataset": "digits", "epochs": 20},
    "edge-kernel": {"steps": 5000},
    "conv-filters": {"dataset": "digits", "epochs": 8},
    "attention-pooling": {"epochs": 400},
    "transformer-attention": {"steps": 300},
    "gradient-descent": {"steps": 10_000},
    "style-transfer": {"size": 64, "steps": 200},
}
# A long run of a fast demo, at its longest, whose kept snapshots are shown: (demo, steps).
LONG_RUN = ("gradient-descent", 100_000)


@dataclass
class Timings:
    """What the wrapped functions saw during one run."""

    captures: list[float] = field(default_factory=list)  # seconds
    tracked: dict[str, object] | None = None  # the objects of the last capture
    first_checkpoint: float | None = None  # time.perf_counter()
    checkpoints: int = 0


class SnapshotChannel:
    """A job channel that keeps the snapshots and the final status, drops the rest, and never
    asks for a change."""

    def __init__(self) -> None:
        self.snapshots: dict[int, bytes] = {}
        self.final: dict[str, Any] = {}

    def emit(self, draft: dict[str, Any]) -> None:
        if draft["type"] == "status":
            self.final = draft

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        pass

    def save_snapshot(self, step: int, content: bytes) -> None:
        self.snapshots[step] = content

    def poll(self) -> Control:
        return Control()


@dataclass
class Row:
    demo: str
    snapshot_every: int
    params: dict[str, Any]
    outcome: str  # the final status
    error: str | None = None
    due: int = 0  # snapshots on schedule: every `snapshot_every` steps, and the last
    snapshots: int = 0
    mean_kb: float = 0.0
    capture_ms: float = 0.0
    restore_ms: float | None = None
    wall_s: float = 0.0
    training_s: float = 0.0
    steps: int = 0
    share: float = 0.0
    paced_share: float | None = None  # at the default speed (steps or epochs a second)


@contextmanager
def instrumented(timings: Timings) -> Iterator[None]:
    """Time `state.capture` and note the first `checkpoint` (where training starts)."""
    capture, checkpoint = state.capture, context.JobContext.checkpoint

    def timed_capture(objects: dict[str, Any]) -> bytes:
        started = time.perf_counter()
        content = capture(objects)
        timings.captures.append(time.perf_counter() - started)
        timings.tracked = objects
        return content

    def noted_checkpoint(self: context.JobContext, step: int) -> Any:
        if timings.first_checkpoint is None:
            timings.first_checkpoint = time.perf_counter()
        timings.checkpoints += 1
        return checkpoint(self, step)

    state.capture = timed_capture  # type: ignore[assignment]
    context.JobContext.checkpoint = noted_checkpoint  # type: ignore[method-assign]
    try:
        yield
    finally:
        state.capture = capture  # type: ignore[assignment]
        context.JobContext.checkpoint = checkpoint  # type: ignore[method-assign]


def resources(data_dir: Path) -> JobResources:
    """What a worker process offers a job (as in tests/support.py), caches in `data_dir`."""
    settings = Settings(data_dir=data_dir)
    database = Database(f"sqlite:///{data_dir / 'divelab.sqlite3'}")
    return JobResources(settings, ImageLibrary(database), SnapshotLibrary(database), "cpu")


def bench_params(demo: str) -> dict[str, Any]:
    spec = CATALOGUE[demo]
    params = dict(BENCH_PARAMS.get(demo, {}))
    if "speed" in spec.params_schema.get("properties", {}):
        params["speed"] = 0
    return params


def paced_seconds(demo: str, params: dict[str, Any], steps: int) -> float | None:
    """The least time the run takes at the default `speed` (steps or epochs per second), or
    None where the demo has no pace."""
    spec = CATALOGUE[demo]
    prop = spec.params_schema.get("properties", {}).get("speed")
    if not prop or not prop.get("default"):
        return None
    speed = float(prop["default"])
    if prop.get("unit") == "steps/s":
        return steps / speed
    if prop.get("unit") == "epochs/s":
        return spec.validate(params).epochs / speed  # type: ignore[attr-defined]
    return None


def bench_demo(demo: str, data_dir: Path) -> Row:
    spec = CATALOGUE[demo]
    params = bench_params(demo)
    row = Row(demo, spec.snapshot_every, params, "?")
    timings = Timings()
    channel = SnapshotChannel()
    with instrumented(timings):
        started = time.perf_counter()
        run_job(JobTicket(f"bench-{demo}", demo, params, 1), channel, resources(data_dir))
        ended = time.perf_counter()
    row.outcome = str(channel.final.get("status"))
    if row.outcome != JobStatus.succeeded:
        row.error = str(channel.final.get("error", "no final status"))[:200]
        return row
    row.wall_s = ended - started
    row.training_s = ended - (timings.first_checkpoint or started)
    row.steps = timings.checkpoints
    row.snapshots = len(timings.captures)
    row.due = len(range(0, row.steps, spec.snapshot_every)) + 1
    if not row.snapshots:
        return row
    sizes = [len(content) for content in channel.snapshots.values()]
    row.mean_kb = statistics.mean(sizes) / 1024
    row.capture_ms = statistics.mean(timings.captures) * 1000
    row.share = sum(timings.captures) / row.training_s
    paced = paced_seconds(demo, params, row.steps)
    if paced is not None:
        row.paced_share = sum(timings.captures) / max(row.training_s, paced)
    row.restore_ms = restore_ms(channel.snapshots, timings.tracked)
    return row


def restore_ms(snapshots: dict[int, bytes], tracked: dict[str, object] | None) -> float | None:
    """The best of three restores of the middle snapshot into the run's own objects."""
    if tracked is None:
        return None
    steps = sorted(snapshots)
    content = snapshots[steps[len(steps) // 2]]
    times = []
    for _ in range(3):
        started = time.perf_counter()
        state.restore(content, tracked)
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'demo':<22}{'every':>6}{'steps':>7}{'due':>5}{'taken':>6}{'mean KB':>9}"
        f"{'capture ms':>11}{'restore ms':>11}{'train s':>9}{'share':>8}  {'<2%':<5}{'paced':>8}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        start = f"{row.demo:<22}{row.snapshot_every:>6}"
        if row.error is not None:
            print(f"{start}  FAILED ({row.outcome}): {row.error}")
            continue
        if not row.snapshots:
            print(f"{start}{row.steps:>7}  no snapshot taken: not converted yet (no ctx.track)")
            continue
        verdict = "PASS" if row.share < TARGET_SHARE else "FAIL"
        paced = f"{row.paced_share:.2%}" if row.paced_share is not None else "-"
        restore = f"{row.restore_ms:.2f}" if row.restore_ms is not None else "-"
        print(
            f"{start}{row.steps:>7}{row.due:>5}{row.snapshots:>6}{row.mean_kb:>9.0f}"
            f"{row.capture_ms:>11.2f}{restore:>11}{row.training_s:>9.2f}{row.share:>8.2%}"
            f"  {verdict:<5}{paced:>8}"
        )
    print("params beyond the defaults:")
    for row in rows:
        print(f"  {row.demo}: {row.params}")


def long_run_kept(steps: int, every: int, size: int, bounds: Bounds) -> list[int]:
    """The steps a run of `steps` keeps, thinned after each save as the store does."""
    kept: list[tuple[int, int]] = []
    saved = [*range(0, steps, every), steps]
    for step in saved:
        kept.append((step, size))
        doomed = set(thinned(kept, bounds))
        kept = [(s, b) for s, b in kept if s not in doomed]
    return [s for s, _ in kept]


def print_thinning(rows: list[Row], bounds: Bounds) -> None:
    demo, steps = LONG_RUN
    every = CATALOGUE[demo].snapshot_every
    kb = next((row.mean_kb for row in rows if row.demo == demo and row.snapshots), None)
    if kb is None:
        print(f"thinning: {demo} took no snapshot here (not run, or not converted): skipped")
        return
    kept = long_run_kept(steps, every, round(kb * 1024), bounds)
    saved = len(range(0, steps, every)) + 1
    print(
        f"thinning ({bounds.count} snapshots, {bounds.size / 1024**2:.0f} MB per job): "
        f"{demo}, {steps} steps, one every {every} ({saved} saved, {kb:.0f} KB each): "
        f"{len(kept)} kept, {len(kept) * kb / 1024:.1f} MB, at steps {kept}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    # One thread by default: two OpenMP threads on two cores that other work shares slow the
    # steps down many times over (and the tests train on one thread too).
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (default 1)")
    parser.add_argument("--demo", action="append", help="only this demo (repeatable)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    for variable in ("DIVELAB_VGG19_WEIGHTS_URL", "DIVELAB_DATASETS_MIRROR"):
        os.environ[variable] = f"{CLOSED_PORT}/never-downloaded"
    demos = args.demo or list(CATALOGUE)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {len(demos)} demos")
    rows = []
    with tempfile.TemporaryDirectory() as data_dir:
        for demo in demos:
            row = bench_demo(demo, Path(data_dir))
            print(f"  {demo}: {row.outcome}, {row.wall_s:.1f} s", flush=True)
            rows.append(row)
        bounds = Bounds.of(Settings(data_dir=Path(data_dir)))
    print()
    print_table(rows)
    print()
    print_thinning(rows, bounds)


if __name__ == "__main__":
    main()
