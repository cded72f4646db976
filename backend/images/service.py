"""The logic behind the images routes, and how workers read an image by id.

Uploads are checked in the order that costs least first: size, then the type from the file's
first bytes, then the pixel count from the header (so a decompression bomb is refused before
any pixel is decoded), and only then the full decode. A file that passes is stored re-encoded
(upright, RGB, metadata stripped) in one insert, so a refused upload leaves nothing behind.
"""

import io
import secrets
from functools import cache
from pathlib import PurePath
from typing import Any, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import Row, select

from backend.errors import NotFound
from backend.images.builtin import BUILTINS
from backend.images.schemas import ImageOut
from backend.storage import event_log
from backend.storage.database import session_scope
from backend.storage.models import UploadedImage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 4096  # pixels, in each direction

# Pillow format name -> media type, for the formats we accept.
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
# How an accepted upload is stored again after it was turned upright.
SAVE_OPTIONS: dict[str, dict[str, int]] = {
    "PNG": {},
    "JPEG": {"quality": 95},
    "WEBP": {"quality": 95},
}


class ImageRejected(Exception):
    """An upload refused, with the HTTP status that says why."""

    status_code = 422


class TooLarge(ImageRejected):
    status_code = 413

    def __init__(self) -> None:
        super().__init__(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")


class UnsupportedType(ImageRejected):
    status_code = 415

    def __init__(self) -> None:
        super().__init__("The file is not a PNG, JPEG or WebP image.")


class Undecodable(ImageRejected):
    def __init__(self, reason: str) -> None:
        super().__init__(f"The image cannot be decoded: {reason}")


class TooManyPixels(ImageRejected):
    def __init__(self, size: str) -> None:
        super().__init__(f"Too many pixels: {size}. At most {MAX_SIDE}×{MAX_SIDE} are accepted.")


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)  # one byte more tells an oversized file from a full one
    if len(data) > limit:
        raise TooLarge
    return data


def sniff_format(head: bytes) -> str:
    """The Pillow format from the file's magic bytes; its name or declared type may lie."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedType


def decode_upright(data: bytes, image_format: str) -> Image.Image:
    """Decode an upload, checking its size in the header before any pixel is decoded, and
    apply its EXIF orientation (cameras store pixels sideways and say so there)."""
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])  # reads the header only
    except UnidentifiedImageError:
        raise Undecodable(f"it is not a valid {image_format} file") from None
    except Image.DecompressionBombError as bomb:  # Pillow's own limit, far above ours
        raise TooManyPixels(str(bomb)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise Undecodable(str(error)) from None
    if image.width > MAX_SIDE or image.height > MAX_SIDE:
        raise TooManyPixels(f"{image.width}×{image.height}")
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as error:
        raise Undecodable(str(error)) from None


def on_white(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent ones become white (as a browser shows them), not black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image.convert("RGB")


def encode(image: Image.Image, image_format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **SAVE_OPTIONS[image_format])
    return out.getvalue()


def display_name(filename: str | None) -> str:
    return PurePath(filename or "").name[:255] or "upload"


def builtin_image(image_id: str) -> tuple[ImageOut, bytes] | None:
    """A built-in image's description and file, or None (unknown, or not installed here)."""
    return _described_builtin(image_id) if image_id in BUILTINS else None


@cache  # built-ins never change; only catalogue ids reach here, so the cache stays small
def _described_builtin(image_id: str) -> tuple[ImageOut, bytes] | None:
    builtin = BUILTINS[image_id]
    content = builtin.encoded()
    if content is None:
        return None
    header = Image.open(io.BytesIO(content))
    out = ImageOut(
        id=image_id,
        title=builtin.title,
        source="builtin",
        suggested_as=builtin.suggested_as,
        credit=builtin.credit,
        media_type=MEDIA_TYPES[header.format or "PNG"],
        width=header.width,
        height=header.height,
        size=len(content),
        created_at=None,
        url=content_url(image_id),
    )
    return out, content


def content_url(image_id: str) -> str:
    return f"/api/images/{image_id}/content"


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


def upload_out(row: Row[Any]) -> ImageOut:
    return ImageOut(
        id=row.id,
        title=row.name,
        source="upload",
        suggested_as=None,
        credit=None,
        media_type=row.media_type,
        width=row.width,
        height=row.height,
        size=row.size,
        created_at=row.created_at,
        url=content_url(row.id),
    )


class ImageService:
    def upload(self, filename: str | None, stream: BinaryIO) -> ImageOut:
        data = read_at_most(stream, MAX_UPLOAD_BYTES)
        image_format = sniff_format(data[:12])
        image = on_white(decode_upright(data, image_format))
        content = encode(image, image_format)  # upright pixels, no EXIF left to rotate them again
        row = UploadedImage(
            id=secrets.token_hex(8),
            name=display_name(filename),
            media_type=MEDIA_TYPES[image_format],
            width=image.width,
            height=image.height,
            size=len(content),
            created_at=event_log.utcnow(),
            content=content,
        )
        with session_scope() as session:
            session.add(row)
        return self.get(row.id)

    def list(self) -> list[ImageOut]:
        """Built-ins in catalogue order, then uploads, newest first."""
        builtins = [found[0] for image_id in BUILTINS if (found := builtin_image(image_id))]
        with session_scope() as session:
            rows = session.execute(
                select(*METADATA_COLUMNS).order_by(
                    UploadedImage.created_at.desc(), UploadedImage.id
                )
            ).all()
        return builtins + [upload_out(row) for row in rows]

    def get(self, image_id: str) -> ImageOut:
        if found := builtin_image(image_id):
            return found[0]
        with session_scope() as session:
            row = session.execute(
                select(*METADATA_COLUMNS).where(UploadedImage.id == image_id)
            ).first()
        if row is None:
            raise NotFound("image", image_id)
        return upload_out(row)

    def content(self, image_id: str) -> tuple[bytes, str]:
        """The image file's bytes and media type."""
        if found := builtin_image(image_id):
            out, content = found
            return content, out.media_type
        with session_scope() as session:
            row = session.get(UploadedImage, image_id)
            if row is None:
                raise NotFound("image", image_id)
            return row.content, row.media_type


def open_rgb(image_id: str) -> Image.Image:
    """An image by id as RGB pixels. Workers call this: uploads come from the database, so a
    worker on another host reads the same image."""
    content, _ = ImageService().content(image_id)
    return Image.open(io.BytesIO(content)).convert("RGB")
