"""SQL for `snapshots`: a job's training state at some steps, bounded per job.

A long job saves a snapshot every K steps; a job keeps at most `count` of them and `size`
bytes. Past a bound the oldest are thinned first: of the snapshots between the first and the
newest, the one whose neighbours stand closest together goes (the oldest of equals), so what
is kept stays spread over the run, sparser towards its start, and the first and the last
steps are always there.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Row, delete, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.settings import Settings
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import Snapshot


@dataclass(frozen=True)
class Bounds:
    count: int
    size: int

    @classmethod
    def of(cls, settings: Settings) -> "Bounds":
        return cls(settings.snapshots_per_job, settings.snapshot_bytes_per_job)


def save(session: Session, job_id: str, step: int, content: bytes, bounds: Bounds) -> None:
    """Store (or replace) the snapshot after `step`, then thin the job's to its bounds."""
    session.execute(delete(Snapshot).where(Snapshot.job_id == job_id, Snapshot.step == step))
    session.add(
        Snapshot(job_id=job_id, step=step, size=len(content), created_at=utcnow(), content=content)
    )
    session.flush()
    kept = [(row.step, row.size) for row in listed(session, job_id)]
    doomed = thinned(kept, bounds)
    if doomed:
        session.execute(
            delete(Snapshot).where(Snapshot.job_id == job_id, Snapshot.step.in_(doomed))
        )


def thinned(kept: list[tuple[int, int]], bounds: Bounds) -> list[int]:
    """The steps to delete from `kept` (step, size), in step order, to meet the bounds."""
    kept = sorted(kept)
    doomed: list[int] = []
    while len(kept) > 2 and (len(kept) > bounds.count or sum(s for _, s in kept) > bounds.size):
        gaps = [kept[i + 1][0] - kept[i - 1][0] for i in range(1, len(kept) - 1)]
        victim = 1 + gaps.index(min(gaps))
        doomed.append(kept.pop(victim)[0])
    return doomed


def listed(session: Session, job_id: str) -> Sequence[Row]:
    """Step, size and time of each snapshot, in step order, without the bytes."""
    return session.execute(
        select(Snapshot.step, Snapshot.size, Snapshot.created_at)
        .where(Snapshot.job_id == job_id)
        .order_by(Snapshot.step)
    ).all()


def content(session: Session, job_id: str, step: int) -> bytes:
    found = session.scalar(
        select(Snapshot.content).where(Snapshot.job_id == job_id, Snapshot.step == step)
    )
    if found is None:
        raise NotFound("snapshot", f"{job_id} after step {step}")
    return found


class SnapshotLibrary:
    """Snapshots for a worker process, read from the database every host shares."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def content(self, job_id: str, step: int) -> bytes:
        with self.database.session() as session:
            return content(session, job_id, step)
