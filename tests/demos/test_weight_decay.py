"""weight-decay: the book's SGD with and without the L2 penalty against a numpy re-implementation,
the optimizer's weight_decay as the same thing rescaled, the book's λ = 0 and λ = 3, the λ sweep
(one point per λ, in order, λ = 0 drawn apart), frames, and live η and λ."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.weight_decay import DEMO
from workers.demos.weight_decay.model import ConciseWeightDecay, ScratchWeightDecay

FAST = {"speed": 0}
SWEEP = "loss and ‖w‖ against λ"
LAMBDAS = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0]


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


# -- An independent re-implementation: the book's equations in numpy, float64 ---------------


@dataclass
class Draws:
    """The random numbers a run draws from its seed, in the demo's documented order (the inputs,
    the noise; then for each fit the initial w and each epoch's order)."""

    X: np.ndarray
    y: np.ndarray
    rng_state: torch.Tensor

    @classmethod
    def of(cls, seed: int = 0, num_train: int = 20) -> "Draws":
        rng = torch.Generator().manual_seed(seed)
        X = torch.normal(0.0, 1.0, (num_train + 100, 200), generator=rng).double().numpy()
        noise = torch.normal(0.0, 0.01, (num_train + 100,), generator=rng).double().numpy()
        return cls(X, X @ np.full(200, 0.01) + 0.05 + noise, rng.get_state())


def schedule(value: float, changed_at: int | None = None, new: float = 0.0) -> Callable:
    return lambda step: value if changed_at is None or step < changed_at else new


def numpy_sgd(
    draws: Draws,
    lr: Callable[[int], float],
    lambd: Callable[[int], float],
    epochs: int = 100,
    init_std: float = 1.0,
    batch_size: int = 5,
    num_train: int = 20,
) -> tuple[np.ndarray, float]:
    """w ← w − η (Xᵀ(Xw + b − y)/B + λw), b ← b − η mean(Xw + b − y): the gradient of the
    batch's mean (ŷ − y)²/2 plus λ‖w‖²/2; the bias is not penalized."""
    rng = torch.Generator().set_state(draws.rng_state)
    w = torch.normal(0.0, init_std, (200,), generator=rng).double().numpy()
    b, step = 0.0, 0
    X, y = draws.X[:num_train], draws.y[:num_train]
    for _ in range(epochs):
        order = torch.randperm(num_train, generator=rng).numpy()
        for batch in (order[i : i + batch_size] for i in range(0, num_train, batch_size)):
            step += 1
            error = X[batch] @ w + b - y[batch]
            w, b = (
                w - lr(step) * (X[batch].T @ error / len(batch) + lambd(step) * w),
                b - lr(step) * error.mean(),
            )
    return w, b


def losses(draws: Draws, w: np.ndarray, b: float, num_train: int = 20) -> dict[str, float]:
    error = draws.X @ w + b - draws.y
    return {
        "train_loss": float(np.mean(error[:num_train] ** 2 / 2)),
        "test_loss": float(np.mean(error[num_train:] ** 2 / 2)),
        "w_norm": float(np.linalg.norm(w)),
    }


def assert_matches(summary: dict[str, Any], expected: dict[str, float]) -> None:
    assert summary["w_norm"] == pytest.approx(expected["w_norm"], rel=1e-4)
    assert summary["test_loss"] == pytest.approx(expected["test_loss"], rel=1e-3)
    # λ = 0 drives the training loss to a few millionths: float32 knows it to about 1e-7
    assert summary["train_loss"] == pytest.approx(expected["train_loss"], rel=1e-2, abs=2e-7)


@pytest.fixture(scope="module")
def without() -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("weight-decay", {**FAST, "weight_decay": 0.0})


@pytest.fixture(scope="module")
def with_decay() -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("weight-decay", {**FAST, "weight_decay": 3.0})


@pytest.fixture(scope="module")
def swept() -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("weight-decay", {"mode": "sweep"})


# -- One step, by hand ----------------------------------------------------------------------


def test_one_step_with_and_without_the_l2_penalty() -> None:
    rng = np.random.default_rng(0)
    X, y, w0 = rng.normal(size=(5, 200)), rng.normal(size=5), rng.normal(size=200)
    for lambd in (0.0, 3.0):
        model = ScratchWeightDecay(torch.tensor(w0, dtype=torch.float32))
        model.step(torch.tensor(X).float(), torch.tensor(y).float().reshape(-1, 1), 0.01, lambd)
        error = X @ w0 - y  # b starts at 0
        expected = w0 - 0.01 * (X.T @ error / 5 + lambd * w0)
        np.testing.assert_allclose(model.weights().numpy(), expected, rtol=1e-5, atol=1e-6)
        assert model.b.item() == pytest.approx(-0.01 * error.mean(), rel=1e-5)  # not penalized


def test_the_optimizers_weight_decay_adds_lambda_w_to_the_mse_gradient() -> None:
    rng = np.random.default_rng(1)
    X, y, w0 = rng.normal(size=(5, 200)), rng.normal(size=5), rng.normal(size=200)
    model = ConciseWeightDecay(torch.tensor(w0, dtype=torch.float32))
    model.step(torch.tensor(X).float(), torch.tensor(y).float().reshape(-1, 1), 0.01, 3.0)
    error = X @ w0 - y
    expected = w0 - 0.01 * (2 * X.T @ error / 5 + 3.0 * w0)  # mean((ŷ − y)²): no ½
    np.testing.assert_allclose(model.weights().numpy(), expected, rtol=1e-5, atol=1e-6)


def test_the_penalty_is_the_optimizers_weight_decay_at_half_the_rate_and_twice_lambda() -> None:
    """Scratch at (η, λ) ≡ concise at (η/2, 2λ): (η/2)(2g + 2λw) = η(g + λw), and the bias's
    (η/2)·2g_b = η g_b."""
    rng = np.random.default_rng(2)
    w0 = torch.tensor(rng.normal(size=200), dtype=torch.float32)
    scratch, concise = ScratchWeightDecay(w0), ConciseWeightDecay(w0)
    for _ in range(5):
        X = torch.tensor(rng.normal(size=(5, 200)), dtype=torch.float32)
        y = torch.tensor(rng.normal(size=(5, 1)), dtype=torch.float32)
        scratch.step(X, y, 0.01, 3.0)
        concise.step(X, y, 0.005, 6.0)
        torch.testing.assert_close(concise.weights(), scratch.weights())
        torch.testing.assert_close(concise.net[0].bias.detach(), scratch.b.detach())


def test_runs_of_both_implementations_agree_when_rescaled(with_decay: RecordingChannel) -> None:
    concise = run_demo(
        "weight-decay",
        {**FAST, "implementation": "concise", "lr": 0.0015, "weight_decay": 6.0},
    )
    for name in ("train_loss", "test_loss", "w_norm"):
        assert concise.final["summary"][name] == pytest.approx(
            with_decay.final["summary"][name], rel=1e-4
        )


# -- The book's runs ------------------------------------------------------------------------


def test_without_weight_decay_the_model_overfits(without: RecordingChannel) -> None:
    assert without.final["status"] == "succeeded", without.final["error"]
    draws = Draws.of()
    expected = losses(draws, *numpy_sgd(draws, schedule(0.003), schedule(0.0)))
    summary = without.final["summary"]
    assert_matches(summary, expected)
    assert summary["train_loss"] < 1e-4 and summary["test_loss"] > 10  # a gap of 1e5 and more
    assert summary["w_norm"] > 10  # where N(0, 1) put 200 weights: about √200
    assert summary["steps"] == 400


def test_weight_decay_3_closes_the_gap(
    without: RecordingChannel, with_decay: RecordingChannel
) -> None:
    draws = Draws.of()
    expected = losses(draws, *numpy_sgd(draws, schedule(0.003), schedule(3.0)))
    summary, overfit = with_decay.final["summary"], without.final["summary"]
    assert_matches(summary, expected)
    gap, overfit_gap = (s["test_loss"] - s["train_loss"] for s in (summary, overfit))
    assert gap < overfit_gap / 100 and summary["test_loss"] < 1
    assert summary["w_norm"] < 1 and summary["w_norm"] < overfit["w_norm"] / 10
    messages = [log["message"] for log in with_decay.of_type("log")]
    assert messages[-1].startswith(f"L2 norm of w: {summary['w_norm']:.4g} (‖w‖")


def test_both_norms_are_reported(with_decay: RecordingChannel) -> None:
    for metric in with_decay.of_type("metric"):
        values = metric["values"]
        assert values["w_half_squared_norm"] == pytest.approx(values["w_norm"] ** 2 / 2)


def test_the_weights_and_their_distribution(
    without: RecordingChannel, with_decay: RecordingChannel
) -> None:
    for channel in (without, with_decay):
        weights, histograms = frames(channel, "weights"), frames(channel, "weight distribution")
        assert [f["step"] for f in weights] == list(range(0, 401, 4))  # the start, every epoch
        assert [f["step"] for f in histograms] == list(range(0, 401, 4))
        bars = weights[-1]["data"]
        assert bars["categories"] == [f"w{i}" for i in range(1, 201)]
        learned, true = bars["series"]
        assert (learned["label"], true["label"]) == ("learned", "true")
        assert true["values"] == [0.01] * 200
        norm = np.linalg.norm(learned["values"])
        assert norm == pytest.approx(channel.final["summary"]["w_norm"], rel=1e-3)
        for frame in histograms:
            histogram = frame["data"]
            counts = histogram["series"][0]["values"]
            assert len(counts) == len(histogram["categories"]) == 20 and sum(counts) == 200
        # N(0, 1) reaches past ±2: the bins span ±5 and keep it as the weights shrink.
        assert {tuple(f["data"]["categories"]) for f in histograms} == {
            tuple(histograms[0]["data"]["categories"])
        }
        centres = [float(c) for c in histograms[0]["data"]["categories"]]
        assert centres[0] == pytest.approx(-4.75) and centres[-1] == pytest.approx(4.75)
        assert histograms[0]["data"]["highlight"] == 10  # the bin of the true 0.01: [0, 0.5)
    # With λ = 3 every weight ends within ±0.5: the two middle bins.
    final = frames(with_decay, "weight distribution")[-1]["data"]["series"][0]["values"]
    assert final[9] + final[10] == 200


# -- The λ sweep ----------------------------------------------------------------------------


def test_the_sweep_streams_one_point_per_lambda_in_order(swept: RecordingChannel) -> None:
    assert swept.final["status"] == "succeeded", swept.final["error"]
    points = frames(swept, SWEEP)
    assert [f["step"] for f in points] == list(range(1, 13))
    for count, frame in enumerate(points, start=1):
        data = frame["data"]
        assert data["x_log"] and data["y_log"] and data["x_label"] == "λ"
        lines = {s["label"]: s for s in data["series"]}
        # λ = 0 has no place on a log axis: level lines across the grid, from the first point
        for label in ("training loss", "test loss", "‖w‖"):
            assert lines[label]["x"] == LAMBDAS[1:count]
            assert lines[f"{label} at λ = 0"]["x"] == [0.001, 100.0]
    assert [m["step"] for m in swept.of_type("metric")] == list(range(1, 13))
    progress = [log["progress"] for log in swept.of_type("log") if log["progress"] is not None]
    assert progress == pytest.approx([n / 12 for n in range(1, 13)])
    assert swept.final["summary"]["weight_decay"] == LAMBDAS


def test_a_watched_fit_takes_snapshots_and_a_sweep_none(
    with_decay: RecordingChannel, swept: RecordingChannel
) -> None:
    on_schedule = set(range(0, 401, DEMO.snapshot_every))  # kept under 2% of the time
    assert {0, 400} <= set(with_decay.snapshots) <= on_schedule  # the first and the last
    assert swept.snapshots == {}  # a sweep is not forked


def test_every_point_fits_the_same_data_from_the_same_draws(
    swept: RecordingChannel, without: RecordingChannel, with_decay: RecordingChannel
) -> None:
    metrics = {m["step"]: m["values"] for m in swept.of_type("metric")}
    for point, watched in ((1, without), (9, with_decay)):  # λ = 0 and λ = 3
        for name in ("train_loss", "test_loss", "w_norm"):
            assert metrics[point][name] == pytest.approx(watched.final["summary"][name], rel=1e-6)
    draws = Draws.of()
    expected = losses(draws, *numpy_sgd(draws, schedule(0.003), schedule(0.1)))
    assert_matches(metrics[6], expected)  # λ = 0.1


def test_the_sweep_shows_the_penalty_trade(swept: RecordingChannel) -> None:
    final = {s["label"]: np.array(s["y"]) for s in frames(swept, SWEEP)[-1]["data"]["series"]}
    assert np.all(np.diff(final["‖w‖"]) < 0)  # more decay, smaller weights
    assert final["‖w‖"][0] < final["‖w‖ at λ = 0"][0]
    test = final["test loss"]
    assert np.all(np.diff(test[:8]) < 0)  # from 0.001 to 3 the test loss only falls
    assert test.min() < final["test loss at λ = 0"][0] / 1000
    train = final["training loss"]
    assert train[-1] > 1000 * final["training loss at λ = 0"][0]  # the price: a worse fit


def test_a_sweep_applies_a_live_change_from_the_next_point() -> None:
    params = DEMO.validate({"mode": "sweep", "epochs": 5}).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": 0.01})
    channel = run_demo(
        "weight-decay",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=faster, version=2) if poll == 3 else Control()
        ),
    )
    assert [(p["step"], p["params"]["lr"]) for p in channel.of_type("params")] == [
        (0, 0.003),
        (3, 0.01),
    ]
    draws = Draws.of()
    metrics = {m["step"]: m["values"] for m in channel.of_type("metric")}
    for point, lr in ((2, 0.003), (3, 0.01)):
        lambd = LAMBDAS[point - 1]
        w, _ = numpy_sgd(draws, schedule(lr), schedule(lambd), epochs=5)
        assert metrics[point]["w_norm"] == pytest.approx(np.linalg.norm(w), rel=1e-4)


# -- Live changes and the editions ----------------------------------------------------------

LR_CHANGED_AT, LAMBDA_CHANGED_AT = 60, 200  # with speed 0, poll n is step n


def test_a_live_learning_rate_and_weight_decay_apply_from_their_step() -> None:
    params = DEMO.validate(FAST).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": 0.005})
    decayed = DEMO.apply_live_change(faster, {"weight_decay": 3.0})

    def script(poll: int) -> Control:
        if poll == LR_CHANGED_AT:
            return Control(params=faster, version=2)
        if poll == LAMBDA_CHANGED_AT:
            return Control(params=decayed, version=3)
        return Control()

    channel = run_demo("weight-decay", params, RecordingChannel(script=script))
    changes = [
        (p["step"], p["params"]["lr"], p["params"]["weight_decay"])
        for p in channel.of_type("params")
    ]
    assert changes == [
        (0, 0.003, 0.0),
        (LR_CHANGED_AT, 0.005, 0.0),
        (LAMBDA_CHANGED_AT, 0.005, 3.0),
    ]
    draws = Draws.of()
    w, b = numpy_sgd(
        draws, schedule(0.003, LR_CHANGED_AT, 0.005), schedule(0.0, LAMBDA_CHANGED_AT, 3.0)
    )
    assert_matches(channel.final["summary"], losses(draws, w, b))
    # Once λ is 3 the gap closes while it trains: the test loss falls by orders of magnitude.
    test_loss = {m["step"]: m["values"]["test_loss"] for m in channel.of_type("metric")}
    assert test_loss[400] < test_loss[LAMBDA_CHANGED_AT] / 100


def test_the_current_edition() -> None:
    (classic,) = [p for p in DEMO.presets if p.name == "classic"]
    (current,) = [p for p in DEMO.presets if p.name == "current"]
    assert DEMO.validate({}).model_dump(include=set(classic.params)) == dict(classic.params)
    assert dict(current.params) == {"init_std": 0.01, "lr": 0.01, "epochs": 10}
    draws = Draws.of()
    runs = {}
    for lambd in (0.0, 3.0):
        channel = run_demo("weight-decay", {**FAST, **current.params, "weight_decay": lambd})
        runs[lambd] = summary = channel.final["summary"]
        w, b = numpy_sgd(draws, schedule(0.01), schedule(lambd), epochs=10, init_std=0.01)
        assert_matches(summary, losses(draws, w, b))
        # what that edition prints as "L2 norm"
        assert summary["w_half_squared_norm"] == pytest.approx(np.linalg.norm(w) ** 2 / 2, rel=1e-3)
    assert runs[3.0]["test_loss"] < runs[0.0]["test_loss"] / 1.5
