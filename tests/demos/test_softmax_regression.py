"""softmax-regression: the book's softmax, loss and SGD against numpy, a real run on the digits
replayed step by step in numpy, its frames, and the live learning rate and probe."""

import math
from dataclasses import dataclass, field

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, decode_png, frames, run_demo
from workers.demos.softmax_regression import DEMO
from workers.demos.softmax_regression.model import (
    ConciseSoftmaxRegression,
    ScratchSoftmaxRegression,
    SoftmaxRegression,
    build_model,
    cross_entropy,
    softmax,
)
from workers.kit.datasets import ImageDataset, load

# A short run on the digits: 2 epochs of ⌈1500 / 64⌉ = 24 steps.
TRAINING = {"epochs": 2, "batch_size": 64, "lr": 0.1, "seed": 3, "speed": 0}
LR_CHANGED_AT, NEW_LR = 20, 0.5  # polls happen at checkpoints only, so poll n is step n
PROBE_CHANGED_AT, NEW_PROBE = 25, 7
METRICS_EVERY_STEPS = 10


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


@pytest.fixture(scope="module")
def digits() -> ImageDataset:
    return load("digits", "/nonexistent", "cpu", print)


@pytest.fixture(scope="module")
def training(tmp_path_factory: pytest.TempPathFactory) -> RecordingChannel:
    """One real training job, with a live learning-rate change and a live probe change."""
    torch.set_num_threads(1)
    params = DEMO.validate(TRAINING).model_dump(mode="json")
    faster = DEMO.apply_live_change(params, {"lr": NEW_LR})
    other_probe = DEMO.apply_live_change(faster, {"probe_index": NEW_PROBE})

    def script(poll: int) -> Control:
        if poll == LR_CHANGED_AT:
            return Control(params=faster, version=2)
        if poll == PROBE_CHANGED_AT:
            return Control(params=other_probe, version=3)
        return Control()

    data_dir = tmp_path_factory.mktemp("empty-cache")  # no Fashion-MNIST: `auto` takes digits
    return run_demo("softmax-regression", TRAINING, RecordingChannel(script=script), str(data_dir))


# -- An independent softmax regression in numpy (float64) -----------------------------------


def numpy_softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def numpy_step(
    W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, lr: float
) -> tuple[float, float]:
    """One SGD step on the mean cross-entropy, in place; (mean loss, accuracy) before it.

    ∂l/∂o = ŷ − onehot(y) for each example (3.4.6), so ∂L/∂W = Xᵀ(Ŷ − Y)/n."""
    P = numpy_softmax(X @ W + b)
    loss = -np.log(P[np.arange(len(y)), y]).mean()
    accuracy = (P.argmax(axis=1) == y).mean()
    G = P.copy()
    G[np.arange(len(y)), y] -= 1
    W -= lr * X.T @ G / len(y)
    b -= lr * G.mean(axis=0)
    return loss, accuracy


@dataclass
class Replay:
    reports: list[tuple[int, float, float]] = field(default_factory=list)  # step, loss, acc
    test_accuracies: list[float] = field(default_factory=list)
    weights_at: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def replay(data: ImageDataset, lr_changed_at: int) -> Replay:
    """The demo's run in numpy: the same initial W (N(0, 0.01²) from the same seed), b = 0,
    the same minibatches (a permutation per epoch from the same generator), the same reports
    (means weighted by examples every 10 steps and at the end of an epoch)."""
    seed, batch_size = TRAINING["seed"], TRAINING["batch_size"]
    X = data.train_images.flatten(1).numpy().astype(np.float64)
    y = data.train_labels.numpy()
    X_test = data.test_images.flatten(1).numpy().astype(np.float64)
    torch.manual_seed(seed)
    W = torch.normal(0, 0.01, size=(X.shape[1], 10)).numpy().astype(np.float64)
    b = np.zeros(10)
    shuffling = torch.Generator().manual_seed(seed)
    result, step = Replay(), 0
    for _ in range(TRAINING["epochs"]):
        order = torch.randperm(len(y), generator=shuffling).numpy()
        sums = np.zeros(2)
        examples = 0
        for start in range(0, len(y), batch_size):
            batch = order[start : start + batch_size]
            step += 1
            lr = NEW_LR if step >= lr_changed_at else TRAINING["lr"]
            sums += np.array(numpy_step(W, b, X[batch], y[batch], lr)) * len(batch)
            examples += len(batch)
            result.weights_at[step] = (W.copy(), b.copy())
            if step % METRICS_EVERY_STEPS == 0:
                result.reports.append((step, *(sums / examples)))
                sums, examples = np.zeros(2), 0
        if examples:
            result.reports.append((step, *(sums / examples)))
        predicted = (X_test @ W + b).argmax(axis=1)
        result.test_accuracies.append((predicted == data.test_labels.numpy()).mean())
    return result


# -- The softmax, the loss and one step ------------------------------------------------------


def test_softmax_and_cross_entropy_match_numpy() -> None:
    logits = np.random.default_rng(0).normal(0, 20, size=(6, 10))
    y = np.array([0, 3, 9, 2, 2, 7])
    P = softmax(torch.tensor(logits)).numpy()
    np.testing.assert_allclose(P, numpy_softmax(logits), rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1, rtol=1e-12)
    expected = -np.log(numpy_softmax(logits)[np.arange(6), y])
    np.testing.assert_allclose(cross_entropy(torch.tensor(logits), torch.tensor(y)), expected)


def test_the_books_naive_softmax_fails_on_large_logits_where_this_one_does_not() -> None:
    """3.6's exp(O) / Σ exp(O) overflows past a logit of about 88 in float32, and its
    −log ŷ takes log 0 once a probability underflows; the LogSumExp form (3.7.2) does neither."""

    def books_softmax(logits: torch.Tensor) -> torch.Tensor:
        logits_exp = torch.exp(logits)
        return logits_exp / logits_exp.sum(1, keepdim=True)

    large = torch.tensor([[100.0, 0.0, -100.0]])
    assert torch.isnan(books_softmax(large)).any()  # inf / inf
    torch.testing.assert_close(softmax(large), torch.tensor([[1.0, 0.0, 0.0]]))

    confidently_wrong, y = torch.tensor([[-60.0, 60.0]]), torch.tensor([0])
    assert books_softmax(confidently_wrong)[0, 0] == 0  # e^-120 underflows float32
    assert -torch.log(books_softmax(confidently_wrong)[0, 0]) == math.inf
    assert cross_entropy(confidently_wrong, y).item() == pytest.approx(120)


def weights_and_bias(model: SoftmaxRegression) -> tuple[np.ndarray, np.ndarray]:
    """W (d × q) and b as numpy arrays, whichever implementation holds them."""
    if isinstance(model, ScratchSoftmaxRegression):
        return model.W.detach().numpy().copy(), model.b.detach().numpy().copy()
    assert isinstance(model, ConciseSoftmaxRegression)
    linear = model.net[1]
    return linear.weight.detach().numpy().T.copy(), linear.bias.detach().numpy().copy()


@pytest.mark.parametrize("implementation", ["scratch", "concise"])
def test_one_sgd_step_matches_numpy(implementation: str) -> None:
    torch.manual_seed(0)
    model = build_model(implementation, 784, 10, torch.device("cpu"))
    W, b = (array.astype(np.float64) for array in weights_and_bias(model))
    rng = np.random.default_rng(1)
    X = rng.random((5, 1, 28, 28)).astype(np.float32)
    y = np.array([1, 4, 4, 0, 9])
    flat = X.reshape(5, -1).astype(np.float64)
    expected_logits = flat @ W + b

    loss, logits = model.step(torch.from_numpy(X), torch.from_numpy(y), lr=0.5)
    expected_loss, _ = numpy_step(W, b, flat, y, lr=0.5)
    np.testing.assert_allclose(logits.numpy(), expected_logits, rtol=1e-4, atol=1e-6)
    assert loss.item() == pytest.approx(expected_loss, rel=1e-5)
    new_W, new_b = weights_and_bias(model)
    np.testing.assert_allclose(new_W, W, atol=1e-6)
    np.testing.assert_allclose(new_b, b, atol=1e-6)
    np.testing.assert_allclose(model.class_weights().numpy(), new_W.T)


def test_the_books_initialization() -> None:
    torch.manual_seed(0)
    scratch = ScratchSoftmaxRegression(784, 10, torch.device("cpu"))
    assert scratch.W.shape == (784, 10) and scratch.W.std().item() == pytest.approx(0.01, rel=0.05)
    assert not scratch.b.any()
    concise = ConciseSoftmaxRegression(784, 10, torch.device("cpu"))
    linear = concise.net[1]
    assert linear.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert linear.bias.abs().max() <= 1 / math.sqrt(784)  # PyTorch's default, as in the book


# -- A real training job ---------------------------------------------------------------------


def test_training_on_digits_learns(training: RecordingChannel) -> None:
    assert training.final["status"] == "succeeded", training.final["error"]
    summary = training.final["summary"]
    assert summary["dataset"] == "digits" and summary["implementation"] == "scratch"
    assert summary["test_accuracy"] > 0.8  # chance is 0.1
    assert summary["steps"] == 48 and summary["parameters"] == 784 * 10 + 10
    messages = [log["message"] for log in training.of_type("log")]
    assert any("Fashion-MNIST is not downloaded yet" in m for m in messages)
    assert sum(m.startswith("epoch ") for m in messages) == 2


def test_the_run_is_numpys_step_by_step(training: RecordingChannel, digits: ImageDataset) -> None:
    """Same init and batches, so the same loss trajectory, and a change of η that takes
    effect at the step it was sent: applying it one step later would give other numbers."""
    metrics = training.of_type("metric")
    reported = [
        (m["step"], m["values"]["train_loss"], m["values"]["train_acc"])
        for m in metrics
        if "train_loss" in m["values"]
    ]
    expected = replay(digits, lr_changed_at=LR_CHANGED_AT)
    assert [r[0] for r in reported] == [r[0] for r in expected.reports] == [10, 20, 24, 30, 40, 48]
    np.testing.assert_allclose([r[1] for r in reported], [r[1] for r in expected.reports], 1e-4)
    np.testing.assert_allclose([r[2] for r in reported], [r[2] for r in expected.reports])
    tests = [m["values"]["test_acc"] for m in metrics if "test_acc" in m["values"]]
    np.testing.assert_allclose(tests, expected.test_accuracies, atol=1.5 / 297)

    a_step_late = replay(digits, lr_changed_at=LR_CHANGED_AT + 1)
    late_losses = [r[1] for r in a_step_late.reports]
    assert not np.allclose([r[1] for r in reported], late_losses, rtol=1e-4)
    assert reported[0][1] < math.log(10)  # from ln 10 at the start, down


def test_a_live_learning_rate_is_in_force_from_its_step(training: RecordingChannel) -> None:
    changes = [(e["step"], e["version"], e["params"]["lr"]) for e in training.of_type("params")]
    assert changes[:2] == [(0, 1, TRAINING["lr"]), (LR_CHANGED_AT, 2, NEW_LR)]
    lr_by_step = {
        m["step"]: m["values"]["lr"] for m in training.of_type("metric") if "lr" in m["values"]
    }
    assert lr_by_step[10] == TRAINING["lr"] and lr_by_step[LR_CHANGED_AT] == NEW_LR


def test_class_weights_are_ten_images_of_what_each_class_looks_for(
    training: RecordingChannel, digits: ImageDataset
) -> None:
    shown = frames(training, "class_weights")
    assert len(shown) >= 2 and {f["kind"] for f in shown} == {"image_grid"}
    assert shown[0]["step"] == 0 and shown[-1]["step"] == 48
    first = shown[0]["data"]
    assert first["titles"] == [str(d) for d in range(10)] and first["columns"] == 5
    pictures = np.stack([decode_png(image) for image in first["images"]])
    assert pictures.shape == (10, 56, 56, 3)  # 28×28 weights, each an enlarged 2×2 square

    # Red where a weight is clearly positive, blue where clearly negative (one shared scale).
    torch.manual_seed(TRAINING["seed"])
    W = torch.normal(0, 0.01, size=(784, 10)).numpy().T.reshape(10, 28, 28)
    cells = pictures[:, ::2, ::2].astype(int)
    strong = np.abs(W) > np.abs(W).max() / 3
    redder = cells[..., 0] > cells[..., 2]
    assert strong.sum() > 100
    np.testing.assert_array_equal(redder[strong], W[strong] > 0)


def test_the_probe_and_its_probabilities(training: RecordingChannel, digits: ImageDataset) -> None:
    probes = frames(training, "probe_image")
    assert [p["step"] for p in probes] == [0, PROBE_CHANGED_AT]
    assert {p["kind"] for p in probes} == {"image"}
    shown = decode_png(probes[1]["data"])[::2, ::2]
    expected = (digits.test_images[NEW_PROBE, 0].numpy() * 255).round()
    np.testing.assert_array_equal(shown, expected)

    bars = frames(training, "probe_probabilities")
    assert {b["kind"] for b in bars} == {"bars"}
    for frame in bars:
        (series,) = frame["data"]["series"]
        assert frame["data"]["categories"] == [str(d) for d in range(10)]
        assert all(0 <= p <= 1 for p in series["values"])
        assert sum(series["values"]) == pytest.approx(1, abs=1e-3)  # rounded to 4 decimals
    (at_change,) = [b["data"] for b in bars if b["step"] == PROBE_CHANGED_AT]
    assert at_change["highlight"] == digits.test_labels[NEW_PROBE].item()  # the true class
    W, b = replay(digits, LR_CHANGED_AT).weights_at[PROBE_CHANGED_AT]  # after that step
    probe = digits.test_images[NEW_PROBE].flatten().numpy().astype(np.float64)
    expected_p = numpy_softmax((probe @ W + b)[None])[0]
    np.testing.assert_allclose(at_change["series"][0]["values"], expected_p, atol=2e-4)


def test_confusion_matrix_and_most_confused_pairs(
    training: RecordingChannel, digits: ImageDataset
) -> None:
    (confusion,) = frames(training, "confusion_matrix")
    counts = np.array(confusion["data"]["values"], dtype=int)
    labels = [str(d) for d in range(10)]
    assert confusion["data"]["x_labels"] == labels == confusion["data"]["y_labels"]
    assert counts.shape == (10, 10) and counts.sum() == 297
    assert counts.sum(axis=1).tolist() == np.bincount(digits.test_labels.numpy()).tolist()
    summary = training.final["summary"]
    assert np.trace(counts) / 297 == pytest.approx(summary["test_accuracy"])

    mistakes = counts - np.diag(np.diag(counts))
    largest = sorted(mistakes.flatten().tolist(), reverse=True)[: len(summary["most_confused"])]
    assert 0 < len(summary["most_confused"]) <= 5
    for pair, count in zip(summary["most_confused"], largest, strict=True):
        names, numbers = pair.split(": ")
        true, predicted = names.split(" → ")
        assert true != predicted
        assert numbers == f"{count} of {counts[int(true)].sum()}"
        assert mistakes[int(true), int(predicted)] == count
    (listing,) = frames(training, "most_confused")
    assert listing["kind"] == "text"
    assert listing["data"]["text"].splitlines()[1:] == [f"  {p}" for p in summary["most_confused"]]


def test_frames_are_small(training: RecordingChannel) -> None:
    for draft in training.of_type("frame"):
        assert len(str(draft["data"])) < 40_000, draft["name"]


def test_the_concise_implementation_learns_too(tmp_path) -> None:
    params = {**TRAINING, "implementation": "concise", "dataset": "digits"}
    summary = run_demo("softmax-regression", params, data_dir=str(tmp_path)).final["summary"]
    assert summary["implementation"] == "concise" and summary["test_accuracy"] > 0.8
