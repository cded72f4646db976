"""The demo kit's training state: what a snapshot holds comes back exactly, without pickle."""

import json
import random
from dataclasses import dataclass

import numpy as np
import pytest
import torch
from torch import nn

from workers.kit import state
from workers.kit.minibatches import Minibatches
from workers.kit.reporting import ReportSchedule
from workers.kit.running import RunningMeans


@dataclass
class Counters:
    steps: int = 0
    last_loss: float = float("nan")
    best: torch.Tensor | None = None
    history: tuple[float, ...] = ()


def model_and_adam() -> tuple[nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))
    return net, torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.8, 0.9))


def train(net: nn.Module, optimizer: torch.optim.Optimizer, steps: int) -> list[float]:
    losses = []
    for _ in range(steps):
        X = torch.randn(8, 3)  # from the global generator: part of the state
        loss = net(X).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def test_a_restored_state_continues_exactly_as_the_original() -> None:
    net, optimizer = model_and_adam()
    train(net, optimizer, 5)
    counters = Counters(5, 0.25, torch.tensor([1.5, 2.5]), (0.5, 0.25))
    random.random(), np.random.rand()
    snapshot = state.capture({"net": net, "optimizer": optimizer, "counters": counters})
    python_next, numpy_next = random.random(), np.random.rand()
    expected = train(net, optimizer, 5)

    net2, optimizer2 = model_and_adam()  # fresh objects, another state
    counters2 = Counters()
    torch.manual_seed(99)
    state.restore(snapshot, {"net": net2, "optimizer": optimizer2, "counters": counters2})
    assert (random.random(), np.random.rand()) == (python_next, numpy_next)
    assert train(net2, optimizer2, 5) == expected
    assert counters2.steps == 5 and counters2.last_loss == 0.25
    assert counters2.history == (0.5, 0.25)
    assert torch.equal(counters2.best, torch.tensor([1.5, 2.5]))
    # the optimizer's per-parameter state is keyed by index and its betas are a tuple
    assert optimizer2.state_dict()["param_groups"][0]["betas"] == (0.8, 0.9)
    assert set(optimizer2.state_dict()["state"]) == set(optimizer.state_dict()["state"])


def test_a_snapshot_is_safetensors_with_a_json_header_and_no_pickle() -> None:
    net, optimizer = model_and_adam()
    snapshot = state.capture({"net": net, "optimizer": optimizer})
    length = int.from_bytes(snapshot[:8], "little")
    header = json.loads(snapshot[8 : 8 + length])
    metadata = header.pop("__metadata__")
    assert metadata["format"] == state.FORMAT
    assert "net.state_dict" not in metadata  # tensors are not in the JSON ...
    assert header["net.0.weight"]["shape"] == [4, 3]  # ... but tensors of the file
    assert b"\x80\x04" not in snapshot[:16]  # not a pickle stream


def test_generators_and_tensors_restore_in_place() -> None:
    own = torch.Generator().manual_seed(7)
    position = torch.tensor([1.0, -2.0])
    snapshot = state.capture({"own": own, "position": position})
    expected = torch.rand(3, generator=own)
    position.add_(5)
    own.manual_seed(123)
    state.restore(snapshot, {"own": own, "position": position})
    assert torch.equal(torch.rand(3, generator=own), expected)
    assert position.tolist() == [1.0, -2.0]


def test_a_snapshot_of_another_shape_is_refused_with_its_name() -> None:
    net, optimizer = model_and_adam()
    snapshot = state.capture({"net": net})
    with pytest.raises(state.StateError, match="net"):
        state.restore(snapshot, {"net": nn.Linear(3, 2)})
    with pytest.raises(state.StateError, match="optimizer"):
        state.restore(snapshot, {"net": net, "optimizer": optimizer})


def test_running_means_continue_their_sums() -> None:
    running = RunningMeans("cpu")
    running.add({"loss": torch.tensor(2.0)}, weight=3)
    restored = RunningMeans("cpu")
    restored.load_state_dict(running.state_dict())
    restored.add({"loss": torch.tensor(4.0)}, weight=1)
    assert restored.read()["loss"] == pytest.approx((2 * 3 + 4) / 4)


def test_an_epoch_covers_the_data_once_in_a_seeded_order() -> None:
    images = torch.arange(10.0).reshape(10, 1, 1, 1)
    labels = torch.arange(10)

    def epoch(seed: int) -> list[list[int]]:
        batches = Minibatches((images, labels), 4, torch.Generator().manual_seed(seed))
        seen = []
        for X, y in batches:
            assert torch.equal(X.flatten(), y.float())  # each image stays with its label
            seen.append(y.tolist())
        return seen

    batches = epoch(0)
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(label for batch in batches for label in batch) == list(range(10))
    assert epoch(0) == batches and epoch(1) != batches


def epochs_of_batches(batches: Minibatches, epochs: int, stop_after: int | None = None) -> list:
    seen = []
    for epoch in batches.epochs(epochs):
        for (X,) in batches:
            if stop_after is not None and batches.step > stop_after:
                return seen
            seen.append((epoch, batches.step, X.tolist()))
    return seen


@pytest.mark.parametrize("stop_after", [0, 3, 4, 5, 9, 12])
def test_minibatches_resume_at_the_step_they_stopped(stop_after: int) -> None:
    """10 examples in batches of 3: 4 per epoch, the last short; 3 epochs, 12 steps."""
    data = (torch.arange(10),)
    whole = epochs_of_batches(Minibatches(data, 3, torch.Generator().manual_seed(1)), 3)
    assert len(whole) == 12

    parent = Minibatches(data, 3, torch.Generator().manual_seed(1))
    seen = epochs_of_batches(parent, 3, stop_after)  # stops in a step, as at a checkpoint
    snapshot = parent.state_dict()
    fork = Minibatches(data, 3, torch.Generator().manual_seed(42))
    fork.load_state_dict(snapshot)
    assert seen + epochs_of_batches(fork, 3) == whole


def test_minibatches_train_on_after_their_last_epoch() -> None:
    data = (torch.arange(10),)
    whole = epochs_of_batches(Minibatches(data, 3, torch.Generator().manual_seed(1)), 4)
    parent = Minibatches(data, 3, torch.Generator().manual_seed(1))
    done = epochs_of_batches(parent, 3)
    longer = Minibatches(data, 3, torch.Generator())
    longer.load_state_dict(parent.state_dict())
    assert done + epochs_of_batches(longer, 4) == whole


def batches_of_live_size(batches: Minibatches, stop_after: int | None = None) -> list:
    """Batches of 2 examples up to step 4, of 3 after (a live change), taken after the
    checkpoint; stops at the checkpoint of step `stop_after + 1`."""
    seen = []
    for _ in batches.epochs(3):
        for step in batches.steps():
            if stop_after is not None and step > stop_after:
                return seen
            (X,) = batches.take(2 if step <= 4 else 3)
            seen.append(X.tolist())
    return seen


@pytest.mark.parametrize("stop_after", [0, 4, 5, 8])
def test_minibatches_of_a_live_size_resume_at_the_step_they_stopped(stop_after: int) -> None:
    data = (torch.arange(10),)
    whole = batches_of_live_size(Minibatches(data, 1, torch.Generator().manual_seed(3)))
    parent = Minibatches(data, 1, torch.Generator().manual_seed(3))
    seen = batches_of_live_size(parent, stop_after)
    fork = Minibatches(data, 1, torch.Generator())
    fork.load_state_dict(parent.state_dict())
    assert seen + batches_of_live_size(fork) == whole
    assert sum(len(batch) for batch in whole) == 30  # every example once per epoch


@pytest.mark.parametrize(
    ("epochs", "steps_per_epoch", "every"), [(5, 38, 1), (50, 38, 5), (500, 8, 10), (1, 1, 1)]
)
def test_a_report_schedule_spreads_at_most_so_many_reports(
    epochs: int, steps_per_epoch: int, every: int
) -> None:
    reports = ReportSchedule.plan(epochs, steps_per_epoch, most=400)
    assert reports.every == every
    due = [step for step in range(1, epochs * steps_per_epoch + 1) if reports.due(step)]
    assert len(due) <= 400 and due[0] == every


def test_a_fork_reports_as_its_parent_unless_it_plans_other_epochs() -> None:
    parent = ReportSchedule.plan(50, 38, most=400)
    fork = ReportSchedule(0, 0)
    state.restore(state.capture({"reports": parent}), {"reports": fork})
    fork.follow(50, 10, most=400)  # a live batch size made the epochs shorter: no change
    assert fork == parent
    fork.follow(500, 38, most=400)
    assert fork == ReportSchedule(500, 48)
