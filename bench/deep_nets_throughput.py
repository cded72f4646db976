"""Training throughput of the deep-nets demo's loop against the book's plain loop.

Both train the same variants (the same networks, built by the demo's `build_network`) with
the same batch size on data of Fashion-MNIST's shape (random pixels: the speed does not
depend on what the images show):

- demo: `workers.demos.deep_nets.train.fit`, everything it does included (metrics, the
  activation, gradient and γ/β pictures, live-param checkpoints): each minibatch, drawn once
  on the device, takes a step in every variant; running sums read once per report.
- book: `train_ch6` once per variant, one after the other: a DataLoader over a TensorDataset
  in host memory, the loss and accuracy read back after every step (the book's
  `Accumulator`).

Examples per second count an example once however many variants it trains: the time for
the whole set of variants to see it.

    .venv/bin/python bench/deep_nets_throughput.py [--examples 2048] [--threads 1]
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.deep_nets import DEMO
from workers.demos.deep_nets.model import Variant, build_network
from workers.demos.deep_nets.params import Params
from workers.demos.deep_nets.train import fit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import (
    CLASSES,
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

TEST_EXAMPLES = 256  # the demo evaluates after each epoch; kept small, it is not timed


def demo_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    data = random_image_dataset((images, labels), random_images(TEST_EXAMPLES, seed=1), device)
    ctx = job_context(DEMO, params, device)
    variants = [
        Variant(name, build_network(params, name, CLASSES).to(device), params.lr)
        for name in params.variants
    ]
    started = time.perf_counter()
    fit(ctx, variants, data)
    synchronize(device)
    return len(labels) / (time.perf_counter() - started)


def book_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    seconds = 0.0
    for name in params.variants:
        net = build_network(params, name, CLASSES).to(device)
        optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
        loader = DataLoader(TensorDataset(images, labels), params.batch_size, shuffle=True)
        started = time.perf_counter()
        train_epoch_ch3(net, loader, nn.CrossEntropyLoss(), optimizer, device)
        synchronize(device)
        seconds += time.perf_counter() - started
    return len(labels) / seconds


def measure(variants: list[str], examples: int, depth: int, device: str, repeats: int) -> None:
    ticked = {name: name in variants for name in ("plain", "bn", "residual", "bn_residual")}
    params = Params(depth=depth, epochs=1, dataset="digits", **ticked)
    images, labels = random_images(examples, seed=0)
    warm_up = random_images(params.batch_size * 2, seed=2)
    demo_loop(params, *warm_up, device)  # first calls pay for kernel selection and caches
    book_loop(params, *warm_up, device)
    demo, book = best_of(
        repeats,
        partial(demo_loop, params, images, labels, device),
        partial(book_loop, params, images, labels, device),
    )
    report(f"{device:>5}  depth {depth} {'+'.join(variants):<28}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=2048, help="examples per CPU run")
    parser.add_argument("--depth", type=int, default=20)
    args = parse_arguments(parser, repeats=2)
    for device in devices():
        examples = args.examples * (10 if device == "cuda" else 1)  # a GPU needs more to time
        for variants in (["plain", "bn"], ["plain", "bn", "residual", "bn_residual"]):
            measure(variants, examples, args.depth, device, args.repeats)


if __name__ == "__main__":
    main()
