"""Denoising diffusion on 2-D data (Zefs Guide ch. 7; Ho et al. 2020): training (Algorithm 1)
and, at each report, sampling (Algorithm 2).

From the seed come, in order, the data, the denoiser's initial weights, then each epoch's
order of the data and each step's t ~ Uniform{1..T} and ε ~ N(0, I). Each minibatch of x₀
takes one step of AdamW on the mean of (ε − ε_θ(√ᾱ_t x₀ + √(1 − ᾱ_t) ε, t))². Each report
draws 1,000 samples from the same fixed x_T and measures how far they are from the data.
The denoiser, its optimizer, the minibatch order (with the generator) and the running sum of
the loss are the training state that a fork continues.
"""

import time
from typing import Any

from workers.context import JobContext
from workers.demos.diffusion_2d.data import make_data
from workers.demos.diffusion_2d.model import Diffusion, make_schedule
from workers.demos.diffusion_2d.params import Params
from workers.demos.diffusion_2d.views import Evaluation, Pictures
from workers.kit.minibatches import Minibatches
from workers.kit.pacing import Pace
from workers.kit.reporting import ReportSchedule
from workers.kit.running import RunningMeans
from workers.kit.seeding import generator

# A long run reports every few steps, so that it sends about this many reports: each report
# runs the sampler (up to T network calls on 1,000 points), as costly as a few dozen steps.
MAX_REPORTS = 60


def report(
    ctx: JobContext[Params],
    diffusion: Diffusion,
    evaluation: Evaluation,
    running: RunningMeans | None,
) -> tuple[dict[str, float], list]:
    """The loss since the last report and the distances of fresh samples, as a metric; the
    sampler's chain, for the pictures."""
    chain = evaluation.chain(diffusion, ctx.params.sampling_steps)
    values = evaluation.distances(chain[-1])
    if running is not None:
        values = {"train_loss": running.read()["train_loss"], **values}
    ctx.metric(values)  # before any picture: a NaN here ends the run `diverged`
    return values, chain


def run(ctx: JobContext[Params]) -> dict[str, Any]:
    # An MLP on 2-D points: the CPU keeps up with any GPU at this size, so it stays there.
    params = ctx.params
    rng = generator(params.seed)
    data = make_data(params.data, params.num_points, params.points, rng)
    schedule = make_schedule(params.schedule, params.T)
    diffusion = Diffusion(params.hidden, schedule, params.lr, rng)
    evaluation = Evaluation(data, params.seed)
    alpha_bar_T = schedule.alpha_bar(params.T).item()
    ctx.log(
        f"Data: {params.data}, {params.num_points} points. Schedule: {params.schedule}, "
        f"T = {params.T}, ᾱ_T = {alpha_bar_T:.3g}, so x_T keeps √ᾱ_T = "
        f"{alpha_bar_T**0.5:.2f} of x₀"
        + (
            " (not yet pure noise: the sampler starts from N(0, I) all the same)."
            if alpha_bar_T > 0.01
            else "."
        )
        + f" Pure noise is {evaluation.noise_distance:.3f} from the data (sliced "
        f"Wasserstein), two samples of the data {evaluation.data_distance:.3f}.\n"
        f"ε_θ: {diffusion.net}"
    )
    batches = Minibatches((data,), params.batch_size, rng)
    steps_per_epoch = -(-params.num_points // params.batch_size)
    reports = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS)
    running = RunningMeans("cpu")
    ctx.track(diffusion=diffusion, batches=batches, reports=reports, running=running)
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)

    pictures = Pictures(ctx, diffusion, evaluation)
    pictures.show_forward()
    values, chain = report(ctx, diffusion, evaluation, None)  # untrained (a fork's: not again)
    pictures.show(chain)
    pace = Pace(ctx)
    started, examples = time.perf_counter(), 0
    for epoch in batches.epochs(params.epochs):
        for (x0,) in batches:
            params = ctx.checkpoint(batches.step)
            loss = diffusion.step(x0, params.lr, rng)
            running.add({"train_loss": loss}, weight=len(x0), units=len(x0))
            examples += len(x0)
            if reports.due(batches.step):
                values, chain = report(ctx, diffusion, evaluation, running)
                pictures.show_if_due(chain)
            pace.wait(params.speed)
        if "train_loss" in values:
            ctx.log(f"epoch {epoch}, loss {values['train_loss']:.4f}")
    pictures.show(chain)
    seconds = time.perf_counter() - started
    return {
        **values,
        "steps": batches.step,
        "examples_per_second": round(examples / seconds, 1) if seconds > 0 else None,
        "data": params.data,
        "alpha_bar_T": alpha_bar_T,
    }
