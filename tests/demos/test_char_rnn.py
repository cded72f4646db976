"""char-rnn: the book's RNN, GRU and LSTM steps and its gradient clipping against numpy, the
preprocessing, vocabulary and sequential partitioning against hand computations, live θ,
exploding gradients, and what a short run learns of the offline stand-in text."""

import itertools
import math
from collections import Counter

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, free_port, run_demo
from workers.demos.char_rnn import DEMO
from workers.demos.char_rnn.data import CharVocab, SequentialBatches, preprocess
from workers.demos.char_rnn.model import CharRNN, grad_clipping
from workers.kit.corpora import documentation_lines


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads go to a closed local port: every run reads the stand-in text; one thread."""
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", f"http://127.0.0.1:{free_port()}")
    torch.set_num_threads(1)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def weights(layer: torch.nn.Module) -> dict[str, np.ndarray]:
    return {name: p.detach().double().numpy() for name, p in layer.named_parameters()}


def one_hot(X: np.ndarray, t: int, size: int) -> np.ndarray:
    return np.eye(size)[X[:, t]]


X_TINY = np.array([[3, 1, 4, 1], [5, 9, 2, 6]])  # 2 sequences of 4 characters


def model(kind: str, hidden: int = 5) -> CharRNN:
    torch.manual_seed(7)
    net = CharRNN(kind, 28, hidden, 1)
    with torch.no_grad():  # the book's init is N(0, 0.01²): larger weights test more
        for p in net.parameters():
            p.normal_(0, 0.5)
    return net


def logits_and_state(net: CharRNN, H0: np.ndarray, C0: np.ndarray | None = None):
    state = tuple(torch.tensor(s[None], dtype=torch.float32) for s in (H0, C0) if s is not None)
    y_hat, new = net(torch.tensor(X_TINY), state)
    return y_hat.detach().double().numpy(), [s[0].detach().double().numpy() for s in new]


def test_an_rnn_step_is_the_books_equation() -> None:
    net = model("rnn")
    w, out = weights(net.layers[0]), weights(net)
    H0 = np.random.default_rng(0).normal(size=(2, 5))
    H, expected = H0, []
    for t in range(4):
        H = np.tanh(one_hot(X_TINY, t, 28) @ w["W_xh"] + H @ w["W_hh"] + w["b_h"])
        expected.append(H @ out["W_hq"] + out["b_q"])
    y_hat, (H_end,) = logits_and_state(net, H0)
    np.testing.assert_allclose(y_hat, np.concatenate(expected), atol=1e-5)  # time-major
    np.testing.assert_allclose(H_end, H, atol=1e-6)


def test_a_gru_step_is_the_books_equation() -> None:
    net = model("gru")
    w, out = weights(net.layers[0]), weights(net)
    H0 = np.random.default_rng(1).normal(size=(2, 5))
    H, expected = H0, []
    for t in range(4):
        X = one_hot(X_TINY, t, 28)
        R = sigmoid(X @ w["W_xr"] + H @ w["W_hr"] + w["b_r"])
        Z = sigmoid(X @ w["W_xz"] + H @ w["W_hz"] + w["b_z"])
        H_tilde = np.tanh(X @ w["W_xh"] + (R * H) @ w["W_hh"] + w["b_h"])
        H = Z * H + (1 - Z) * H_tilde
        expected.append(H @ out["W_hq"] + out["b_q"])
    y_hat, (H_end,) = logits_and_state(net, H0)
    np.testing.assert_allclose(y_hat, np.concatenate(expected), atol=1e-5)
    np.testing.assert_allclose(H_end, H, atol=1e-6)
    reading = net.read([3, 1, 4])  # the gates shown are those of the equation, from H = 0
    X, H = np.eye(28)[[3]], np.zeros((1, 5))
    Z = sigmoid(X @ w["W_xz"] + H @ w["W_hz"] + w["b_z"])
    np.testing.assert_allclose(reading.gates["Z"][:, 0].numpy(), Z[0], atol=1e-6)


def test_an_lstm_step_is_the_books_equation() -> None:
    net = model("lstm")
    w, out = weights(net.layers[0]), weights(net)
    rng = np.random.default_rng(2)
    H0, C0 = rng.normal(size=(2, 5)), rng.normal(size=(2, 5))
    H, C, expected = H0, C0, []
    for t in range(4):
        X = one_hot(X_TINY, t, 28)
        I = sigmoid(X @ w["W_xi"] + H @ w["W_hi"] + w["b_i"])  # noqa: E741
        F = sigmoid(X @ w["W_xf"] + H @ w["W_hf"] + w["b_f"])
        O = sigmoid(X @ w["W_xo"] + H @ w["W_ho"] + w["b_o"])  # noqa: E741
        C_tilde = np.tanh(X @ w["W_xc"] + H @ w["W_hc"] + w["b_c"])
        C = F * C + I * C_tilde
        H = O * np.tanh(C)
        expected.append(H @ out["W_hq"] + out["b_q"])
    y_hat, (H_end, C_end) = logits_and_state(net, H0, C0)
    np.testing.assert_allclose(y_hat, np.concatenate(expected), atol=1e-5)
    np.testing.assert_allclose(H_end, H, atol=1e-6)
    np.testing.assert_allclose(C_end, C, atol=1e-6)


def test_nn_rnn_computes_the_same_recurrence_with_two_biases() -> None:
    net = model("nn-rnn")
    w, lin = weights(net.rnn), weights(net.linear)
    H0 = np.random.default_rng(3).normal(size=(2, 5))
    H, expected = H0, []
    for t in range(4):
        X = one_hot(X_TINY, t, 28)
        H = np.tanh(
            X @ w["weight_ih_l0"].T + w["bias_ih_l0"] + H @ w["weight_hh_l0"].T + w["bias_hh_l0"]
        )
        expected.append(H @ lin["weight"].T + lin["bias"])
    y_hat, _ = logits_and_state(net, H0)
    np.testing.assert_allclose(y_hat, np.concatenate(expected), atol=1e-5)


def with_grads(scale: float) -> list[torch.nn.Parameter]:
    rng = torch.Generator().manual_seed(0)
    params = [torch.nn.Parameter(torch.zeros(3, 4)), torch.nn.Parameter(torch.zeros(5))]
    for p in params:
        p.grad = torch.randn(p.shape, generator=rng) * scale
    return params


def norm(params: list[torch.nn.Parameter]) -> float:
    return math.sqrt(sum(float((p.grad.double() ** 2).sum()) for p in params))


@pytest.mark.parametrize("theta", [1.0, 0.01])
def test_clipping_scales_every_gradient_to_norm_theta(theta: float) -> None:
    params = with_grads(10.0)
    original = [p.grad.clone() for p in params]
    big = norm(params)
    before, after = grad_clipping(params, theta)
    assert before == pytest.approx(big, rel=1e-6) and big > theta
    assert norm(params) <= theta * (1 + 1e-6) and after == theta
    for p, g in zip(params, original, strict=True):  # the same direction, all scaled alike
        np.testing.assert_allclose(p.grad.numpy(), (g * theta / big).numpy(), rtol=1e-5)


@pytest.mark.parametrize("theta", [1e6, 0.0])
def test_clipping_leaves_small_gradients_and_clipping_off_alone(theta: float) -> None:
    params = with_grads(10.0)
    original = [p.grad.clone() for p in params]
    before, after = grad_clipping(params, theta)
    assert before == after == pytest.approx(norm(params), rel=1e-6)
    for p, g in zip(params, original, strict=True):
        assert torch.equal(p.grad, g)


def test_preprocessing_and_the_28_token_vocabulary() -> None:
    lines = ["The Time-Machine!", "", "  by H. G. Wells  "]
    assert preprocess(lines) == "the time machine by h g wells"
    vocab = CharVocab("aab b")
    # <unk>, then by frequency (a and b twice, a first seen), the space, then unseen letters
    assert vocab.idx_to_token[:4] == ["<unk>", "a", "b", " "]
    assert len(vocab) == 28 and set(vocab.idx_to_token[4:]) == set("cdefghijklmnopqrstuvwxyz")
    assert vocab.ids("ab?") == [1, 2, 0]
    text = preprocess(documentation_lines())
    full = CharVocab(text)
    assert len(full) == 28
    counts = Counter(text)
    assert [counts[t] for t in full.idx_to_token[1:]] == sorted(counts.values(), reverse=True)


def test_sequential_partitioning_continues_each_row() -> None:
    corpus = torch.arange(40)  # token i is i: positions are easy to check by hand
    batches = SequentialBatches(corpus, 3, 4, torch.Generator().manual_seed(5))
    got = []
    for step in batches.steps():
        got.append(batches.take())
        assert step == len(got)
    offset = int(got[0][0][0, 0])
    assert 0 <= offset <= 4
    columns = (40 - offset - 1) // 3  # the rows the book lays out: 3 of `columns` tokens
    assert len(got) == columns // 4
    for i, (X, Y) in enumerate(got):
        for r in range(3):
            start = offset + r * columns + 4 * i
            assert X[r].tolist() == list(range(start, start + 4))
            assert Y[r].tolist() == list(range(start + 1, start + 5))
    for (X1, _), (X2, _) in itertools.pairwise(got):
        assert torch.equal(X2[:, 0], X1[:, -1] + 1)  # the next minibatch goes on where it ended


TINY = {"model": "rnn", "hidden": 32, "epochs": 2, "batch_size": 16, "speed": 0}


def test_a_live_threshold_applies_from_its_step() -> None:
    params = DEMO.validate(TINY).model_dump(mode="json")
    tighter = DEMO.apply_live_change(params, {"clip": 0.02})
    channel = run_demo(
        "char-rnn",
        params,
        RecordingChannel(
            script=lambda poll: Control(params=tighter, version=2) if poll == 10 else Control()
        ),
    )
    assert channel.final["status"] == "succeeded", channel.final["error"]
    assert [(p["step"], p["params"]["clip"]) for p in channel.of_type("params")] == [
        (0, 1.0),
        (10, 0.02),
    ]
    curves = {s["label"]: s for s in frames(channel, "gradient norm")[-1]["data"]["series"]}
    steps = curves["before clipping"]["x"]
    before, after = curves["before clipping"]["y"], curves["after clipping"]["y"]
    for step, b, a in zip(steps, before, after, strict=True):
        theta = 1.0 if step < 10 else 0.02
        assert a == pytest.approx(min(b, theta), rel=1e-6)
    assert any(b > 0.02 for step, b in zip(steps, before, strict=True) if step >= 10)


def test_exploding_gradients_without_clipping_end_the_run_diverged() -> None:
    channel = run_demo("char-rnn", {**TINY, "hidden": 64, "epochs": 3, "lr": 30, "clip": 0})
    assert channel.final["status"] == "diverged"
    assert "became infinite" in channel.final["error"] or "NaN" in channel.final["error"]
    norms = [m["values"]["grad_norm"] for m in channel.of_type("metric")]
    assert max(norms) > 50 * norms[0]  # the spike, visible in the metric


def test_a_short_run_learns_the_stand_in_text() -> None:
    channel = run_demo("char-rnn", FAST_LEARNER)
    assert channel.final["status"] == "succeeded", channel.final["error"]
    summary = channel.final["summary"]
    assert (
        summary["corpus"] != "The Time Machine (H. G. Wells)"
        and "stand-in" in summary["corpus_note"]
    )
    assert any("stand-in" in log["message"] for log in channel.of_type("log"))
    # The unigram perplexity, computed here from character counts of the same split
    text = preprocess(documentation_lines())[:15_000]
    counts = Counter(text[:10_000])
    total = sum(counts[c] + 1 for c in CharVocab(text).idx_to_token)
    unigram = math.exp(-np.mean([math.log((counts[c] + 1) / total) for c in text[10_000:]]))
    assert summary["unigram_perplexity"] == pytest.approx(unigram, rel=1e-6)
    assert summary["val_perplexity"] < 0.8 * unigram
    generated = frames(channel, "generated text")[-1]["data"]["text"]
    continuation = summary["samples"]["time traveller"]
    assert continuation.startswith("time traveller") and set(continuation) <= set(
        " abcdefghijklmnopqrstuvwxyz"
    )
    assert continuation in generated
    words = set(text.split())
    assert any(w in words and len(w) >= 3 for w in continuation[14:].split())


FAST_LEARNER = {"model": "rnn", "hidden": 96, "epochs": 8, "lr": 2, "batch_size": 16, "speed": 0}
