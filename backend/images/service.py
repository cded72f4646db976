"""The logic behind the images routes.

Uploads are checked in the order that costs least first: size, then the type from the file's
first bytes, then the pixel count from the header (so a decompression bomb is refused before
any pixel is decoded), and only then the full decode. A file that passes is stored re-encoded
(upright, RGB, metadata stripped) in one insert, so a refused upload leaves nothing behind.
Workers read images by id through `core.images.ImageLibrary`, never through this module.
"""

import io
import secrets
from pathlib import PurePath
from typing import Any, BinaryIO

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.images.schemas import ImageOut
from core.builtin_images import BUILTINS
from core.callers import Caller
from core.errors import InvalidInput, NotFound, TooLarge, UnsupportedMediaType
from core.images import MEDIA_TYPES, ImageLibrary, builtin_content
from core.store import images
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import UploadedImage

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_SIDE = 4096  # pixels, in each direction

# How an accepted upload is stored again after it was turned upright.
SAVE_OPTIONS: dict[str, dict[str, int]] = {
    "PNG": {},
    "JPEG": {"quality": 95},
    "WEBP": {"quality": 95},
}


def too_large() -> TooLarge:
    # Connection: close, so that the client stops sending the rest of a huge body.
    return TooLarge(
        f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.",
        headers={"Connection": "close"},
    )


def invalid_image(reason: str) -> InvalidInput:
    return InvalidInput([{"loc": ["file"], "msg": reason, "type": "invalid_image"}])


def undecodable(reason: str) -> InvalidInput:
    return invalid_image(f"The image cannot be decoded: {reason}")


def too_many_pixels(size: str) -> InvalidInput:
    return invalid_image(f"Too many pixels: {size}. At most {MAX_SIDE}×{MAX_SIDE} are accepted.")


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)  # one byte more tells an oversized file from a full one
    if len(data) > limit:
        raise too_large()
    return data


def sniff_format(head: bytes) -> str:
    """The Pillow format from the file's magic bytes; its name or declared type may lie."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    raise UnsupportedMediaType("The file is not a PNG, JPEG or WebP image.")


def decode_upright(data: bytes, image_format: str) -> Image.Image:
    """Decode an upload, checking its size in the header before any pixel is decoded, and
    apply its EXIF orientation (cameras store pixels sideways and say so there)."""
    try:
        image = Image.open(io.BytesIO(data), formats=[image_format])  # reads the header only
    except UnidentifiedImageError:
        raise undecodable(f"it is not a valid {image_format} file") from None
    except Image.DecompressionBombError as bomb:  # Pillow's own limit, far above ours
        raise too_many_pixels(str(bomb)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise undecodable(str(error)) from None
    if image.width > MAX_SIDE or image.height > MAX_SIDE:
        raise too_many_pixels(f"{image.width}×{image.height}")
    try:
        image.load()
        return ImageOps.exif_transpose(image)
    except (OSError, SyntaxError, ValueError) as error:
        raise undecodable(str(error)) from None


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


def content_url(image_id: str) -> str:
    return f"/api/images/{image_id}/content"


def builtin_out(image_id: str) -> ImageOut | None:
    """A built-in image's description, or None (unknown, or not installed here)."""
    found = builtin_content(image_id)
    if found is None:
        return None
    content, media_type = found
    builtin = BUILTINS[image_id]
    header = Image.open(io.BytesIO(content))
    return ImageOut(
        id=image_id,
        title=builtin.title,
        source="builtin",
        suggested_as=builtin.suggested_as,
        credit=builtin.credit,
        media_type=media_type,
        width=header.width,
        height=header.height,
        size=len(content),
        created_at=None,
        url=content_url(image_id),
    )


def upload_out(row: Any) -> ImageOut:
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
    def __init__(self, database: Database) -> None:
        self.database = database
        self.library = ImageLibrary(database)

    def upload(self, caller: Caller, filename: str | None, stream: BinaryIO) -> ImageOut:
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
            created_at=utcnow(),
            content=content,
        )
        with self.database.session() as session:
            images.add(session, row)
        return self.get(caller, row.id)

    def list(self, caller: Caller) -> list[ImageOut]:
        """Built-ins in catalogue order, then uploads, newest first."""
        builtins = [found for image_id in BUILTINS if (found := builtin_out(image_id))]
        with self.database.session() as session:
            rows = images.listed(session, caller)
        return builtins + [upload_out(row) for row in rows]

    def get(self, caller: Caller, image_id: str) -> ImageOut:
        if found := builtin_out(image_id):
            return found
        with self.database.session() as session:
            row = images.metadata(session, caller, image_id)
        if row is None:
            raise NotFound("image", image_id)
        return upload_out(row)

    def content(self, caller: Caller, image_id: str) -> tuple[bytes, str]:
        """The image file's bytes and media type."""
        self.get(caller, image_id)
        return self.library.content(image_id)
