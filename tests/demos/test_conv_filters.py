"""conv-filters: LeNet as the book builds it, a short real training, its frames, live params."""

import math
import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from core.channel import Control
from tests.support import RecordingChannel, decode_png, frames, run_demo
from workers.demos.conv_filters import DEMO, Params
from workers.demos.conv_filters.model import (
    OptimizerState,
    build_model,
    feature_maps,
    make_optimizer,
    set_live_hyperparameters,
)
from workers.demos.conv_filters.views import first_layer_filters
from workers.kit.datasets import load
from workers.kit.views import NEGATIVE_RGB, POSITIVE_RGB, diverging

# A short run on the digits that learns: 2 epochs of 24 steps.
TRAINING = {"model": "lenet-modern", "epochs": 2, "batch_size": 64, "lr": 0.3, "seed": 3}
LR_CHANGED_AT = 20  # polls happen at checkpoints only, so poll n is step n
PROBE_CHANGED_AT = 25
NEW_PROBE = 7


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> RecordingChannel:
    """One real training job, with a live learning-rate change and a live probe change."""
    torch.set_num_threads(1)
    params = DEMO.validate(TRAINING).model_dump(mode="json")
    slower = DEMO.apply_live_change(params, {"lr": 0.1})
    other_probe = DEMO.apply_live_change(slower, {"probe_index": NEW_PROBE})

    def script(poll: int) -> Control:
        if poll == LR_CHANGED_AT:
            return Control(params=slower, version=2)
        if poll == PROBE_CHANGED_AT:
            return Control(params=other_probe, version=3)
        return Control()

    data_dir = tmp_path_factory.mktemp("empty-cache")  # no Fashion-MNIST: `auto` takes digits
    return run_demo("conv-filters", TRAINING, RecordingChannel(script=script), str(data_dir))


# -- The models -----------------------------------------------------------------------------


def test_lenet_is_the_books_layer_by_layer() -> None:
    net = build_model(Params(model="lenet"), num_classes=10)
    X = torch.rand(size=(1, 1, 28, 28), dtype=torch.float32)
    shapes = []
    for name, layer in net.named_children():
        X = layer(X)
        shapes.append((name, type(layer).__name__, tuple(X.shape)))
    assert shapes == [
        ("conv1", "Conv2d", (1, 6, 28, 28)),
        ("act1", "Sigmoid", (1, 6, 28, 28)),
        ("pool1", "AvgPool2d", (1, 6, 14, 14)),
        ("conv2", "Conv2d", (1, 16, 10, 10)),
        ("act2", "Sigmoid", (1, 16, 10, 10)),
        ("pool2", "AvgPool2d", (1, 16, 5, 5)),
        ("flatten", "Flatten", (1, 400)),
        ("fc1", "Linear", (1, 120)),
        ("act3", "Sigmoid", (1, 120)),
        ("fc2", "Linear", (1, 84)),
        ("act4", "Sigmoid", (1, 84)),
        ("fc3", "Linear", (1, 10)),
    ]
    assert sum(p.numel() for p in net.parameters()) == 61_706
    xavier_bound = math.sqrt(6 / (1 * 25 + 6 * 25))  # fan in + fan out of conv1
    assert 0.8 * xavier_bound < net.conv1.weight.abs().max() <= xavier_bound


@pytest.mark.parametrize("model", ["lenet", "lenet-modern"])
@pytest.mark.parametrize(("kernel_size", "conv1", "conv2"), [(3, 4, 8), (5, 6, 16), (7, 2, 3)])
def test_forward_shapes(model: str, kernel_size: int, conv1: int, conv2: int) -> None:
    params = Params(
        model=model, kernel_size=kernel_size, conv1_channels=conv1, conv2_channels=conv2
    )
    net = build_model(params, num_classes=10)
    assert net(torch.rand(4, 1, 28, 28)).shape == (4, 10)
    maps = feature_maps(net.eval(), torch.rand(1, 1, 28, 28))
    second_side = 28 // 2 - kernel_size + 1
    assert {name: tuple(m.shape) for name, m in maps.items()} == {
        "act1": (conv1, 28, 28),
        "act2": (conv2, second_side, second_side),
    }


def test_modern_lenet_normalizes_and_uses_relu_and_max_pooling() -> None:
    kinds = {type(layer) for layer in build_model(Params(model="lenet-modern"), 10)}
    assert {nn.BatchNorm2d, nn.BatchNorm1d, nn.ReLU, nn.MaxPool2d} <= kinds
    assert not kinds & {nn.Sigmoid, nn.AvgPool2d}


def test_live_hyperparameters_drive_the_next_update() -> None:
    torch.manual_seed(0)
    net = nn.Linear(3, 1, bias=False)
    w0 = net.weight.detach().clone()
    x = torch.tensor([[1.0, -2.0, 0.5]])  # the loss net(x) is linear: its gradient is x
    params = Params(optimizer="momentum", lr=0.5, momentum=0.9, weight_decay=0.0)
    optimizer = make_optimizer(net, params)

    def step(live: Params) -> None:
        set_live_hyperparameters(optimizer, live)
        optimizer.zero_grad()
        net(x).sum().backward()
        optimizer.step()

    step(params.model_copy(update={"lr": 0.1, "weight_decay": 0.01}))
    v1 = x + 0.01 * w0  # SGD's weight decay adds λw to the gradient
    w1 = w0 - 0.1 * v1
    torch.testing.assert_close(net.weight.detach(), w1)
    step(params.model_copy(update={"lr": 0.2, "momentum": 0.5, "weight_decay": 0.0}))
    torch.testing.assert_close(net.weight.detach(), w1 - 0.2 * (0.5 * v1 + x))


def test_plain_sgd_keeps_no_momentum() -> None:
    net = nn.Linear(2, 2)
    params = Params(optimizer="sgd", momentum=0.9)
    optimizer = make_optimizer(net, params)
    set_live_hyperparameters(optimizer, params.model_copy(update={"momentum": 0.5, "lr": 0.2}))
    assert optimizer.param_groups[0]["momentum"] == 0 and optimizer.param_groups[0]["lr"] == 0.2


def test_a_fork_may_switch_optimizers_and_starts_the_new_one_afresh() -> None:
    assert "optimizer" in DEMO.fork_params and "model" not in DEMO.fork_params
    net = nn.Linear(3, 1)
    momentum = Params(optimizer="momentum", lr=0.1)
    optimizer = make_optimizer(net, momentum)
    net(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    saved = OptimizerState(optimizer, "momentum").state_dict()

    same = make_optimizer(net, momentum)
    OptimizerState(same, "momentum").load_state_dict(saved)
    buffer = same.state[net.weight]["momentum_buffer"]
    assert torch.equal(buffer, optimizer.state[net.weight]["momentum_buffer"])

    adam = make_optimizer(net, Params(optimizer="adam", lr=1e-3))
    OptimizerState(adam, "adam").load_state_dict(saved)  # SGD's state means nothing to Adam
    assert not adam.state and adam.param_groups[0]["betas"] == (0.9, 0.999)


# -- A real training job --------------------------------------------------------------------


def test_training_on_digits_learns(training: RecordingChannel) -> None:
    assert training.final["status"] == "succeeded", training.final["error"]
    summary = training.final["summary"]
    assert summary["dataset"] == "digits" and summary["device"] == "cpu"
    assert summary["test_accuracy"] > 0.6  # chance is 0.1
    assert summary["examples_per_sec"] > 0 and summary["training_seconds"] > 0
    assert summary["steps"] == 48  # 2 epochs of ⌈1500 / 64⌉ steps
    messages = [log["message"] for log in training.of_type("log")]
    assert any("Fashion-MNIST is not downloaded yet" in m for m in messages)
    assert sum(m.startswith("epoch ") for m in messages) == 2


def test_metrics(training: RecordingChannel) -> None:
    metrics = training.of_type("metric")
    train = [(m["step"], m["values"]) for m in metrics if "train_loss" in m["values"]]
    assert [step for step, _ in train] == [10, 20, 24, 30, 40, 48]
    for _, values in train:
        assert set(values) == {"train_loss", "train_acc", "examples_per_sec", "lr"}
        assert 0 <= values["train_acc"] <= 1 and values["examples_per_sec"] > 0
    assert train[-1][1]["train_loss"] < train[0][1]["train_loss"]
    tests = [(m["step"], m["values"]["test_acc"]) for m in metrics if "test_acc" in m["values"]]
    assert [step for step, _ in tests] == [24, 48]


def test_a_live_learning_rate_is_in_force_from_its_step(training: RecordingChannel) -> None:
    changes = [(e["step"], e["version"], e["params"]["lr"]) for e in training.of_type("params")]
    assert changes[:2] == [(0, 1, 0.3), (LR_CHANGED_AT, 2, 0.1)]
    lr_by_step = {
        m["step"]: m["values"]["lr"] for m in training.of_type("metric") if "lr" in m["values"]
    }
    assert lr_by_step[10] == 0.3
    assert lr_by_step[LR_CHANGED_AT] == 0.1  # read from the optimizer after step 20's update


def test_filters_and_feature_maps(training: RecordingChannel) -> None:
    conv1 = frames(training, "conv1_filters")
    assert len(conv1) >= 2  # before training and after it
    assert {f["kind"] for f in conv1} == {"image_grid"}

    # The first frame shows exactly the initial weights, one picture per 5×5 filter.
    torch.manual_seed(TRAINING["seed"])
    initial = build_model(Params(**TRAINING), 10).conv1.weight
    assert conv1[0]["data"] == first_layer_filters(initial).model_dump(mode="json")
    weights = initial.detach().numpy()[:, 0]
    pictures = [decode_png(image) for image in conv1[0]["data"]["images"]]
    assert len(pictures) == 6 and all(p.shape == (50, 50, 3) for p in pictures)
    cells = np.stack([p[::10, ::10] for p in pictures])  # one pixel per weight
    np.testing.assert_array_equal(cells, diverging(weights, float(np.abs(weights).max())))
    strongest = np.unravel_index(np.abs(weights).argmax(), weights.shape)
    endpoint = POSITIVE_RGB if weights[strongest] > 0 else NEGATIVE_RGB
    np.testing.assert_array_equal(cells[strongest], endpoint)

    conv2 = frames(training, "conv2_filters")[-1]["data"]
    assert len(conv2["images"]) == 16 and conv2["titles"][0] == "filter 1"
    assert decode_png(conv2["images"][0]).shape == (50, 6 * 6 * 10 - 10, 3)  # 6 kernels, 1 px gaps

    for name, channels, side in [("conv1_maps", 6, 28), ("conv2_maps", 16, 10)]:
        grid = frames(training, name)[-1]["data"]
        maps = np.stack([decode_png(image) for image in grid["images"]])
        factor = math.ceil(48 / side)
        assert maps.shape == (channels, side * factor, side * factor)  # grey
        assert maps.min() == 0 and maps.max() == 255  # the layer's range, black to white


def test_the_probe_image_follows_its_live_param(training: RecordingChannel) -> None:
    probes = frames(training, "probe_image")
    assert [p["step"] for p in probes] == [0, PROBE_CHANGED_AT]
    assert {p["kind"] for p in probes} == {"image"}
    digits = load("digits", "/nonexistent", "cpu", print)
    shown = decode_png(probes[1]["data"])[::2, ::2]
    expected = (digits.test_images[NEW_PROBE, 0].numpy() * 255).round()
    np.testing.assert_array_equal(shown, expected)
    assert any(f["step"] == PROBE_CHANGED_AT for f in frames(training, "conv1_maps"))


def test_confusion_matrix_and_most_confused(training: RecordingChannel) -> None:
    (confusion,) = frames(training, "confusion_matrix")
    assert confusion["kind"] == "heatmap"
    counts = np.array(confusion["data"]["values"])
    labels = [str(d) for d in range(10)]
    assert confusion["data"]["x_labels"] == labels and confusion["data"]["y_labels"] == labels
    assert counts.shape == (10, 10) and counts.sum() == 297
    accuracy = training.final["summary"]["test_accuracy"]
    assert np.trace(counts) / 297 == pytest.approx(accuracy)

    (confused,) = frames(training, "most_confused")
    wrong = 297 - np.trace(counts)
    titles = confused["data"]["titles"]
    assert len(titles) == len(confused["data"]["images"]) == min(16, wrong)
    percents = []
    for title in titles:
        true, predicted, percent = re.fullmatch(r"(\d) → (\d) \((\d+)%\)", title).groups()
        assert true != predicted and counts[int(true), int(predicted)] > 0
        percents.append(int(percent))
    assert percents == sorted(percents, reverse=True)  # most confident mistakes first


def test_frames_are_small(training: RecordingChannel) -> None:
    for draft in training.of_type("frame"):
        assert len(str(draft["data"])) < 40_000, draft["name"]


def test_a_cancel_stops_training(tmp_path: Path) -> None:
    channel = RecordingChannel(
        script=lambda poll: Control(cancel="Stopped." if poll >= 3 else None)
    )
    run_demo("conv-filters", {**TRAINING, "epochs": 1}, channel, str(tmp_path))
    assert channel.final["status"] == "cancelled"
    assert max(m["step"] for m in channel.of_type("params")) == 0
