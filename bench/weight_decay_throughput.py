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
import tempfile
import time
from typing import Any

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from core.channel import Control
from core.images import ImageLibrary
from core.settings import Settings
from core.store.database import Database
from workers.context import JobContext, JobResources
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


class DiscardingChannel:
    """A job channel that drops what the demo reports and never asks for a change."""

    def emit(self, draft: dict[str, Any]) -> None:
        pass

    def save_artifact(self, name: str, media_type: str, content: bytes) -> None:
        pass

    def poll(self) -> Control:
        return Control()


def resources() -> JobResources:
    """What a worker offers a job; the loop timed here reads nothing from its data directory."""
    settings = Settings(data_dir=tempfile.gettempdir())
    return JobResources(settings, ImageLibrary(Database.of(settings)), "cpu")


def problem(params: Params) -> tuple[Data, torch.Tensor]:
    rng = generator(params.seed)
    return make_data(params.num_train, rng), rng.get_state()


def demo_loop(params: Params) -> float:
    data, fits_start = problem(params)
    ctx = JobContext(DEMO, params, 1, DiscardingChannel(), resources())
    started = time.perf_counter()
    if params.mode == "sweep":
        lambda_sweep(ctx, data, fits_start)
        fits = len(LAMBDAS)
    else:
        watched_fit(ctx, data, torch.Generator().set_state(fits_start))
        fits = 1
    return fits * params.epochs * params.num_train / (time.perf_counter() - started)


def evaluate_loss(net: Any, data_iter: DataLoader, loss: Any) -> float:
    total, count = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        l = loss(out, y.reshape(out.shape))  # noqa: E741 - the book's name
        total, count = total + l.sum().item(), count + l.numel()
    return total / count


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
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    warm_up = params.model_copy(update={"epochs": 5})
    demo_loop(warm_up)  # first calls pay for imports and caches
    book_loop(warm_up)
    demo, book = 0.0, 0.0
    for _ in range(repeats):
        demo = max(demo, demo_loop(params))
        book = max(book, book_loop(params))
    print(
        f"{title:<34} {params.implementation:<8} demo {demo:>9.0f} ex/s   "
        f"book {book:>9.0f} ex/s   demo/book {demo / book:5.2f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, help="CPU threads (default: torch's choice)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each loop; best kept")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads")
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
