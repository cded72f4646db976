"""initialization: the book's sigmoid gradient and 100-matrix product against NumPy, the three
initializations against their formulas, per-layer gradients against a hand-written backward
pass, the live learning rate, the frames, and the issue's claim: with the sigmoid and N(0, 1)
weights at depth 20 the first layer's gradient is a millionth of the last's; Xavier with tanh
and Kaiming with ReLU keep them within a few orders of magnitude."""

from typing import Any

import numpy as np
import pytest
import torch
from safetensors.torch import load

from core.channel import Control
from tests.support import RecordingChannel, frames, metrics_after, run_demo
from workers.demos.initialization import DEMO, Params
from workers.demos.initialization.model import (
    EXAMPLES,
    FEATURES,
    build_model,
    forward_backward,
    linears,
    make_batch,
)
from workers.demos.initialization.views import magnitude_fractions

FAST = {"speed": 0}
TANH_XAVIER = {"activation": "tanh", "init": "xavier"}
RELU_KAIMING = {"activation": "relu", "init": "kaiming"}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def series(frame: dict[str, Any], label: str) -> dict[str, Any]:
    (found,) = [s for s in frame["data"]["series"] if s["label"] == label]
    return found


def metric(channel: RecordingChannel, name: str) -> list[float]:
    return [m["values"][name] for m in channel.of_type("metric")]


def ratio_at_start(**params: Any) -> float:
    """‖∂L/∂W_1‖ / ‖∂L/∂W_depth‖ of the initial network (one forward and backward pass)."""
    chosen = Params(**params)
    return forward_backward(build_model(chosen), make_batch(chosen.seed)).first_to_last_ratio


# -- A hand-written MLP in NumPy -------------------------------------------------------------


def numpy_activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f′(z), from their formulas."""
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s, s * (1 - s)
    if name == "tanh":
        t = np.tanh(z)
        return t, 1 - t**2
    return np.maximum(z, 0), (z > 0).astype(float)


def numpy_pass(
    weights: list[np.ndarray], biases: list[np.ndarray], X: np.ndarray, y: np.ndarray, act: str
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """The mean squared error and its gradients for every W and b, by the chain rule."""
    H, slopes = [X], []
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        h, slope = numpy_activation(act, H[-1] @ W.T + b)
        H.append(h)
        slopes.append(slope)
    error = H[-1] @ weights[-1].T + biases[-1] - y
    delta = 2 * error / error.size  # ∂L/∂ŷ
    grad_W, grad_b = [], []
    for layer in reversed(range(len(weights))):
        grad_W.insert(0, delta.T @ H[layer])
        grad_b.insert(0, delta.sum(axis=0))
        if layer:
            delta = (delta @ weights[layer]) * slopes[layer - 1]
    return float((error**2).mean()), grad_W, grad_b


def initial_numpy_net(params: Params) -> tuple[list[np.ndarray], list[np.ndarray]]:
    net = build_model(params)
    weights = [lin.weight.detach().double().numpy().copy() for lin in linears(net)]
    biases = [lin.bias.detach().double().numpy().copy() for lin in linears(net)]
    return weights, biases


def numpy_batch(seed: int) -> tuple[np.ndarray, np.ndarray]:
    batch = make_batch(seed)
    return batch.X.double().numpy(), batch.y.double().numpy()


# -- The book's two figures ------------------------------------------------------------------


def test_the_sigmoid_gradient_peaks_at_a_quarter_and_its_tails_are_marked() -> None:
    channel = run_demo("initialization", {**FAST, "steps": 1})
    (frame,) = frames(channel, "sigmoid_and_its_gradient")
    sigmoid, slope = series(frame, "sigmoid(x)"), series(frame, "gradient σ′(x)")
    x = np.array(sigmoid["x"])
    np.testing.assert_allclose(x, np.arange(-80, 80) / 10, atol=1e-4)  # [-8, 8) by 0.1
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sigmoid["y"], s, atol=1e-4)
    np.testing.assert_allclose(slope["y"], s * (1 - s), atol=1e-4)
    peak = int(np.argmax(slope["y"]))
    assert slope["y"][peak] == pytest.approx(0.25, abs=1e-4) and abs(x[peak]) < 1e-4

    marked = series(frame, "σ′(x) < 0.01: vanishing")
    assert marked["style"] == "points"
    expected = x[s * (1 - s) < 0.01]
    np.testing.assert_allclose(marked["x"], expected, atol=1e-4)
    assert min(np.abs(marked["x"])) == pytest.approx(4.6, abs=1e-4)  # σ′(4.6) ≈ 0.0099
    assert frame["data"]["x_log"] is False and frame["data"]["y_log"] is False


def test_the_product_of_100_matrices_matches_numpy_and_explodes() -> None:
    seed = 7
    channel = run_demo("initialization", {**FAST, "steps": 1, "seed": seed})
    (frame,) = frames(channel, "product_of_100_matrices")
    assert frame["data"]["y_log"] is True and frame["data"]["x_log"] is False
    (line,) = frame["data"]["series"]
    assert line["x"] == list(range(101))

    # The same draws (torch's generator with the same seed), multiplied in float64 by NumPy.
    draw = torch.Generator().manual_seed(seed)
    matrices = [
        torch.normal(0, 1, size=(4, 4), generator=draw).double().numpy() for _ in range(101)
    ]
    M, expected = matrices[0], [np.linalg.norm(matrices[0])]
    for factor in matrices[1:]:
        M = M @ factor
        expected.append(np.linalg.norm(M))
    np.testing.assert_allclose(line["y"], expected, rtol=1e-4)
    assert line["y"][-1] > 1e15 * line["y"][0]
    assert channel.final["summary"]["product_norm_after_100"] == pytest.approx(expected[-1], 1e-4)


# -- Initialization ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("init", "variance"),
    [
        ("xavier", lambda fan_in, fan_out: 2 / (fan_in + fan_out)),
        ("kaiming", lambda fan_in, fan_out: 2 / fan_in),
        ("normal", lambda fan_in, fan_out: 0.3**2),
    ],
)
def test_each_initialization_draws_weights_of_its_formulas_variance(init, variance) -> None:
    net = build_model(Params(init=init, sigma=0.3, width=256, depth=3, seed=1))
    for layer in linears(net):
        weights = layer.weight.detach().double().numpy()
        fan_out, fan_in = weights.shape
        expected_std = np.sqrt(variance(fan_in, fan_out))
        # the standard error of a sample std is std/√(2n); allow five of them
        tolerance = 5 / np.sqrt(2 * weights.size)
        assert np.std(weights) == pytest.approx(expected_std, rel=tolerance), (init, weights.shape)
        assert abs(np.mean(weights)) < 5 * expected_std / np.sqrt(weights.size)
        assert not layer.bias.detach().any()


# -- Gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_per_layer_gradient_norms_match_a_hand_written_backward_pass(activation: str) -> None:
    chosen = {"depth": 3, "width": 5, "activation": activation, "seed": 3, "lr": 0.5}
    channel = run_demo("initialization", {**FAST, **chosen, "steps": 1})
    weights, biases = initial_numpy_net(Params(**chosen))
    X, y = numpy_batch(3)

    loss, grad_W, grad_b = numpy_pass(weights, biases, X, y, activation)
    start, after_one = frames(channel, "gradient_norm_per_layer")
    assert start["step"] == 0 and after_one["step"] == 1
    norms = [np.linalg.norm(g) for g in grad_W]
    np.testing.assert_allclose(series(start, "at the start")["y"], norms, rtol=1e-5)
    np.testing.assert_allclose(series(after_one, "at the start")["y"], norms, rtol=1e-5)
    assert series(start, "now")["x"] == [1, 2, 3]
    assert metric(channel, "loss")[0] == pytest.approx(loss, rel=1e-5)
    assert metric(channel, "grad_ratio_first_last")[0] == pytest.approx(norms[0] / norms[-1], 1e-5)

    # One step of gradient descent w ← w − η∇L, then the gradients again.
    weights = [W - 0.5 * g for W, g in zip(weights, grad_W, strict=True)]
    biases = [b - 0.5 * g for b, g in zip(biases, grad_b, strict=True)]
    loss, grad_W, _ = numpy_pass(weights, biases, X, y, activation)
    np.testing.assert_allclose(
        series(after_one, "now")["y"], [np.linalg.norm(g) for g in grad_W], rtol=1e-4
    )
    assert metric(channel, "loss")[1] == pytest.approx(loss, rel=1e-5)


def test_a_live_learning_rate_is_used_from_its_step() -> None:
    chosen = {**FAST, **TANH_XAVIER, "depth": 4, "width": 8, "steps": 6, "lr": 0.1}
    slower = DEMO.apply_live_change(DEMO.validate(chosen).model_dump(mode="json"), {"lr": 0.01})

    def script(poll: int) -> Control:
        return Control(params=slower, version=2) if poll == 4 else Control()

    channel = run_demo("initialization", chosen, RecordingChannel(script=script))
    assert [(e["step"], e["params"]["lr"]) for e in channel.of_type("params")] == [
        (0, 0.1),
        (4, 0.01),
    ]
    assert metric(channel, "lr") == [0.1, 0.1, 0.1, 0.1, 0.01, 0.01, 0.01]

    # Replayed by hand: η = 0.1 for steps 1-3, 0.01 from step 4 on.
    weights, biases = initial_numpy_net(Params(**chosen))
    X, y = numpy_batch(0)
    losses = []
    for lr in [0.1, 0.1, 0.1, 0.01, 0.01, 0.01]:
        loss, grad_W, grad_b = numpy_pass(weights, biases, X, y, "tanh")
        losses.append(loss)
        weights = [W - lr * g for W, g in zip(weights, grad_W, strict=True)]
        biases = [b - lr * g for b, g in zip(biases, grad_b, strict=True)]
    losses.append(numpy_pass(weights, biases, X, y, "tanh")[0])
    np.testing.assert_allclose(metric(channel, "loss"), losses, rtol=1e-4)


def test_a_fork_with_batch_norm_continues_its_parent_exactly(tmp_path) -> None:
    """The fork's first step needs its snapshot's gradients: it makes that pass again, and puts
    back the running statistics of batch norm that the pass moves: its state stays the
    parent's."""
    chosen = {**FAST, "batch_norm": True, "depth": 5, "steps": 12}
    parent = run_demo(
        "initialization",
        chosen,
        RecordingChannel(script=lambda poll: Control(snapshot=poll == 6)),
        str(tmp_path),
    )
    assert parent.snapshot_asked_at(6) == 5 and {0, 12} <= set(parent.snapshots)
    fork = run_demo("initialization", chosen, data_dir=str(tmp_path), fork_of=(parent, 5))
    assert fork.final["status"] == "succeeded", fork.final.get("error")
    assert metrics_after(fork, 0) == metrics_after(parent, 5) != []
    assert fork.final["summary"] == parent.final["summary"]
    at_end, fork_at_end = load(parent.snapshots[12]), load(fork.snapshots[12])
    assert any("running_mean" in name for name in at_end)
    assert at_end.keys() == fork_at_end.keys()
    assert all(torch.equal(at_end[name], fork_at_end[name]) for name in at_end)


# -- The claim, and what else holds at depth 20 ---------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_sigmoid_with_unit_normal_weights_at_depth_20_vanishes(seed: int) -> None:
    assert Params().depth == 20 and Params().init == "normal" and Params().sigma == 1.0
    assert ratio_at_start(seed=seed) < 1e-6


@pytest.mark.parametrize("chosen", [TANH_XAVIER, RELU_KAIMING], ids=["tanh-xavier", "relu-kaiming"])
@pytest.mark.parametrize("width", [8, 64, 256])
def test_xavier_with_tanh_and_kaiming_with_relu_stay_within_a_few_orders(chosen, width) -> None:
    for seed in range(3):
        assert 1e-3 < ratio_at_start(**chosen, width=width, seed=seed) < 1e3


def test_the_run_reports_the_claim() -> None:
    vanishing = run_demo("initialization", {**FAST, "steps": 1}).final["summary"]
    assert vanishing["grad_ratio_first_last_at_start"] < 1e-6
    level = run_demo("initialization", {**FAST, **RELU_KAIMING, "steps": 1}).final["summary"]
    assert 1e-3 < level["grad_ratio_first_last_at_start"] < 1e3


def test_xavier_and_kaiming_do_not_save_the_sigmoid() -> None:
    """Both assume a slope of 1 at 0 (Kaiming: half the units on); the sigmoid's is ¼, so
    each layer scales the gradient by about ¼ on the way back: (¼)^19 ≈ 4e-12."""
    for init in ["xavier", "kaiming"]:
        assert ratio_at_start(init=init, width=64) < 1e-8


def test_wide_layers_of_unit_normal_weights_do_not_vanish() -> None:
    """At width 256 a unit's input adds up 256 weights: saturated, but the way back multiplies
    by about √256 per layer, which makes up for it."""
    assert ratio_at_start(width=256) > 1e-3


def test_batch_norm_keeps_the_sigmoids_gradients_level() -> None:
    assert 1e-3 < ratio_at_start(batch_norm=True) < 1e3


def test_unit_normal_relu_layers_explode_and_the_job_says_so() -> None:
    channel = run_demo("initialization", {**FAST, "activation": "relu", "width": 64, "steps": 5})
    assert channel.final["status"] == "diverged"
    assert any("gradients have exploded" in log["message"] for log in channel.of_type("log"))


def test_a_net_whose_last_relus_are_all_off_reports_no_ratio_and_says_why() -> None:
    channel = run_demo("initialization", {**FAST, **RELU_KAIMING, "width": 2, "steps": 3})
    assert channel.final["status"] == "succeeded"
    assert all("grad_ratio_first_last" not in m["values"] for m in channel.of_type("metric"))
    assert metric(channel, "grad_norm_last") == [0.0] * 4
    assert any("is off" in log["message"] for log in channel.of_type("log"))
    assert channel.final["summary"]["grad_ratio_first_last"] is None


# -- Frames and a short run ------------------------------------------------------------------


def test_the_magnitude_histogram_puts_each_value_in_its_decade() -> None:
    values = torch.tensor([0.0, 1e-20, 5e-7, 1.0, 3.0, 1e13, float("inf"), float("nan")])
    other_layer = torch.tensor([[2e-3, -2e-3], [0.0, 0.0]])
    fractions = magnitude_fractions([values, other_layer], range(-12, 12))
    # columns: 0, <1e-12, 1e-12 … 1e11 (one per decade), ≥1e12
    expected = np.zeros((2, 27))
    expected[0, 0] = 1  # 0
    expected[0, 1] = 1  # 1e-20
    expected[0, 2 + (-7 + 12)] = 1  # 5e-7 is in [1e-7, 1e-6)
    expected[0, 2 + 12] = 2  # 1 and 3 are in [1, 10)
    expected[0, 26] = 3  # 1e13, inf and NaN (an overflow)
    expected[1, 0] = expected[1, 2 + (-3 + 12)] = 2  # two zeros, two of magnitude 2e-3
    np.testing.assert_allclose(fractions.numpy(), expected / [[8], [4]])


def test_frames_have_a_row_per_layer_and_a_short_run_fits_the_batch() -> None:
    steps = 200
    chosen = {**FAST, **TANH_XAVIER, "steps": steps}
    channel = run_demo("initialization", chosen)
    assert channel.final["status"] == "succeeded"
    depth = Params().depth

    activations = frames(channel, "activation_magnitudes")
    gradients = frames(channel, "gradient_magnitudes")
    norms = frames(channel, "gradient_norm_per_layer")
    # from step 0 to the last, at most 20 a second (a run flat out skips some)
    assert len(activations) == len(gradients) == len(norms) >= 2
    shown_at = [frame["step"] for frame in norms]
    assert shown_at[0] == 0 and shown_at[-1] == steps and shown_at == sorted(set(shown_at))
    assert [frame["step"] for frame in activations] == shown_at
    for frame, rows, low in [(activations[-1], depth - 1, -12), (gradients[-1], depth, -16)]:
        data = frame["data"]
        assert data["y_labels"] == [f"layer {i}" for i in range(1, rows + 1)]
        assert data["x_labels"][:3] == ["0", f"<1e{low}", f"1e{low}"]
        assert len(data["x_labels"]) == 27 and data["x_labels"][-1] == f"≥1e{low + 24}"
        values = np.array(data["values"])
        assert values.shape == (rows, 27) and values.min() >= 0 and values.max() <= 1
        np.testing.assert_allclose(values.sum(axis=1), 1, atol=1e-3)  # fractions of each layer
    (at_start,) = frames(channel, "gradient_magnitudes_at_start")
    assert at_start["step"] == 0 and at_start["data"] == gradients[0]["data"]
    norm_frame = norms[-1]["data"]
    assert norm_frame["y_log"] is True and norm_frame["x_label"] and norm_frame["y_label"]
    assert [s["label"] for s in norm_frame["series"]] == ["at the start", "now"]
    assert all(s["x"] == list(range(1, depth + 1)) for s in norm_frame["series"])
    assert all(v > 0 for s in norm_frame["series"] for v in s["y"])

    # Predicting the mean of y scores its variance; the network does far better.
    loss = metric(channel, "loss")
    assert loss[-1] < 0.5 * make_batch(0).y.var(correction=0).item()
    assert loss[-1] < loss[0]
    assert len(loss) == steps + 1
    assert make_batch(0).X.shape == (EXAMPLES, FEATURES)


def test_the_batch_and_the_network_are_the_same_for_the_same_seed() -> None:
    first, again = make_batch(5), make_batch(5)
    assert torch.equal(first.X, again.X) and torch.equal(first.y, again.y)
    first_net, again_net = build_model(Params(seed=5)), build_model(Params(seed=5))
    pairs = zip(first_net.parameters(), again_net.parameters(), strict=True)
    assert all(torch.equal(p, q) for p, q in pairs)
