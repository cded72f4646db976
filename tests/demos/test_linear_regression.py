"""linear-regression: the book's SGD against a numpy re-implementation, its frames, its live
learning rate and batch size, and the concise version's relation to the scratch one."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.linear_regression import DEMO
from workers.demos.linear_regression.model import (
    ConciseRegression,
    ScratchRegression,
    largest_stable_lr,
    sgd,
    squared_loss,
)

FAST = {"speed": 0}
TRUE_W, TRUE_B = np.array([2.0, -3.4]), 4.2  # the book's, the params' defaults


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


# -- An independent re-implementation: the book's equations in numpy, float64 ---------------


@dataclass
class Draws:
    """The random numbers a run draws from its seed, in the demo's documented order (the data,
    its noise, the initial w, then each epoch's order); everything else is computed here."""

    X: np.ndarray
    y: np.ndarray
    w0: np.ndarray
    orders: list[np.ndarray]

    @classmethod
    def of(
        cls, seed: int = 0, n: int = 1000, num_val: int = 0, epochs: int = 3, noise: float = 0.01
    ) -> "Draws":
        rng = torch.Generator().manual_seed(seed)
        X = torch.normal(0, 1, (n + num_val, 2), generator=rng).double().numpy()
        eps = torch.normal(0, noise, (n + num_val,), generator=rng).double().numpy()
        w0 = torch.normal(0, 0.01, (2,), generator=rng).double().numpy()
        orders = [torch.randperm(n, generator=rng).numpy() for _ in range(epochs)]
        return cls(X, X @ TRUE_W + TRUE_B + eps, w0, orders)

    @property
    def n(self) -> int:
        return len(self.orders[0])


@dataclass
class Step:
    batch: np.ndarray
    loss: float  # the batch's mean (ŷ − y)²/2 before the update
    w: np.ndarray  # after it
    b: float


def numpy_sgd(
    draws: Draws, lr: Callable[[int], float], batch_size: Callable[[int], int]
) -> list[Step]:
    """Minibatch SGD on the mean of (ŷ − y)²/2: w ← w − η mean((ŷ − y) x), b ← b − η mean(ŷ − y).
    `lr(step)` and `batch_size(step)` are the values in force at each step (from 1)."""
    X, y = draws.X[: draws.n], draws.y[: draws.n]
    w, b, steps = draws.w0.copy(), 0.0, []
    for order in draws.orders:
        taken = 0
        while taken < draws.n:
            t = len(steps) + 1
            batch = order[taken : taken + batch_size(t)]
            taken += len(batch)
            error = X[batch] @ w + b - y[batch]
            loss = float(np.mean(error**2 / 2))
            w = w - lr(t) * X[batch].T @ error / len(batch)
            b = b - lr(t) * float(error.mean())
            steps.append(Step(batch, loss, w, b))
    return steps


def constant(value: float) -> Callable[[int], Any]:
    return lambda step: value


def per_step(channel: RecordingChannel, name: str) -> dict[int, float]:
    return {m["step"]: m["values"][name] for m in channel.of_type("metric") if name in m["values"]}


def series(frame: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in frame["data"]["series"]}


@pytest.fixture(scope="module")
def book() -> RecordingChannel:
    """The book's run: 1000 examples, η = 0.03, batches of 10, 3 epochs, from scratch."""
    torch.set_num_threads(1)
    return run_demo("linear-regression", FAST)


# -- One step, by hand ----------------------------------------------------------------------


def test_one_scratch_step_is_the_books_equations() -> None:
    rng = np.random.default_rng(0)
    X, y, w0 = rng.normal(size=(3, 2)), rng.normal(size=3), rng.normal(size=2)
    model = ScratchRegression(torch.tensor(w0, dtype=torch.float32))
    loss = model.step(torch.tensor(X).float(), torch.tensor(y).float().reshape(-1, 1), lr=0.1)

    error = X @ w0 - y  # b starts at 0
    w, b = model.estimates()
    np.testing.assert_allclose(w.numpy(), w0 - 0.1 * X.T @ error / 3, rtol=1e-6)
    assert b == pytest.approx(-0.1 * error.mean(), rel=1e-6)
    assert loss.item() == pytest.approx(np.mean(error**2 / 2), rel=1e-6)
    assert model.w.grad.abs().sum() == 0 and model.b.grad.abs().sum() == 0  # zeroed for the next


def test_the_books_loss_and_update() -> None:
    assert squared_loss(torch.tensor([[3.0]]), torch.tensor([1.0])).item() == 2.0
    param = torch.tensor([1.0, 2.0], requires_grad=True)
    (param * torch.tensor([4.0, -8.0])).sum().backward()
    sgd([param], lr=0.5, batch_size=4)  # the summed loss's gradient, averaged over 4
    assert param.tolist() == [0.5, 3.0] and param.grad.tolist() == [0.0, 0.0]


def test_concise_at_half_the_learning_rate_takes_the_scratch_steps() -> None:
    """nn.MSELoss is mean((ŷ − y)²), twice the book's mean((ŷ − y)²/2): its gradient is
    twice as large, so η/2 on it is η on the scratch loss; both report the book's loss."""
    rng = np.random.default_rng(1)
    w0 = torch.tensor(rng.normal(size=2), dtype=torch.float32)
    scratch, concise = ScratchRegression(w0), ConciseRegression(w0, lr=1.0)
    same_rate = ConciseRegression(w0, lr=1.0)
    for _ in range(5):
        X = torch.tensor(rng.normal(size=(4, 2)), dtype=torch.float32)
        y = torch.tensor(rng.normal(size=(4, 1)), dtype=torch.float32)
        torch.testing.assert_close(concise.step(X, y, 0.05), scratch.step(X, y, 0.1))
        torch.testing.assert_close(concise.estimates()[0], scratch.estimates()[0])
        assert concise.estimates()[1] == pytest.approx(scratch.estimates()[1], abs=1e-7)
    assert concise.net[0].weight.shape == (1, 2)  # nn.Linear(2, 1), as in the book

    # At the same η the concise step is twice as long.
    X, y = torch.tensor([[1.0, -2.0]]), torch.tensor([[3.0]])
    scratch = ScratchRegression(w0)
    scratch.step(X, y, 0.1)
    same_rate.step(X, y, 0.1)
    torch.testing.assert_close(same_rate.estimates()[0] - w0, 2 * (scratch.estimates()[0] - w0))


def test_the_largest_stable_learning_rate() -> None:
    X = np.random.default_rng(2).normal(size=(50, 2))
    X1 = np.hstack([X, np.ones((50, 1))])
    hessian = X1.T @ X1 / 50  # of mean((ŷ − y)²/2) in (w, b)
    expected = 2 / np.linalg.eigvalsh(hessian).max()
    assert largest_stable_lr(torch.tensor(X), 1.0) == pytest.approx(expected)
    assert largest_stable_lr(torch.tensor(X), 2.0) == pytest.approx(expected / 2)


# -- The book's run -------------------------------------------------------------------------


def test_the_book_settings_reach_the_errors_sgd_should(book: RecordingChannel) -> None:
    assert book.final["status"] == "succeeded", book.final["error"]
    draws = Draws.of()
    steps = numpy_sgd(draws, constant(0.03), constant(10))
    assert len(steps) == 300

    summary = book.final["summary"]
    assert summary["steps"] == 300 and summary["implementation"] == "scratch"
    np.testing.assert_allclose(summary["w"], steps[-1].w, atol=1e-5)
    assert summary["b"] == pytest.approx(steps[-1].b, abs=1e-5)
    # As the book prints them: the true values minus the estimates.
    np.testing.assert_allclose(summary["error_in_w"], TRUE_W - steps[-1].w, atol=1e-5)
    assert summary["error_in_b"] == pytest.approx(TRUE_B - steps[-1].b, abs=1e-5)
    assert summary["w_error"] == pytest.approx(np.linalg.norm(TRUE_W - steps[-1].w), abs=1e-5)

    # The noise sets the floor: the least-squares fit itself is off by about σ/√n ≈ 3e-4.
    X1 = np.hstack([draws.X, np.ones((draws.n, 1))])
    best, *_ = np.linalg.lstsq(X1, draws.y, rcond=None)
    assert np.linalg.norm(best[:2] - TRUE_W) < 2e-3 and abs(best[2] - TRUE_B) < 2e-3
    assert np.linalg.norm(np.array(summary["w"]) - best[:2]) < 5e-3
    assert abs(summary["b"] - best[2]) < 5e-3
    assert summary["w_error"] < 5e-3 and summary["b_error"] < 5e-3  # from about 4.6 and 4.2


def test_every_step_is_the_numpy_step(book: RecordingChannel) -> None:
    steps = numpy_sgd(Draws.of(), constant(0.03), constant(10))
    w1, w2, b = per_step(book, "w1"), per_step(book, "w2"), per_step(book, "b")
    assert sorted(w1) == list(range(301))  # the start, then every step
    np.testing.assert_allclose([w1[t] for t in range(1, 301)], [s.w[0] for s in steps], atol=1e-5)
    np.testing.assert_allclose([w2[t] for t in range(1, 301)], [s.w[1] for s in steps], atol=1e-5)
    np.testing.assert_allclose([b[t] for t in range(1, 301)], [s.b for s in steps], atol=1e-5)
    loss = per_step(book, "loss")
    # float32 labels near 5: a loss of 2e-5 is known to about 4e-9
    expected_loss = [s.loss for s in steps]
    np.testing.assert_allclose(
        [loss[t] for t in range(1, 301)], expected_loss, rtol=1e-4, atol=1e-8
    )
    w_error = per_step(book, "w_error")
    assert w_error[300] == pytest.approx(np.linalg.norm(steps[-1].w - TRUE_W), abs=1e-5)
    assert per_step(book, "b_error")[300] == pytest.approx(abs(steps[-1].b - TRUE_B), abs=1e-5)


def test_the_epoch_losses_are_printed_as_the_book_does(book: RecordingChannel) -> None:
    draws = Draws.of()
    steps = numpy_sgd(draws, constant(0.03), constant(10))
    train_loss = per_step(book, "train_loss")
    assert sorted(train_loss) == [0, 100, 200, 300]  # the start, and after each epoch
    for t, value in train_loss.items():
        w, b = (draws.w0, 0.0) if t == 0 else (steps[t - 1].w, steps[t - 1].b)
        assert value == pytest.approx(np.mean((draws.X @ w + b - draws.y) ** 2 / 2), rel=1e-3)
    messages = [log["message"] for log in book.of_type("log")]
    assert [m for m in messages if m.startswith("epoch")] == [
        f"epoch {e}, loss {train_loss[100 * e]:f}" for e in (1, 2, 3)
    ]
    assert any(m.startswith("error in estimating w: [") for m in messages)
    assert any(m.startswith("error in estimating b: ") for m in messages)


def test_the_loss_surface_and_the_path_over_it(book: RecordingChannel) -> None:
    draws = Draws.of()
    (surface,) = frames(book, "loss over w1, w2 at the true b")
    assert surface["kind"] == "surface" and surface["step"] == 0
    w1, w2, z = (np.array(surface["data"][k]) for k in ("x", "y", "z"))
    assert w1.shape == w2.shape == (61,) and z.shape == (61, 61)
    for start, axis, true in ((draws.w0[0], w1, TRUE_W[0]), (draws.w0[1], w2, TRUE_W[1])):
        assert axis[0] < min(start, true) - 0.9 and axis[-1] > max(start, true) + 0.9
    for i, j in [(0, 0), (30, 17), (60, 60), (5, 44)]:  # z[i][j] is the loss at (w1[j], w2[i])
        error = draws.X @ [w1[j], w2[i]] + TRUE_B - draws.y
        assert z[i, j] == pytest.approx(np.mean(error**2) / 2, rel=1e-5, abs=2e-6)
    # Its lowest point: least squares in w, b held at the truth.
    lowest, *_ = np.linalg.lstsq(draws.X, draws.y - TRUE_B, rcond=None)
    np.testing.assert_allclose(surface["data"]["minima"], [lowest], atol=1e-6)
    i, j = np.unravel_index(z.argmin(), z.shape)
    assert abs(w1[j] - lowest[0]) < 0.1 and abs(w2[i] - lowest[1]) < 0.1

    path = frames(book, "path")
    assert len(path) == 301 and {f["kind"] for f in path} == {"points"}
    assert {tuple(f["data"]["labels"]) for f in path} == {("ŵ",)}
    np.testing.assert_allclose(path[0]["data"]["points"], [draws.w0], atol=1e-7)
    np.testing.assert_allclose(path[-1]["data"]["points"], [book.final["summary"]["w"]])


def test_the_fit_seen_along_each_feature(book: RecordingChannel) -> None:
    draws = Draws.of()
    steps = numpy_sgd(draws, constant(0.03), constant(10))
    summary = book.final["summary"]
    means = draws.X[: draws.n].mean(axis=0)
    for j, name in enumerate(["y against x1", "y against x2"]):
        shown = frames(book, name)
        assert len(shown) == 301 and {f["kind"] for f in shown} == {"lines"}
        first, last = series(shown[0]), series(shown[-1])
        assert list(last) == ["examples", "minibatch", "true model", "fitted model"]
        examples = last["examples"]
        assert examples["style"] == "points" and len(examples["x"]) == 200
        np.testing.assert_allclose(examples["x"], draws.X[:200, j], atol=1e-4)
        np.testing.assert_allclose(examples["y"], draws.y[:200], atol=1e-4)
        assert first["minibatch"]["x"] == []  # no batch before the first step
        for t in (1, 150, 300):  # this step's batch, as the numpy run drew it
            batch = series(shown[t])["minibatch"]
            assert shown[t]["step"] == t and batch["style"] == "points"
            np.testing.assert_allclose(batch["x"], draws.X[steps[t - 1].batch, j], atol=1e-4)
        # Lines across the examples' extent: the plane with the other feature at its mean.
        other = 1 - j
        for label, w, b in [
            ("true model", TRUE_W, TRUE_B),
            ("fitted model", np.array(summary["w"]), summary["b"]),
        ]:
            line = last[label]
            assert line["x"] == pytest.approx(
                [draws.X[: draws.n, j].min(), draws.X[: draws.n, j].max()], abs=1e-4
            )
            expected = w[j] * np.array(line["x"]) + w[other] * means[other] + b
            np.testing.assert_allclose(line["y"], expected, atol=1e-3)


def test_frames_are_small(book: RecordingChannel) -> None:
    for draft in book.of_type("frame"):
        assert len(str(draft["data"])) < 60_000, draft["name"]


# -- Live changes, the concise version, the editions ----------------------------------------

LR_CHANGED_AT, BATCH_CHANGED_AT = 40, 70  # with speed 0, poll n is step n


def test_a_live_learning_rate_and_batch_size_apply_from_their_step() -> None:
    params = DEMO.validate({**FAST, "epochs": 1}).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": 0.1})
    larger = DEMO.apply_live_change(faster, {"batch_size": 25})

    def script(poll: int) -> Control:
        if poll == LR_CHANGED_AT:
            return Control(params=faster, version=2)
        if poll == BATCH_CHANGED_AT:
            return Control(params=larger, version=3)
        return Control()

    channel = run_demo("linear-regression", params, RecordingChannel(script=script))
    assert channel.final["status"] == "succeeded", channel.final["error"]
    changes = [
        (e["step"], e["params"]["lr"], e["params"]["batch_size"]) for e in channel.of_type("params")
    ]
    assert changes == [(0, 0.03, 10), (LR_CHANGED_AT, 0.1, 10), (BATCH_CHANGED_AT, 0.1, 25)]

    # 69 batches of 10, then the remaining 310 examples in 12 batches of 25 and one of 10.
    steps = numpy_sgd(
        Draws.of(epochs=1),
        lambda t: 0.03 if t < LR_CHANGED_AT else 0.1,
        lambda t: 10 if t < BATCH_CHANGED_AT else 25,
    )
    assert len(steps) == channel.final["summary"]["steps"] == 82
    w1, b = per_step(channel, "w1"), per_step(channel, "b")
    np.testing.assert_allclose([w1[t] for t in range(1, 83)], [s.w[0] for s in steps], atol=1e-5)
    np.testing.assert_allclose([b[t] for t in range(1, 83)], [s.b for s in steps], atol=1e-5)
    sizes = [len(series(f)["minibatch"]["x"]) for f in frames(channel, "y against x1")[1:]]
    assert sizes == [10] * 69 + [25] * 12 + [10]


def test_concise_gives_the_scratch_trajectory_at_half_the_rate() -> None:
    scratch = run_demo("linear-regression", {**FAST, "epochs": 1, "lr": 0.06})
    concise = run_demo(
        "linear-regression", {**FAST, "epochs": 1, "lr": 0.03, "implementation": "concise"}
    )
    assert concise.final["summary"]["implementation"] == "concise"
    for name in ("w1", "w2", "b", "loss", "train_loss"):
        a, b = per_step(scratch, name), per_step(concise, name)
        assert sorted(a) == sorted(b)
        np.testing.assert_allclose(list(b.values()), list(a.values()), rtol=1e-5, atol=1e-7)
    # Half the largest stable rate: its loss curves twice as much.
    assert concise.final["summary"]["largest_stable_lr"] == pytest.approx(
        scratch.final["summary"]["largest_stable_lr"] / 2
    )


def test_the_current_edition_reports_a_validation_loss() -> None:
    (current,) = [p for p in DEMO.presets if p.name == "current"]
    assert dict(current.params) == {"batch_size": 32, "num_val": 1000}
    (classic,) = [p for p in DEMO.presets if p.name == "classic"]
    assert DEMO.validate({}).model_dump(include=set(classic.params)) == dict(classic.params)

    channel = run_demo("linear-regression", {**FAST, **current.params, "epochs": 1})
    draws = Draws.of(num_val=1000, epochs=1)
    steps = numpy_sgd(draws, constant(0.03), constant(32))
    assert len(steps) == 32  # ⌈1000 / 32⌉
    val_loss = per_step(channel, "val_loss")
    assert sorted(val_loss) == [0, 32]
    X_val, y_val = draws.X[1000:], draws.y[1000:]
    expected = np.mean((X_val @ steps[-1].w + steps[-1].b - y_val) ** 2 / 2)
    assert val_loss[32] == pytest.approx(expected, rel=1e-3)
    assert channel.final["summary"]["val_loss"] == val_loss[32]
    assert any("validation loss" in log["message"] for log in channel.of_type("log"))


def test_around_the_largest_stable_rate() -> None:
    """Full-batch gradient descent: just below 2/λ_max it converges, just above it blows up."""
    full = {**FAST, "batch_size": 1000, "epochs": 60}
    limit = run_demo("linear-regression", {**full, "epochs": 1}).final["summary"]
    below = run_demo("linear-regression", {**full, "lr": 0.95 * limit["largest_stable_lr"]})
    above = run_demo("linear-regression", {**full, "lr": 1.05 * limit["largest_stable_lr"]})
    start = per_step(below, "w_error")[0]
    assert below.final["summary"]["w_error"] < start / 100
    assert above.final["summary"]["w_error"] > start * 10


def test_a_far_too_large_learning_rate_diverges() -> None:
    channel = run_demo("linear-regression", {**FAST, "lr": 5})
    assert channel.final["status"] == "diverged"
    assert "learning rate" in channel.final["error"]


def test_a_long_run_reports_every_few_steps_and_every_epoch_end() -> None:
    channel = run_demo("linear-regression", {**FAST, "num_examples": 2000, "batch_size": 1})
    reported = sorted(per_step(channel, "loss"))
    # 6000 steps: every 12th (500 reports), and each epoch's last
    assert reported == sorted({t for t in range(1, 6001) if t % 12 == 0} | {2000, 4000})
    assert sorted(per_step(channel, "train_loss")) == [0, 2000, 4000, 6000]
    assert len(frames(channel, "path")) == 1 + len(reported)
    assert channel.final["summary"]["w_error"] < 0.05
