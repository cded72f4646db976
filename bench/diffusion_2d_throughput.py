"""Training throughput of the diffusion-2d demo's loop against a plain DDPM training loop.

Both train the same denoiser (128 units, 3 GELU blocks, sinusoidal embedding of t) with AdamW
on the same standardized two moons, T = 50, β linear from 1e-4 to 0.02, batches of 256:

- demo: `workers.demos.diffusion_2d.train.run` flat out (speed 0), everything included: a
  live-param checkpoint per step, the running loss, and at every report (about 60 in a run)
  the sampler on 1,000 points (50 network calls), the distances and, twice a second, the
  pictures;
- plain: Ho et al.'s Algorithm 1 as a script writes it: a DataLoader over the points, per
  minibatch t ~ U{1..T}, ε ~ N(0, I), the ε-loss, backward, a step; the loss read back and
  summed, as for a script's printout after each epoch (not printed here).

    .venv/bin/python bench/diffusion_2d_throughput.py [--epochs 10 50] [--threads 1]

Prints examples/sec for each loop and their ratio (CPU: an MLP on 2-D points).
"""

import argparse
import sys
import time
from functools import partial
from pathlib import Path

import torch
from torch.utils.data import DataLoader, TensorDataset

from workers.demos.diffusion_2d import DEMO
from workers.demos.diffusion_2d.data import make_data
from workers.demos.diffusion_2d.model import Diffusion, epsilon_loss, make_schedule
from workers.demos.diffusion_2d.params import Params
from workers.demos.diffusion_2d.train import run
from workers.kit.seeding import generator

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.throughput import best_of, parse_arguments, report, timed_demo


def demo_loop(params: Params) -> float:
    return params.num_points * params.epochs / timed_demo(DEMO, run, params)[1]


def plain_loop(params: Params) -> float:
    """Algorithm 1: sample t and ε, take a step on ‖ε − ε_θ(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t)‖²."""
    rng = generator(params.seed)
    data = make_data(params.data, params.num_points, params.points, rng)
    schedule = make_schedule(params.schedule, params.T)
    net = Diffusion(params.hidden, schedule, params.lr, rng).net
    trainer = torch.optim.AdamW(net.parameters(), lr=params.lr)
    loader = DataLoader(TensorDataset(data), params.batch_size, shuffle=True)
    started = time.perf_counter()
    for _ in range(params.epochs):
        total, count = 0.0, 0
        for (x0,) in loader:
            t = torch.randint(1, params.T + 1, (len(x0),))
            loss = epsilon_loss(net, schedule, x0, t, torch.randn_like(x0))
            trainer.zero_grad()
            loss.backward()
            trainer.step()
            total, count = total + loss.item() * len(x0), count + len(x0)
    return params.num_points * params.epochs / (time.perf_counter() - started)


def measure(epochs: int, repeats: int) -> None:
    params = Params(epochs=epochs, speed=0)
    demo, plain = best_of(repeats, partial(demo_loop, params), partial(plain_loop, params))
    steps = epochs * -(-params.num_points // params.batch_size)
    report(f"moons {epochs:>3} epochs ({steps:>5} steps)", demo, plain)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, nargs="+", default=[10, 50])
    args = parse_arguments(parser)
    for epochs in args.epochs:
        measure(epochs, args.repeats)


if __name__ == "__main__":
    main()
