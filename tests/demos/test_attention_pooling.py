"""attention-pooling: Nadaraya–Watson attention, fixed kernels and a learned width."""

import math

import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, run_demo
from workers.demos.attention_pooling import model

FAST = {"speed": 0}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def frames(channel: RecordingChannel, name: str) -> list[dict]:
    return [d for d in channel.of_type("frame") if d["name"] == name]


def metric_series(channel: RecordingChannel, name: str) -> list[float]:
    return [d["values"][name] for d in channel.of_type("metric")]


def test_attention_weights_are_rows_that_sum_to_one() -> None:
    channel = run_demo("attention-pooling", FAST)
    assert channel.final["status"] == "succeeded"
    for name in ("attention weights: fixed kernel", "attention weights: learned kernel"):
        heatmap = frames(channel, name)[-1]
        assert heatmap["kind"] == "heatmap"
        values = heatmap["data"]["values"]
        assert len(values) == len(heatmap["data"]["y_labels"]) == 50  # queries
        assert {len(row) for row in values} == {len(heatmap["data"]["x_labels"])} == {50}
        for row in values:  # 50 values rounded to 4 decimals
            assert min(row) >= 0
            assert sum(row) == pytest.approx(1, abs=3e-3)


def test_fit_frame_holds_truth_data_and_both_curves() -> None:
    channel = run_demo("attention-pooling", FAST)
    fit = frames(channel, "fit")[-1]
    assert fit["kind"] == "lines"
    series = {s["label"]: s for s in fit["data"]["series"]}
    assert list(series) == ["truth", "training data", "fixed kernel", "learned kernel"]
    assert series["training data"]["style"] == "points"
    assert len(series["training data"]["x"]) == 50
    assert series["training data"]["x"] == sorted(series["training data"]["x"])
    for label in ("truth", "fixed kernel", "learned kernel"):
        assert series[label]["style"] == "line"
        assert series[label]["x"] == pytest.approx([i / 10 for i in range(50)], abs=1e-6)
        assert len(series[label]["y"]) == 50
    truth = [2 * math.sin(x) + x**0.8 for x in series["truth"]["x"]]
    assert series["truth"]["y"] == pytest.approx(truth, abs=1e-3)


def test_sgd_learns_the_width_as_in_the_book() -> None:
    channel = run_demo("attention-pooling", {**FAST, "epochs": 20})
    loss, w = metric_series(channel, "loss"), metric_series(channel, "w")
    assert len(loss) == 21  # epoch 0 (the initial w), then one per epoch
    assert loss[-1] < loss[0] / 1.5
    assert loss[1:] == sorted(loss[1:], reverse=True)  # the book's lr 0.5 descends steadily
    assert w[-1] > 2 * w[0]  # the kernel narrows: each point listens to its neighbours
    mse = metric_series(channel, "learned_kernel_mse")
    assert mse[-1] < mse[0]
    summary = channel.final["summary"]
    assert summary["w"] == w[-1] and summary["epochs"] == 20


def test_gaussian_kernel_of_width_sigma_is_the_learned_kernel_with_w_one_over_sigma() -> None:
    data = model.make_data(torch.Generator().manual_seed(3))
    fixed = model.nadaraya_watson(data.x_test, data.x_train, data.y_train, "gaussian", 0.4)
    net = model.NWKernelRegression(torch.Generator())
    with torch.no_grad():
        net.w.fill_(1 / 0.4)
    learned = model.learned_pooling(net, data)
    torch.testing.assert_close(learned.weights, fixed.weights)
    torch.testing.assert_close(learned.predictions, fixed.predictions)


def test_a_query_beyond_every_boxcar_window_gets_no_weight_and_no_prediction() -> None:
    keys, values = torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([2.0, 4.0])
    queries = torch.tensor([0.5, 3.0], dtype=torch.float64)
    pooled = model.nadaraya_watson(queries, keys, values.double(), "boxcar", 0.6)
    assert pooled.weights.tolist() == [[0.5, 0.5], [0.0, 0.0]]
    assert pooled.predictions[0].item() == 3.0
    assert math.isnan(pooled.predictions[1].item())
    # ...which reaches the learner as a gap (null) in the fitted curve, never as NaN.
    channel = run_demo("attention-pooling", {**FAST, "kernel": "boxcar", "sigma": 0.05})
    curve = frames(channel, "fit")[-1]["data"]["series"][2]["y"]
    assert None in curve and any(y is not None for y in curve)


def test_live_kernel_and_sigma_redraw_the_fixed_kernel_and_leave_learning_alone() -> None:
    params = {**FAST, "epochs": 6}
    plain = run_demo("attention-pooling", params)
    changed = {**params, "kernel": "epanechikov", "sigma": 1.0}
    live = run_demo(
        "attention-pooling",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=changed, version=2) if poll == 3 else Control()
        ),
    )
    # Poll 3 is the checkpoint of epoch 3: the fixed kernel is drawn again there, once.
    assert [d["step"] for d in frames(live, "attention weights: fixed kernel")] == [0, 3]
    before, after = (d["data"]["values"] for d in frames(live, "attention weights: fixed kernel"))
    assert before != after
    assert metric_series(live, "fixed_kernel_mse")[3] != metric_series(plain, "fixed_kernel_mse")[3]
    # The learned kernel does not depend on the fixed one.
    assert metric_series(live, "w") == metric_series(plain, "w")
    assert metric_series(live, "loss") == metric_series(plain, "loss")


def test_live_lr_changes_the_next_sgd_steps() -> None:
    params = {**FAST, "epochs": 4}
    plain = run_demo("attention-pooling", params)
    faster = {**params, "lr": 2.0}
    live = run_demo(
        "attention-pooling",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=faster, version=2) if poll == 2 else Control()
        ),
    )
    w_plain, w_live = metric_series(plain, "w"), metric_series(live, "w")
    assert w_live[:2] == w_plain[:2]  # epochs 0 and 1, before the change
    assert w_live[2] != w_plain[2]  # epoch 2 steps with lr 2
