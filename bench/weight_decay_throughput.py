"""Training throughput of the weight-decay demo's loops against the book's plain loops.

Both fit the same data (the book's 20 training and 100 test examples with 200 inputs) from the
same start, with the same batch size (5), η and λ, on the CPU (where the demo runs):

- demo, train: `workers.demos.weight_decay.train.watched_fit`, everything it does included (a
  live-param checkpoint every step; after every epoch both losses, ‖w‖, the 200 weights' bars
  and their histogram), its events dropped;
- demo, sweep: `lambda_sweep`, the fits of all twelve λ;
- book: 4.5's `train(lambd)` (scratch: `linreg`, `squared_loss`, `l2_penalty`, `sgd`) or
  `train_concise(wd)` (nn.Linear, nn.MSELoss, torch.optim.SGD with weight_decay), each over a
  DataLoader, both losses evaluated every 5 epochs as the book plots them; once per λ for a
  sweep.

    .venv/bin/python bench/weight_decay_throughput.py [--threads 1] [--repeats 3]

Prints examples/sec for each loop and their ratio.
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.weight_decay import DEMO, Params
from workers.demos.weight_decay.model import (
    Data,
    initial_weights,
    l2_penalty,
    linreg,
    make_data,
    sgd,
    squared_loss,
)
from workers.demos.weight_decay.train import LAMBDAS, lambda_sweep, watched_fit
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, evaluate_loss, job_context, parse_arguments, report


def problem(params: Params) -> tuple[Data, torch.Tensor]:
    rng = generator(params.seed)
    return make_data(params.num_train, rng), rng.get_state()


def demo_loop(params: Params) -> float:
    data, fits_start = problem(params)
    ctx = job_context(DEMO, params)
    started = time.perf_counter()
    if params.mode == "sweep":
        lambda_sweep(ctx, data, fits_start)
        fits = len(LAMBDAS)
    else:
        watched_fit(ctx, data, torch.Generator().set_state(fits_start))
        fits = 1
    return fits * params.epochs * params.num_train / (time.perf_counter() - started)


Iters = tuple[DataLoader, DataLoader]  # training and test examples


def book_scratch(params: Params, iters: Iters, start: torch.Tensor, lambd: float) -> float:
    """4.5.3's `train(lambd)`: returns ‖w‖, which the book prints; its plot's points are
    computed and kept, not drawn."""
    train_iter, test_iter = iters
    w = start.reshape(-1, 1).clone().requires_grad_(True)
    b = torch.zeros(1, requires_grad=True)
    net, loss = lambda X: linreg(X, w, b), squared_loss
    points = []
    for epoch in range(params.epochs):
        for X, y in train_iter:
            l = loss(net(X), y) + lambd * l2_penalty(w)  # noqa: E741 - the book's name
            l.sum().backward()
            sgd([w, b], params.lr, params.batch_size)
        if (epoch + 1) % 5 == 0:
            with torch.no_grad():
                points.append(
                    (evaluate_loss(net, train_iter, loss), evaluate_loss(net, test_iter, loss))
                )
    return torch.norm(w).item()


def book_concise(params: Params, iters: Iters, start: torch.Tensor, wd: float) -> float:
    """4.5.4's `train_concise(wd)`."""
    train_iter, test_iter = iters
    net = nn.Sequential(nn.Linear(start.numel(), 1))
    net[0].weight.data = start.reshape(1, -1).clone()
    net[0].bias.data.fill_(0)
    loss = nn.MSELoss(reduction="none")
    trainer = torch.optim.SGD(
        [{"params": net[0].weight, "weight_decay": wd}, {"params": net[0].bias}], lr=params.lr
    )
    points = []
    for epoch in range(params.epochs):
        for X, y in train_iter:
            trainer.zero_grad()
            l = loss(net(X), y)  # noqa: E741 - the book's name
            l.mean().backward()
            trainer.step()
        if (epoch + 1) % 5 == 0:
            with torch.no_grad():
                points.append(
                    (evaluate_loss(net, train_iter, loss), evaluate_loss(net, test_iter, loss))
                )
    return net[0].weight.norm().item()


BOOK_LOOPS = {"scratch": book_scratch, "concise": book_concise}


def book_loop(params: Params) -> float:
    data, fits_start = problem(params)
    start = initial_weights(params.init_std, torch.Generator().set_state(fits_start))
    iters = (
        DataLoader(TensorDataset(data.X, data.y), params.batch_size, shuffle=True),
        DataLoader(TensorDataset(data.X_test, data.y_test), params.batch_size),
    )
    lambdas = LAMBDAS if params.mode == "sweep" else [params.weight_decay]
    started = time.perf_counter()
    for lambd in lambdas:
        BOOK_LOOPS[params.implementation](params, iters, start, lambd)
    return len(lambdas) * params.epochs * params.num_train / (time.perf_counter() - started)


def measure(params: Params, title: str, repeats: int) -> None:
    warm_up = params.model_copy(update={"epochs": 5})
    demo_loop(warm_up)  # first calls pay for imports and caches
    book_loop(warm_up)
    demo, book = best_of(repeats, partial(demo_loop, params), partial(book_loop, params))
    report(f"{title:<34} {params.implementation:<8}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args = parse_arguments(parser)
    runs = [
        ("classic, λ = 3, 100 epochs", {"weight_decay": 3.0}),
        ("sweep: 12 λ, 100 epochs each", {"mode": "sweep"}),
    ]
    for title, settings in runs:
        for implementation in ("scratch", "concise"):
            params = Params(speed=0, implementation=implementation, **settings)
            measure(params, title, args.repeats)


if __name__ == "__main__":
    main()
