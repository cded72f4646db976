"""diffusion-2d: the forward process's closed form against the chain iterated step by step,
the posterior q(x_{t−1} | x_t, x₀) against Bayes' rule, the schedules, the ε-loss, the
sampler against Algorithm 2 and an exact denoiser, the drawn-points bounds, live changes, and
a short run whose samples come close to the data."""

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from core.channel import Control
from core.errors import InvalidInput
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.diffusion_2d import DEMO
from workers.demos.diffusion_2d.model import (
    Diffusion,
    cosine_schedule,
    diffuse,
    epsilon_loss,
    linear_schedule,
    posterior,
    sample,
    sampling_timesteps,
    sliced_wasserstein,
)
from workers.demos.diffusion_2d.views import FIELD, FORWARD, SAMPLES, TRAJECTORIES

# Small enough for seconds: 2,000 points, 8 steps an epoch, a narrow denoiser.
QUICK = {"speed": 0, "num_points": 2000, "batch_size": 256, "hidden": 32, "lr": 0.005}
CHANGED_AT = 6  # with speed 0, poll n is step n


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def numpy_linear_betas(T: int) -> np.ndarray:
    return 1e-4 + (0.02 - 1e-4) * np.arange(T) / (T - 1)


# -- the schedules ---------------------------------------------------------------------------


def test_the_linear_schedule_is_ddpms() -> None:
    betas = linear_schedule(1000).betas.numpy()
    assert betas[0] == pytest.approx(1e-4) and betas[-1] == pytest.approx(0.02)
    np.testing.assert_allclose(betas, numpy_linear_betas(1000), rtol=1e-12)
    # T = 1000 reaches pure noise; the small T = 50 does not (ᾱ_50 ≈ e^(−Σβ) ≈ 0.6)
    assert np.prod(1 - betas) < 1e-4
    assert linear_schedule(50).alpha_bar(50).item() == pytest.approx(
        np.prod(1 - numpy_linear_betas(50))
    )


def test_the_cosine_schedule_is_nichol_and_dhariwals() -> None:
    T, s = 50, 0.008
    f = np.cos((np.arange(T + 1) / T + s) / (1 + s) * np.pi / 2) ** 2
    schedule = cosine_schedule(T)
    alpha_bars = np.array([schedule.alpha_bar(t).item() for t in range(T + 1)])
    # every β_t but the last is below the clip, so ᾱ_t is the formula's exactly
    np.testing.assert_allclose(alpha_bars[:T], f[:T] / f[0], rtol=1e-10)
    assert schedule.betas[-1].item() == 0.999  # f(T) = cos²(π/2) = 0: β_T clipped
    assert schedule.betas.max().item() <= 0.999


# -- the forward process ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["linear", "cosine"])
def test_the_closed_form_is_the_chain_of_small_steps(kind: str) -> None:
    """q(x_t | x₀) = N(√ᾱ_t x₀, (1 − ᾱ_t) I), against the mean and variance carried through
    x_t = √(1 − β_t) x_{t−1} + √β_t ε one step at a time, and against a simulated chain."""
    T = 50
    schedule = linear_schedule(T) if kind == "linear" else cosine_schedule(T)
    betas = schedule.betas.numpy()
    mean_factor, variance = 1.0, 0.0
    for t in range(1, T + 1):
        mean_factor *= math.sqrt(1 - betas[t - 1])
        variance = (1 - betas[t - 1]) * variance + betas[t - 1]
        alpha_bar = schedule.alpha_bar(t).item()
        assert mean_factor == pytest.approx(math.sqrt(alpha_bar), rel=1e-9)
        assert variance == pytest.approx(1 - alpha_bar, rel=1e-9)

    x0 = np.array([1.0, -2.0])
    rng = np.random.default_rng(0)
    chain = np.tile(x0, (40_000, 1))
    for t in range(1, 21):  # the chain to t = 20, step by step, in numpy
        chain = math.sqrt(1 - betas[t - 1]) * chain + math.sqrt(betas[t - 1]) * rng.standard_normal(
            chain.shape
        )
    one_draw = diffuse(
        schedule,
        torch.tensor(x0, dtype=torch.float64).expand(40_000, 2),
        torch.full((40_000,), 20),
        torch.randn((40_000, 2), generator=torch.Generator().manual_seed(1), dtype=torch.float64),
    ).numpy()
    for draws in (chain, one_draw):
        np.testing.assert_allclose(
            draws.mean(axis=0), math.sqrt(schedule.alpha_bar(20).item()) * x0, atol=0.015
        )
        np.testing.assert_allclose(draws.var(axis=0), 1 - schedule.alpha_bar(20).item(), rtol=0.03)


def test_the_posterior_is_bayes_rule() -> None:
    """μ̃_t and β̃_t against the product of q(x_{t−1} | x₀) and q(x_t | x_{t−1}), by hand."""
    schedule = linear_schedule(50)
    betas = numpy_linear_betas(50)
    x0, x_t = np.array([0.5, -1.0]), np.array([1.5, 0.2])
    for t in (2, 10, 50):
        alpha_bar_prev = np.prod(1 - betas[: t - 1])
        beta = betas[t - 1]
        precision = 1 / (1 - alpha_bar_prev) + (1 - beta) / beta
        mean = (
            np.sqrt(alpha_bar_prev) * x0 / (1 - alpha_bar_prev) + np.sqrt(1 - beta) * x_t / beta
        ) / precision
        got_mean, got_variance = posterior(
            schedule,
            torch.tensor(x_t, dtype=torch.float64),
            torch.tensor(x0, dtype=torch.float64),
            t,
        )
        np.testing.assert_allclose(got_mean.numpy(), mean, rtol=1e-9)
        assert got_variance == pytest.approx(1 / precision, rel=1e-9)


# -- the loss and the sampler ----------------------------------------------------------------


class AffineNet(nn.Module):
    """A stand-in ε_θ: 0.5 x_t + 0.01 t, so the loss can be computed by hand."""

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return 0.5 * x_t + 0.01 * t[:, None].to(x_t.dtype)


def test_the_epsilon_loss_by_hand() -> None:
    schedule = linear_schedule(50)
    rng = np.random.default_rng(2)
    x0, noise = rng.standard_normal((6, 2)), rng.standard_normal((6, 2))
    t = np.array([1, 5, 10, 20, 40, 50])
    alpha_bar = np.cumprod(1 - numpy_linear_betas(50))[t - 1][:, None]
    x_t = np.sqrt(alpha_bar) * x0 + np.sqrt(1 - alpha_bar) * noise
    expected = np.mean((noise - (0.5 * x_t + 0.01 * t[:, None])) ** 2)
    got = epsilon_loss(
        AffineNet(), schedule, torch.tensor(x0), torch.tensor(t), torch.tensor(noise)
    )
    assert got.item() == pytest.approx(expected, rel=1e-9)


def test_sampling_timesteps() -> None:
    assert sampling_timesteps(50, 50) == list(range(50, 0, -1))
    assert sampling_timesteps(50, 500) == list(range(50, 0, -1))
    assert sampling_timesteps(50, 1) == [50]
    steps = sampling_timesteps(1000, 10)
    assert steps[0] == 1000 and steps[-1] == 1 and len(steps) == 10


class ExactDenoiser(nn.Module):
    """The ideal ε for data N(0, c² I): E[ε | x_t] = √(1 − ᾱ_t) x_t / (ᾱ_t c² + 1 − ᾱ_t)."""

    def __init__(self, alpha_bars: torch.Tensor, c: float) -> None:
        super().__init__()
        self.alpha_bars, self.c = alpha_bars, c

    def forward(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        a = self.alpha_bars[t - 1][:, None].to(x_t.dtype)
        return (1 - a).sqrt() * x_t / (a * self.c**2 + 1 - a)


def diffusion_with(net: nn.Module, schedule: Any) -> Diffusion:
    diffusion = Diffusion(8, schedule, 1e-3, torch.Generator().manual_seed(0))
    diffusion.net = net
    return diffusion


def test_the_sampler_is_algorithm_2() -> None:
    """All T steps: x_{t−1} = (x_t − β_t/√(1 − ᾱ_t) ε_θ)/√α_t + √β_t z, in numpy, same z's."""
    schedule = linear_schedule(20)
    betas = numpy_linear_betas(20)
    alpha_bars = np.cumprod(1 - betas)
    x_T = torch.randn((5, 2), generator=torch.Generator().manual_seed(3))
    chain = sample(diffusion_with(AffineNet(), schedule), x_T, 20, torch.Generator().manual_seed(4))
    zs = torch.Generator().manual_seed(4)
    x = x_T.double().numpy()
    for t in range(20, 0, -1):
        epsilon = 0.5 * x + 0.01 * t
        x = (x - betas[t - 1] / np.sqrt(1 - alpha_bars[t - 1]) * epsilon) / np.sqrt(
            1 - betas[t - 1]
        )
        if t > 1:
            x = x + np.sqrt(betas[t - 1]) * torch.randn((5, 2), generator=zs).double().numpy()
    assert len(chain) == 21
    np.testing.assert_allclose(chain[-1].numpy(), x, rtol=1e-4, atol=1e-5)


def test_the_sampler_with_an_exact_denoiser_draws_the_data() -> None:
    """Data N(0, 0.5² I), the ideal ε, the cosine schedule (x_T pure noise): with all 50 steps
    the samples' variance is 0.25; with 10 of them σ² = β' adds more noise than the chain's
    posterior variance β̃' takes out, and the samples come out wider (blurrier), not narrower."""
    schedule = cosine_schedule(50)
    diffusion = diffusion_with(ExactDenoiser(schedule.alpha_bars, 0.5), schedule)
    x_T = torch.randn((20_000, 2), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    every = sample(diffusion, x_T, 50, torch.Generator().manual_seed(6))[-1].var(dim=0).numpy()
    np.testing.assert_allclose(every, 0.25, rtol=0.06)
    ten = sample(diffusion, x_T, 10, torch.Generator().manual_seed(6))[-1].var(dim=0).numpy()
    assert np.all(ten > every) and np.all(ten < 0.4)


def test_the_sliced_distance() -> None:
    rng = torch.Generator().manual_seed(7)
    a = torch.randn((2000, 2), generator=rng)
    assert sliced_wasserstein(a, a + torch.tensor([0.3, 0.4])) == pytest.approx(
        # a shift by v moves each projection by v·u: the distance is √(mean over u of (v·u)²)
        math.sqrt(0.25 / 2),
        rel=1e-6,
    )
    # doubling scales every projection: the distance is √(mean over u of uᵀ S u), S the
    # second moments, which is √(trace S / 2) for directions evenly spread over a half turn
    second_moments = (a.double().T @ a.double() / len(a)).numpy()
    assert sliced_wasserstein(a, 2 * a) == pytest.approx(
        math.sqrt(np.trace(second_moments) / 2), rel=1e-9
    )


# -- params ----------------------------------------------------------------------------------


def test_drawn_points_are_validated() -> None:
    with pytest.raises(InvalidInput) as error:
        DEMO.validate({"data": "drawn", "points": [[0, 0], [1, 1]]})
    assert "at least 10 drawn points" in error.value.errors[0]["msg"]
    with pytest.raises(InvalidInput) as error:
        DEMO.validate({"data": "drawn", "points": [[0, 0]] * 9 + [[6, 0]]})
    assert error.value.status_code == 422
    assert error.value.errors[0]["loc"][:1] == ["points"]
    with pytest.raises(InvalidInput):
        DEMO.validate({"data": "drawn", "points": [[0, 0]] * 2001})
    assert DEMO.validate({"data": "drawn", "points": [[i / 10, 0] for i in range(10)]})
    assert DEMO.validate({"data": "moons"})  # points ignored, may be empty


def test_the_data_is_forkable_and_not_live() -> None:
    schema = DEMO.params_schema["properties"]
    for name in ("data", "points"):
        assert schema[name].get("forkable") is True and "live" not in schema[name]
    assert set(DEMO.live_params) == {"lr", "sampling_steps", "field_t", "speed"}


# -- runs ------------------------------------------------------------------------------------


def test_a_fork_trains_the_same_model_on_redrawn_data() -> None:
    """The learner redraws the data: the fork goes on from the parent's denoiser (its first
    loss is the parent's level, not an untrained one's) and measures against the new data."""
    params = {**QUICK, "epochs": 2}
    parent = run_demo("diffusion-2d", params, RecordingChannel(script=ask_snapshot_at(6)))
    step = parent.snapshot_asked_at(6)
    ring = {**params, "data": "ring"}
    fork = run_demo("diffusion-2d", ring, fork_of=(parent, step))
    fresh = run_demo("diffusion-2d", ring)
    for run in (parent, fork, fresh):
        assert run.final["status"] == "succeeded", run.final.get("error")
    assert fork.final["summary"]["data"] == "ring"
    first_loss = next(
        m["values"]["train_loss"] for m in fork.of_type("metric") if "train_loss" in m["values"]
    )
    fresh_first = next(
        m["values"]["train_loss"] for m in fresh.of_type("metric") if "train_loss" in m["values"]
    )
    assert first_loss < fresh_first  # a trained denoiser, not a new one
    noise_distances = {m["values"]["noise_distance"] for m in fork.of_type("metric")}
    assert noise_distances == {fresh.of_type("metric")[0]["values"]["noise_distance"]}


def ask_snapshot_at(poll: int) -> Callable[[int], Control]:
    def script(polls: int) -> Control:
        return Control(snapshot=True) if polls == poll else Control()

    return script


def test_a_short_run_draws_samples_close_to_the_data() -> None:
    """240 steps: the samples (the mean distance of the last 5 reports) end well below pure
    noise's distance from the data, and far below the untrained model's."""
    channel = run_demo("diffusion-2d", {**QUICK, "epochs": 30})
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    metrics = [m["values"] for m in channel.of_type("metric")]
    first, last = metrics[0], metrics[-1]
    assert last["noise_distance"] == first["noise_distance"]  # the sampler's fixed start
    trained = sum(m["sample_distance"] for m in metrics[-5:]) / 5
    assert trained < 0.6 * last["noise_distance"]
    assert last["data_distance"] < trained < first["sample_distance"] / 3
    # the pictures
    forward = frames(channel, FORWARD)
    assert len(forward) == 1
    titles = forward[0]["data"]["titles"]
    assert titles[0].startswith("t = 0,") and titles[-1].startswith("t = 50,")
    series = {s["label"]: s for s in frames(channel, SAMPLES)[-1]["data"]["series"]}
    assert {"data x₀", "samples", "reverse paths x_T → x₀", "path ends x₀"} <= set(series)
    path = series["reverse paths x_T → x₀"]["y"]
    assert path.count(None) == TRAJECTORIES and len(path) == TRAJECTORIES * 52  # 51 points + gap
    field = frames(channel, FIELD)[-1]["data"]["series"]
    assert field[1]["label"] == "−ε_θ(x, 5) / √(1 − ᾱ_5)"


def test_live_sampling_steps_and_field_t_apply_from_their_step() -> None:
    changed = {
        **DEMO.validate({**QUICK, "epochs": 1}).model_dump(mode="json"),
        "sampling_steps": 10,
        "field_t": 40,
    }

    def script(polls: int) -> Control:
        return Control(params=changed, version=2) if polls == CHANGED_AT else Control()

    channel = run_demo("diffusion-2d", {**QUICK, "epochs": 1}, RecordingChannel(script=script))
    assert channel.of_type("params")[-1]["step"] == CHANGED_AT
    after = [f for f in frames(channel, SAMPLES) if f["step"] >= CHANGED_AT][-1]
    path = next(s for s in after["data"]["series"] if s["label"].startswith("reverse"))
    assert len(path["y"]) == TRAJECTORIES * 12  # 11 points (x_T and 10 steps) + a gap
    field = [f for f in frames(channel, FIELD) if f["step"] >= CHANGED_AT][-1]
    assert field["data"]["series"][1]["label"] == "−ε_θ(x, 40) / √(1 − ᾱ_40)"


def test_a_live_learning_rate_applies_from_its_step() -> None:
    """η → 1e-12 at step 6: the model stops moving, so the samples (from the fixed x_T and
    z's) stay where they were, to the last digits."""
    params = {**QUICK, "epochs": 1}
    changed = {**DEMO.validate(params).model_dump(mode="json"), "lr": 1e-12}

    def script(polls: int) -> Control:
        return Control(params=changed, version=2) if polls == CHANGED_AT else Control()

    channel = run_demo("diffusion-2d", params, RecordingChannel(script=script))
    distances = {m["step"]: m["values"]["sample_distance"] for m in channel.of_type("metric")}
    frozen = [d for step, d in distances.items() if step >= CHANGED_AT]
    assert max(frozen) - min(frozen) < 1e-4
    assert len({round(d, 4) for step, d in distances.items() if step < CHANGED_AT}) > 1


def test_a_diverging_run_ends_diverged(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers.demos.diffusion_2d import train

    real = train.make_data
    monkeypatch.setattr(train, "make_data", lambda *args: real(*args) * 1e30)  # overflows
    channel = run_demo("diffusion-2d", {**QUICK, "epochs": 1})
    assert channel.final["status"] == "diverged", channel.final
