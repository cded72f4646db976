"""SQL for `images`: learners' uploads, kept in the database so workers on any host read them."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, func, insert, literal_column, select
from sqlalchemy.orm import Session

from core.callers import Caller
from core.store.models import UploadedImage
from core.store.visibility import changeable_by, visible_to

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
    if session.get_bind().dialect.name != "sqlite":
        session.add(image)
        return
    # SQLite's driver keeps its statements prepared, with their last parameters bound: an
    # INSERT that bound the file would keep a copy of it per pooled connection. The row is
    # inserted with zeros in its place, and the file written into them as a blob.
    columns = {column.key: getattr(image, column.key) for column in UploadedImage.__table__.c}
    session.execute(
        insert(UploadedImage).values({**columns, "content": func.zeroblob(len(image.content))})
    )
    rowid = session.execute(
        select(literal_column("rowid"))
        .select_from(UploadedImage)
        .where(UploadedImage.id == image.id)
    ).scalar_one()
    driver = session.connection().connection.driver_connection
    with driver.blobopen(UploadedImage.__tablename__, "content", rowid) as blob:
        blob.write(image.content)


def remove(session: Session, caller: Caller, image_id: str) -> bool:
    """Delete an upload the caller sees; False when there is none by that id."""
    result = session.execute(
        delete(UploadedImage).where(
            UploadedImage.id == image_id, changeable_by(caller, UploadedImage)
        )
    )
    return result.rowcount > 0


def usage(session: Session) -> tuple[int, int]:
    """How many uploads the store holds and their bytes, whoever uploaded them: the store's
    fill against its limits (a capacity of the installation, not rows read for a caller)."""
    count, total = session.execute(
        select(func.count(UploadedImage.id), func.coalesce(func.sum(UploadedImage.size), 0))
    ).one()
    return int(count), int(total)


def listed(session: Session, caller: Caller) -> Sequence[Row[Any]]:
    """Uploads' metadata, newest first."""
    return session.execute(
        select(*METADATA_COLUMNS)
        .where(visible_to(caller, UploadedImage))
        .order_by(UploadedImage.created_at.desc(), UploadedImage.id)
    ).all()


def metadata(session: Session, caller: Caller, image_id: str) -> Row[Any] | None:
    return session.execute(
        select(*METADATA_COLUMNS).where(
            UploadedImage.id == image_id, visible_to(caller, UploadedImage)
        )
    ).first()


def content(session: Session, image_id: str) -> tuple[bytes, str] | None:
    """An upload's bytes and media type, for a job that names it (its params were checked)."""
    row = session.execute(
        select(UploadedImage.content, UploadedImage.media_type).where(UploadedImage.id == image_id)
    ).first()
    return (row.content, row.media_type) if row else None
