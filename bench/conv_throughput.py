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
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.conv_filters import DEMO, Params
from workers.demos.conv_filters.model import build_model
from workers.demos.conv_filters.train import fit
from workers.kit.device import convolution_layout

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

TEST_EXAMPLES = 1000  # the demo evaluates after each epoch; kept small, it is not timed


def demo_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    data = random_image_dataset((images, labels), random_images(TEST_EXAMPLES, seed=1), device)
    ctx = job_context(DEMO, params, device)
    torch.manual_seed(params.seed)
    net = convolution_layout(build_model(params, CLASSES).to(device), data.device)
    return fit(ctx, net, data).examples_per_sec


def book_loop(params: Params, images: torch.Tensor, labels: torch.Tensor, device: str) -> float:
    torch.manual_seed(params.seed)
    net = build_model(params, CLASSES).to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.CrossEntropyLoss()
    loader = DataLoader(TensorDataset(images, labels), params.batch_size, shuffle=True)
    started = time.perf_counter()
    examples = train_epoch_ch3(net, loader, loss, optimizer, device)
    synchronize(device)
    return examples / (time.perf_counter() - started)


def measure(model: str, examples: int, batch_size: int, device: str, repeats: int) -> None:
    params = Params(model=model, batch_size=batch_size, epochs=1, dataset="digits")
    images, labels = random_images(examples, seed=0)
    warm_up = random_images(batch_size * 4, seed=2)
    demo_loop(params, *warm_up, device)  # first calls pay for kernel selection and caches
    book_loop(params, *warm_up, device)
    demo, book = best_of(
        repeats,
        partial(demo_loop, params, images, labels, device),
        partial(book_loop, params, images, labels, device),
    )
    report(f"{device:>5}  {model:<13} batch {batch_size:<5}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", choices=["lenet", "lenet-modern"], action="append")
    parser.add_argument("--examples", type=int, default=10_240, help="examples per CPU run")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parse_arguments(parser)
    for device in devices():
        examples = args.examples * (10 if device == "cuda" else 1)  # a GPU needs more to time
        for model in args.model or ["lenet", "lenet-modern"]:
            measure(model, examples, args.batch_size, device, args.repeats)


if __name__ == "__main__":
    main()
