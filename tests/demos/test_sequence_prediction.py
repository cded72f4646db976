"""sequence-prediction: the book's series, its k-step feed-back and SGD against numpy, the
classic run's behaviour (1-step error near the noise's variance, errors growing with k), the
frames, a live learning rate and the presets."""

from typing import Any

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.sequence_prediction import DEMO
from workers.demos.sequence_prediction.model import Autoregression, k_step_predictions, make_data

FAST = {"speed": 0}
NOISE_VARIANCE = 0.2**2
LR_CHANGED_AT = 12  # with speed 0, poll n is step n


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def draws(seed: int, tau: int) -> tuple[np.ndarray, np.ndarray, torch.Generator]:
    """The noise and the linear model's initial weights, drawn in the demo's documented order
    from the seed's generator; the generator then draws each epoch's order."""
    rng = torch.Generator().manual_seed(seed)
    noise = torch.normal(0.0, 0.2, (1000,), generator=rng).double().numpy()
    w = torch.normal(0.0, 0.01, (1, tau), generator=rng).double().numpy()[0]
    return noise, w, rng


def series(seed: int = 0) -> np.ndarray:
    noise, _, _ = draws(seed, 4)
    return np.sin(0.01 * np.arange(1, 1001)) + noise


def windows(x: np.ndarray, tau: int) -> tuple[np.ndarray, np.ndarray]:
    return np.lib.stride_tricks.sliding_window_view(x[:-1], tau), x[tau:]


def numpy_linear_sgd(seed: int, steps: int, lr, tau: int = 4) -> float:
    """Minibatch SGD (batches of 16) on the mean of (ŷ − y)² for w and b, float64, for
    `steps` steps; returns the test loss."""
    x = series(seed)
    X, y = windows(x, tau)
    _, w, rng = draws(seed, tau)
    b, step = 0.0, 0
    while step < steps:
        order = torch.randperm(600, generator=rng).numpy()
        for batch in (order[i : i + 16] for i in range(0, 600, 16)):
            if step == steps:
                break
            step += 1
            error = X[batch] @ w + b - y[batch]
            w = w - lr(step) * 2 * X[batch].T @ error / len(batch)
            b = b - lr(step) * 2 * error.mean()
    return float(np.mean((X[600:] @ w + b - y[600:]) ** 2))


def last(channel: RecordingChannel, name: str) -> dict[str, dict[str, Any]]:
    return {s["label"]: s for s in frames(channel, name)[-1]["data"]["series"]}


@pytest.fixture(scope="module")
def classic() -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("sequence-prediction", FAST)


def test_the_series_is_the_books_noisy_sine() -> None:
    data = make_data(4, torch.Generator().manual_seed(3))
    np.testing.assert_allclose(data.x.double().numpy(), series(3), atol=1e-6)
    X, y = windows(series(3), 4)
    np.testing.assert_allclose(data.features.double().numpy(), X, atol=1e-6)
    np.testing.assert_allclose(data.labels[:, 0].double().numpy(), y, atol=1e-6)
    residual = series(3) - np.sin(0.01 * np.arange(1, 1001))
    assert abs(residual.std() - 0.2) < 0.02


def test_k_step_predictions_feed_back_the_models_own_outputs() -> None:
    model = Autoregression("mlp", 3, 0.01, torch.Generator().manual_seed(5))
    x = torch.tensor(series(5)[:40], dtype=torch.float32)
    table = k_step_predictions(model, x, 3, 6).double().numpy()

    W1, b1, W2, b2 = (p.detach().double().numpy() for p in model.net.parameters())

    def net(inputs: np.ndarray) -> float:
        return float(np.maximum(inputs @ W1.T + b1, 0) @ W2[0] + b2[0])

    for r in range(40 - 3 - 6 + 1):
        window = list(x[r : r + 3].double().numpy())
        for k in range(1, 7):  # the k-step prediction of x_{r+3+k−1}
            prediction = net(np.array(window[-3:]))
            assert table[r, 3 + k - 1] == pytest.approx(prediction, abs=1e-5)
            window.append(prediction)
        np.testing.assert_array_equal(table[r, :3], x[r : r + 3].numpy())


def test_the_classic_run_predicts_one_step_to_the_noise(classic: RecordingChannel) -> None:
    assert classic.final["status"] == "succeeded", classic.final["error"]
    metrics = [m["values"] for m in classic.of_type("metric")]
    assert len(metrics) == 1 + 5 * 38  # before the first step, then every step of 5 epochs
    first, final = metrics[0], metrics[-1]
    # Nothing predicts the noise: the 1-step test error ends near its variance, from far above.
    assert NOISE_VARIANCE < final["test_loss"] < 2 * NOISE_VARIANCE
    assert first["test_loss"] > 5 * final["test_loss"]
    # Predictions fed back pile up errors: the longer the horizon, the larger the test error.
    errors = [final[f"test_mse_k{k}"] for k in (1, 4, 16, 64)]
    assert errors == sorted(errors)
    assert errors[-1] > 4 * errors[0]


def test_the_frames_show_one_step_and_k_step_predictions(classic: RecordingChannel) -> None:
    one_step = last(classic, "1-step predictions")
    np.testing.assert_allclose(one_step["data"]["y"], series(), atol=1e-4)
    assert one_step["1-step predictions"]["x"][0] == 5  # x_5 is the first with 4 before it
    predicted = np.array(one_step["1-step predictions"]["y"])
    test_error = np.mean((predicted[600:] - series()[604:]) ** 2)
    assert test_error == pytest.approx(classic.final["summary"]["test_loss"], abs=1e-3)

    k_step = last(classic, "k-step predictions")
    assert list(k_step) == ["data", *(f"{k}-step predictions" for k in (1, 4, 16, 64))]
    for k in (1, 4, 16, 64):  # the book's ranges: times τ + k .. T − 64 + k
        assert k_step[f"{k}-step predictions"]["x"][0] == 4 + k
        assert k_step[f"{k}-step predictions"]["x"][-1] == 1000 - 64 + k
    # The 1-step curve of the k-step table is the 1-step frame's, over fewer times.
    np.testing.assert_allclose(k_step["1-step predictions"]["y"], predicted[: 1000 - 4 - 63])
    # 64 steps ahead the fed-back predictions have decayed to constants: between neighbouring
    # times they barely move (but for a jump where the sine changes sides), the noise and the
    # wave lost, and they miss the noise-free sine far more than the 1-step predictions.
    far = np.array(k_step["64-step predictions"]["y"])
    data = np.array(k_step["data"]["y"])
    assert np.median(np.abs(np.diff(far))) < np.median(np.abs(np.diff(data))) / 5
    sine = np.sin(0.01 * np.arange(4 + 64, 1000 + 1))
    near = np.array(k_step["1-step predictions"]["y"])
    assert np.mean((far - sine) ** 2) > 10 * np.mean((near - np.sin(0.01 * np.arange(5, 938))) ** 2)


def test_a_live_learning_rate_applies_from_its_step() -> None:
    params = DEMO.validate({**FAST, "model": "linear", "epochs": 2}).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": 0.05})
    channel = run_demo(
        "sequence-prediction",
        params,
        RecordingChannel(
            script=lambda poll: (
                Control(params=faster, version=2) if poll == LR_CHANGED_AT else Control()
            )
        ),
    )
    assert channel.final["status"] == "succeeded", channel.final["error"]
    changes = [(p["step"], p["params"]["lr"]) for p in channel.of_type("params")]
    assert changes == [(0, 0.01), (LR_CHANGED_AT, 0.05)]
    reported = {m["step"]: m["values"]["test_loss"] for m in channel.of_type("metric")}
    for step in (LR_CHANGED_AT - 1, LR_CHANGED_AT + 8, 76):  # 2 epochs of 38 steps
        expected = numpy_linear_sgd(0, step, lambda n: 0.01 if n < LR_CHANGED_AT else 0.05)
        assert reported[step] == pytest.approx(expected, rel=1e-4)
    unchanged = numpy_linear_sgd(0, LR_CHANGED_AT + 8, lambda n: 0.01)
    assert abs(reported[LR_CHANGED_AT + 8] - unchanged) > 1e-2  # the change made a difference


def test_the_presets_are_the_two_editions() -> None:
    presets = {preset.name: preset for preset in DEMO.presets}
    assert sorted(presets) == ["classic", "current"]
    defaults = DEMO.validate({}).model_dump()
    for preset in presets.values():
        DEMO.validate(preset.params)
    assert all(defaults[k] == v for k, v in presets["classic"].params.items())
    assert DEMO.validate(presets["current"].params).model == "linear"
