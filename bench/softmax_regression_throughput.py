"""Training throughput of the softmax-regression demo's loop against the book's plain loop.

Both train the same model with the same batch size on data of Fashion-MNIST's shape (random
pixels: the speed does not depend on what the images show):

- demo: `workers.demos.softmax_regression.train.fit`, everything it does included (metrics,
  weight and probe pictures, live-param checkpoints, the test accuracy after the epoch, on a
  small test set): data resident on the device, shuffled and batched there, running sums read
  once per report; flat out (`speed` 0).
- book: a DataLoader over a TensorDataset in host memory, each batch copied to the device, the
  loss and accuracy read back after every step (the book's `Accumulator`); for `scratch` the
  3.6 code as printed (naive softmax, −log ŷ, `sgd` on the summed loss), for `concise` the 3.7
  code (`nn.Linear`, `nn.CrossEntropyLoss(reduction="none")`, `torch.optim.SGD`).

    .venv/bin/python bench/softmax_regression_throughput.py [--implementation scratch]
        [--examples 60000] [--threads 1]

Prints examples/sec for each loop and their ratio, on the CPU and, when one is visible, on the
GPU.
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import Tensor, nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.softmax_regression import DEMO, Params
from workers.demos.softmax_regression.model import build_model
from workers.demos.softmax_regression.train import fit

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
)

PIXELS = 28 * 28
TEST_EXAMPLES = 1000  # the demo evaluates after each epoch; kept small


def demo_loop(params: Params, images: Tensor, labels: Tensor, device: str) -> float:
    data = random_image_dataset((images, labels), random_images(TEST_EXAMPLES, seed=1), device)
    ctx = job_context(DEMO, params, device)
    torch.manual_seed(params.seed)
    model = build_model(params.implementation, PIXELS, CLASSES, data.device)
    started = time.perf_counter()
    fit(ctx, model, data)
    synchronize(device)
    return len(labels) / (time.perf_counter() - started)


# -- The book's code, as printed -------------------------------------------------------------


def book_softmax(X: Tensor) -> Tensor:
    X_exp = torch.exp(X)
    partition = X_exp.sum(1, keepdim=True)
    return X_exp / partition


def book_cross_entropy(y_hat: Tensor, y: Tensor) -> Tensor:
    return -torch.log(y_hat[range(len(y_hat)), y])


def book_sgd(params: list[Tensor], lr: float, batch_size: int) -> None:
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def book_scratch_step(device: str, lr: float):
    W = torch.normal(0, 0.01, size=(PIXELS, CLASSES), device=device, requires_grad=True)
    b = torch.zeros(CLASSES, device=device, requires_grad=True)

    def step(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        y_hat = book_softmax(X.reshape((-1, W.shape[0])) @ W + b)
        l = book_cross_entropy(y_hat, y)  # noqa: E741 - the book's name
        l.sum().backward()
        book_sgd([W, b], lr, X.shape[0])
        return l, y_hat

    return step


def book_concise_step(device: str, lr: float):
    net = nn.Sequential(nn.Flatten(), nn.Linear(PIXELS, CLASSES)).to(device)
    nn.init.normal_(net[1].weight, std=0.01)
    loss = nn.CrossEntropyLoss(reduction="none")
    trainer = torch.optim.SGD(net.parameters(), lr=lr)

    def step(X: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
        y_hat = net(X)
        l = loss(y_hat, y)  # noqa: E741 - the book's name
        trainer.zero_grad()
        l.mean().backward()
        trainer.step()
        return l, y_hat

    return step


def book_loop(params: Params, images: Tensor, labels: Tensor, device: str) -> float:
    torch.manual_seed(params.seed)
    make = book_scratch_step if params.implementation == "scratch" else book_concise_step
    step = make(device, params.lr)
    loader = DataLoader(TensorDataset(images, labels), params.batch_size, shuffle=True)
    started = time.perf_counter()
    metric = [0.0, 0.0, 0]  # the book's Accumulator: loss sum, correct, examples
    for X, y in loader:
        X, y = X.to(device), y.to(device)
        l, y_hat = step(X, y)  # noqa: E741 - the book's name
        with torch.no_grad():
            metric[0] += float(l.sum())
            metric[1] += float((y_hat.argmax(dim=1) == y).sum())
            metric[2] += y.numel()
    synchronize(device)
    return len(labels) / (time.perf_counter() - started)


def measure(implementation: str, examples: int, batch_size: int, device: str, repeats: int) -> None:
    params = Params(implementation=implementation, batch_size=batch_size, epochs=1, speed=0)
    images, labels = random_images(examples, seed=0)
    warm_up = random_images(batch_size * 4, seed=2)
    demo_loop(params, *warm_up, device)  # first calls pay for kernel selection and caches
    book_loop(params, *warm_up, device)
    demo, book = best_of(
        repeats,
        partial(demo_loop, params, images, labels, device),
        partial(book_loop, params, images, labels, device),
    )
    report(f"{device:>5}  {implementation:<8} batch {batch_size:<5}", demo, book, width=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--implementation", choices=["scratch", "concise"], action="append")
    parser.add_argument(
        "--examples",
        type=int,
        default=60_000,
        help="examples per CPU run (an epoch of Fashion-MNIST)",
    )
    parser.add_argument("--batch-size", type=int, default=256)
    args = parse_arguments(parser)
    for device in devices():
        examples = args.examples * (4 if device == "cuda" else 1)  # a GPU needs more to time
        for implementation in args.implementation or ["scratch", "concise"]:
            measure(implementation, examples, args.batch_size, device, args.repeats)


if __name__ == "__main__":
    main()
