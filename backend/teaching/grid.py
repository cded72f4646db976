"""The instructor's live grid of a class: for one demo, every learner's newest run as a small
chart, its status and its key params, over ONE websocket however many learners there are.

Each tick reads the database (the one place both modes store every event): the learners'
newest runs, then the metric events of all of them after each run's cursor in one query. A
message goes out only when something changed:

    {"type": "grid", "demo": ID, "metrics": [NAME, ...],
     "learners": [{"learner_id", "name", "job_id", "status", "params", "error"}] | absent,
     "points": {JOB_ID: {"reset": bool, "series": {NAME: {"steps": [...], "values": [...]}}}}}

`learners` is sent when a learner, a run or a status changed; `reset` means "replace this
run's points" (a new run, downsampled to GRID_POINTS), otherwise the points extend the chart.
`metrics` only grows: every metric any run of the grid draws, in the order first reported.
"""

from dataclasses import asdict
from typing import Any

from backend.jobs.metrics import downsample, series_from_events
from backend.teaching.service import LearnerRun, Teaching
from workers.demos import CATALOGUE

GRID_POINTS = 150  # per metric of a run when it joins the grid
GRID_METRICS = 6  # the metrics of a demo's first chart a grid draws, at most


class GridFeed:
    def __init__(self, teaching: Teaching, class_id: str, demo: str) -> None:
        self.teaching = teaching
        self.class_id = class_id
        self.demo = demo
        self.spec = CATALOGUE[demo]
        self.cursors: dict[str, int] = {}  # job id -> last metric seq sent
        self.metrics: list[str] = []  # the grid's metric names, in the order first reported
        self.learners: list[LearnerRun] | None = None

    def tick(self) -> dict[str, Any] | None:
        """The next message, or None when nothing changed (blocking: run it in a thread)."""
        learners = self.teaching.latest_runs(self.class_id, self.demo)
        runs = {run.job_id for run in learners if run.job_id is not None}
        new_runs = runs - set(self.cursors)
        self.cursors = {job: seq for job, seq in self.cursors.items() if job in runs}
        cursors = {**self.cursors, **dict.fromkeys(new_runs, 0)}
        points = self._points(self.teaching.metrics_after(cursors), new_runs)
        message: dict[str, Any] = {"type": "grid", "demo": self.demo, "metrics": self.metrics}
        if learners != self.learners:
            self.learners = learners
            message["learners"] = [asdict(run) for run in learners]
        if points or new_runs:
            message["points"] = points
        return message if len(message) > 3 else None

    def _points(self, events: list[dict[str, Any]], new_runs: set[str]) -> dict[str, Any]:
        by_job: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            by_job.setdefault(event["job_id"], []).append(event)
        points: dict[str, Any] = {job: {"reset": True, "series": {}} for job in new_runs}
        for job, job_events in by_job.items():
            self.cursors[job] = job_events[-1]["seq"]
            series = series_from_events(job_events)
            drawn = self._drawn(series)
            reset = job in new_runs
            points[job] = {
                "reset": reset,
                "series": {
                    name: downsample(*series[name], GRID_POINTS if reset else None).model_dump(
                        include={"steps", "values"}
                    )
                    for name in drawn
                },
            }
        for job in new_runs:
            self.cursors.setdefault(job, 0)
        return points

    def _drawn(self, series: dict[str, Any]) -> list[str]:
        """The metrics of a run the grid draws: those of the demo's first chart (all, when it
        declares none), up to GRID_METRICS names over the whole grid (runs may report
        different ones: gradient-descent's are the optimizers each learner races)."""
        names = sorted(series)
        if self.spec.charts:
            names = [name for name in names if self.spec.chart_of(name) is self.spec.charts[0]]
        for name in names:
            if name not in self.metrics and len(self.metrics) < GRID_METRICS:
                self.metrics.append(name)
        return [name for name in names if name in self.metrics]
