"""mlp, training runs: the book's claim on two circles (a hidden layer separates them, softmax
regression cannot), the frames, a live learning rate, and digits (the model's numerics:
test_mlp_model.py)."""

import re

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.demos.test_mlp_model import numpy_activation
from tests.support import RecordingChannel, decode_png, frames, run_demo
from workers.demos.mlp import DEMO
from workers.demos.mlp.views import CLASS_RGB

FAST = {"speed": 0}  # the defaults: two circles, one hidden layer of 8 ReLU units
LR_CHANGED_AT = 100  # a step where the training metrics are reported (every 50 steps)


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


@pytest.fixture(scope="module")
def circles() -> RecordingChannel:
    """The defaults (one hidden layer of 8 ReLU units), with the learning rate lowered live."""
    torch.set_num_threads(1)
    params = DEMO.validate(FAST).model_dump(mode="json")
    slower = DEMO.apply_live_change(params, {"lr": 0.05})

    def script(poll: int) -> Control:  # polls happen at checkpoints only: poll n is step n
        return Control(params=slower, version=2) if poll == LR_CHANGED_AT else Control()

    return run_demo("mlp", FAST, RecordingChannel(script=script))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_hidden_layer_separates_two_circles_and_softmax_regression_cannot(seed: int) -> None:
    with_hidden = run_demo("mlp", {**FAST, "seed": seed}).final["summary"]
    without = run_demo("mlp", {**FAST, "seed": seed, "hidden": []}).final["summary"]
    assert with_hidden["hidden"] == [8] and with_hidden["activation"] == "relu"
    assert with_hidden["test_accuracy"] >= 0.95
    assert without["test_accuracy"] <= 0.65
    assert without["parameters"] == 2 * 2 + 2


def test_the_model_is_shown_first_with_its_parameter_count(circles: RecordingChannel) -> None:
    assert circles.final["status"] == "succeeded", circles.final["error"]
    first = circles.of_type("frame")[0]
    assert (first["name"], first["kind"]) == ("model", "text")
    shown = first["data"]["text"]
    assert shown.startswith("Sequential(\n  (0): Linear(in_features=2, out_features=8, bias=True)")
    assert "(1): ReLU()" in shown
    assert shown.endswith("2×8 + 8 + 8×2 + 2 = 42 parameters")
    assert circles.final["summary"]["parameters"] == 42


def test_the_activation_and_its_derivative(circles: RecordingChannel) -> None:
    (shown,) = frames(circles, "activation")
    relu, slope = shown["data"]["series"]
    assert (relu["label"], slope["label"]) == ("ReLU(x)", "ReLU′(x)")
    x = np.array(relu["x"])
    assert x[0] == -6 and x[-1] == 6 and len(x) == 121
    expected, derivative = numpy_activation("relu", x)
    np.testing.assert_allclose(relu["y"], expected, atol=1e-4)
    away_from_zero = np.abs(x) > 1e-3  # the kink: autograd takes 0 there
    np.testing.assert_allclose(np.array(slope["y"])[away_from_zero], derivative[away_from_zero])


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "gelu"])
def test_smooth_activations_are_drawn_with_their_derivatives(activation: str) -> None:
    channel = run_demo("mlp", {**FAST, "activation": activation, "epochs": 1})
    (shown,) = frames(channel, "activation")
    curve, slope = shown["data"]["series"]
    expected, derivative = numpy_activation(activation, np.array(curve["x"]))
    np.testing.assert_allclose(curve["y"], expected, atol=1e-4)
    np.testing.assert_allclose(slope["y"], derivative, atol=1e-4)


def test_the_decision_boundary_closes_around_the_inner_circle(circles: RecordingChannel) -> None:
    pictures = frames(circles, "decision_boundary")
    assert pictures[0]["step"] == 0 and pictures[-1]["step"] == circles.final["summary"]["steps"]
    assert {p["kind"] for p in pictures} == {"image"}
    pixels = decode_png(pictures[-1]["data"], rgb=True).astype(int)
    assert pixels.shape == (240, 240, 3)
    assert tuple(CLASS_RGB[0]) == (0, 114, 178) and tuple(CLASS_RGB[1]) == (213, 94, 0)
    red, _, blue = pixels[120, 120]
    assert red > blue  # the centre: tinted vermillion, the inner class
    for red, _, blue in (pixels[2, 2], pixels[2, -3], pixels[-3, 2], pixels[-3, -3]):
        assert blue > red  # the corners: tinted blue, the outer class


def test_hidden_units_respond_with_a_ramp_each(circles: RecordingChannel) -> None:
    grid = frames(circles, "hidden_units")[-1]["data"]
    assert len(grid["images"]) == 8 and grid["columns"] == 8
    for image, title in zip(grid["images"], grid["titles"], strict=True):
        low, high = map(float, re.fullmatch(r"unit \d: (\S+) … (\S+)", title).groups())
        assert 0 <= low < high  # ReLU: nothing below zero
        pixels = decode_png(image, rgb=True).astype(int)
        assert pixels.shape == (56, 56, 3)
        # white to red only: a ReLU unit is never negative, so nothing is blue
        assert (pixels[..., 0] >= pixels[..., 2] - 2).all()


def test_metrics_each_epoch(circles: RecordingChannel) -> None:
    metrics = circles.of_type("metric")
    tests = [m for m in metrics if "test_acc" in m["values"]]
    assert len(tests) == 100  # one per epoch of 7 steps (200 training points, batches of 32)
    assert [m["step"] for m in tests[:3]] == [7, 14, 21]
    for metric in metrics:
        values = metric["values"]
        assert set(values) in ({"train_loss", "train_acc", "lr"}, {"test_loss", "test_acc"})
        for name in ("train_acc", "test_acc"):
            assert 0 <= values.get(name, 0) <= 1
    assert tests[-1]["values"]["test_loss"] < tests[0]["values"]["test_loss"]
    assert tests[-1]["values"]["test_acc"] == circles.final["summary"]["test_accuracy"]


def test_a_live_learning_rate_is_in_force_from_its_step(circles: RecordingChannel) -> None:
    changes = [(e["step"], e["version"], e["params"]["lr"]) for e in circles.of_type("params")]
    assert changes == [(0, 1, 0.1), (LR_CHANGED_AT, 2, 0.05)]
    lr_by_step = {
        m["step"]: m["values"]["lr"] for m in circles.of_type("metric") if "lr" in m["values"]
    }
    assert lr_by_step[98] == 0.1 and lr_by_step[LR_CHANGED_AT] == 0.05
    # the same run without the change: identical up to the step, different after it (the
    # losses reported at a step were computed before its update)
    unchanged = run_demo("mlp", FAST)
    losses = {
        run: {
            m["step"]: m["values"]["train_loss"] for m in r.of_type("metric") if "lr" in m["values"]
        }
        for run, r in (("changed", circles), ("unchanged", unchanged))
    }
    before = [s for s in losses["changed"] if s <= LR_CHANGED_AT]
    assert [losses["changed"][s] for s in before] == [losses["unchanged"][s] for s in before]
    after = min(s for s in losses["changed"] if s > LR_CHANGED_AT)
    assert losses["changed"][after] != losses["unchanged"][after]


def test_frames_are_small(circles: RecordingChannel) -> None:
    for draft in circles.of_type("frame"):
        assert len(str(draft["data"])) < 40_000, draft["name"]


# -- Images ----------------------------------------------------------------------------------


def test_digits_train_better_than_chance_with_weights_and_confusion(tmp_path) -> None:
    params = {"dataset": "digits", "hidden": [32], "epochs": 2, "batch_size": 64, "speed": 0}
    channel = run_demo("mlp", params, RecordingChannel(), str(tmp_path))
    summary = channel.final["summary"]
    assert summary["test_accuracy"] > 0.5  # chance is 0.1
    model = frames(channel, "model")[0]["data"]["text"]
    assert "(0): Flatten(start_dim=1, end_dim=-1)" in model
    assert model.endswith("784×32 + 32 + 32×10 + 10 = 25,450 parameters")
    weights = frames(channel, "first_layer_weights")[-1]["data"]
    assert len(weights["images"]) == 16 and weights["titles"][0] == "unit 1"
    assert decode_png(weights["images"][0], rgb=True).astype(int).shape == (
        56,
        56,
        3,
    )  # 28×28, doubled
    (confusion,) = frames(channel, "confusion_matrix")
    counts = np.array(confusion["data"]["values"])
    assert counts.shape == (10, 10) and counts.sum() == 297
    assert np.trace(counts) / 297 == pytest.approx(summary["test_accuracy"])


def test_softmax_regression_on_digits_shows_one_weight_picture_per_class(tmp_path) -> None:
    params = {"dataset": "digits", "hidden": [], "epochs": 1, "speed": 0}
    channel = run_demo("mlp", params, RecordingChannel(), str(tmp_path))
    weights = frames(channel, "first_layer_weights")[-1]["data"]
    assert weights["titles"] == [str(d) for d in range(10)]
