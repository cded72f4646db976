"""Training throughput of the mlp demo's loop against the book's plain loop.

Both train the same model with the same batch size on the same data:

- images: the book's 784 → 256 → 10 MLP, batches of 256, on data of Fashion-MNIST's shape
  (random pixels: the speed does not depend on what the images show);
- plane: the demo's default, a 2 → 8 → 2 MLP, batches of 32, on its two circles (200 training
  points), where the per-step overhead of the loop weighs most.

- demo: `workers.demos.mlp.train.fit`, everything it does included (live-param checkpoints,
  running sums read once per report, the test set evaluated after each epoch, pictures at
  their schedule: first-layer weights, or the decision boundary and the hidden units);
- book: a DataLoader over a TensorDataset in host memory, each batch copied to the device,
  the loss and accuracy read back after every step (the book's `Accumulator`).

    .venv/bin/python bench/mlp_throughput.py [--examples 20480] [--threads 1]

Prints examples/sec for each loop and their ratio, on the CPU and, when one is visible, on the
GPU (images only: the demo keeps the plane on the CPU).
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.mlp import DEMO, Params
from workers.demos.mlp.model import build_model, make_plane_data
from workers.demos.mlp.train import (
    PLANE_PICTURES_EVERY_SECONDS,
    WEIGHT_PICTURES_EVERY_SECONDS,
    Split,
    fit,
)
from workers.demos.mlp.views import Pictures, show_first_layer_weights, show_plane

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import (
    CLASSES,
    best_of,
    devices,
    job_context,
    parse_arguments,
    random_images,
    report,
    synchronize,
    train_epoch_ch3,
)

TEST_EXAMPLES = 1000  # the demo evaluates after each epoch; kept small, as in a real run's share
BOOK = {**DEMO.presets[0].params, "dataset": "digits"}  # the book's settings, offline


def demo_images(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    test_images, test_labels = random_images(TEST_EXAMPLES, seed=1)
    split = Split(
        images.to(device), labels.to(device), test_images.to(device), test_labels.to(device)
    )
    ctx = job_context(DEMO, params, device)
    torch.manual_seed(params.seed)
    net = build_model(params, 784, CLASSES, flatten=True).to(device)
    names = tuple(str(c) for c in range(CLASSES))
    pictures = Pictures(
        partial(show_first_layer_weights, ctx, net, names), WEIGHT_PICTURES_EVERY_SECONDS
    )
    synchronize(device)
    started = time.perf_counter()
    fit(ctx, net, split, pictures)
    synchronize(device)
    return len(labels) * params.epochs / (time.perf_counter() - started)


def demo_plane(params: Params) -> float:
    plane = make_plane_data(params)
    split = Split(plane.train_X, plane.train_y, plane.test_X, plane.test_y)
    ctx = job_context(DEMO, params)
    torch.manual_seed(params.seed)
    net = build_model(params, 2, plane.classes, flatten=False)
    pictures = Pictures(partial(show_plane, ctx, net, plane), PLANE_PICTURES_EVERY_SECONDS)
    started = time.perf_counter()
    fit(ctx, net, split, pictures)
    return len(split.train_y) * params.epochs / (time.perf_counter() - started)


def book_loop(
    params: Params, net: nn.Module, images: torch.Tensor, labels: torch.Tensor, device: str
) -> float:
    """The book's `train_epoch_ch3`, `epochs` times: SGD, mean cross-entropy, an Accumulator
    read after every step."""
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(images, labels), params.batch_size, shuffle=True)
    synchronize(device)
    started, examples = time.perf_counter(), 0
    for _ in range(params.epochs):
        examples += train_epoch_ch3(net, loader, loss, optimizer, device)
    synchronize(device)
    return examples / (time.perf_counter() - started)


def measure_images(examples: int, device: str, repeats: int) -> None:
    params = Params(**{**BOOK, "epochs": 1})
    images, labels = random_images(examples, seed=0)

    def book() -> float:
        torch.manual_seed(params.seed)
        net = build_model(params, 784, CLASSES, flatten=True).to(device)
        return book_loop(params, net, images, labels, device)

    warm_up = random_images(params.batch_size * 4, seed=2)
    demo_images(params, *warm_up, device)  # first calls pay for kernel selection and caches
    demo, ours = best_of(repeats, partial(demo_images, params, images, labels, device), book)
    what = f"images 784→256→10, batch {params.batch_size}"
    report(f"{device:>5}  {what:<34}", demo, ours)


def measure_plane(epochs: int, repeats: int) -> None:
    params = Params(speed=0, epochs=epochs)
    plane = make_plane_data(params)

    def book() -> float:
        torch.manual_seed(params.seed)
        net = build_model(params, 2, plane.classes, flatten=False)
        return book_loop(params, net, plane.train_X, plane.train_y, "cpu")

    demo, ours = best_of(repeats, partial(demo_plane, params), book)
    what = f"plane 2→8→2 circles, batch {params.batch_size}"
    report(f"{'cpu':>5}  {what:<34}", demo, ours)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=20_480, help="images per CPU run")
    parser.add_argument("--plane-epochs", type=int, default=200, help="epochs of the plane run")
    args = parse_arguments(parser)
    measure_plane(args.plane_epochs, args.repeats)
    for device in devices():
        examples = args.examples * (10 if device == "cuda" else 1)  # a GPU needs more to time
        measure_images(examples, device, args.repeats)


if __name__ == "__main__":
    main()
