"""linear-regression forks: the concise model and its optimizer, the place in an epoch's order
cut into batches of a size changed live, and how often the run reports come back in a fork."""

import pytest
import torch

from core.channel import Control
from tests.demos.test_linear_regression import FAST, per_step
from tests.support import RecordingChannel, metrics_after, run_demo
from workers.demos.linear_regression import DEMO


@pytest.fixture(autouse=True)
def one_thread() -> None:
    torch.set_num_threads(1)  # the test machine's cores are shared


def test_a_fork_continues_within_an_epoch_and_at_its_end(tmp_path) -> None:
    """The concise model and its optimizer, the place in the epoch's order (cut into batches of
    a size changed live) and how often the run reports all come back in a fork."""
    params = DEMO.validate(
        {**FAST, "epochs": 2, "batch_size": 2, "implementation": "concise"}
    ).model_dump(mode="json")
    larger = DEMO.apply_live_change(params, {"batch_size": 5})

    def script(poll: int) -> Control:
        # 10 steps of 2 examples, then 196 of 5: epoch 1 ends at step 206
        return Control(
            params=larger if poll == 11 else None,
            version=2 if poll == 11 else None,
            snapshot=poll in (31, 207),
        )

    parent = run_demo("linear-regression", params, RecordingChannel(script=script), str(tmp_path))
    assert parent.final["summary"]["steps"] == 406
    assert {30, 206} < set(parent.snapshots)
    assert sorted(per_step(parent, "loss"))[:3] == [2, 4, 6]  # every other step, as planned
    for step in (30, 206):
        # A fork's params are those in force at its snapshot: batches of 5.
        fork = run_demo("linear-regression", larger, data_dir=str(tmp_path), fork_of=(parent, step))
        assert fork.final["status"] == "succeeded", fork.final.get("error")
        assert metrics_after(fork, 0) == metrics_after(parent, step) != []
        assert fork.final["summary"] == parent.final["summary"]

    # From the last snapshot a fork may train on, one more epoch in a new order.
    longer = run_demo(
        "linear-regression", {**larger, "epochs": 3}, data_dir=str(tmp_path), fork_of=(parent, 406)
    )
    three = run_demo("linear-regression", {**params, "epochs": 3}, RecordingChannel(script=script))
    assert longer.final["summary"] == three.final["summary"]
    assert per_step(longer, "train_loss") == {606: per_step(three, "train_loss")[606]}
