"""Training throughput of the initialization demo's loop against a plain book-style loop.

Both train the same deep MLP (same initial weights) on the same fixed batch of 256 examples,
by full-batch gradient descent on the mean squared error:

- demo: `workers.demos.initialization.train.run`, everything it does included (live-param
  checkpoints, each layer's activations kept, the metrics at every step of a run of at most
  500, the pictures at most 20 times a second: the gradient norm per layer and the activation
  and gradient magnitude histograms);
- book: `torch.optim.SGD` and `nn.MSELoss`, the loss read back after every step.

    .venv/bin/python bench/initialization_throughput.py [--threads 1] [--repeats 3]

Prints examples/sec for each loop and their ratio, for the demo's default (20 layers of 8
sigmoid units), a wider net and the largest the demo allows (50 layers of 256), on the CPU
where the demo trains.
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn

from workers.demos.initialization import DEMO, Params
from workers.demos.initialization.model import EXAMPLES, build_model, make_batch
from workers.demos.initialization.train import run

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, job_context, parse_arguments, report

CONFIGS = [
    ("default: 20 × 8 sigmoid, N(0, 1)", {}, 500),
    ("20 × 64 tanh, Xavier", {"width": 64, "activation": "tanh", "init": "xavier"}, 300),
    (
        "50 × 256 ReLU, Kaiming",
        {"depth": 50, "width": 256, "activation": "relu", "init": "kaiming", "lr": 0.001},
        40,
    ),
]


def demo_loop(params: Params) -> float:
    ctx = job_context(DEMO, params)
    started = time.perf_counter()
    run(ctx)
    return EXAMPLES * params.steps / (time.perf_counter() - started)


def book_loop(params: Params) -> float:
    """The book's concise training step, on the one batch: forward, loss, backward, update."""
    batch = make_batch(params.seed)
    net = build_model(params)
    optimizer = torch.optim.SGD(net.parameters(), lr=params.lr)
    loss = nn.MSELoss()
    started = time.perf_counter()
    for _ in range(params.steps):
        l = loss(net(batch.X), batch.y)  # noqa: E741 - the book's name
        optimizer.zero_grad()
        l.backward()
        optimizer.step()
        l.item()  # the book's Accumulator reads the loss every step
    return EXAMPLES * params.steps / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args = parse_arguments(parser)
    for title, overrides, steps in CONFIGS:
        params = Params(**overrides, steps=steps, speed=0)
        demo_loop(params.model_copy(update={"steps": 2}))  # warm-up: first calls pay for caches
        demo, book = best_of(args.repeats, partial(demo_loop, params), partial(book_loop, params))
        report(f"{title:<34} {steps:>4} steps  ", demo, book)


if __name__ == "__main__":
    main()
