"""A learner's fair share of the workers (classroom mode): their class's limits, and which
queued job starts next.

The queue is fair across learners: of the jobs waiting, the next to start belongs to the
learner with the fewest jobs running, and among equals to the one whose last job started
longest ago; a learner at their limit of jobs running waits. So a learner who queues ten jobs
does not delay one who queues one: the second learner's job starts at the next free slot.
Without sign-in, and for instructors, there is no limit.
"""

import heapq
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field


class ClassLimits(BaseModel):
    """What each learner of a class may use; an instructor sets them per class."""

    model_config = ConfigDict(extra="forbid", strict=True)

    running: int = Field(1, ge=1, le=16, description="Jobs a learner has running at once.")
    queued: int = Field(3, ge=0, le=50, description="Jobs a learner has waiting at once.")
    worker_minutes_per_day: int = Field(
        60, ge=1, le=24 * 60, description="Minutes of worker time a learner's jobs use per day."
    )
    uploads: int = Field(20, ge=0, le=1000, description="Images a learner keeps uploaded.")
    upload_megabytes: int = Field(50, ge=1, le=10_000, description="Megabytes of those.")


@dataclass(frozen=True)
class Waiting:
    job_id: str
    owner_id: str
    queued_at: float  # Unix seconds


def next_to_start(
    waiting: Sequence[Waiting],
    running: Mapping[str, int],
    last_started: Mapping[str, float],
    running_limit: Callable[[str], int | None],
) -> Waiting | None:
    """The job that starts at the next free slot; None when every learner who waits is at
    their limit of jobs running."""
    eligible = [
        job
        for job in waiting
        if (limit := running_limit(job.owner_id)) is None or running.get(job.owner_id, 0) < limit
    ]
    if not eligible:
        return None
    return min(
        eligible,
        key=lambda job: (
            running.get(job.owner_id, 0),
            last_started.get(job.owner_id, 0.0),
            job.queued_at,
        ),
    )


def start_order(
    waiting: Sequence[Waiting], running: Mapping[str, int], last_started: Mapping[str, float]
) -> list[Waiting]:
    """The order in which the waiting jobs start, as `next_to_start` picks them slot after
    slot: each pick counts as one more job running for its learner, so learners take turns."""
    running, last_started = dict(running), dict(last_started)
    turn = max(last_started.values(), default=0.0)
    left, order = list(waiting), []
    while left:
        job = min(
            left,
            key=lambda j: (
                running.get(j.owner_id, 0),
                last_started.get(j.owner_id, 0.0),
                j.queued_at,
            ),
        )
        left.remove(job)
        order.append(job)
        turn += 1.0
        running[job.owner_id] = running.get(job.owner_id, 0) + 1
        last_started[job.owner_id] = turn
    return order


def estimated_starts(
    order: Sequence[Waiting], slots_free_in: Sequence[float], duration: Callable[[Waiting], float]
) -> dict[str, float]:
    """Seconds from now until each job starts: every job takes the slot that frees first and
    holds it for its expected duration. `slots_free_in`: one entry per worker slot, the
    seconds until its current job is expected to end (0 for an idle one)."""
    free = list(slots_free_in) or [0.0]
    heapq.heapify(free)
    starts: dict[str, float] = {}
    for job in order:
        start = heapq.heappop(free)
        starts[job.job_id] = start
        heapq.heappush(free, start + duration(job))
    return starts


DEFAULT_RUN_SECONDS = 60.0  # a demo's expected run time before any run of it has finished


@dataclass(frozen=True)
class QueueSnapshot:
    """The queue at one moment, as the store sees it."""

    waiting: Sequence[Waiting]  # oldest first
    # handed to Celery, no worker yet (distributed): first in line, in the order handed over
    admitted: Sequence[Waiting]
    running: Mapping[str, int]  # jobs running (or admitted) per owner
    last_started: Mapping[str, float]  # per owner, Unix seconds
    running_elapsed: Sequence[tuple[str, float]]  # (demo, seconds so far) per running job
    typical_seconds: Mapping[str, float]  # a demo's recent mean run time
    demos: Mapping[str, str]  # waiting or admitted job -> its demo

    def expected_seconds(self, demo: str) -> float:
        return self.typical_seconds.get(demo, DEFAULT_RUN_SECONDS)

    def place(self, job_id: str, slots: int | None) -> tuple[int, int, float] | None:
        """(position from 1, jobs waiting, estimated seconds to the start) of a waiting job;
        None when it is not waiting. `slots`: the workers' job slots (None: as many as run)."""
        order = [
            *self.admitted,
            *start_order(self.waiting, self.running, self.last_started),
        ]
        position = next((i for i, job in enumerate(order) if job.job_id == job_id), None)
        if position is None:
            return None
        busy = [
            max(self.expected_seconds(demo) - elapsed, 0.0)
            for demo, elapsed in self.running_elapsed
        ]
        free_slots = max((slots or len(busy)) - len(busy), 0)
        starts = estimated_starts(
            order[: position + 1],
            busy + [0.0] * free_slots,
            lambda job: self.expected_seconds(self.demos[job.job_id]),
        )
        return position + 1, len(order), starts[job_id]
