"""Training throughput of the polynomial-fit demo's loops against the book's plain loop.

Both fit the same data (the book's noisy cubic, 100 training and 100 test examples) with the
same model (nn.Linear without bias, nn.MSELoss, torch.optim.SGD, η = 0.01), batches of 10, on the
CPU (where the demo runs: at most 20 weights):

- demo, train: `workers.demos.polynomial_fit.train.watched_fit`, everything it does included (a
  live-param checkpoint every step, both losses every epoch, the fit and weights frames every
  10 epochs), its events dropped;
- demo, sweep: `complexity_sweep`, the fits of 1 to 20 features (frames after each);
- book: 4.4's `train` (a DataLoader over a TensorDataset, `train_epoch_ch3`, `evaluate_loss`
  on both sets after the first epoch and every 20th), once per number of features for a sweep.

    .venv/bin/python bench/polynomial_fit_throughput.py [--threads 1] [--repeats 3]

Prints examples/sec for each loop and their ratio: the book's three fits and a sweep.
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.polynomial_fit import DEMO, Params
from workers.demos.polynomial_fit.model import MAX_DEGREE, Data, make_data
from workers.demos.polynomial_fit.train import NUM_TEST, complexity_sweep, watched_fit
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, evaluate_loss, job_context, parse_arguments, report


def problem(params: Params) -> tuple[Data, torch.Tensor]:
    rng = generator(params.seed)
    return make_data(params.num_train, NUM_TEST, params.noise, rng), rng.get_state()


def demo_loop(params: Params) -> float:
    data, fits_start = problem(params)
    ctx = job_context(DEMO, params)
    started = time.perf_counter()
    if params.mode == "sweep":
        complexity_sweep(ctx, data, fits_start)
        fits = MAX_DEGREE
    else:
        watched_fit(ctx, data, torch.Generator().set_state(fits_start))
        fits = 1
    return fits * params.epochs * params.num_train / (time.perf_counter() - started)


def book_train(data: Data, num_features: int, epochs: int) -> None:
    """4.4's `train`, its plot's points computed and kept, not drawn."""
    loss = nn.MSELoss(reduction="none")
    net = nn.Sequential(nn.Linear(num_features, 1, bias=False))
    batch_size = min(10, len(data.labels))
    train_iter = DataLoader(
        TensorDataset(data.features[:, :num_features], data.labels), batch_size, shuffle=True
    )
    test_iter = DataLoader(
        TensorDataset(data.test_features[:, :num_features], data.test_labels), batch_size
    )
    trainer = torch.optim.SGD(net.parameters(), lr=0.01)
    points = []
    for epoch in range(epochs):
        net.train()  # train_epoch_ch3
        for X, y in train_iter:
            l = loss(net(X), y)  # noqa: E741 - the book's name
            trainer.zero_grad()
            l.mean().backward()
            trainer.step()
        if epoch == 0 or (epoch + 1) % 20 == 0:
            points.append(
                (evaluate_loss(net, train_iter, loss), evaluate_loss(net, test_iter, loss))
            )


def book_loop(params: Params) -> float:
    data, _ = problem(params)
    torch.manual_seed(params.seed)
    counts = range(1, MAX_DEGREE + 1) if params.mode == "sweep" else [params.num_features]
    started = time.perf_counter()
    for num_features in counts:
        book_train(data, num_features, params.epochs)
    return len(counts) * params.epochs * params.num_train / (time.perf_counter() - started)


def measure(params: Params, title: str, repeats: int) -> None:
    warm_up = params.model_copy(update={"epochs": 2})
    demo_loop(warm_up)  # first calls pay for imports and caches
    book_loop(warm_up)
    demo, book = best_of(repeats, partial(demo_loop, params), partial(book_loop, params))
    report(f"{title:<40}", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args = parse_arguments(parser)
    runs = [
        ("4 features, 400 epochs (normal)", {}),
        ("2 features, 400 epochs (underfitting)", {"num_features": 2}),
        ("20 features, 1500 epochs (overfitting)", {"num_features": 20, "epochs": 1500}),
        ("sweep: 1..20 features, 100 epochs each", {"mode": "sweep", "epochs": 100}),
    ]
    for title, settings in runs:
        measure(Params(speed=0, **settings), title, args.repeats)


if __name__ == "__main__":
    main()
