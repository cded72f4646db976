"""deep-nets: batch normalization and the residual block against the book's equations in
numpy, the variants' shared minibatches and initial weights, a live learning rate, and the
behaviour the demo is for: at depth 20 the plain network stays near chance while the
batch-normalized and residual ones learn."""

from typing import Any

import numpy as np
import pytest
import torch

from core.channel import Control
from core.errors import InvalidInput
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.deep_nets import DEMO
from workers.demos.deep_nets import train as deep_nets_train
from workers.demos.deep_nets.model import BatchNorm, Residual, build_network

EPS = 1e-5
SMALL = {  # a quick run: two variants of a 6-layer network on the digits
    "dataset": "digits",
    "depth": 6,
    "width": 2,
    "batch_size": 256,
    "epochs": 1,
    "residual": False,
    "bn_residual": False,
}
DEEP = {  # depth 20, thin: the plain network's trouble in a few seconds
    "dataset": "digits",
    "depth": 20,
    "width": 4,
    "batch_size": 32,
    "epochs": 1,
    "lr": 0.2,
    "seed": 0,
    "residual": False,  # without batch norm it learns too, but later than this run's 47 steps
}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def numpy_batch_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, axes: tuple) -> tuple:
    """The book's equations: x̂ = (x − μ̂_B) / √(σ̂²_B + ε), y = γ x̂ + β, with the batch's
    mean and biased variance over `axes`."""
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + EPS) + beta, mean, var


@pytest.mark.parametrize(
    ("shape", "num_dims", "axes"),
    [((5, 3), 2, (0,)), ((4, 2, 3, 3), 4, (0, 2, 3))],
    ids=["dense", "conv"],
)
def test_batch_norm_follows_the_books_equations(shape, num_dims, axes) -> None:
    rng = np.random.default_rng(0)
    layer = BatchNorm(shape[1], num_dims)
    gamma = rng.normal(1, 0.5, layer.gamma.shape)
    beta = rng.normal(0, 0.5, layer.beta.shape)
    with torch.no_grad():
        layer.gamma.copy_(torch.from_numpy(gamma))
        layer.beta.copy_(torch.from_numpy(beta))
    moving_mean, moving_var = np.zeros(gamma.shape), np.ones(gamma.shape)
    for _ in range(3):  # training: the batch's statistics, moving ones updated 0.9 / 0.1
        x = rng.normal(2, 3, shape)
        y, mean, var = numpy_batch_norm(x, gamma, beta, axes)
        got = layer(torch.from_numpy(x).float())
        np.testing.assert_allclose(got.detach().numpy(), y, rtol=1e-4, atol=1e-4)
        moving_mean = 0.9 * moving_mean + 0.1 * mean
        moving_var = 0.9 * moving_var + 0.1 * var
        np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean, rtol=1e-5)
        np.testing.assert_allclose(layer.moving_var.numpy(), moving_var, rtol=1e-5)
    layer.eval()  # prediction: the moving statistics, which stay as they are
    x = rng.normal(2, 3, shape)
    expected = gamma * (x - moving_mean) / np.sqrt(moving_var + EPS) + beta
    np.testing.assert_allclose(
        layer(torch.from_numpy(x).float()).detach().numpy(), expected, rtol=1e-4, atol=1e-4
    )
    np.testing.assert_allclose(layer.moving_mean.numpy(), moving_mean, rtol=1e-5)
    # The moving statistics are buffers: in the state a snapshot captures, not trained.
    assert {"moving_mean", "moving_var"} <= set(layer.state_dict())
    assert {name for name, _ in layer.named_parameters()} == {"gamma", "beta"}


def conv3x3(x: np.ndarray, w: np.ndarray, b: float, stride: int = 1) -> np.ndarray:
    """One channel in, one out: the 3×3 cross-correlation with zero padding 1, by hand."""
    padded = np.pad(x, 1)
    side = (x.shape[0] - 1) // stride + 1
    return np.array(
        [
            [
                (padded[i * stride : i * stride + 3, j * stride : j * stride + 3] * w).sum() + b
                for j in range(side)
            ]
            for i in range(side)
        ]
    )


def test_a_residual_block_adds_its_input_before_the_last_relu() -> None:
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0], [2.0, -0.5, 1.5]])
    w1, w2 = np.arange(9.0).reshape(3, 3) / 10 - 0.4, np.ones((3, 3)) * 0.1
    w1[1, 1] = 1.0
    block = Residual(1, 1, batch_normalized=False)
    with torch.no_grad():
        block.conv1.weight.copy_(torch.from_numpy(w1).reshape(1, 1, 3, 3))
        block.conv1.bias.fill_(0.1)
        block.conv2.weight.copy_(torch.from_numpy(w2).reshape(1, 1, 3, 3))
        block.conv2.bias.fill_(-0.2)
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    f = conv3x3(relu(conv3x3(x, w1, 0.1)), w2, -0.2)
    got = block(torch.from_numpy(x).float().reshape(1, 1, 3, 3))[0, 0].detach().numpy()
    np.testing.assert_allclose(got, relu(f + x), rtol=1e-5, atol=1e-6)
    # Without its shortcut (the plain variant) the same block is relu(F(x)).
    block.shortcut = False
    got = block(torch.from_numpy(x).float().reshape(1, 1, 3, 3))[0, 0].detach().numpy()
    np.testing.assert_allclose(got, relu(f), rtol=1e-5, atol=1e-6)


def test_a_block_that_halves_the_side_takes_a_1x1_conv_on_its_shortcut() -> None:
    x = np.random.default_rng(1).normal(size=(4, 4))
    block = Residual(1, 1, use_1x1conv=True, strides=2, batch_normalized=False)
    w1, w2 = (
        block.conv1.weight[0, 0].detach().double().numpy(),
        block.conv2.weight[0, 0].detach().double().numpy(),
    )
    b1, b2 = block.conv1.bias.item(), block.conv2.bias.item()
    w3, b3 = block.conv3.weight.item(), block.conv3.bias.item()
    relu = lambda a: np.maximum(a, 0)  # noqa: E731
    f = conv3x3(relu(conv3x3(x, w1, b1, stride=2)), w2, b2)
    shortcut = w3 * x[::2, ::2] + b3  # the 1×1 conv, stride 2
    got = block(torch.from_numpy(x).float().reshape(1, 1, 4, 4))[0, 0].detach().numpy()
    np.testing.assert_allclose(got, relu(f + shortcut), rtol=1e-4, atol=1e-5)


def test_the_variants_start_alike_and_see_the_same_minibatches(monkeypatch) -> None:
    params = DEMO.validate({**SMALL, "residual": True})
    plain, residual = (build_network(params, v, 10) for v in ("plain", "residual"))
    shared = set(plain.state_dict()) & set(residual.state_dict())
    assert "block1.conv1.weight" in shared and "output.weight" in shared
    for name in shared:
        assert torch.equal(plain.state_dict()[name], residual.state_dict()[name]), name

    seen: list[tuple[int, torch.Tensor, torch.Tensor]] = []
    real_step = deep_nets_train.train_step

    def recording_step(net, loss, optimizer, X, y):
        seen.append((id(net), X.clone(), y.clone()))
        return real_step(net, loss, optimizer, X, y)

    monkeypatch.setattr(deep_nets_train, "train_step", recording_step)
    channel = run_demo("deep-nets", {**SMALL, "residual": True, "bn": False, "epochs": 2})
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    assert len(seen) == 2 * 2 * 6  # two variants, two epochs of 6 batches (1,500 / 256)
    for (net_a, X_a, y_a), (net_b, X_b, y_b) in zip(seen[::2], seen[1::2], strict=True):
        assert net_a != net_b
        assert torch.equal(X_a, X_b) and torch.equal(y_a, y_b)
    assert not torch.equal(seen[0][2], seen[12][2])  # each epoch reshuffled


def test_a_live_learning_rate_applies_from_its_step() -> None:
    changed_at, new_lr = 4, 0.05
    validated = DEMO.validate(SMALL).model_dump(mode="json")

    def script(polls: int) -> Control:
        if polls == changed_at:
            return Control(params={**validated, "lr": new_lr}, version=2)
        return Control()

    channel = run_demo("deep-nets", {**SMALL, "epochs": 2}, RecordingChannel(script=script))
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    assert [p["step"] for p in channel.of_type("params")] == [0, changed_at]
    lrs = {m["step"]: m["values"]["lr"] for m in channel.of_type("metric") if "lr" in m["values"]}
    assert {s: lr for s, lr in lrs.items() if s < changed_at} == {s: 0.2 for s in range(1, 4)}
    assert set(v for s, v in lrs.items() if s >= changed_at) == {new_lr}


def test_params_refuse_what_the_networks_do_not_have() -> None:
    with pytest.raises(InvalidInput, match="no residual variant"):
        DEMO.validate({"network": "lenet"})
    with pytest.raises(InvalidInput, match="at least two"):
        DEMO.validate({"bn": False, "residual": False, "bn_residual": False})
    with pytest.raises(InvalidInput, match="even"):
        DEMO.validate({"depth": 21})
    assert DEMO.validate({}).variants == ["plain", "bn", "residual", "bn_residual"]


@pytest.fixture(scope="module")
def deep() -> RecordingChannel:
    torch.set_num_threads(1)
    channel = run_demo("deep-nets", DEEP)
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    return channel


def last_losses(channel: RecordingChannel, variant: str, n: int = 15) -> float:
    values = [
        m["values"][f"train_loss_{variant}"]
        for m in channel.of_type("metric")
        if f"train_loss_{variant}" in m["values"]
    ]
    return float(np.mean(values[-n:]))


def test_at_depth_20_the_plain_network_lags_the_batch_normalized_ones(deep) -> None:
    plain = last_losses(deep, "plain")
    assert plain > 2.15  # ln 10 ≈ 2.30: still guessing
    for variant in ("bn", "bn_residual"):
        assert last_losses(deep, variant) < plain - 0.4, variant
    assert last_losses(deep, "bn_residual") < 1.5


def test_the_frames_show_each_layer(deep) -> None:
    for variant in ("plain", "bn", "bn_residual"):
        data: dict[str, Any] = frames(deep, f"activations ({variant})")[-1]["data"]
        assert data["y_labels"] == ["stem", *(f"block{i}" for i in range(1, 10))]
        assert data["x_labels"][0] == "0" and len(data["x_labels"]) == 11
        assert np.allclose([sum(row) for row in data["values"]], 1, atol=0.01)
    norms = {s["label"]: s for s in frames(deep, "gradient norms")[-1]["data"]["series"]}
    assert list(norms) == ["plain", "bn", "bn_residual"]
    assert all(s["x"] == list(range(1, 21)) for s in norms.values())
    gammas = frames(deep, "BN scale γ")[-1]["data"]
    assert len(gammas["y_labels"]) == 2 * 19  # the stem's and two per block, in bn, bn_residual
    assert gammas["y_labels"][0] == "bn stem.1" and len(gammas["x_labels"]) == 16
    assert frames(deep, "BN shift β")
    summary = deep.final["summary"]
    assert summary["layers"] == 20 and set(summary) >= {"test_acc_plain", "test_acc_bn"}


def test_the_lenet_presets_train_the_books_lenet_with_and_without_batch_norm() -> None:
    classic = next(preset for preset in DEMO.presets if preset.name == "classic")
    params = {**classic.params, "dataset": "digits", "epochs": 1}
    channel = run_demo("deep-nets", params)
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    data = frames(channel, "activations (bn)")[-1]["data"]
    assert data["y_labels"] == ["act1", "act2", "act3", "act4"] and len(data["x_labels"]) == 10
    gammas = frames(channel, "BN scale γ")[-1]["data"]
    assert gammas["y_labels"] == ["bn conv1.1", "bn conv2.1", "bn fc1.1", "bn fc2.1"]
    assert len(gammas["x_labels"]) == 120
    assert channel.final["summary"]["layers"] == 5
