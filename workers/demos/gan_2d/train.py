"""Generative adversarial networks (book 17.1; today's 20.1): a GAN learning a 2-D
distribution.

From the seed come, in order, the 1000 real points, D's initial weights, then G's, the fixed
noise the pictures and distances are measured with, then each epoch's order of the real
points and each step's noise z. The book's loop: each minibatch of real points X, with as
many z ~ N(0, I), takes one step of D (`update_D`), then one of G on the same z
(`update_G`); with k discriminator steps per generator step, G steps after every k-th.
The nets, their optimizers, the minibatch order, the generator and the running sums of the
losses are the training state that a fork continues.
"""

import math
import time
from dataclasses import dataclass
from typing import Any

import torch

from workers.context import JobContext
from workers.demos.gan_2d.model import GAN, NUM_EXAMPLES, make_real_data
from workers.demos.gan_2d.params import Params
from workers.demos.gan_2d.views import Evaluation, Panels, distances
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.reporting import ReportSchedule
from workers.kit.seeding import generator

# A long run reports every few steps, so that it sends about this many reports; the book's
# 2500 steps report every 10 (measuring the distances costs about as much as a step).
MAX_REPORTS = 250


@dataclass
class Tally:
    """The book's Accumulator: the losses summed with the examples they cover, since the last
    report and over the epoch (the book prints each epoch's loss_D and loss_G per example)."""

    loss_D: float = 0.0
    examples_D: int = 0
    loss_G: float = 0.0
    examples_G: int = 0
    epoch_loss_D: float = 0.0
    epoch_examples_D: int = 0
    epoch_loss_G: float = 0.0
    epoch_examples_G: int = 0

    def add_D(self, loss: float, examples: int) -> None:
        self.loss_D += loss
        self.examples_D += examples
        self.epoch_loss_D += loss
        self.epoch_examples_D += examples

    def add_G(self, loss: float, examples: int) -> None:
        self.loss_G += loss
        self.examples_G += examples
        self.epoch_loss_G += loss
        self.epoch_examples_G += examples

    def take(self) -> dict[str, float]:
        """loss_D and loss_G per example since the last report (loss_G only where G stepped)."""
        values = {"loss_D": self.loss_D / self.examples_D}
        if self.examples_G:
            values["loss_G"] = self.loss_G / self.examples_G
        self.loss_D, self.examples_D, self.loss_G, self.examples_G = 0.0, 0, 0.0, 0
        return values

    def take_epoch(self) -> tuple[float, float]:
        loss_D = self.epoch_loss_D / max(self.epoch_examples_D, 1)
        loss_G = self.epoch_loss_G / self.epoch_examples_G if self.epoch_examples_G else math.nan
        self.epoch_loss_D, self.epoch_examples_D = 0.0, 0
        self.epoch_loss_G, self.epoch_examples_G = 0.0, 0
        return loss_D, loss_G


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # Networks of a few dozen weights and minibatches of 8: the CPU beats any GPU launch
    # here, so this demo stays on it.
    params = ctx.params
    rng = generator(params.seed)
    data = make_real_data(params.target, rng)
    gan = GAN(
        params.generator,
        params.discriminator,
        params.latent_dim,
        params.hidden,
        params.lr_D,
        params.lr_G,
        rng,
    )
    evaluation = Evaluation(
        data, torch.normal(0.0, 1.0, (NUM_EXAMPLES, params.latent_dim), generator=rng)
    )
    ctx.log(
        f"Real data: {params.target}, {NUM_EXAMPLES} points. net_G: {gan.net_G}\nnet_D: {gan.net_D}"
    )
    batches = Minibatches((data,), params.batch_size, rng)
    steps_per_epoch = math.ceil(NUM_EXAMPLES / params.batch_size)
    reports, tally = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS), Tally()
    ctx.track(gan=gan, batches=batches, reports=reports, tally=tally)
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)

    panels = Panels(ctx, gan, evaluation)
    values = distances(gan, evaluation)
    ctx.metric(values)  # the untrained nets (a fork's: not reported again)
    panels.show()
    pace = Pace(ctx)
    started, examples = time.perf_counter(), 0
    for epoch in batches.epochs(params.epochs):
        for (X,) in batches:
            params = ctx.checkpoint(batches.step)
            Z = torch.normal(0.0, 1.0, (X.shape[0], params.latent_dim), generator=rng)
            tally.add_D(gan.update_D(X, Z, params.lr_D), X.shape[0])
            if batches.step % params.d_steps == 0:
                tally.add_G(gan.update_G(Z, params.lr_G), X.shape[0])
            examples += X.shape[0]
            if reports.due(batches.step) or batches.epoch_done:
                values = {**tally.take(), **distances(gan, evaluation)}
                ctx.metric(values)
                panels.show_if_due()
            pace.wait(params.speed)
        loss_D, loss_G = tally.take_epoch()
        ctx.log(f"epoch {epoch}: loss_D {loss_D:.3f}, loss_G {loss_G:.3f}")
    panels.show()
    seconds = time.perf_counter() - started
    return {
        **values,
        "steps": batches.step,
        "examples_per_second": round(examples / seconds, 1) if seconds > 0 else None,
        "target": params.target,
    }
