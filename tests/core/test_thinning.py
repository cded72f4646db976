"""The stored event log keeps every metric and a bounded, evenly spread set of frames."""

import itertools
import random

import pytest

from core.store.thinning import FrameThinning


def run(kept: int, kinds: list[str], batch_sizes: list[int]) -> tuple[list[dict], dict[int, dict]]:
    """Feed numbered events in batches; the log as a store that applies the deletions."""
    events = [
        {"seq": seq, "type": kind, "name": "positions" if kind == "frame" else None}
        for seq, kind in enumerate(kinds, start=1)
    ]
    thinning, log, start = FrameThinning(kept), {}, 0
    for size in batch_sizes:
        batch, start = events[start : start + size], start + size
        store, dropped = thinning.select(batch)
        assert set(dropped) <= set(log)  # only what is stored can be deleted
        for seq in dropped:
            del log[seq]
        log.update({e["seq"]: e for e in store})
    return events, log


@pytest.mark.parametrize("frames", [1, 10, 11, 399, 401, 4000, 100_000])
def test_each_name_keeps_the_first_the_latest_and_at_most_kept_more(frames: int) -> None:
    kept = 400
    _, log = run(kept, ["frame"] * frames, [frames])
    stored = sorted(log)
    assert stored[0] == 1 and stored[-1] == frames
    assert len(stored) <= kept + 1
    if frames <= kept:
        assert len(stored) == frames  # nothing thinned while it fits
    else:
        assert len(stored) > kept // 2  # thinned, not emptied
        gaps = {b - a for a, b in itertools.pairwise(stored)}
        assert len(gaps - {max(gaps)}) <= 1  # evenly spread: one stride (and the latest's)


def test_batching_does_not_change_what_is_kept() -> None:
    rng = random.Random(0)
    kinds = [rng.choice(["frame", "frame", "metric", "log"]) for _ in range(5000)]
    _, whole = run(50, kinds, [len(kinds)])
    sizes, left = [], len(kinds)
    while left:
        sizes.append(min(left, rng.randint(1, 40)))
        left -= sizes[-1]
    _, batched = run(50, kinds, sizes)
    assert sorted(whole) == sorted(batched)


def test_everything_but_frames_is_kept_and_names_are_thinned_apart() -> None:
    thinning = FrameThinning(4)
    events = []
    for step in range(1, 101):
        events += [
            {"seq": 3 * step - 2, "type": "metric", "name": None},
            {"seq": 3 * step - 1, "type": "frame", "name": "a"},
            {"seq": 3 * step, "type": "frame", "name": "b"},
        ]
    store, dropped = thinning.select(events)
    assert dropped == []
    kept = {e["seq"] for e in store}
    assert all(e["seq"] in kept for e in events if e["type"] == "metric")
    for name in "ab":
        frames = [e["seq"] for e in store if e["name"] == name]
        assert 2 <= len(frames) <= 5 and frames[-1] == max(
            e["seq"] for e in events if e["name"] == name
        )
