"""edge-kernel: the book's 6.2.4 example, its numbers, its frames and its live learning rate."""

from itertools import pairwise
from typing import Any

import numpy as np
import pytest

from core.channel import Control
from tests.support import RecordingChannel, Server, run_demo
from workers.demos.edge_kernel import DEMO
from workers.demos.edge_kernel.model import corr2d

FAST = {"speed": 0}
BOOK_X = np.ones((6, 8))
BOOK_X[:, 2:6] = 0


def kernels(channel: RecordingChannel) -> list[np.ndarray]:
    """The kernel after each step (index 0: the random start), from the `K[i,j]` metrics."""
    result = []
    for metric in channel.of_type("metric"):
        weights = {
            tuple(int(i) for i in name[2:-1].split(",")): value
            for name, value in metric["values"].items()
            if name.startswith("K[")
        }
        K = np.zeros(np.max(list(weights), axis=0) + 1)
        for index, value in weights.items():
            K[index] = value
        result.append(K)
    return result


def frames(channel: RecordingChannel, name: str) -> list[dict[str, Any]]:
    return [d["data"] for d in channel.of_type("frame") if d["name"] == name]


def numpy_corr2d(X: np.ndarray, K: np.ndarray) -> np.ndarray:
    h, w = K.shape
    windows = np.lib.stride_tricks.sliding_window_view(X, (h, w))
    return (windows * K).sum(axis=(2, 3))


def gradient(X: np.ndarray, Y: np.ndarray, K: np.ndarray) -> np.ndarray:
    """∂/∂K of Σ (X ⋆ K − Y)²: each weight gathers 2·error times the pixels it multiplied."""
    error = numpy_corr2d(X, K) - Y
    windows = np.lib.stride_tricks.sliding_window_view(X, K.shape)
    return 2 * np.einsum("ij,ijkl->kl", error, windows)


def test_corr2d_matches_the_book() -> None:
    import torch

    X = torch.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0], [6.0, 7.0, 8.0]])
    K = torch.tensor([[0.0, 1.0], [2.0, 3.0]])
    assert corr2d(X, K).tolist() == [[19.0, 25.0], [37.0, 43.0]]


def test_the_book_settings_learn_the_edge_detector() -> None:
    channel = run_demo("edge-kernel", FAST)
    assert channel.final["status"] == "succeeded"

    learned = kernels(channel)
    assert len(learned) == 11  # the start and 10 steps, as in the book
    np.testing.assert_allclose(learned[-1], [[1, -1]], atol=0.1)
    losses = [m["values"]["loss"] for m in channel.of_type("metric")]
    assert all(later < earlier for earlier, later in pairwise(losses))
    assert losses[-1] < losses[0] / 100

    # The frames: the book's X and Y, and the layer's output, which approaches Y.
    (X,) = frames(channel, "X")
    (Y,) = frames(channel, "Y")
    assert X["values"] == BOOK_X.tolist() and len(X["x_labels"]) == 8 and len(X["y_labels"]) == 6
    expected_Y = np.zeros((6, 7))
    expected_Y[:, 1], expected_Y[:, 5] = 1, -1  # the band's two edges
    assert Y["values"] == expected_Y.tolist()
    outputs = [np.array(f["values"]) for f in frames(channel, "output")]
    assert len(outputs) == 11 and all(o.shape == (6, 7) for o in outputs)
    np.testing.assert_allclose(outputs[-1], expected_Y, atol=0.15)
    kernel_frames = frames(channel, "kernel")
    np.testing.assert_allclose(kernel_frames[-1]["values"], learned[-1], atol=1e-6)

    summary = channel.final["summary"]
    assert summary["largest_stable_lr"] == pytest.approx(2 / 60)  # Hessian 2PᵀP, λ_max = 60
    assert summary["largest_error"] < 0.1


def test_a_live_learning_rate_is_used_from_the_next_step() -> None:
    defaults = DEMO.validate(FAST).model_dump(mode="json")
    slower = DEMO.apply_live_change(defaults, {"lr": 0.01})

    def script(poll: int) -> Control:
        return Control(params=slower, version=2) if poll == 4 else Control()

    channel = run_demo("edge-kernel", FAST, RecordingChannel(script=script))
    params_events = channel.of_type("params")
    assert [(e["step"], e["params"]["lr"]) for e in params_events] == [(0, 0.03), (4, 0.01)]

    # Recover the learning rate each update used: K_t = K_{t-1} − η ∇L(K_{t-1}).
    Y = numpy_corr2d(BOOK_X, np.array([[1.0, -1.0]]))
    learned = kernels(channel)
    used = [(before - after) / gradient(BOOK_X, Y, before) for before, after in pairwise(learned)]
    expected = [0.03] * 3 + [0.01] * 7  # steps 1-3, then from step 4 on
    np.testing.assert_allclose(np.array(used)[:, 0, :], np.array([expected] * 2).T, rtol=1e-3)


def test_a_learning_rate_past_the_stable_limit_diverges() -> None:
    channel = run_demo("edge-kernel", {**FAST, "lr": 0.04, "steps": 2000})
    assert channel.final["status"] == "diverged"
    assert "learning rate" in channel.final["error"]


def test_a_sobel_kernel_is_recovered_from_noise() -> None:
    params = {**FAST, "target": "sobel", "image": "noise", "lr": 1e-2, "steps": 200}
    summary = run_demo("edge-kernel", params).final["summary"]
    np.testing.assert_allclose(summary["learned_kernel"], summary["target_kernel"], atol=0.02)
    assert summary["target_kernel"] == [[1, 0, -1], [2, 0, -2], [1, 0, -1]]


def test_a_larger_kernel_learns_zeros_around_the_target() -> None:
    params = {**FAST, "kernel_size": "3x3", "image": "noise", "lr": 1e-2, "steps": 200}
    summary = run_demo("edge-kernel", params).final["summary"]
    assert summary["target_kernel"] == [[0, 0, 0], [1, -1, 0], [0, 0, 0]]
    np.testing.assert_allclose(summary["learned_kernel"], summary["target_kernel"], atol=0.02)


def test_horizontal_edges_cannot_be_learned_from_the_books_image() -> None:
    channel = run_demo("edge-kernel", {**FAST, "target": "horizontal-edge", "lr": 1e-2})
    (Y,) = frames(channel, "Y")
    assert not np.any(Y["values"])  # the image has no horizontal edge
    learned = kernels(channel)[-1]
    assert learned.shape == (2, 1)
    assert abs(learned.sum()) < 0.01 and abs(learned[0, 0] - 1) > 0.5  # any [a, −a] fits


def test_through_the_api(server: Server) -> None:
    job = server.create("edge-kernel", {"speed": 50})
    done = server.wait_done(job["id"])
    assert done["status"] == "succeeded", done["error"]
    np.testing.assert_allclose(done["summary"]["learned_kernel"], [[1, -1]], atol=0.1)
    events = server.all_events(job["id"])
    names = {e["name"] for e in events if e["type"] == "frame"}
    assert names == {"X", "Y", "target", "output", "kernel"}
    metrics = [e for e in events if e["type"] == "metric"]
    assert len(metrics) == 11 and set(metrics[0]["values"]) == {"loss", "K[0,0]", "K[0,1]"}
