"""mlp, the model: one SGD step against a NumPy MLP, live hyperparameters in the update, the
plane datasets, and the boundary picture (training runs: test_mlp.py)."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from workers.demos.mlp import DEMO, Params
from workers.demos.mlp.model import (
    PLANE_SHAPES,
    PlaneData,
    build_model,
    make_optimizer,
    make_plane_data,
    plane_grid,
    predict,
    set_live_hyperparameters,
)
from workers.demos.mlp.params import PLANE_DATASETS
from workers.demos.mlp.views import CLASS_RGB, INK, TINT, WHITE, boundary_picture
from workers.kit.training import train_step


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


# -- One step against NumPy -----------------------------------------------------------------


def numpy_activation(name: str, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """σ(z) and σ′(z), from their formulas."""
    if name == "relu":
        return np.maximum(z, 0), (z > 0).astype(float)
    if name == "sigmoid":
        s = 1 / (1 + np.exp(-z))
        return s, s * (1 - s)
    if name == "tanh":
        return np.tanh(z), 1 - np.tanh(z) ** 2
    cdf = 0.5 * (1 + np.vectorize(math.erf)(z / math.sqrt(2)))  # GELU: z Φ(z)
    return z * cdf, cdf + z * np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)


def numpy_sgd_step(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    activation: str,
    lr: float,
    weight_decay: float,
) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """The book's equations: H = σ(XW + b) per hidden layer, O = HW + b, softmax cross-entropy
    averaged over the batch, backpropagation by hand, and W ← W − η(∂l/∂W + λW), b ← b − η∂l/∂b."""
    inputs, slopes = [X], []
    for W, b in zip(weights[:-1], biases[:-1], strict=True):
        H, slope = numpy_activation(activation, inputs[-1] @ W + b)
        inputs.append(H)
        slopes.append(slope)
    logits = inputs[-1] @ weights[-1] + biases[-1]
    P = np.exp(logits - logits.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.log(P[np.arange(n), y]).mean()
    delta = P.copy()
    delta[np.arange(n), y] -= 1
    delta /= n  # ∂l/∂O
    new_weights, new_biases = [], []
    for layer in reversed(range(len(weights))):
        W = weights[layer]
        grad_W, grad_b = inputs[layer].T @ delta, delta.sum(axis=0)
        if layer > 0:
            delta = (delta @ W.T) * slopes[layer - 1]
        new_weights.insert(0, W - lr * (grad_W + weight_decay * W))
        new_biases.insert(0, biases[layer] - lr * grad_b)
    return loss, new_weights, new_biases


def linear_layers(net: nn.Sequential) -> list[nn.Linear]:
    return [layer for layer in net if isinstance(layer, nn.Linear)]


def check_one_step(params: Params, net: nn.Sequential, X: torch.Tensor, y: torch.Tensor) -> None:
    linears = linear_layers(net)
    # nn.Linear keeps W as (out, in); the book's XW has it as (in, out)
    weights = [layer.weight.detach().double().numpy().T for layer in linears]
    biases = [layer.bias.detach().double().numpy() for layer in linears]
    flat = X.reshape(len(X), -1).double().numpy()
    expected_loss, new_weights, new_biases = numpy_sgd_step(
        weights, biases, flat, y.numpy(), params.activation, params.lr, params.weight_decay
    )
    loss, _ = train_step(net, nn.CrossEntropyLoss(), make_optimizer(net, params), X, y)
    assert loss.item() == pytest.approx(expected_loss, rel=1e-5)
    for layer, W, b in zip(linears, new_weights, new_biases, strict=True):
        np.testing.assert_allclose(layer.weight.detach().numpy().T, W, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(layer.bias.detach().numpy(), b, rtol=1e-4, atol=1e-6)


def test_one_step_of_the_books_784_256_10_mlp_matches_numpy() -> None:
    params = Params(**{**DEMO.presets[0].params, "weight_decay": 0.01})
    torch.manual_seed(0)
    net = build_model(params, 784, 10, flatten=True)
    linears = linear_layers(net)
    assert [(lin.in_features, lin.out_features) for lin in linears] == [(784, 256), (256, 10)]
    assert sum(p.numel() for p in net.parameters()) == 203_530  # the book's count
    assert 0.009 < linears[0].weight.std().item() < 0.011  # N(0, 0.01²), biases zero
    assert not linears[0].bias.any()
    # Book-sized weights barely move the output: scale them up so the step is a real test.
    with torch.no_grad():
        for layer in linears:
            layer.weight.mul_(10)
            layer.bias.normal_(0, 0.1)
    X = torch.rand(6, 1, 28, 28)
    check_one_step(params, net, X, torch.tensor([0, 3, 9, 3, 1, 7]))


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "gelu"])
def test_one_step_of_a_deeper_plane_mlp_matches_numpy(activation: str) -> None:
    params = Params(hidden=[5, 4], activation=activation, lr=0.5, weight_decay=0.05)
    torch.manual_seed(1)
    net = build_model(params, 2, 3, flatten=False)
    X = torch.randn(7, 2)
    check_one_step(params, net, X, torch.tensor([0, 1, 2, 2, 1, 0, 1]))


def test_no_hidden_layer_is_softmax_regression() -> None:
    net = build_model(Params(hidden=[]), 2, 2, flatten=False)
    assert [type(layer) for layer in net] == [nn.Linear]


def test_a_live_learning_rate_and_weight_decay_drive_the_next_update() -> None:
    net = nn.Sequential(nn.Linear(2, 1))
    optimizer = make_optimizer(net, Params(lr=0.1, weight_decay=0.0))
    set_live_hyperparameters(optimizer, Params(lr=0.3, weight_decay=0.02))
    w0, b0 = net[0].weight.detach().clone(), net[0].bias.detach().clone()
    x = torch.tensor([[1.0, -2.0]])
    optimizer.zero_grad()
    net(x).sum().backward()  # the gradient is x for the weights, 1 for the bias
    optimizer.step()
    torch.testing.assert_close(net[0].weight.detach(), w0 - 0.3 * (x + 0.02 * w0))
    torch.testing.assert_close(net[0].bias.detach(), b0 - 0.3)  # biases are not decayed


# -- The plane --------------------------------------------------------------------------------


def test_every_plane_dataset_has_a_shape() -> None:
    assert tuple(PLANE_SHAPES) == PLANE_DATASETS


@pytest.mark.parametrize("name", list(PLANE_SHAPES))
def test_plane_datasets_have_their_shapes_and_labels(name: str) -> None:
    params = Params(dataset=name, examples=101, test_fraction=0.3, noise=0.0, seed=5)
    data = make_plane_data(params)
    assert data.train_X.shape == (71, 2) and data.test_X.shape == (30, 2)
    assert data.train_X.dtype == torch.float32 and data.train_y.dtype == torch.int64
    X = torch.cat([data.train_X, data.test_X]).double().numpy()
    y = torch.cat([data.train_y, data.test_y]).numpy()
    assert len(np.unique(X, axis=0)) == 101  # train and test do not share a point
    assert data.classes == (3 if name == "blobs" else 2)
    counts = np.bincount(y, minlength=data.classes)
    assert counts.max() - counts.min() <= (50 if name == "xor" else 1)
    assert np.abs(X).max() <= data.extent
    radius = np.hypot(X[:, 0], X[:, 1])
    if name == "circles":
        np.testing.assert_allclose(radius, np.where(y == 1, 0.5, 1.0), rtol=1e-6)
    elif name == "xor":
        np.testing.assert_array_equal(y, X[:, 0] * X[:, 1] > 0)
    elif name == "moons":
        upper = np.hypot(X[:, 0] + 0.5, X[:, 1] + 0.25)  # around (-0.5, -0.25), above it
        lower = np.hypot(X[:, 0] - 0.5, X[:, 1] - 0.25)  # around (0.5, 0.25), below it
        np.testing.assert_allclose(np.where(y == 0, upper, lower), 1, rtol=1e-6)
        assert (X[y == 0, 1] >= -0.25 - 1e-6).all() and (X[y == 1, 1] <= 0.25 + 1e-6).all()
    elif name == "spirals":  # the radius grows with the angle: 1.5 turns to radius 1
        angle = 3 * math.pi * radius + math.pi * y
        np.testing.assert_allclose(
            X, np.stack([np.cos(angle), np.sin(angle)], 1) * radius[:, None], atol=1e-5
        )
    again = make_plane_data(params)
    assert torch.equal(again.train_X, data.train_X)  # the seed decides
    assert not torch.equal(
        make_plane_data(params.model_copy(update={"seed": 6})).train_X, data.train_X
    )


def test_noise_is_gaussian_of_the_set_deviation() -> None:
    clean = make_plane_data(Params(examples=4000, noise=0.0))
    noisy = make_plane_data(Params(examples=4000, noise=0.2))
    offsets = (noisy.train_X - clean.train_X).numpy()  # the same draws before the noise
    assert offsets.std() == pytest.approx(0.2, rel=0.05) and abs(offsets.mean()) < 0.01


def test_the_plane_grid_reads_like_a_picture() -> None:
    points = plane_grid(2.0, 5).reshape(5, 5, 2)
    assert points[0, 0].tolist() == [-2.0, 2.0]  # top left
    assert points[0, 4].tolist() == [2.0, 2.0] and points[4, 0].tolist() == [-2.0, -2.0]


def test_predicted_probabilities_over_the_plane() -> None:
    torch.manual_seed(0)
    net = build_model(Params(hidden=[6, 6]), 2, 3, flatten=False)
    probabilities = predict(net, plane_grid(1.5, 20))
    assert probabilities.shape == (400, 3)
    assert probabilities.min() >= 0 and probabilities.max() <= 1
    torch.testing.assert_close(probabilities.sum(dim=1), torch.ones(400))


def tint(class_index: int, sureness: float) -> np.ndarray:
    return np.round(WHITE + TINT * sureness * (CLASS_RGB[class_index] - WHITE))


def test_the_boundary_picture_tints_by_sureness_and_marks_points() -> None:
    side = 40
    probabilities = np.zeros((side, side, 2))
    probabilities[:, :20] = [0.9, 0.1]  # left: sure of class 0
    probabilities[:, 20:] = [0.5, 0.5]  # right: a toss-up (argmax 0 as well)
    probabilities[30:, 20:] = [0.25, 0.75]  # bottom right: rather class 1
    no_points = torch.zeros(0, 2), torch.zeros(0, dtype=torch.long)
    empty = PlaneData(*no_points, *no_points, classes=2, extent=1.0)
    pixels = boundary_picture(probabilities, empty).astype(int)
    assert pixels.shape == (side, side, 3) and pixels.dtype == int
    np.testing.assert_array_equal(pixels[5, 5], tint(0, 0.8))
    np.testing.assert_array_equal(pixels[5, 30], WHITE)
    np.testing.assert_array_equal(pixels[35, 35], tint(1, 0.5))
    np.testing.assert_array_equal(pixels[30, 35], INK)  # where the prediction changes
    assert (pixels[:29, 21:] == WHITE).all()  # no line where it does not

    one_each = PlaneData(
        train_X=torch.tensor([[-0.5, 0.5]]),
        train_y=torch.tensor([1]),
        test_X=torch.tensor([[0.5, -0.5]]),
        test_y=torch.tensor([1]),
        classes=2,
        extent=1.0,
    )
    marked = boundary_picture(probabilities, one_each).astype(int)
    near, far = round(0.5 * 39 / 2), round(1.5 * 39 / 2)  # pixels of ±0.5 in [-1, 1]
    np.testing.assert_array_equal(marked[near, near], CLASS_RGB[1])  # a training disc...
    np.testing.assert_array_equal(marked[near, near + 4], INK)  # ...with a dark edge
    np.testing.assert_array_equal(marked[far, far], WHITE)  # a test ring: white inside...
    np.testing.assert_array_equal(marked[far, far + 3], CLASS_RGB[1])  # ...coloured around


# -- Real runs on two circles -----------------------------------------------------------------
