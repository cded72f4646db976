"""Training throughput of the linear-regression demo's loop against the book's plain loops.

Both fit the same data (the book's y = Xw + b + noise) from the same start, with the same batch
size and number of epochs, on the CPU (where the demo runs: two weights and a bias):

- demo: `workers.demos.linear_regression.train.fit`, everything it does included (live-param
  checkpoints, the metrics, the path and the two fit frames at every reported step, the loss
  over all examples after each epoch), its events dropped;
- book: 3.2's loop (`data_iter` shuffling a Python list, `linreg`, `squared_loss`, `sgd`) for
  `scratch`, and 3.3's (a DataLoader over a TensorDataset, nn.Linear, nn.MSELoss,
  torch.optim.SGD) for `concise`, printing the loss after each epoch as the book does.

    .venv/bin/python bench/linear_regression_throughput.py [--threads 1] [--repeats 5]

Prints examples/sec for each loop and their ratio, for the book's settings (1000 examples,
batches of 10, 3 epochs: the demo reports every step) and a longer run (10,000 examples, 10
epochs: it reports every 20th step).
"""

import argparse
import contextlib
import io
import random
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.linear_regression import DEMO, Params
from workers.demos.linear_regression.model import (
    Data,
    build_model,
    initial_weights,
    linreg,
    make_data,
    sgd,
    squared_loss,
)
from workers.demos.linear_regression.train import fit
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, job_context, parse_arguments, report


def problem(params: Params) -> tuple[Data, torch.Tensor, torch.Generator]:
    rng = generator(params.seed)
    data = make_data(params, rng)
    return data, initial_weights(len(data.true_w), rng), rng


def demo_loop(params: Params) -> float:
    data, start, rng = problem(params)
    ctx = job_context(DEMO, params)
    started = time.perf_counter()
    fit(ctx, build_model(params, start), data, rng)
    return params.epochs * len(data.y) / (time.perf_counter() - started)


def data_iter(batch_size: int, features: torch.Tensor, labels: torch.Tensor):
    """3.2's minibatch reader."""
    num_examples = len(features)
    indices = list(range(num_examples))
    random.shuffle(indices)
    for i in range(0, num_examples, batch_size):
        batch_indices = torch.tensor(indices[i : min(i + batch_size, num_examples)])
        yield features[batch_indices], labels[batch_indices]


def book_scratch(params: Params, data: Data, start: torch.Tensor) -> None:
    w = start.reshape(-1, 1).clone().requires_grad_(True)
    b = torch.zeros(1, requires_grad=True)
    for epoch in range(params.epochs):
        for X, y in data_iter(params.batch_size, data.X, data.y):
            l = squared_loss(linreg(X, w, b), y)  # noqa: E741 - the book's name
            l.sum().backward()
            sgd([w, b], params.lr, params.batch_size)
        with torch.no_grad():
            train_l = squared_loss(linreg(data.X, w, b), data.y)
            print(f"epoch {epoch + 1}, loss {float(train_l.mean()):f}")


def book_concise(params: Params, data: Data, start: torch.Tensor) -> None:
    loader = DataLoader(TensorDataset(data.X, data.y), params.batch_size, shuffle=True)
    net = nn.Sequential(nn.Linear(2, 1))
    net[0].weight.data = start.reshape(1, -1).clone()
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss()
    trainer = torch.optim.SGD(net.parameters(), lr=params.lr)
    for epoch in range(params.epochs):
        for X, y in loader:
            l = loss(net(X), y)  # noqa: E741 - the book's name
            trainer.zero_grad()
            l.backward()
            trainer.step()
        l = loss(net(data.X), data.y)  # noqa: E741
        print(f"epoch {epoch + 1}, loss {l:f}")


BOOK_LOOPS = {"scratch": book_scratch, "concise": book_concise}


def book_loop(params: Params) -> float:
    data, start, _ = problem(params)
    random.seed(params.seed)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # printed, as the book does, not shown
        BOOK_LOOPS[params.implementation](params, data, start)
    return params.epochs * len(data.y) / (time.perf_counter() - started)


def measure(params: Params, title: str, repeats: int) -> None:
    warm_up = params.model_copy(update={"epochs": 1})
    demo_loop(warm_up)  # first calls pay for imports and caches
    book_loop(warm_up)
    demo, book = best_of(repeats, partial(demo_loop, params), partial(book_loop, params))
    report(f"{title:<36} {params.implementation:<8}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args = parse_arguments(parser, repeats=5)
    runs = [
        ("book: 1000 ex, batch 10, 3 epochs", {}),
        ("long: 10000 ex, batch 10, 10 epochs", {"num_examples": 10_000, "epochs": 10}),
    ]
    for title, settings in runs:
        for implementation in ("scratch", "concise"):
            params = Params(speed=0, implementation=implementation, **settings)
            measure(params, title, args.repeats)


if __name__ == "__main__":
    main()
