"""Metric series from the event log, downsampled for drawing without losing extremes."""

from collections import defaultdict
from typing import Any

import numpy as np
from tsdownsample import MinMaxDownsampler

from backend.jobs.schemas import MetricSeries

MIN_BINNED_POINTS = 4  # the downsampler's least output: two bins of (min, max)


def series_from_events(metric_events: list[dict[str, Any]]) -> dict[str, tuple[list, list]]:
    series: dict[str, tuple[list, list]] = defaultdict(lambda: ([], []))
    for event in metric_events:
        for name, value in event["values"].items():
            steps, values = series[name]
            steps.append(event.get("step") or 0)
            values.append(value)
    return series


def downsample(steps: list[int], values: list[float], max_points: int | None) -> MetricSeries:
    total = len(steps)
    if max_points is None or total <= max_points:
        return MetricSeries(steps=steps, values=values, total_points=total)
    x = np.asarray(steps, dtype=np.int64)
    y = np.asarray(values, dtype=np.float64)
    # Min and max of every bin (so no spike or dip disappears), plus both ends of the series.
    per_bin = (max_points - 2) // 2 * 2
    if per_bin >= MIN_BINNED_POINTS:
        extremes = MinMaxDownsampler().downsample(x, y, n_out=per_bin)
    else:  # too few points for bins: the extremes of the whole series
        extremes = np.array([np.argmin(y), np.argmax(y)])
    keep = np.unique(np.concatenate(([0], extremes, [total - 1])).astype(np.int64))
    return MetricSeries(steps=x[keep].tolist(), values=y[keep].tolist(), total_points=total)
