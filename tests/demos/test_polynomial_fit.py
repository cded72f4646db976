"""polynomial-fit: the book's features, data and SGD against a numpy re-implementation, the fits
of 4 and 2 features, the complexity sweep (one point per number of features, in order, the
test loss lowest at 4), its cancel between points, frames, and a live learning rate."""

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.polynomial_fit import DEMO
from workers.demos.polynomial_fit.model import PolynomialModel, make_data, polynomial_features
from workers.demos.polynomial_fit.views import weight_bars

FAST = {"speed": 0}
TRUE_W = np.array([5.0, 1.2, -3.4, 5.6])  # of 1, x, x²/2!, x³/3!
SWEEP = "loss against the number of features"
# The fewest epochs where 4 features win clearly (test loss 0.14 against 0.24 for 20): below
# about 50, every fit of 4 or more features is still far from converged and they tie.
SWEEP_EPOCHS = 100


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


# -- An independent re-implementation: the book's equations in numpy, float64 ---------------


def cubic(x: np.ndarray) -> np.ndarray:
    return 5 + 1.2 * x - 3.4 * x**2 / 2 + 5.6 * x**3 / 6


def numpy_features(x: np.ndarray, degree: int) -> np.ndarray:
    return np.stack([x**i / math.factorial(i) for i in range(degree)], axis=1)


@dataclass
class Draws:
    """The random numbers a run draws from its seed, in the demo's documented order (the inputs,
    the noise; then for each fit the initial weights and each epoch's order); the rest is
    computed here."""

    x: np.ndarray
    noise: np.ndarray
    rng_state: torch.Tensor  # where every fit starts drawing

    @classmethod
    def of(cls, seed: int = 0, num_train: int = 100, sigma: float = 0.1) -> "Draws":
        rng = torch.Generator().manual_seed(seed)
        x = torch.normal(0.0, 1.0, (num_train + 100,), generator=rng)
        noise = torch.normal(0.0, sigma, (num_train + 100,), generator=rng)
        return cls(x.double().numpy(), noise.double().numpy(), rng.get_state())

    def split(self, degree: int, num_train: int = 100) -> tuple[np.ndarray, ...]:
        X = numpy_features(self.x, degree)
        y = cubic(self.x) + self.noise
        return X[:num_train], y[:num_train], X[num_train:], y[num_train:]


def numpy_sgd(
    draws: Draws, degree: int, epochs: int, lr: Callable[[int], float] = lambda step: 0.01
) -> np.ndarray:
    """Minibatch SGD on the mean of (ŷ − y)²: w ← w − η · 2 Xᵀ(Xw − y)/B, batches of 10."""
    X, y, _, _ = draws.split(degree)
    rng = torch.Generator().set_state(draws.rng_state)
    bound = 1 / math.sqrt(degree)  # PyTorch's default for nn.Linear
    w = torch.empty(1, degree).uniform_(-bound, bound, generator=rng).double().numpy()[0]
    step = 0
    for _ in range(epochs):
        order = torch.randperm(len(y), generator=rng).numpy()
        for batch in (order[i : i + 10] for i in range(0, len(y), 10)):
            step += 1
            error = X[batch] @ w - y[batch]
            w = w - lr(step) * 2 * X[batch].T @ error / len(batch)
    return w


def mse(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    return float(np.mean((X @ w - y) ** 2))


def least_squares(draws: Draws, degree: int) -> tuple[float, float]:
    X, y, X_test, y_test = draws.split(degree)
    scale = np.linalg.norm(X, axis=0)  # columns of equal norm: x¹⁹/19! is tiny
    w = np.linalg.lstsq(X / scale, y, rcond=None)[0] / scale
    return mse(X, y, w), mse(X_test, y_test, w)


def series(frame: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in frame["data"]["series"]}


@pytest.fixture(scope="module")
def four() -> RecordingChannel:
    """The book's normal fit: 4 features, 400 epochs."""
    torch.set_num_threads(1)
    return run_demo("polynomial-fit", FAST)


@pytest.fixture(scope="module")
def swept() -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("polynomial-fit", {"mode": "sweep", "epochs": SWEEP_EPOCHS})


# -- The book's equations, by hand ----------------------------------------------------------


def test_the_features_and_the_cubic() -> None:
    x = np.random.default_rng(0).normal(size=50)
    features = polynomial_features(torch.tensor(x), 20).numpy()
    np.testing.assert_allclose(features, numpy_features(x, 20), rtol=1e-12)

    quiet = make_data(30, 20, 0.0, torch.Generator().manual_seed(1))
    x_all = torch.cat([quiet.x, quiet.x_test]).double().numpy()
    labels = torch.cat([quiet.labels, quiet.test_labels])[:, 0].double().numpy()
    np.testing.assert_allclose(labels, cubic(x_all), rtol=1e-5, atol=1e-5)
    noisy = make_data(1000, 1000, 0.1, torch.Generator().manual_seed(1))
    residual = noisy.labels[:, 0].double().numpy() - cubic(noisy.x.double().numpy())
    assert abs(residual.std() - 0.1) < 0.01 and abs(residual.mean()) < 0.01


def test_one_sgd_step_is_the_books_update() -> None:
    rng = np.random.default_rng(2)
    features, y = rng.normal(size=(5, 20)), rng.normal(size=(5, 1))
    model = PolynomialModel(3, torch.Generator().manual_seed(0))
    w0 = model.weights().double().numpy()
    assert np.all(np.abs(w0) <= 1 / math.sqrt(3))  # PyTorch's U(−1/√d, 1/√d)
    model.step(torch.tensor(features).float(), torch.tensor(y).float(), lr=0.1)
    X = features[:, :3]  # the model uses the first d features only
    expected = w0 - 0.1 * 2 * X.T @ (X @ w0 - y[:, 0]) / 5
    np.testing.assert_allclose(model.weights().numpy(), expected, rtol=1e-5)


# -- The book's fits ------------------------------------------------------------------------


def test_four_features_find_the_cubic(four: RecordingChannel) -> None:
    assert four.final["status"] == "succeeded", four.final["error"]
    summary = four.final["summary"]
    draws = Draws.of()
    expected = numpy_sgd(draws, 4, 400)
    np.testing.assert_allclose(summary["weights"], expected, atol=2e-4)
    np.testing.assert_allclose(summary["weights"], TRUE_W, atol=0.05)  # as the book prints
    X, y, X_test, y_test = draws.split(4)
    assert summary["train_loss"] == pytest.approx(mse(X, y, expected), rel=1e-3)
    assert summary["test_loss"] == pytest.approx(mse(X_test, y_test, expected), rel=1e-3)
    assert summary["train_loss"] < 0.02 and summary["test_loss"] < 0.02  # about σ² = 0.01
    lstsq_train, lstsq_test = least_squares(draws, 4)
    assert summary["lstsq_train_loss"] == pytest.approx(lstsq_train, rel=1e-4)
    assert summary["lstsq_test_loss"] == pytest.approx(lstsq_test, rel=1e-4)
    assert summary["steps"] == 4000
    messages = [log["message"] for log in four.of_type("log")]
    assert messages[-1].startswith("weight: [4.99")


def test_two_features_stay_bad_on_both_sets(four: RecordingChannel) -> None:
    two = run_demo("polynomial-fit", {**FAST, "num_features": 2, "epochs": 100})
    summary, best = two.final["summary"], four.final["summary"]
    np.testing.assert_allclose(summary["weights"], numpy_sgd(Draws.of(), 2, 100), atol=1e-4)
    for name in ("train_loss", "test_loss"):
        assert summary[name] > 1 and summary[name] > 100 * best[name]
    # Not for want of training: the best line there is does as badly.
    assert summary["lstsq_train_loss"] > 1 and summary["lstsq_test_loss"] > 1


def test_the_fit_and_weights_frames(four: RecordingChannel) -> None:
    draws = Draws.of()
    fits, weights = frames(four, "fit"), frames(four, "weights")
    assert [f["step"] for f in fits] == [0, *range(100, 4001, 100)]  # every 10 epochs
    assert [f["step"] for f in weights] == [f["step"] for f in fits]
    last = series(fits[-1])
    assert list(last) == ["training examples", "test examples", "true cubic", "fitted, 4 features"]
    assert fits[-1]["data"]["x_label"] == "x" and not fits[-1]["data"]["y_log"]
    train, test = last["training examples"], last["test examples"]
    assert train["style"] == test["style"] == "points"
    np.testing.assert_allclose(train["x"], draws.x[:100], atol=1e-4)
    np.testing.assert_allclose(test["y"], (cubic(draws.x) + draws.noise)[100:], atol=1e-3)
    curve_x = np.array(last["true cubic"]["x"])
    assert curve_x.min() == pytest.approx(draws.x.min(), abs=1e-4)
    assert curve_x.max() == pytest.approx(draws.x.max(), abs=1e-4)
    # x is sent to 4 decimals, where the cubic's slope reaches about 20
    np.testing.assert_allclose(last["true cubic"]["y"], cubic(curve_x), atol=3e-3)
    fitted = numpy_features(curve_x, 4) @ np.array(four.final["summary"]["weights"])
    np.testing.assert_allclose(last["fitted, 4 features"]["y"], fitted, atol=3e-3)

    bars = weights[-1]["data"]
    assert bars["categories"] == ["1", "x", "x^2/2!", "x^3/3!"]
    values = {s["label"]: s["values"] for s in bars["series"]}
    assert values["true"] == list(TRUE_W)
    np.testing.assert_allclose(values["learned"], four.final["summary"]["weights"], atol=1e-4)

    metrics = four.of_type("metric")
    assert [m["step"] for m in metrics] == list(range(0, 4001, 10))  # the start, every epoch
    (lstsq_test,) = {m["values"]["lstsq_test_loss"] for m in metrics}  # where SGD heads: fixed
    assert lstsq_test == pytest.approx(least_squares(draws, 4)[1], rel=1e-4)
    for draft in four.of_type("frame"):
        assert len(str(draft["data"])) < 20_000, draft["name"]


def test_missing_features_count_as_zero_weights() -> None:
    model = PolynomialModel(2, torch.Generator().manual_seed(0))
    bars = weight_bars(model)
    assert bars.categories == ["1", "x", "x^2/2!", "x^3/3!"]
    learned, true = (s.values for s in bars.series)
    assert learned[2:] == [0.0, 0.0] and true == list(TRUE_W)


# -- The complexity sweep -------------------------------------------------------------------


def test_the_sweep_streams_one_point_per_number_of_features_in_order(
    swept: RecordingChannel,
) -> None:
    assert swept.final["status"] == "succeeded", swept.final["error"]
    points = frames(swept, SWEEP)
    assert [f["step"] for f in points] == list(range(1, 21))
    for count, frame in enumerate(points, start=1):
        for line in frame["data"]["series"]:
            assert line["x"] == list(range(1, count + 1)) and len(line["y"]) == count
    # After each point: its metrics, its fitted curve, and the progress in the log.
    assert [m["step"] for m in swept.of_type("metric")] == list(range(1, 21))
    assert [
        series(f)[f"fitted, {n} features"]["style"]
        for n, f in enumerate(frames(swept, "fit"), start=1)
    ] == ["line"] * 20
    progress = [log["progress"] for log in swept.of_type("log") if log["progress"] is not None]
    assert progress == pytest.approx([n / 20 for n in range(1, 21)])
    assert [p["step"] for p in swept.of_type("params")] == [0]  # no change asked


def test_a_watched_fit_takes_snapshots_and_a_sweep_none(
    four: RecordingChannel, swept: RecordingChannel
) -> None:
    on_schedule = set(range(0, 4001, DEMO.snapshot_every))  # kept under 2% of the time
    assert {0, 4000} <= set(four.snapshots) <= on_schedule  # the first and the last
    assert swept.snapshots == {}  # a sweep is not forked


def test_every_point_fits_the_same_data_from_the_same_draws(swept: RecordingChannel) -> None:
    draws = Draws.of()
    metrics = {m["step"]: m["values"] for m in swept.of_type("metric")}
    for degree in (2, 4, 7):
        w = numpy_sgd(draws, degree, SWEEP_EPOCHS)
        X, y, X_test, y_test = draws.split(degree)
        assert metrics[degree]["train_loss"] == pytest.approx(mse(X, y, w), rel=1e-3)
        assert metrics[degree]["test_loss"] == pytest.approx(mse(X_test, y_test, w), rel=1e-3)
        lstsq_train, lstsq_test = least_squares(draws, degree)
        assert metrics[degree]["lstsq_train_loss"] == pytest.approx(lstsq_train, rel=1e-4)
        assert metrics[degree]["lstsq_test_loss"] == pytest.approx(lstsq_test, rel=1e-4)


def test_the_test_loss_is_lowest_near_the_true_complexity(swept: RecordingChannel) -> None:
    final = frames(swept, SWEEP)[-1]["data"]
    assert final["x_label"] == "number of features" and final["y_log"] and not final["x_log"]
    curves = {label: np.array(s["y"]) for label, s in series({"data": final}).items()}
    sgd_test = curves["test loss (SGD)"]
    assert sgd_test[3] < sgd_test[0] and sgd_test[3] < sgd_test[19]
    assert int(np.argmin(sgd_test)) + 1 == swept.final["summary"]["best_num_features"] == 4
    # The exact fits: the training loss only falls with more features, the test loss is a U.
    lstsq_train, lstsq_test = (
        curves["training loss (least squares)"],
        curves["test loss (least squares)"],
    )
    assert np.all(np.diff(lstsq_train) <= 1e-9)
    assert int(np.argmin(lstsq_test)) + 1 == 4
    assert lstsq_test[19] > 100 * lstsq_test[3] and lstsq_test[0] > 100 * lstsq_test[3]


def test_a_sweep_stops_between_points_when_cancelled() -> None:
    channel = run_demo(
        "polynomial-fit",
        {"mode": "sweep", "epochs": 2},
        RecordingChannel(script=lambda poll: Control(cancel="Stopped." if poll == 4 else None)),
    )
    assert channel.final["status"] == "cancelled"
    assert [f["step"] for f in frames(channel, SWEEP)] == [1, 2, 3]


# -- Live changes ---------------------------------------------------------------------------

LR_CHANGED_AT = 12  # with speed 0, poll n is step n


def test_a_live_learning_rate_applies_from_its_step() -> None:
    params = DEMO.validate({**FAST, "epochs": 3}).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": 0.05})
    channel = run_demo(
        "polynomial-fit",
        params,
        RecordingChannel(
            script=lambda poll: (
                Control(params=faster, version=2) if poll == LR_CHANGED_AT else Control()
            )
        ),
    )
    changes = [(p["step"], p["params"]["lr"]) for p in channel.of_type("params")]
    assert changes == [(0, 0.01), (LR_CHANGED_AT, 0.05)]
    draws = Draws.of()
    expected = numpy_sgd(draws, 4, 3, lambda step: 0.01 if step < LR_CHANGED_AT else 0.05)
    np.testing.assert_allclose(channel.final["summary"]["weights"], expected, atol=1e-5)
    unchanged = numpy_sgd(draws, 4, 3)
    assert np.abs(expected - unchanged).max() > 1e-2  # the change made a difference


def test_the_presets_are_the_books_fits() -> None:
    presets = {p.name: dict(p.params) for p in DEMO.presets}
    assert presets["normal"]["num_features"] == 4 and presets["underfitting"]["num_features"] == 2
    assert presets["overfitting"] == {"mode": "train", "num_features": 20, "epochs": 1500}
    assert presets["sweep"]["mode"] == "sweep"
    assert DEMO.validate({}).model_dump(include={"num_features", "epochs", "lr", "num_train"}) == {
        "num_features": 4,
        "epochs": 400,
        "lr": 0.01,
        "num_train": 100,
    }
