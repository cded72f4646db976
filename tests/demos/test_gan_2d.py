"""gan-2d: the book's losses and updates against numpy on tiny inputs, its transformed
Gaussian, the distances against their closed forms, a live learning rate, the book's run
settling near ln 2 with the generated moments near the data's, the frames, a diverging run."""

import math

import numpy as np
import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, frames, run_demo
from workers.demos.gan_2d import BOOK, DEMO
from workers.demos.gan_2d.model import (
    GAN,
    frechet_distance,
    make_real_data,
    moments,
    sliced_wasserstein,
)

A = np.array([[1, 2], [-0.1, 0.5]])
b = np.array([1, 2])
LN2 = math.log(2)
SHORT = {"speed": 0, "epochs": 2, "batch_size": 32}  # 64 steps, each reported


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, x)


def numpy_D(gan: GAN):
    """The book's net_D, 2 → 5 tanh → 3 tanh → 1, in float64 from the model's weights."""
    W1, b1, W2, b2, W3, b3 = (p.detach().double().numpy() for p in gan.net_D.parameters())
    return lambda X: (np.tanh(np.tanh(X @ W1.T + b1) @ W2.T + b2) @ W3.T + b3)[:, 0]


def numpy_G_weights(gan: GAN) -> tuple[np.ndarray, np.ndarray]:
    W, c = (p.detach().double().numpy() for p in gan.net_G.parameters())
    return W, c


def book_gan(seed: int = 0) -> GAN:
    return GAN("linear", "book", 2, 0, 0.05, 0.005, torch.Generator().manual_seed(seed))


def test_the_book_initialises_every_weight_from_n0_002() -> None:
    gan = GAN("mlp", "mlp", 2, 64, 0.05, 0.005, torch.Generator().manual_seed(1))
    weights = torch.cat(
        [p.detach().flatten() for p in (*gan.net_D.parameters(), *gan.net_G.parameters())]
    )
    assert abs(weights.mean().item()) < 0.002 and weights.std().item() == pytest.approx(
        0.02, rel=0.05
    )


def test_update_D_is_the_books_loss_and_moves_only_D() -> None:
    gan = book_gan()
    rng = np.random.default_rng(0)
    X, Z = rng.normal(size=(4, 2)) + b, rng.normal(size=(4, 2))
    D = numpy_D(gan)
    W, c = numpy_G_weights(gan)
    # (Σ −log σ(o(x)) + Σ −log(1 − σ(o(G(z))))) / 2, the sum over the batch: softplus(∓o)
    expected = (softplus(-D(X)).sum() + softplus(D(Z @ W.T + c)).sum()) / 2
    before_G = [p.clone() for p in gan.net_G.parameters()]
    before_D = [p.clone() for p in gan.net_D.parameters()]
    loss = gan.update_D(
        torch.tensor(X, dtype=torch.float32), torch.tensor(Z, dtype=torch.float32), 0.05
    )
    assert loss == pytest.approx(expected, rel=1e-5)
    assert all(torch.equal(p, q) for p, q in zip(before_G, gan.net_G.parameters(), strict=True))
    # Adam's first step moves every weight by η g/(|g| + ε), ε = 1e-8: by almost η (these
    # gradients are small: the weights are).
    for p, q in zip(before_D, gan.net_D.parameters(), strict=True):
        np.testing.assert_allclose((q - p).abs().detach().numpy(), 0.05, rtol=0.01)


def adam_first_step(g: float, lr: float = 0.005) -> float:
    """m̂ = g and v̂ = g² after one step: the update is −η g / (√g² + ε)."""
    return -lr * g / (abs(g) + 1e-8)


def test_update_G_is_the_non_saturating_loss_and_moves_only_G() -> None:
    gan = book_gan(2)
    Z = np.random.default_rng(1).normal(size=(5, 2))
    D = numpy_D(gan)
    W, c = numpy_G_weights(gan)

    def loss_G(W: np.ndarray, c: np.ndarray) -> float:  # Σ −log σ(o(G(z))): labels 1
        return float(softplus(-D(Z @ W.T + c)).sum())

    before_D = [p.clone() for p in gan.net_D.parameters()]
    loss = gan.update_G(torch.tensor(Z, dtype=torch.float32), 0.005)
    assert loss == pytest.approx(loss_G(W, c), rel=1e-5)
    assert all(torch.equal(p, q) for p, q in zip(before_D, gan.net_D.parameters(), strict=True))
    # Adam's first step, η g/(|g| + ε), against the gradient of that loss (central differences)
    new_W, new_c = numpy_G_weights(gan)
    h = 1e-6
    for index in np.ndindex(W.shape):
        dW = np.zeros_like(W)
        dW[index] = h
        slope = (loss_G(W + dW, c) - loss_G(W - dW, c)) / (2 * h)
        assert new_W[index] - W[index] == pytest.approx(adam_first_step(slope), rel=1e-3)
    for i in range(2):
        dc = np.eye(2)[i] * h
        slope = (loss_G(W, c + dc) - loss_G(W, c - dc)) / (2 * h)
        assert new_c[i] - c[i] == pytest.approx(adam_first_step(slope), rel=1e-3)


def test_the_pull_is_the_gradient_of_log_D() -> None:
    gan = book_gan(3)
    D = numpy_D(gan)
    X = np.random.default_rng(2).normal(size=(6, 2))
    pull = gan.pull(torch.tensor(X, dtype=torch.float32)).double().numpy()
    h = 1e-5
    for axis in range(2):
        step = np.eye(2)[axis] * h
        slope = (-softplus(-D(X + step)) + softplus(-D(X - step))) / (2 * h)  # log σ(o)
        np.testing.assert_allclose(pull[:, axis], slope, rtol=1e-3, atol=1e-7)


def test_the_books_data_is_a_transformed_gaussian() -> None:
    data = make_real_data("gaussian", torch.Generator().manual_seed(4)).double().numpy()
    X = torch.normal(0.0, 1.0, (1000, 2), generator=torch.Generator().manual_seed(4)).double()
    np.testing.assert_allclose(data, X.numpy() @ A + b, atol=1e-5)
    # mean b and covariance AᵀA, up to the sampling error of 1000 points
    standard_error = np.sqrt(np.diag(A.T @ A) / 1000)
    assert np.all(np.abs(data.mean(axis=0) - b) < 4 * standard_error)
    np.testing.assert_allclose(np.cov(data.T), A.T @ A, atol=0.4)


@pytest.mark.parametrize("target", ["ring", "moons"])
def test_the_other_targets(target: str) -> None:
    data = make_real_data(target, torch.Generator().manual_seed(0)).double().numpy()
    assert data.shape == (1000, 2)
    if target == "ring":  # 8 modes at radius 2, angles k·45°
        radius = np.hypot(*data.T)
        assert np.all(np.abs(radius - 2) < 0.5)
        sectors = np.round(np.arctan2(data[:, 1], data[:, 0]) / (np.pi / 4)) % 8
        assert set(sectors) == set(range(8))
    else:  # two half circles of radius 1: centred at 0 (upper) and at (1, 0.5) (lower)
        upper, lower = data[:500], data[500:]
        assert np.abs(np.hypot(*upper.T) - 1).mean() < 0.06
        assert np.abs(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5) - 1).mean() < 0.06


def test_the_frechet_distance_is_w2_between_gaussians() -> None:
    mu, S = torch.tensor([1.0, 2.0], dtype=torch.float64), torch.tensor(A.T @ A)
    assert frechet_distance(mu, S, mu, S) == pytest.approx(0, abs=1e-9)
    # diagonal covariances: ‖μ₁ − μ₂‖² + Σ (√a − √b)²
    a, d = np.array([4.0, 0.25]), np.array([1.0, 9.0])
    mu2 = torch.tensor([-1.0, 0.5], dtype=torch.float64)
    value = frechet_distance(mu, torch.diag(torch.tensor(a)), mu2, torch.diag(torch.tensor(d)))
    assert value == pytest.approx(4 + 2.25 + ((np.sqrt(a) - np.sqrt(d)) ** 2).sum())
    # a general pair: the trace of the matrix square root, computed by eigendecomposition
    S1, S2 = A.T @ A, np.array([[2.0, -0.3], [-0.3, 0.5]])
    w, V = np.linalg.eigh(S1)
    root = V @ np.diag(np.sqrt(w)) @ V.T
    inner = np.sqrt(np.linalg.eigvals(root @ S2 @ root).real).sum()
    expected = 6.25 + np.trace(S1) + np.trace(S2) - 2 * inner
    assert frechet_distance(mu, torch.tensor(S1), mu2, torch.tensor(S2)) == pytest.approx(expected)


def test_the_sliced_distance() -> None:
    X = torch.tensor(np.random.default_rng(5).normal(size=(300, 2)))
    assert sliced_wasserstein(X, X[torch.randperm(300)]) == pytest.approx(0, abs=1e-12)
    # shifted by c: every 1-D projection is shifted by c·θ, so W₁ = mean over θ of |c·θ|
    c = np.array([0.7, -1.2])
    angles = np.arange(32) * np.pi / 32
    expected = np.abs(c @ np.stack([np.cos(angles), np.sin(angles)])).mean()
    assert sliced_wasserstein(X + torch.tensor(c), X) == pytest.approx(expected)
    mean, cov = moments(X)
    np.testing.assert_allclose(cov.numpy(), np.cov(X.numpy().T))
    np.testing.assert_allclose(mean.numpy(), X.numpy().mean(axis=0))


def test_the_classic_preset_is_the_default_and_the_books() -> None:
    classic = next(p for p in DEMO.presets if p.name == "classic")
    defaults = DEMO.params().model_dump()
    assert classic.params == BOOK
    assert {k: defaults[k] for k in BOOK} == BOOK
    assert (defaults["lr_D"], defaults["lr_G"], defaults["batch_size"]) == (0.05, 0.005, 8)


def test_a_live_learning_rate_applies_from_its_step() -> None:
    def change(poll: int) -> Control:
        if poll != 12:
            return Control()
        params = DEMO.validate({**SHORT, "lr_G": 0.05}).model_dump(mode="json")
        return Control(params=params, version=2)

    plain = run_demo("gan-2d", SHORT)
    changed = run_demo("gan-2d", SHORT, RecordingChannel(script=change))
    assert [p["step"] for p in changed.of_type("params")] == [0, 12]
    by_step = {m["step"]: m["values"] for m in plain.of_type("metric")}
    for metric in changed.of_type("metric"):
        if metric["step"] < 12:  # the same run up to the change
            assert metric["values"] == by_step[metric["step"]]
    # step 12's G update already takes the larger steps: the generated points move more
    after = next(m["values"] for m in changed.of_type("metric") if m["step"] == 12)
    assert after["mean_error"] != by_step[12]["mean_error"]
    assert after["loss_D"] == by_step[12]["loss_D"]  # D's step 12 came before G's


@pytest.fixture(scope="module")
def book_run() -> RecordingChannel:
    """The book's settings, for half the book's 20 epochs (1250 steps: a few seconds)."""
    torch.set_num_threads(1)
    return run_demo("gan-2d", {"speed": 0, "epochs": 10})


def generated_and_real(channel: RecordingChannel, which: int) -> tuple[np.ndarray, np.ndarray]:
    series = {
        s["label"]: s
        for s in frames(channel, "Where the generator's loss pushes its samples")[which]["data"][
            "series"
        ]
    }
    return tuple(np.stack([series[k]["x"], series[k]["y"]], axis=1) for k in ("generated", "real"))


def test_the_books_run_settles_near_ln2_and_the_data(book_run: RecordingChannel) -> None:
    assert book_run.final["status"] == "succeeded", book_run.final["error"]
    metrics = [m["values"] for m in book_run.of_type("metric")]
    last_epoch = metrics[-13:]  # reports every 10 steps (and at each epoch's end): 125 steps
    assert abs(np.mean([m["loss_D"] for m in last_epoch]) - LN2) < 0.03
    assert abs(np.mean([m["loss_G"] for m in last_epoch]) - LN2) < 0.06
    assert abs(metrics[-1]["d_real"] - 0.5) < 0.05 and abs(metrics[-1]["d_fake"] - 0.5) < 0.05
    # The generated points, as drawn, from a point at the origin to the data's moments.
    start, _ = generated_and_real(book_run, 0)
    end, real = generated_and_real(book_run, -1)
    assert np.abs(start).max() < 0.2
    assert np.linalg.norm(end.mean(axis=0) - b) < 0.6
    assert np.linalg.norm(np.cov(end.T) - A.T @ A) < 0.4 * np.linalg.norm(A.T @ A)
    assert np.linalg.norm(np.cov(real.T) - A.T @ A) < 0.4 * np.linalg.norm(A.T @ A)
    assert metrics[-1]["frechet"] < 0.1 * metrics[0]["frechet"]


def test_the_frames(book_run: RecordingChannel) -> None:
    names = {f["name"]: f["kind"] for f in book_run.of_type("frame")}
    assert names == {
        "Real and generated samples over D(x)": "image",
        "The generator's mapping": "lines",
        "Where the generator's loss pushes its samples": "lines",
        "Means and covariances": "text",
    }
    mapping = frames(book_run, "The generator's mapping")[-1]["data"]
    grid = {s["label"]: s for s in mapping["series"]}
    for label in ("lines of constant z₂", "lines of constant z₁"):
        assert grid[label]["y"].count(None) == 11  # 11 lines of 41 points, a gap after each
        assert len(grid[label]["y"]) == 11 * 42
    arrows = frames(book_run, "Where the generator's loss pushes its samples")[-1]["data"]
    assert arrows["series"][0]["y"].count(None) == 2 * 15 * 15  # a shaft and a head each
    text = frames(book_run, "Means and covariances")[-1]["data"]["text"]
    assert "the book's b, AᵀA" in text and "[[1.01 1.95]" in text


@pytest.mark.parametrize(
    ("latent_dim", "labels", "x_label"),
    [
        (1, ["real", "G(z) for z from −3 to 3"], "x₁"),
        (3, ["real", "lines of constant z₂", "lines of constant z₁"], "x₁ (z₃ held at 0)"),
        (8, ["real", "lines of constant z₂", "lines of constant z₁"], "x₁ (z₃…z₈ held at 0)"),
    ],
)
def test_the_mapping_for_other_latent_dimensions(
    latent_dim: int, labels: list, x_label: str
) -> None:
    channel = run_demo(
        "gan-2d", {"speed": 0, "epochs": 1, "batch_size": 500, "latent_dim": latent_dim}
    )
    mapping = frames(channel, "The generator's mapping")[-1]["data"]
    assert [s["label"] for s in mapping["series"]] == labels
    assert mapping["x_label"] == x_label


def test_a_diverging_run_ends_diverged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("workers.demos.gan_2d.model.INIT_STD", 1e38)  # weights overflow
    channel = run_demo("gan-2d", {"speed": 0, "epochs": 1, "batch_size": 500})
    assert channel.final["status"] == "diverged", channel.final
