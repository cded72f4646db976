"""SQL for `images`: learners' uploads, kept in the database so workers on any host read them."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from core.callers import Caller
from core.store.models import UploadedImage
from core.store.visibility import visible_to

# Everything about an upload but its bytes, for lists and metadata.
METADATA_COLUMNS = (
    UploadedImage.id,
    UploadedImage.name,
    UploadedImage.media_type,
    UploadedImage.width,
    UploadedImage.height,
    UploadedImage.size,
    UploadedImage.created_at,
)


def add(session: Session, image: UploadedImage) -> None:
    session.add(image)


def listed(session: Session, caller: Caller) -> Sequence[Row[Any]]:
    """Uploads' metadata, newest first."""
    return session.execute(
        select(*METADATA_COLUMNS)
        .where(visible_to(caller))
        .order_by(UploadedImage.created_at.desc(), UploadedImage.id)
    ).all()


def metadata(session: Session, caller: Caller, image_id: str) -> Row[Any] | None:
    return session.execute(
        select(*METADATA_COLUMNS).where(UploadedImage.id == image_id, visible_to(caller))
    ).first()


def content(session: Session, image_id: str) -> tuple[bytes, str] | None:
    """An upload's bytes and media type, for a job that names it (its params were checked)."""
    row = session.execute(
        select(UploadedImage.content, UploadedImage.media_type).where(UploadedImage.id == image_id)
    ).first()
    return (row.content, row.media_type) if row else None
