"""`speed`: a loop slow enough to watch, set live by the learner."""

import time

from workers.context import JobContext


class Pace:
    """Holds a loop to `speed` iterations per second; 0 runs flat out.

    The wait polls the job, so a cancel or a live change (a new speed) cuts it short. After a
    stall (a slow step, a pause) it catches up at most one second of iterations.
    """

    def __init__(self, ctx: JobContext) -> None:
        self._ctx = ctx
        self._next_tick = time.monotonic()

    def wait(self, speed: float) -> None:
        if speed <= 0:
            return
        self._next_tick = max(self._next_tick + 1 / speed, time.monotonic() - 1)
        self._ctx.wait_until(self._next_tick)
