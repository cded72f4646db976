"""Training throughput of the gan-2d demo's loop against the book's plain loop.

Both train the book's GAN (a linear generator, the 2-5-3-1 tanh discriminator, Adam with
η_D = 0.05 and η_G = 0.005, weights from N(0, 0.02²)) on the book's 1000 points, batches of 8:

- demo: `workers.demos.gan_2d.train.run` flat out (speed 0), everything it does included: a
  live-param checkpoint per step, the losses' running sums, and at every report (every 10
  steps in the book's run) D's verdicts and the four distances on 1000 real and 1000
  generated points, plus the four pictures twice a second;
- book: 17.1's `train`, a DataLoader over the points, `update_D` then `update_G` on each
  minibatch, the accumulated losses per example after each epoch and 100 generated points to
  plot.

    .venv/bin/python bench/gan_2d_throughput.py [--epochs 5 20] [--threads 1]

Prints examples/sec for each loop and their ratio (CPU only: the demo keeps its few dozen
weights on the CPU, where a GPU launch would cost more than the arithmetic).
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.gan_2d import DEMO, Params
from workers.demos.gan_2d.model import GAN, NUM_EXAMPLES, make_real_data
from workers.demos.gan_2d.train import run
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, parse_arguments, report, timed_demo


def demo_loop(params: Params) -> float:
    return NUM_EXAMPLES * params.epochs / timed_demo(DEMO, run, params)[1]


def book_loop(params: Params) -> float:
    """17.1's `train`: per minibatch, update_D and update_G (the demo's model functions are the
    book's); per epoch, the summed losses per example and 100 generated points."""
    rng = generator(params.seed)
    data = make_real_data("gaussian", rng)
    gan = GAN("linear", "book", 2, 0, params.lr_D, params.lr_G, rng)
    loader = DataLoader(TensorDataset(data), params.batch_size, shuffle=True)
    started = time.perf_counter()
    for _ in range(params.epochs):
        loss_D = loss_G = examples = 0.0
        for (X,) in loader:
            Z = torch.normal(0, 1, size=(X.shape[0], params.latent_dim))
            loss_D += gan.update_D(X, Z, params.lr_D)
            loss_G += gan.update_G(Z, params.lr_G)
            examples += X.shape[0]
        gan.generate(torch.normal(0, 1, size=(100, params.latent_dim))).numpy()
        _ = (loss_D / examples, loss_G / examples)
    return NUM_EXAMPLES * params.epochs / (time.perf_counter() - started)


def measure(epochs: int, repeats: int) -> None:
    params = Params(epochs=epochs, speed=0)
    demo, book = best_of(repeats, partial(demo_loop, params), partial(book_loop, params))
    steps = epochs * -(-NUM_EXAMPLES // params.batch_size)
    report(f"book's GAN {epochs:>3} epochs ({steps:>5} steps)", demo, book)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[5, 20])
    args = parse_arguments(parser)
    for epochs in args.epochs:
        measure(epochs, args.repeats)


if __name__ == "__main__":
    main()
