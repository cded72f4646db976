"""How often a loop reports: every step of a short run, every few steps of a long one.

A report (metrics computed over a data set, pictures) costs more than a step of a small model;
spreading about `most` reports over the planned steps keeps a long run's cost and its charts
bounded. The schedule is training state: a fork reports as often as its parent did, whatever
live batch size the parent came to, unless the fork plans another number of epochs.

    reports = ReportSchedule.plan(params.epochs, steps_per_epoch, MAX_REPORTS)
    ctx.track(..., reports=reports)
    reports.follow(params.epochs, steps_per_epoch, MAX_REPORTS)  # a fork's epochs
    ...
    if reports.due(step) or batches.epoch_done:
"""

import math
from dataclasses import dataclass


@dataclass
class ReportSchedule:
    epochs: int  # planned for
    every: int  # steps between two reports

    @classmethod
    def plan(cls, epochs: int, steps_per_epoch: int, most: int) -> "ReportSchedule":
        return cls(epochs, max(1, math.ceil(epochs * steps_per_epoch / most)))

    def follow(self, epochs: int, steps_per_epoch: int, most: int) -> None:
        """Plan again when a fork trains for another number of epochs than its parent."""
        if epochs != self.epochs:
            self.epochs, self.every = (
                epochs,
                ReportSchedule.plan(epochs, steps_per_epoch, most).every,
            )

    def due(self, step: int) -> bool:
        return step % self.every == 0
