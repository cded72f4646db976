"""Training throughput of the sequence-prediction demo's loop against the book's plain loop.

Both train the book's model (the classic MLP τ = 4 → 10 ReLU → 1 with Adam, or the current
single linear layer with SGD) on the same 600 examples of the noisy sine, batches of 16:

- demo: `workers.demos.sequence_prediction.train.run` flat out (speed 0), everything it does
  included: a live-param checkpoint per step, and at every report (every step in runs up to
  400 steps, then every few) the 1-step losses over both sets and the k-step-ahead test
  errors, k = 1, 4, 16, 64, each a pass of the model fed back its own predictions 64 times,
  plus the two pictures twice a second;
- book: 8.1's `train`, a DataLoader over the examples, one optimizer step per minibatch, the
  training loss printed after each epoch.

    .venv/bin/python bench/sequence_prediction_throughput.py [--epochs 5 50] [--threads 1]

Prints examples/sec for each loop and their ratio (CPU only: the demo keeps its few dozen
weights on the CPU, where a GPU launch would cost more than the arithmetic).
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.sequence_prediction import DEMO, Params
from workers.demos.sequence_prediction.model import NUM_TRAIN, Autoregression, make_data
from workers.demos.sequence_prediction.train import run
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, parse_arguments, report, timed_demo


def demo_loop(params: Params) -> float:
    return NUM_TRAIN * params.epochs / timed_demo(DEMO, run, params)[1]


def book_loop(params: Params) -> float:
    """8.1's `train`: for each minibatch, zero the gradients, the loss, backward, a step; the
    mean loss over the training set after each epoch."""
    rng = generator(params.seed)
    data = make_data(params.tau, rng)
    net = Autoregression(params.model, params.tau, params.lr, rng).net
    optimizer = torch.optim.Adam if params.model == "mlp" else torch.optim.SGD
    trainer = optimizer(net.parameters(), lr=params.lr)
    loss = nn.MSELoss()
    train = TensorDataset(data.features[:NUM_TRAIN], data.labels[:NUM_TRAIN])
    loader = DataLoader(train, params.batch_size, shuffle=True)
    started = time.perf_counter()
    for _ in range(params.epochs):
        for X, y in loader:
            trainer.zero_grad()
            l = loss(net(X), y)  # noqa: E741 - the book's name
            l.backward()
            trainer.step()
        with torch.no_grad():
            loss(net(train.tensors[0]), train.tensors[1]).item()
    return NUM_TRAIN * params.epochs / (time.perf_counter() - started)


def measure(model: str, epochs: int, repeats: int) -> None:
    params = Params(model=model, epochs=epochs, speed=0)
    demo, book = best_of(repeats, partial(demo_loop, params), partial(book_loop, params))
    steps = epochs * -(-NUM_TRAIN // params.batch_size)
    report(f"{model:<6} {epochs:>3} epochs ({steps:>4} steps)", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 50])
    args = parse_arguments(parser)
    for model in ("mlp", "linear"):
        for epochs in args.epochs:
            measure(model, epochs, args.repeats)


if __name__ == "__main__":
    main()
