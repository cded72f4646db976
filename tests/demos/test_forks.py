"""Every demo forks: a fork from a snapshot in the middle of a run continues it exactly.

The parent asks for a snapshot in the middle of its run (as `POST /fork` with `step: null`
does); then
- a control twin (a fork with no change) reports the parent's metrics after the snapshot,
  bit for bit (on the CPU: every demo is deterministic there),
- a fork that changes a live param reports what a run that received the same live change at
  the same step reports.
"""

import pytest
import torch

from core.channel import Control
from tests.support import RecordingChannel, free_port, metrics_after, run_demo
from workers.demos import CATALOGUE

# Short runs with enough steps that a snapshot falls in the middle of an epoch; the poll at
# which the parent asks for it; a live change a fork makes.
FORK_CASES: dict[str, tuple[dict, int, dict]] = {
    "gradient-descent": (
        {
            "speed": 0,
            "steps": 30,
            "optimizers": [{"name": "gd", "lr": 0.4}, {"name": "momentum", "lr": 0.4}],
        },
        4,
        {"optimizers": [{"name": "gd", "lr": 0.05}, {"name": "momentum", "lr": 0.02}]},
    ),
    "edge-kernel": ({"speed": 0, "steps": 12}, 5, {"lr": 0.01}),
    "conv-filters": (
        {
            "dataset": "digits",
            "epochs": 2,
            "batch_size": 256,
            "conv1_channels": 2,
            "conv2_channels": 2,
        },
        5,
        {"lr": 0.3},
    ),
    "attention-pooling": ({"speed": 0, "epochs": 12}, 3, {"lr": 2.0}),
    "linear-regression": ({"speed": 0, "epochs": 2, "num_val": 100}, 9, {"lr": 0.01}),
    "mlp": ({"speed": 0, "epochs": 3}, 10, {"lr": 0.3}),
    "polynomial-fit": ({"speed": 0, "epochs": 3}, 9, {"lr": 0.05}),
    "sequence-prediction": ({"speed": 0, "epochs": 2}, 30, {"lr": 0.003}),
    "deep-nets": ({"dataset": "digits", "depth": 6, "width": 2, "epochs": 1}, 9, {"lr": 0.05}),
    "gan-2d": ({"speed": 0, "epochs": 2, "batch_size": 32}, 20, {"lr_G": 0.02}),
    "diffusion-2d": (
        {"speed": 0, "num_points": 2000, "hidden": 32, "sampling_steps": 10, "epochs": 2},
        6,
        {"lr": 0.01},
    ),
    "char-rnn": ({"model": "gru", "hidden": 16, "batch_size": 16, "epochs": 1}, 6, {"lr": 3.0}),
    "weight-decay": ({"speed": 0, "epochs": 3}, 9, {"weight_decay": 3.0}),
    "dropout": (
        {"dataset": "digits", "train_examples": 300, "batch_size": 64, "epochs": 2, "speed": 0},
        5,
        {"dropout1": 0.0},
    ),
    "initialization": ({"speed": 0, "steps": 12}, 5, {"lr": 0.05}),
    "softmax-regression": (
        {"dataset": "digits", "epochs": 2, "batch_size": 256, "speed": 0},
        5,
        {"lr": 0.3},
    ),
    "style-transfer": (
        {"content": "china", "style": "stained-glass", "size": 32, "steps": 8},
        4,
        {"lr": 0.05},
    ),
    "transformer-attention": (
        {
            "seq_len": 4,
            "hidden": 8,
            "num_heads": 2,
            "num_layers": 1,
            "batch_size": 8,
            "steps": 12,
        },
        5,
        {"lr": 0.003},
    ),
    "word2vec": ({"embed_size": 8, "sentences": 1500, "batch_size": 64}, 9, {"lr": 0.02}),
}


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Downloads go to a closed local port (style transfer runs on its stand-in features);
    one CPU thread (the test machine's cores are shared)."""
    closed = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("DIVELAB_VGG19_WEIGHTS_URL", f"{closed}/vgg19.pth")
    monkeypatch.setenv("DIVELAB_DATASETS_MIRROR", closed)
    torch.set_num_threads(1)


def test_every_demo_has_a_fork_case() -> None:
    assert sorted(FORK_CASES) == sorted(CATALOGUE)


def parent_run(demo: str, data_dir: str, change: dict | None = None) -> RecordingChannel:
    """The case's run, asking for a snapshot at the case's poll (and there making `change`)."""
    params, poll, _ = FORK_CASES[demo]
    changed = {**CATALOGUE[demo].validate(params).model_dump(mode="json"), **(change or {})}

    def script(polls: int) -> Control:
        if polls != poll:
            return Control()
        if change is None:
            return Control(snapshot=True)
        return Control(params=changed, version=2, snapshot=True)

    channel = run_demo(demo, params, RecordingChannel(script=script), data_dir)
    assert channel.final["status"] == "succeeded", channel.final.get("error")
    return channel


def middle_snapshot(demo: str, channel: RecordingChannel) -> int:
    """The step of the snapshot the parent asked for, between its first and its last."""
    step = channel.snapshot_asked_at(FORK_CASES[demo][1])
    steps = sorted(channel.snapshots)
    assert steps[0] < step < steps[-1], f"expected a snapshot in the middle, got {steps}"
    return step


def assert_same_metrics(expected: list, got: list) -> None:
    assert [(step, name) for step, name, _ in got] == [(step, name) for step, name, _ in expected]
    for (step, name, want), (_, _, value) in zip(expected, got, strict=True):
        assert value == want, f"{name} at step {step}: {value} != {want}"


@pytest.mark.parametrize("demo", sorted(FORK_CASES))
def test_a_control_twin_reproduces_its_parent(demo: str, tmp_path) -> None:
    parent = parent_run(demo, str(tmp_path))
    step = middle_snapshot(demo, parent)
    params = FORK_CASES[demo][0]
    twin = run_demo(demo, params, data_dir=str(tmp_path), fork_of=(parent, step))
    assert twin.final["status"] == "succeeded", twin.final.get("error")
    expected = metrics_after(parent, step)
    assert expected, "the parent reported nothing after its middle snapshot"
    assert_same_metrics(expected, metrics_after(twin, step))
    assert all(m["step"] > step for m in twin.of_type("metric")), "a fork repeats no metric"
    assert twin.of_type("params")[0]["step"] == step


@pytest.mark.parametrize("demo", sorted(FORK_CASES))
def test_a_fork_with_a_live_change_matches_a_run_changed_at_that_step(demo: str, tmp_path) -> None:
    params, _, change = FORK_CASES[demo]
    changed_live = parent_run(demo, str(tmp_path), change)
    step = middle_snapshot(demo, changed_live)
    parent = parent_run(demo, str(tmp_path))
    assert middle_snapshot(demo, parent) == step
    fork = run_demo(demo, {**params, **change}, data_dir=str(tmp_path), fork_of=(parent, step))
    assert fork.final["status"] == "succeeded", fork.final.get("error")
    expected = metrics_after(changed_live, step)
    assert expected != metrics_after(parent, step), "the change should change the run"
    assert_same_metrics(expected, metrics_after(fork, step))
