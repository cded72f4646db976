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
from workers.demos.polynomial_fit import DEMO, Params
from workers.demos.polynomial_fit.model import MAX_DEGREE, Data, make_data
from workers.demos.polynomial_fit.train import NUM_TEST, complexity_sweep, watched_fit
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
    return make_data(params.num_train, NUM_TEST, params.noise, rng), rng.get_state()


def demo_loop(params: Params) -> float:
    data, fits_start = problem(params)
    ctx = JobContext(DEMO, params, 1, DiscardingChannel(), resources())
    started = time.perf_counter()
    if params.mode == "sweep":
        complexity_sweep(ctx, data, fits_start)
        fits = MAX_DEGREE
    else:
        watched_fit(ctx, data, torch.Generator().set_state(fits_start))
        fits = 1
    return fits * params.epochs * params.num_train / (time.perf_counter() - started)


def evaluate_loss(net: nn.Module, data_iter: DataLoader, loss: nn.Module) -> float:
    """4.4's `evaluate_loss`: the mean loss over a data set."""
    total, count = 0.0, 0
    for X, y in data_iter:
        out = net(X)
        l = loss(out, y.reshape(out.shape))  # noqa: E741 - the book's name
        total, count = total + l.sum().item(), count + l.numel()
    return total / count


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
    """The best of `repeats` alternating runs of each loop: on a shared machine the best run
    is the one least disturbed by others."""
    warm_up = params.model_copy(update={"epochs": 2})
    demo_loop(warm_up)  # first calls pay for imports and caches
    book_loop(warm_up)
    demo, book = 0.0, 0.0
    for _ in range(repeats):
        demo = max(demo, demo_loop(params))
        book = max(book, book_loop(params))
    print(
        f"{title:<40} demo {demo:>9.0f} ex/s   book {book:>9.0f} ex/s   "
        f"demo/book {demo / book:5.2f}×"
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
        ("4 features, 400 epochs (normal)", {}),
        ("2 features, 400 epochs (underfitting)", {"num_features": 2}),
        ("20 features, 1500 epochs (overfitting)", {"num_features": 20, "epochs": 1500}),
        ("sweep: 1..20 features, 100 epochs each", {"mode": "sweep", "epochs": 100}),
    ]
    for title, settings in runs:
        measure(Params(speed=0, **settings), title, args.repeats)


if __name__ == "__main__":
    main()
