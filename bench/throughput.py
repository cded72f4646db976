"""What the `*_throughput.py` benchmarks share: a job context whose reports go nowhere, random
images of Fashion-MNIST's shape, the book's helpers that several chapters reuse, the best of
alternating timed runs and the line that compares a demo's loop with the book's.

The scripts import it as `bench.throughput`, the repository root put on `sys.path` first (as
they do for `tests.support`): run as `.venv/bin/python bench/<name>.py`, only `bench/` is there.
"""

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from pydantic import BaseModel
from torch import Tensor, nn
from torch.utils.data import DataLoader

from core.channel import Control, WorkerChannel
from core.demo_spec import DemoSpec
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from core.store.snapshots import SnapshotLibrary
from workers.context import JobContext, JobResources
from workers.kit.datasets import ImageDataset

CLASSES = 10
Examples = tuple[Tensor, Tensor]  # images and labels
P = TypeVar("P", bound=BaseModel)


class DiscardingChannel:
    """A job channel that drops what the demo reports and never asks for a change."""

    def emit(self, draft: dict[str, Any]) -> None:
        pass

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        pass

    def save_snapshot(self, step: int, content: bytes) -> None:
        pass

    def poll(self) -> Control:
        return Control()


def resources(device: str = "cpu") -> JobResources:
    """What a worker offers a job; the loops timed here read nothing from its data directory."""
    settings = Settings(data_dir=Path(tempfile.gettempdir()))
    database = Database.of(settings)
    return JobResources(settings, ImageLibrary(database), SnapshotLibrary(database), device)


def job_context(
    demo: DemoSpec, params: P, device: str = "cpu", channel: WorkerChannel | None = None
) -> JobContext[P]:
    """The context a worker would give the demo's job; its reports dropped unless `channel`
    keeps some."""
    channel = channel if channel is not None else DiscardingChannel()
    return JobContext(demo, params, 1, channel, resources(device))


def timed_demo(
    demo: DemoSpec, run: Callable[[JobContext[P]], dict[str, Any]], params: P
) -> tuple[dict[str, Any], float]:
    """A demo's whole loop run flat out in a worker's job context, everything it does
    (checkpoints, reports, pictures) included, its reports dropped: (its summary, seconds)."""
    ctx = job_context(demo, params)
    started = time.perf_counter()
    summary = run(ctx)
    return summary, time.perf_counter() - started


def offline_texts() -> None:
    """Points the dataset mirror at a port nothing listens on: the text demos fail to download
    at once and train on their offline stand-in (the speed does not depend on which text)."""
    from tests.support import free_port

    os.environ["DIVELAB_DATASETS_MIRROR"] = f"http://127.0.0.1:{free_port()}"


def random_images(examples: int, seed: int) -> Examples:
    """Images of Fashion-MNIST's shape, random pixels: the speed does not depend on them."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (examples, 1, 28, 28), generator=generator).float() / 255
    return images, torch.randint(0, CLASSES, (examples,), generator=generator)


def random_image_dataset(train: Examples, test: Examples, device: str) -> ImageDataset:
    """The examples as the demos hold a data set: resident on the device."""
    return ImageDataset(
        name="random",
        title="random pixels",
        class_names=tuple(str(c) for c in range(CLASSES)),
        train_images=train[0].to(device),
        train_labels=train[1].to(device),
        test_images=test[0].to(device),
        test_labels=test[1].to(device),
    )


def synchronize(device: str) -> None:
    """Waits for the GPU's queued work, so that a timing ends when the work does."""
    if device == "cuda":
        torch.cuda.synchronize()


def devices() -> list[str]:
    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def train_epoch_ch3(
    net: nn.Module,
    train_iter: DataLoader,
    loss: nn.Module,
    updater: torch.optim.Optimizer,
    device: str,
) -> int:
    """The book's `train_epoch_ch3` (SGD on the mean loss, an Accumulator read after every
    step), each batch copied to the device; returns the examples seen."""
    metric = [0.0, 0.0, 0]  # the book's Accumulator: loss sum, correct, examples
    for X, y in train_iter:
        X, y = X.to(device), y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the book's name
        updater.zero_grad()
        l.backward()
        updater.step()
        with torch.no_grad():
            metric[0] += float(l) * len(y)
            metric[1] += float((y_hat.argmax(dim=1) == y).sum())
            metric[2] += len(y)
    return int(metric[2])


def evaluate_loss(
    net: Callable[[Tensor], Tensor],
    data_iter: DataLoader,
    loss: Callable[[Tensor, Tensor], Tensor],
) -> float:
    """4.4's `evaluate_loss`: the mean loss over a data set."""
    total, count = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        l = loss(out, y.reshape(out.shape))  # noqa: E741 - the book's name
        total, count = total + l.sum().item(), count + l.numel()
    return total / count


def best_of(
    repeats: int, demo: Callable[[], float], book: Callable[[], float]
) -> tuple[float, float]:
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    demo_best, book_best = 0.0, 0.0
    for _ in range(repeats):
        demo_best = max(demo_best, demo())
        book_best = max(book_best, book())
    return demo_best, book_best


def report(label: str, demo: float, book: float, width: int = 9, unit: str = "ex/s") -> None:
    """One line of the table: the run's label, each loop's examples/sec and their ratio."""
    print(
        f"{label} demo {demo:>{width}.0f} {unit}   book {book:>{width}.0f} {unit}   "
        f"demo/book {demo / book:5.2f}×"
    )


def parse_arguments(parser: argparse.ArgumentParser, repeats: int = 3) -> argparse.Namespace:
    """Adds the options every benchmark has, parses the command line, applies `--threads` and
    prints the versions the figures depend on."""
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    parser.add_argument("--repeats", type=int, default=repeats, help="runs of each loop; best kept")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    return args
