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
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.dropout import DEMO, Params
from workers.demos.dropout.model import DropoutMLP, build_model
from workers.demos.dropout.train import fit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import (
    Examples,
    best_of,
    devices,
    job_context,
    parse_arguments,
    random_image_dataset,
    random_images,
    report,
    synchronize,
    train_epoch_ch3,
)

TEST_EXAMPLES = 10_000  # Fashion-MNIST's test set, evaluated after each epoch by both loops


def model(params: Params, device: str) -> tuple[DropoutMLP, torch.Generator]:
    """The same network for both loops, and the generator of its masks (and the demo's order)."""
    torch.manual_seed(params.seed)
    randomness = torch.Generator(device).manual_seed(params.seed)
    dropouts = (params.dropout1, params.dropout2)
    return build_model(params.implementation, dropouts, randomness), randomness


def demo_loop(params: Params, train: Examples, test: Examples, device: str) -> float:
    data = random_image_dataset(train, test, device)
    ctx = job_context(DEMO, params, device)
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
        examples += train_epoch_ch3(net, train_iter, loss, trainer, device)
        net.eval()
        correct = 0.0
        with torch.no_grad():
            for X, y in test_iter:
                X, y = X.to(device), y.to(device)
                correct += float((net(X).argmax(dim=1) == y).sum())
    synchronize(device)
    return examples / (time.perf_counter() - started)


def measure(implementation: str, examples: int, epochs: int, device: str, repeats: int) -> None:
    params = Params(implementation=implementation, epochs=epochs, speed=0)
    train, test = random_images(examples, seed=0), random_images(TEST_EXAMPLES, seed=1)
    warm_up = random_images(params.batch_size * 4, seed=2)
    demo_loop(params, warm_up, warm_up, device)  # first calls pay for kernel selection, caches
    demo, book = best_of(
        repeats,
        partial(demo_loop, params, train, test, device),
        partial(book_loop, params, train, test, device),
    )
    what = f"{implementation}, batch {params.batch_size}, {epochs} epoch(s)"
    report(f"{device:>5}  {what:<32}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--examples", type=int, default=60_000, help="images per CPU epoch (Fashion-MNIST's)"
    )
    parser.add_argument("--epochs", type=int, default=1, help="epochs of each run")
    args = parse_arguments(parser)
    for device in devices():
        examples = args.examples * (4 if device == "cuda" else 1)  # a GPU needs more to time
        for implementation in ("scratch", "concise"):
            measure(implementation, examples, args.epochs, device, args.repeats)


if __name__ == "__main__":
    main()
