"""Training throughput of the conv-filters demo's loop against the book's plain loop.

Both train the same model with the same batch size on data of Fashion-MNIST's shape (random
pixels: the speed does not depend on what the images show):

- demo: `workers.demos.conv_filters.train.fit`, everything it does included (metrics,
  pictures, live-param checkpoints): data resident on the device, shuffled and batched there,
  running sums read once per report; on a GPU also channels-last and bfloat16 autocast.
- book: a DataLoader over a TensorDataset in host memory, each batch copied to the device,
  float32, the loss and accuracy read back after every step (the book's `Accumulator`).

    .venv/bin/python bench/conv_throughput.py [--model lenet] [--examples 10240] [--threads 1]

Prints examples/sec for each loop and their ratio, on the CPU and, when one is visible, on the
GPU.
"""

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.channel import Control
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from workers.context import JobContext, JobResources
from workers.demos.conv_filters import DEMO, Params
from workers.demos.conv_filters.model import build_model
from workers.demos.conv_filters.train import fit
from workers.kit.datasets import ImageDataset
from workers.kit.device import convolution_layout

CLASSES = 10
TEST_EXAMPLES = 1000  # the demo evaluates after each epoch; kept small, it is not timed


class DiscardingChannel:
    """A job channel that drops what the demo reports and never asks for a change."""

    def emit(self, draft: dict[str, Any]) -> None:
        pass

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        pass

    def poll(self) -> Control:
        return Control()


def resources(device: str) -> JobResources:
    """What a worker offers a job; the loop timed here reads nothing from its data directory."""
    settings = Settings(data_dir=Path(tempfile.gettempdir()))
    return JobResources(settings, ImageLibrary(Database.of(settings)), device)


def random_images(examples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (examples, 1, 28, 28), generator=generator).float() / 255
    return images, torch.randint(0, CLASSES, (examples,), generator=generator)


def demo_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    test_images, test_labels = random_images(TEST_EXAMPLES, seed=1)
    data = ImageDataset(
        name="random",
        title="random pixels",
        class_names=tuple(str(c) for c in range(CLASSES)),
        train_images=images.to(device),
        train_labels=labels.to(device),
        test_images=test_images.to(device),
        test_labels=test_labels.to(device),
    )
    ctx = JobContext(DEMO, params, 1, DiscardingChannel(), resources(device))
    torch.manual_seed(params.seed)
    net = convolution_layout(build_model(params, CLASSES).to(device), data.device)
    return fit(ctx, net, data).examples_per_sec


def book_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    torch.manual_seed(params.seed)
    net = build_model(params, CLASSES).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(images, labels), params.batch_size, shuffle=True)
    started, examples = time.perf_counter(), 0
    metric = [0.0, 0.0, 0]  # the book's Accumulator: loss sum, correct, examples
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the book's name
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        with torch.no_grad():
            metric[0] += float(l) * X.shape[0]
            metric[1] += float((y_hat.argmax(dim=1) == y).sum())
            metric[2] += X.shape[0]
        examples += len(y)
    if device == "cuda":
        torch.cuda.synchronize()
    return examples / (time.perf_counter() - started)


def measure(model: str, examples: int, batch_size: int, device: str, repeats: int) -> None:
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    params = Params(model=model, batch_size=batch_size, epochs=1, dataset="digits")
    images, labels = random_images(examples, seed=0)
    warm_up = random_images(batch_size * 4, seed=2)
    demo_loop(params, *warm_up, device)  # first calls pay for kernel selection and caches
    book_loop(params, *warm_up, device)
    demo, book = 0.0, 0.0
    for _ in range(repeats):
        demo = max(demo, demo_loop(params, images, labels, device))
        book = max(book, book_loop(params, images, labels, device))
    print(
        f"{device:>5}  {model:<13} batch {batch_size:<5} demo {demo:>9.0f} ex/s   "
        f"book {book:>9.0f} ex/s   demo/book {demo / book:5.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["lenet", "lenet-modern"], action="append")
    parser.add_argument("--examples", type=int, default=10_240, help="examples per CPU run")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; best kept")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    devices = ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    for device in devices:
        examples = args.examples * (10 if device == "cuda" else 1)  # a GPU needs more to time
        for model in args.model or ["lenet", "lenet-modern"]:
            measure(model, examples, args.batch_size, device, args.repeats)


if __name__ == "__main__":
    main()
