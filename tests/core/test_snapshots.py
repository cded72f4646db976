"""A job's snapshots stay within their bounds: the oldest thinned first, the first and the
last always kept, what is kept spread over the run."""

import itertools

from core.store import snapshots
from core.store.database import Database
from core.store.lifecycle import Lifecycle, utcnow
from core.store.models import Job
from core.store.snapshots import Bounds, thinned


def steps_kept(every: int, last: int, bounds: Bounds, size: int = 1) -> list[int]:
    """The steps a job keeps when it saves one snapshot every `every` steps up to `last`."""
    kept: list[tuple[int, int]] = []
    for step in range(0, last + 1, every):
        kept.append((step, size))
        doomed = thinned(kept, bounds)
        kept = [(s, n) for s, n in kept if s not in doomed]
    return [s for s, _ in kept]


def test_a_long_job_keeps_its_bound_with_the_first_and_the_last() -> None:
    kept = steps_kept(every=10, last=100_000, bounds=Bounds(count=24, size=10**9))
    assert len(kept) == 24
    assert kept[0] == 0 and kept[-1] == 100_000
    gaps = [b - a for a, b in itertools.pairwise(kept)]
    assert max(gaps) < 100_000 / 4, f"kept steps bunch together: {kept}"
    assert gaps[-1] <= gaps[0], "the oldest are the sparsest"


def test_the_bytes_bound_thins_as_the_count_bound_does() -> None:
    kept = steps_kept(every=1, last=200, bounds=Bounds(count=1000, size=10 * 1000), size=1000)
    assert len(kept) == 10 and kept[0] == 0 and kept[-1] == 200


def test_under_its_bounds_nothing_goes() -> None:
    assert thinned([(0, 1), (5, 1), (10, 1)], Bounds(count=3, size=3)) == []


def test_the_store_keeps_the_bounds(database: Database) -> None:
    with database.session() as session:
        Lifecycle().create(session, Job(id="long", demo="mlp", params={}, created_at=utcnow()))
    bounds = Bounds(count=4, size=10**6)
    for step in range(0, 100, 10):
        with database.session() as session:
            snapshots.save(session, "long", step, bytes([step]) * 10, bounds)
    with database.session() as session:
        kept = [row.step for row in snapshots.listed(session, "long")]
        assert snapshots.content(session, "long", 90) == bytes([90]) * 10
        snapshots.save(session, "long", 90, b"again", bounds)  # a step saved twice: replaced
    assert len(kept) == 4 and kept[0] == 0 and kept[-1] == 90
    with database.session() as session:
        assert snapshots.content(session, "long", 90) == b"again"
        assert len(snapshots.listed(session, "long")) == 4
