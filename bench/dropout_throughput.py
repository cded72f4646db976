"""Training throughput of the dropout demo's loop against the book's plain loop.

Both train the same model (the book's 784 → 256 → 256 → 10 MLP with dropout 0.2 and 0.5, from
scratch or with `nn.Dropout`) with the same batch size (256) and learning rate on the same
data, of Fashion-MNIST's shape (random pixels: the speed does not depend on what they show):

- demo: `workers.demos.dropout.train.fit`, everything it does included (live-param
  checkpoints, running sums of the loss and of the share of units dropped, read once per
  report, the masks and the first layer's weights drawn at their schedule, and 10,000 training
  and all test images evaluated with dropout off before the first step and after each epoch:
  the price of an honest train/test gap, which weighs less the more epochs a run has);
- book: `train_ch3` of 4.6: a DataLoader over a TensorDataset in host memory, each batch copied
  to the device, the loss and accuracy read back after every step (the book's `Accumulator`),
  and the test accuracy evaluated after the epoch.

    .venv/bin/python bench/dropout_throughput.py [--examples 60000] [--epochs 1] [--threads 1]

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
from workers.demos.dropout import DEMO, Params
from workers.demos.dropout.model import DropoutMLP, build_model
from workers.demos.dropout.train import fit
from workers.kit.datasets import ImageDataset

CLASSES = 10
Examples = tuple[torch.Tensor, torch.Tensor]  # images and labels
TEST_EXAMPLES = 10_000  # Fashion-MNIST's test set, evaluated after each epoch by both loops


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


def synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def model(params: Params, device: str) -> tuple[DropoutMLP, torch.Generator]:
    """The same network for both loops, and the generator of its masks (and the demo's order)."""
    torch.manual_seed(params.seed)
    randomness = torch.Generator(device).manual_seed(params.seed)
    dropouts = (params.dropout1, params.dropout2)
    return build_model(params.implementation, dropouts, randomness), randomness


def demo_loop(params: Params, train: Examples, test: Examples, device: str) -> float:
    data = ImageDataset(
        name="random",
        title="random pixels",
        class_names=tuple(str(c) for c in range(CLASSES)),
        train_images=train[0].to(device),
        train_labels=train[1].to(device),
        test_images=test[0].to(device),
        test_labels=test[1].to(device),
    )
    ctx = JobContext(DEMO, params, 1, DiscardingChannel(), resources(device))
    net, randomness = model(params, device)
    synchronize(device)
    started = time.perf_counter()
    fit(ctx, net, data, randomness)
    synchronize(device)
    return len(train[1]) * params.epochs / (time.perf_counter() - started)


def book_loop(params: Params, train: Examples, test: Examples, device: str) -> float:
    """The book's `train_ch3`: per epoch, `train_epoch_ch3` (SGD on the mean cross-entropy, an
    Accumulator read after every step), then `evaluate_accuracy` on the test set."""
    net, _ = model(params, device)
    trainer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.CrossEntropyLoss()
    train_iter = DataLoader(TensorDataset(*train), params.batch_size, shuffle=True)
    test_iter = DataLoader(TensorDataset(*test), params.batch_size)
    synchronize(device)
    started, examples = time.perf_counter(), 0
    for _ in range(params.epochs):
        net.train()
        metric = [0.0, 0.0, 0]  # the book's Accumulator: loss sum, correct, examples
        for X, y in train_iter:
            X, y = X.to(device), y.to(device)
            y_hat = net(X)
            l = loss(y_hat, y)  # noqa: E741 - the book's name
            trainer.zero_grad()
            l.backward()
            trainer.step()
            with torch.no_grad():
                metric[0] += float(l) * len(y)
                metric[1] += float((y_hat.argmax(dim=1) == y).sum())
                metric[2] += len(y)
            examples += len(y)
        net.eval()
        correct = 0.0
        with torch.no_grad():
            for X, y in test_iter:
                X, y = X.to(device), y.to(device)
                correct += float((net(X).argmax(dim=1) == y).sum())
    synchronize(device)
    return examples / (time.perf_counter() - started)


def measure(implementation: str, examples: int, epochs: int, device: str, repeats: int) -> None:
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    params = Params(implementation=implementation, epochs=epochs, speed=0)
    train, test = random_images(examples, seed=0), random_images(TEST_EXAMPLES, seed=1)
    warm_up = random_images(params.batch_size * 4, seed=2)
    demo_loop(params, warm_up, warm_up, device)  # first calls pay for kernel selection, caches
    demo, book = 0.0, 0.0
    for _ in range(repeats):
        demo = max(demo, demo_loop(params, train, test, device))
        book = max(book, book_loop(params, train, test, device))
    what = f"{implementation}, batch {params.batch_size}, {epochs} epoch(s)"
    print(
        f"{device:>5}  {what:<32} demo {demo:>9.0f} ex/s   book {book:>9.0f} ex/s   "
        f"demo/book {demo / book:5.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--examples", type=int, default=60_000, help="images per CPU epoch (Fashion-MNIST's)"
    )
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each run")
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; best kept")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
    for device in ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]:
        examples = args.examples * (4 if device == "cuda" else 1)  # a GPU needs more to time
        for implementation in ("scratch", "concise"):
            measure(implementation, examples, args.epochs, device, args.repeats)


if __name__ == "__main__":
    main()
