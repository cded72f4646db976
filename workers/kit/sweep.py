"""A sweep: one job fits the same problem once for each value of one quantity (the number of
features, the weight decay λ...) and draws each fit's final results against that value, a point
at a time, as each fit finishes.

`sweep(ctx, values, fit, ...)` calls `fit(value)` for each value in order; between two fits it
passes a checkpoint (step n before the n-th fit: a live change applies from the next fit on, a
cancel stops the sweep there). After each fit it reports that fit's results as metrics at step n,
the whole curve so far as one `lines` frame, and a line in the log with the sweep's progress.
On a log axis a value ≤ 0 (λ = 0) has no place: its results are drawn as level lines across
the axis, labelled with the value, so the curve stays honest. Results are drawn unrounded: on a
log axis a tiny loss is a value like any other.
"""

from collections.abc import Callable, Mapping, Sequence

from core.frames import LineSeries
from workers.context import JobContext
from workers.kit.views import lines

Results = dict[str, float]


def sweep(
    ctx: JobContext,
    values: Sequence[float],
    fit: Callable[[float], Results],
    *,
    frame: str,
    labels: Mapping[str, str],
    x_label: str,
    y_label: str,
    x_log: bool = False,
    y_log: bool = True,
) -> list[Results]:
    """Fit once per value; `fit` returns the final metrics by name, `labels` names the ones
    drawn (metric name → legend label). Returns each fit's results, in the order of `values`."""
    done: list[Results] = []
    for index, value in enumerate(values, start=1):
        ctx.checkpoint(index)
        results = fit(value)
        done.append(results)
        ctx.metric(results, step=index)
        drawn = sweep_lines(values, done, labels, x_label, x_log)
        ctx.frame(frame, lines(*drawn, x_label=x_label, y_label=y_label, x_log=x_log, y_log=y_log))
        shown = ", ".join(f"{label} {results[name]:.4g}" for name, label in labels.items())
        ctx.log(f"{x_label} = {value:g}: {shown}", index / len(values))
    return done


def sweep_lines(
    values: Sequence[float],
    done: Sequence[Results],
    labels: Mapping[str, str],
    x_label: str,
    x_log: bool,
) -> list[LineSeries]:
    """The curves of the fits done so far (the first len(done) values), one per label."""
    placed = [i for i in range(len(done)) if values[i] > 0 or not x_log]
    series = [
        LineSeries(label=label, x=[values[i] for i in placed], y=[done[i][name] for i in placed])
        for name, label in labels.items()
    ]
    unplaced = [i for i in range(len(done)) if i not in placed]
    if unplaced:  # level lines across every value that has a place, so that they never move
        extent = [min(v for v in values if v > 0), max(values)]
        series += [
            LineSeries(
                label=f"{label} at {x_label} = {values[i]:g}", x=extent, y=[done[i][name]] * 2
            )
            for i in unplaced
            for name, label in labels.items()
        ]
    return series
