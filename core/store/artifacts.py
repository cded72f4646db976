"""SQL for `artifacts`: named files a job produced."""

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from core.errors import NotFound
from core.store.lifecycle import utcnow
from core.store.models import Artifact


def save(session: Session, job_id: str, name: str, media_type: str, content: bytes) -> None:
    """Store (or replace) a job's named artifact."""
    existing = session.scalar(
        select(Artifact).where(Artifact.job_id == job_id, Artifact.name == name)
    )
    if existing is None:
        existing = Artifact(job_id=job_id, name=name)
        session.add(existing)
    existing.media_type = media_type
    existing.content = content
    existing.size = len(content)
    existing.created_at = utcnow()


def listed(session: Session, job_id: str) -> Sequence[Row]:
    """Name, media type, size and time of each artifact, without the bytes."""
    return session.execute(
        select(Artifact.name, Artifact.media_type, Artifact.size, Artifact.created_at)
        .where(Artifact.job_id == job_id)
        .order_by(Artifact.name)
    ).all()


def content(session: Session, job_id: str, name: str) -> tuple[bytes, str]:
    row = session.scalar(select(Artifact).where(Artifact.job_id == job_id, Artifact.name == name))
    if row is None:
        raise NotFound("artifact", name)
    return row.content, row.media_type
