"""How a job's stored event log stays bounded: frames are thinned, everything else is kept.

A learner replaying a run needs every metric point, every status, params and log line, the
latest frame of each name (the final pictures) and enough earlier frames to watch the run
unfold. So of each frame name the log keeps at most `kept` frames evenly spread over the run
(the first always among them) plus the latest: frame k (counted per name from 0) is on the
grid when k is a multiple of the stride; when the grid holds more than `kept`, the stride
doubles and every other grid frame goes. A 100,000-step run keeps every metric and a few
hundred frames of each name, not 100,000.

Live viewers see every frame; only the stored log (what replays and later readers get) is
thinned, so a replay may skip seqs (the websocket says so with a `skipped` message).
"""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Series:
    """The frames of one name: how many came, the grid's stride, the stored grid frames
    (ordinal, seq), and the stored latest frame when it is off the grid."""

    count: int = 0
    stride: int = 1
    grid: list[tuple[int, int]] = field(default_factory=list)
    latest_off_grid: int | None = None


class FrameThinning:
    """The thinning of one job's frames, kept by whoever sequences the job's events."""

    def __init__(self, kept: int) -> None:
        self.kept = kept
        self._series: dict[str, _Series] = defaultdict(_Series)

    def select(self, numbered: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[int]]:
        """Of a numbered batch, the events to store, and the seqs of frames stored before that
        are no longer kept."""
        dropped: set[int] = set()
        for event in numbered:
            if event["type"] == "frame":
                dropped.update(self._admit(self._series[event["name"]], event["seq"]))
        in_batch = {event["seq"] for event in numbered}
        store = [event for event in numbered if event["seq"] not in dropped]
        return store, sorted(dropped - in_batch)

    def _admit(self, series: _Series, seq: int) -> list[int]:
        """Count a frame in; the seqs it pushes out of the log."""
        dropped = [series.latest_off_grid] if series.latest_off_grid is not None else []
        series.latest_off_grid = None
        ordinal, series.count = series.count, series.count + 1
        if ordinal % series.stride:
            series.latest_off_grid = seq
            return dropped
        series.grid.append((ordinal, seq))
        if len(series.grid) > self.kept:
            series.stride *= 2
            dropped += [q for o, q in series.grid if o % series.stride and q != seq]
            series.grid = [(o, q) for o, q in series.grid if not o % series.stride]
            if ordinal % series.stride:  # this frame left the grid but is the latest
                series.latest_off_grid = seq
        return dropped
