"""dropout: the book's `dropout_layer` and one SGD step of the 784 → 256 → 256 → 10 MLP against
numpy, dropout off at evaluation, live dropout probabilities and η, the frames, and the book's
claim on a small training set: turning dropout off mid-run widens the generalization gap."""

import re
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from core.channel import Control
from tests.support import RecordingChannel, decode_png, frames, run_demo
from workers.demos.dropout import DEMO, Params
from workers.demos.dropout.model import (
    ConciseDropoutMLP,
    ScratchDropoutMLP,
    dropout_layer,
    dropout_mask,
    dropped_and_known,
    evaluate,
)
from workers.demos.dropout.train import mask_counts, report_training, set_live_hyperparameters
from workers.kit.running import RunningMeans
from workers.kit.training import train_step

# 8 epochs of 10 steps on 320 digits, at η = 0.1 (0.5 needs larger batches)
SHORT = {
    "dataset": "digits",
    "train_examples": 320,
    "batch_size": 32,
    "lr": 0.1,
    "epochs": 8,
    "speed": 0,
}
CHANGED_AT = 20  # polls happen at checkpoints only: poll n is step n; reports every 10 steps
CHANGE = {"dropout1": 0.6, "dropout2": 0.0, "lr": 0.05}


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def evaluations(channel: RecordingChannel) -> dict[int, dict[str, float]]:
    return {m["step"]: m["values"] for m in channel.of_type("metric") if "test_acc" in m["values"]}


def training_reports(channel: RecordingChannel) -> dict[int, dict[str, float]]:
    return {m["step"]: m["values"] for m in channel.of_type("metric") if "lr" in m["values"]}


def with_change(params: dict[str, Any], change: dict[str, Any], at: int) -> RecordingChannel:
    """A channel that sends `change` live at step `at`."""
    changed = DEMO.apply_live_change(DEMO.validate(params).model_dump(mode="json"), change)
    return RecordingChannel(
        script=lambda poll: Control(params=changed, version=2) if poll == at else Control()
    )


# -- The book's dropout_layer ---------------------------------------------------------------


def test_dropout_zero_is_the_identity_and_one_drops_everything() -> None:
    X = torch.randn(4, 7)
    assert dropout_layer(X, 0.0) is X
    assert torch.equal(dropout_layer(X, 1.0), torch.zeros(4, 7))
    assert torch.equal(dropout_mask(X.shape, 0.0, None), torch.ones(4, 7))
    assert torch.equal(dropout_mask(X.shape, 1.0, None), torch.zeros(4, 7))


@pytest.mark.parametrize("p", [0.2, 0.5, 0.8])
def test_a_fixed_mask_keeps_the_draws_above_p_scaled_by_one_over_one_minus_p(p: float) -> None:
    X = torch.randn(16, 256)
    mask = dropout_mask(X.shape, p, torch.Generator().manual_seed(7))
    uniform = torch.rand(X.shape, generator=torch.Generator().manual_seed(7)).numpy()
    expected = np.where(uniform > p, X.numpy() / (1 - p), 0.0)
    np.testing.assert_allclose(dropout_layer(X, p, mask).numpy(), expected, rtol=1e-6)
    # Without a mask the book's function draws its own from torch's global generator.
    torch.manual_seed(3)
    drawn = dropout_layer(X, p).numpy()
    torch.manual_seed(3)
    uniform = torch.rand(X.shape).numpy()
    np.testing.assert_allclose(drawn, np.where(uniform > p, X.numpy() / (1 - p), 0.0), rtol=1e-6)


def test_dropout_preserves_the_expectation() -> None:
    """E[h′] = h: averaged over many masks, the output comes back to the input."""
    torch.manual_seed(0)
    X = torch.linspace(-2, 3, 12).reshape(3, 4)
    draws = 40_000
    many = dropout_layer(X.expand(draws, 3, 4), 0.5)
    assert (many == 0).float().mean().item() == pytest.approx(0.5, abs=0.01)
    # each mean has a standard deviation of |x|·√(p/(1−p)/draws) = 0.005 |x|
    np.testing.assert_allclose(many.mean(dim=0).numpy(), X.numpy(), atol=0.025)


# -- One SGD step against numpy ---------------------------------------------------------------


def numpy_sgd_step(
    layers: list[tuple[np.ndarray, np.ndarray]],
    X: np.ndarray,
    y: np.ndarray,
    masks: list[np.ndarray],
    dropouts: tuple[float, float],
    lr: float,
) -> tuple[float, list[tuple[np.ndarray, np.ndarray]]]:
    """The book's equations: H = ReLU(XW + b), h′ = h·mask/(1 − p) after each hidden layer,
    O = H′W + b, the mean softmax cross-entropy; backpropagation by hand, then W ← W − η∂l/∂W."""
    inputs, pre_activations = [X], []
    for (W, b), mask, p in zip(layers[:2], masks, dropouts, strict=True):
        Z = inputs[-1] @ W + b
        pre_activations.append(Z)
        inputs.append(np.maximum(Z, 0) * mask / (1 - p))
    W3, b3 = layers[2]
    logits = inputs[-1] @ W3 + b3
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(P[np.arange(n), y]).mean()
    delta = P.copy()
    delta[np.arange(n), y] -= 1
    delta /= n  # ∂l/∂logits
    updated = []
    for layer in (2, 1, 0):
        W, b = layers[layer]
        updated.insert(0, (W - lr * inputs[layer].T @ delta, b - lr * delta.sum(axis=0)))
        if layer > 0:  # through the dropout scaling and the ReLU below
            mask, p = masks[layer - 1], dropouts[layer - 1]
            delta = (delta @ W.T) * mask / (1 - p) * (pre_activations[layer - 1] > 0)
    return loss, updated


def linears(net: nn.Module) -> list[nn.Linear]:
    return [module for module in net.modules() if isinstance(module, nn.Linear)]


def as_numpy(net: nn.Module) -> list[tuple[np.ndarray, np.ndarray]]:
    """(W, b) per layer, W as the book's XW has it (in × out; nn.Linear keeps out × in)."""
    return [
        (lin.weight.detach().double().numpy().T, lin.bias.detach().double().numpy())
        for lin in linears(net)
    ]


def check_step(net: nn.Module, masks: list[np.ndarray] | None, lr: float) -> None:
    """One step of `net` against numpy, with `masks` (None: the masks the net recorded)."""
    rng = np.random.default_rng(2)
    X = rng.random((6, 1, 28, 28)).astype(np.float32)
    y = np.array([0, 3, 9, 3, 1, 7])
    before = as_numpy(net)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr)
    loss, _ = train_step(
        net, nn.CrossEntropyLoss(), optimizer, torch.from_numpy(X), torch.tensor(y)
    )
    if masks is None:  # where nn.Dropout's mask is unseen the ReLU gave 0: any value will do
        masks = [np.nan_to_num(mask.numpy(), nan=1.0) for mask in net.masks]
    expected_loss, expected = numpy_sgd_step(
        before, X.reshape(6, -1).astype(np.float64), y, masks, (0.2, 0.5), lr
    )
    assert loss.item() == pytest.approx(expected_loss, rel=1e-5)
    for (W, b), (expected_W, expected_b) in zip(as_numpy(net), expected, strict=True):
        np.testing.assert_allclose(W, expected_W, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(b, expected_b, rtol=1e-4, atol=1e-6)


def test_one_step_of_the_scratch_mlp_with_seeded_masks_matches_numpy() -> None:
    torch.manual_seed(0)
    net = ScratchDropoutMLP((0.2, 0.5), torch.Generator().manual_seed(11))
    shapes = [(lin.in_features, lin.out_features) for lin in linears(net)]
    assert shapes == [(784, 256), (256, 256), (256, 10)]
    # The same generator, drawn independently: the first layer's mask, then the second's.
    same = torch.Generator().manual_seed(11)
    masks = [(torch.rand(6, 256, generator=same) > p).double().numpy() for p in (0.2, 0.5)]
    check_step(net, masks, lr=0.5)
    for recorded, mask in zip(net.masks, masks, strict=True):
        np.testing.assert_array_equal(recorded.numpy(), mask)


def test_one_step_of_the_concise_mlp_matches_numpy() -> None:
    torch.manual_seed(0)
    net = ConciseDropoutMLP((0.2, 0.5))
    check_step(net, masks=None, lr=0.5)
    seen = ~np.isnan(net.masks[0].numpy())
    assert 0 < seen.mean() < 1  # the ReLU silenced some units, where the mask is unseen


@pytest.mark.parametrize("implementation", [ScratchDropoutMLP, ConciseDropoutMLP])
def test_evaluation_runs_the_whole_network_without_dropout(implementation: type) -> None:
    torch.manual_seed(0)
    net = (
        ScratchDropoutMLP((0.5, 0.5), torch.Generator())
        if implementation is ScratchDropoutMLP
        else ConciseDropoutMLP((0.5, 0.5))
    )
    X, y = torch.rand(8, 1, 28, 28), torch.arange(8)
    assert not torch.equal(net(X), net(X))  # training: a new mask each time
    H = X.reshape(8, -1).double().numpy()
    for W, b in as_numpy(net)[:2]:
        H = np.maximum(H @ W + b, 0)
    W3, b3 = as_numpy(net)[2]
    logits = H @ W3 + b3
    log_P = logits - logits.max(axis=1, keepdims=True)
    log_P -= np.log(np.exp(log_P).sum(axis=1, keepdims=True))
    loss, accuracy = evaluate(net, X, y)
    assert loss == pytest.approx(-log_P[np.arange(8), y.numpy()].mean(), rel=1e-5)
    assert accuracy == (logits.argmax(axis=1) == y.numpy()).mean()
    assert net.training  # back to training, dropout on


def test_live_hyperparameters_drive_the_next_step() -> None:
    net = ConciseDropoutMLP((0.2, 0.5))
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    set_live_hyperparameters(net, optimizer, Params(dropout1=0.7, dropout2=0.0, lr=0.05))
    assert [layer.p for layer in net.dropout_layers] == [0.7, 0.0]
    assert optimizer.param_groups[0]["lr"] == 0.05


def test_a_layer_with_no_active_unit_reports_no_share_dropped() -> None:
    """With `nn.Dropout` the mask is seen only where the ReLU let something through; in a layer
    whose units all died there is nothing to count, and no share is reported (not NaN)."""
    torch.manual_seed(0)
    net = ConciseDropoutMLP((0.2, 0.5))
    with torch.no_grad():
        net.first_layer.bias.fill_(-100.0)  # every first-layer unit silent
    net(torch.rand(4, 1, 28, 28))
    assert [count.item() for count in dropped_and_known(net.masks[0])] == [0, 0]
    running, reported = RunningMeans("cpu"), []
    running.add({"minibatch_loss": torch.tensor(2.3), **mask_counts(net, 4)}, weight=4)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    report_training(SimpleNamespace(metric=reported.append), running, optimizer)
    # the second layer's units get their biases: some are active, and their mask is seen
    assert set(reported[0]) == {"minibatch_loss", "lr", "dropped_2"}


# -- A short run: learning, frames, metrics ----------------------------------------------------


@pytest.fixture(scope="module")
def short(tmp_path_factory: pytest.TempPathFactory) -> RecordingChannel:
    torch.set_num_threads(1)
    return run_demo("dropout", SHORT, data_dir=str(tmp_path_factory.mktemp("empty-cache")))


def test_a_short_run_learns_better_than_chance(short: RecordingChannel) -> None:
    assert short.final["status"] == "succeeded", short.final["error"]
    summary = short.final["summary"]
    assert summary["dataset"] == "digits" and summary["train_examples"] == 320
    assert summary["steps"] == 80 and summary["parameters"] == 269_322
    assert summary["test_accuracy"] > 0.5  # chance is 0.1
    first = evaluations(short)[0]
    assert first["test_acc"] < 0.3 and first["test_loss"] == pytest.approx(np.log(10), abs=0.2)


def test_metrics_are_in_range_and_the_gaps_are_differences(short: RecordingChannel) -> None:
    for step, values in evaluations(short).items():
        assert 0 <= values["train_acc"] <= 1 and 0 <= values["test_acc"] <= 1, step
        gap = values["train_acc"] - values["test_acc"]
        assert values["accuracy_gap"] == pytest.approx(gap, abs=1e-6)
        loss_gap = values["test_loss"] - values["train_loss"]
        assert values["loss_gap"] == pytest.approx(loss_gap, abs=1e-5)
    assert sorted(evaluations(short)) == list(range(0, 90, 10))
    reports = training_reports(short)
    assert sorted(reports) == list(range(10, 90, 10))
    for values in reports.values():  # 10 steps of 32 × 256 draws each: within a percent
        assert values["dropped_1"] == pytest.approx(0.2, abs=0.01)
        assert values["dropped_2"] == pytest.approx(0.5, abs=0.01)
        assert values["lr"] == 0.1


def test_the_model_and_its_parameter_count(short: RecordingChannel) -> None:
    (model,) = frames(short, "model")
    assert model["kind"] == "text" and model["step"] == 0
    assert "dropout_layer(H, p) after each hidden ReLU" in model["data"]["text"]
    assert model["data"]["text"].endswith(
        "784×256 + 256 + 256×256 + 256 + 256×10 + 10\n= 269,322 parameters (dropout adds none)"
    )


def test_the_masks_show_this_steps_dropped_units(short: RecordingChannel) -> None:
    shown = frames(short, "dropout_masks")
    assert shown[0]["step"] == 1 and shown[-1]["step"] == 80
    for frame in shown:
        grid = frame["data"]
        assert grid["columns"] == 1 and len(grid["images"]) == 2
        for image, title, p in zip(grid["images"], grid["titles"], (0.2, 0.5), strict=True):
            pixels = decode_png(image, rgb=True).astype(int)
            assert pixels.shape == (64, 512, 3)  # 32 examples × 256 units, doubled
            assert set(np.unique(pixels)) <= {0, 255}  # kept white, dropped black
            dropped = (pixels[..., 0] == 0).mean()
            assert dropped == pytest.approx(p, abs=0.03)
            number = re.fullmatch(r"hidden layer \d: p = (\S+), (\S+)% dropped .*", title)
            assert float(number[1]) == p and float(number[2]) / 100 == pytest.approx(p, abs=0.03)


def test_first_layer_weights_are_images(short: RecordingChannel) -> None:
    grid = frames(short, "first_layer_weights")[-1]["data"]
    assert len(grid["images"]) == 16 and grid["columns"] == 8 and grid["titles"][0] == "unit 1"
    pixels = decode_png(grid["images"][0], rgb=True).astype(int)
    assert pixels.shape == (56, 56, 3)  # 28 × 28, doubled
    assert (pixels[..., 0] < 255).any() and (pixels[..., 2] < 255).any()  # red and blue


def test_frames_are_small(short: RecordingChannel) -> None:
    for draft in short.of_type("frame"):
        assert len(str(draft["data"])) < 40_000, draft["name"]


def test_the_concise_implementation_learns_and_shows_unseen_masks_in_grey(tmp_path) -> None:
    channel = run_demo("dropout", {**SHORT, "implementation": "concise"}, data_dir=str(tmp_path))
    assert channel.final["summary"]["test_accuracy"] > 0.5
    pixels = decode_png(frames(channel, "dropout_masks")[-1]["data"]["images"][1], rgb=True).astype(
        int
    )
    seen = pixels[..., 0] != 128
    assert 0 < seen.mean() < 1  # grey where the ReLU gave 0
    assert (pixels[seen][:, 0] == 0).mean() == pytest.approx(0.5, abs=0.05)


# -- Live changes ------------------------------------------------------------------------------


def test_live_dropout_and_learning_rate_are_in_force_from_their_step(
    short: RecordingChannel, tmp_path
) -> None:
    changed = run_demo("dropout", SHORT, with_change(SHORT, CHANGE, CHANGED_AT), str(tmp_path))
    params = [(e["step"], e["version"]) for e in changed.of_type("params")]
    assert params == [(0, 1), (CHANGED_AT, 2)]
    assert {k: changed.of_type("params")[1]["params"][k] for k in CHANGE} == CHANGE
    # A mask frame at the very step, drawn with the new probabilities.
    (at_change,) = [f for f in frames(changed, "dropout_masks") if f["step"] == CHANGED_AT]
    first, second = (
        decode_png(image, rgb=True).astype(int)[..., 0] == 0
        for image in at_change["data"]["images"]
    )
    assert first.mean() == pytest.approx(0.6, abs=0.03) and not second.any()
    # Until the step, the same run as without the change; the step's own masks differ.
    before, after = training_reports(short), training_reports(changed)
    assert after[10] == before[10]
    assert after[CHANGED_AT]["minibatch_loss"] != before[CHANGED_AT]["minibatch_loss"]
    # 9 of the report's 10 steps at p = 0.5, the last at 0: about 0.45 instead of 0.5
    assert after[CHANGED_AT]["dropped_2"] < before[CHANGED_AT]["dropped_2"] - 0.03
    assert after[30]["dropped_2"] == 0 and after[30]["dropped_1"] == pytest.approx(0.6, abs=0.01)
    assert after[CHANGED_AT]["lr"] == after[30]["lr"] == 0.05
    assert evaluations(changed)[10] == evaluations(short)[10]
    assert evaluations(changed)[80] != evaluations(short)[80]


# -- The book's claim --------------------------------------------------------------------------

# The current edition's dropout (0.5, 0.5) and η = 0.1, on 100 digits in minibatches of 25.
SMALL_SET = {
    "dataset": "digits",
    "train_examples": 100,
    "batch_size": 25,
    **DEMO.presets[1].params,
    "epochs": 150,
    "speed": 0,
}
TURNED_OFF_AT = 100  # 25 epochs in: the training set is nearly fitted


def test_turning_dropout_off_on_a_small_training_set_widens_the_gap(tmp_path) -> None:
    """The same run twice from the same seed, once with dropout turned off at step 100: some
    epochs later its test loss, and so the gap to the training loss, is clearly larger. (On the
    digits the accuracy gap barely moves: both fit all 100 training images and about 88% of
    the test images; the difference is in how confidently wrong the network is.)"""
    assert DEMO.presets[1].name == "current"
    kept = evaluations(run_demo("dropout", SMALL_SET, data_dir=str(tmp_path)))
    off = {"dropout1": 0.0, "dropout2": 0.0}
    turned_off = evaluations(
        run_demo("dropout", SMALL_SET, with_change(SMALL_SET, off, TURNED_OFF_AT), str(tmp_path))
    )
    assert [kept[s] for s in kept if s < TURNED_OFF_AT] == [
        turned_off[s] for s in kept if s < TURNED_OFF_AT
    ]
    late = [step for step in kept if step >= 300]  # 50 epochs after the change and on

    def mean(run: dict[int, dict[str, float]], name: str) -> float:
        return float(np.mean([run[step][name] for step in late]))

    assert min(mean(kept, "train_acc"), mean(turned_off, "train_acc")) > 0.99  # both overfit
    assert mean(turned_off, "loss_gap") > mean(kept, "loss_gap") + 0.08
    assert mean(turned_off, "test_loss") > mean(kept, "test_loss") + 0.08
