"""The logic behind the images routes.

Uploads are checked in the order that costs least first: the store's room, size, then the
type from the file's first bytes, then the pixel count from the header (so a decompression
bomb is refused before any pixel is decoded), and only then the full decode. A file that
passes is stored re-encoded (upright, RGB, metadata stripped) in one insert, so a refused
upload leaves nothing behind. Workers read images by id through `core.images.ImageLibrary`,
never through this module.

Memory. A decoded 4096×4096 image takes 48 MB, so reading, decoding and re-encoding happen
on a pool of `upload_decoders` threads of their own (DIVELAB_UPLOAD_DECODERS, 2 by default):
at most that many uploads hold a body or pixels at once, and only that many threads (hence
glibc malloc arenas) ever touch big images. The others wait their turn, in order, for at
most `DECODER_WAIT_SECONDS`, then get 429 with Retry-After. Bodies wait spooled to disk by
the multipart parser; once an upload's work ends, only its re-encoded file remains.

Stored size. The re-encoded file is never larger than `max_upload_bytes` and, where
possible, no larger than the upload itself (re-encoding a noisy JPEG at quality 95 can
triple it). The candidates of `ENCODINGS` are tried in order, all in the upload's own
format: PNG at zlib level 6, then 9; JPEG and WebP at quality 95, 90, 85, 75, 60, then 45.
The first whose size is within the budget is kept; the budget is the upload's own size
(`SMALL_FILE` for smaller uploads, which may grow a little to keep their quality), capped
at the limit. When none is within it, the smallest under the limit is kept; when none is
under the limit (as RGB, a paletted or grey PNG can take three times its bytes), the upload
is refused with 413. Each candidate costs one encode: about 0.1 s for a 4096×4096 JPEG,
seconds for a WebP.

Room. The store keeps at most `max_uploads` uploads and `max_upload_storage_bytes` bytes of
them; an upload beyond either is refused with 409 until uploads are deleted
(DELETE /api/images/{id}). This API process checks and inserts under one lock, so its own
concurrent uploads never overshoot; several API processes on one database may, by at most
one upload each.
"""

import ctypes
import ctypes.util
import io
import secrets
import threading
import unicodedata
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, BinaryIO, TypeVar

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.images.schemas import ImageOut
from core.builtin_images import BUILTINS
from core.callers import Caller
from core.errors import (
    Conflict,
    DiveLabError,
    InvalidInput,
    NotFound,
    TooLarge,
    TooManyRequests,
    UnsupportedMediaType,
)
from core.images import MEDIA_TYPES, ImageLibrary, builtin_content
from core.settings import Settings
from core.store import images
from core.store.database import Database
from core.store.lifecycle import utcnow
from core.store.models import UploadedImage
from core.store.quotas import refuse_upload

T = TypeVar("T")

MB = 1024 * 1024
MAX_SIDE = 4096  # pixels, in each direction
DECODER_WAIT_SECONDS = 30.0  # the longest an upload waits for a decoder before a 429
RETRY_AFTER_SECONDS = 10

# How an accepted upload is stored again after it was turned upright: the candidates, in
# the order they are tried (see "Stored size" above).
LOSSY = [{"quality": quality} for quality in (95, 90, 85, 75, 60, 45)]
ENCODINGS: dict[str, list[dict[str, int]]] = {
    "PNG": [{"compress_level": 6}, {"compress_level": 9}],
    "JPEG": LOSSY,
    "WEBP": LOSSY,
}
SMALL_FILE = 64 * 1024  # files this small may be stored up to this size, at the best quality


def size_text(size: int) -> str:
    return f"{size // MB} MB" if size % MB == 0 else f"{size / MB:.1f} MB"


def too_large(limit: int) -> TooLarge:
    # Connection: close, so that the client stops sending the rest of a huge body.
    return TooLarge(f"The file is larger than {size_text(limit)}.", headers={"Connection": "close"})


def invalid_image(reason: str) -> InvalidInput:
    return InvalidInput([{"loc": ["file"], "msg": reason, "type": "invalid_image"}])


def undecodable(reason: str) -> InvalidInput:
    return invalid_image(f"The image cannot be decoded: {reason}")


def too_many_pixels(size: str) -> InvalidInput:
    return invalid_image(f"Too many pixels: {size}. At most {MAX_SIDE}×{MAX_SIDE} are accepted.")


def read_at_most(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)  # one byte more tells an oversized file from a full one
    if len(data) > limit:
        raise too_large(limit)
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
        ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
        return image
    except (OSError, SyntaxError, ValueError) as error:
        raise undecodable(str(error)) from None


def on_white(image: Image.Image) -> Image.Image:
    """RGB pixels; transparent ones become white (as a browser shows them), not black."""
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode == "RGB" else image.convert("RGB")


def encode(image: Image.Image, image_format: str, options: dict[str, int]) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **options)
    return out.getvalue()


def encode_within(image: Image.Image, image_format: str, original: int, limit: int) -> bytes:
    """The first candidate encoding within the budget, else the smallest under the limit."""
    budget = min(limit, max(original, SMALL_FILE))
    smallest: bytes | None = None
    for options in ENCODINGS[image_format]:
        content = encode(image, image_format, options)
        if len(content) <= budget:
            return content
        if smallest is None or len(content) < len(smallest):
            smallest = content
    if smallest is not None and len(smallest) <= limit:
        return smallest
    raise TooLarge(
        f"Stored as an RGB {image_format} the image would take more than {size_text(limit)}; "
        "upload it as a JPEG or WebP, or smaller."
    )


def libc_malloc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to trim this way
        return None


MALLOC_TRIM = libc_malloc_trim()


def release_freed_memory() -> None:
    """Hand the pages that an upload's body, pixels and file took back to the system. glibc
    keeps freed memory in its arenas otherwise (one per thread that touched it, mostly), so
    a burst of big uploads would stay resident for the process's life."""
    if MALLOC_TRIM is not None:
        MALLOC_TRIM(0)


@dataclass(frozen=True)
class Prepared:
    """An accepted upload, ready to store: its re-encoded file and what describes it."""

    content: bytes
    image_format: str
    width: int
    height: int


def prepare(stream: BinaryIO, limit: int) -> Prepared:
    """Read, check, decode and re-encode an upload (on a decoder thread: see above)."""
    data = image = None
    try:
        data = read_at_most(stream, limit)
        image_format = sniff_format(data[:12])
        image = on_white(decode_upright(data, image_format))
        original, data = len(data), None  # the body is not needed past the decode
        image.info = {}  # metadata stripped: no EXIF (to rotate it again), XMP, comment, ICC
        content = encode_within(image, image_format, original, limit)
        return Prepared(content, image_format, image.width, image.height)
    except DiveLabError as refused:
        # Its traceback and context reach Pillow's and decode_upright's frames, which hold
        # the body and the pixels: the error that answers the request keeps neither.
        refused.__context__ = refused.__cause__ = None
        raise refused.with_traceback(None)  # noqa: B904 - the context is dropped on purpose
    finally:
        # A refused upload's traceback keeps this frame: it must not keep the body or pixels.
        data = image = None
        release_freed_memory()


class DecoderPool:
    """Runs work on `size` threads of its own; work waits its turn in order, at most
    `wait_seconds`, then the caller gets 429 (TooManyRequests, with Retry-After)."""

    def __init__(self, size: int, wait_seconds: float = DECODER_WAIT_SECONDS) -> None:
        self.executor = ThreadPoolExecutor(size, thread_name_prefix="image-decoder")
        self.wait_seconds = wait_seconds

    def run(self, work: Callable[[], T]) -> T:
        future = self.executor.submit(work)
        try:
            return future.result(timeout=self.wait_seconds)
        except TimeoutError:
            if future.cancel():  # still waiting for a thread: give up its turn
                raise TooManyRequests(
                    "Too many images are being uploaded right now; try again shortly.",
                    retry_after=RETRY_AFTER_SECONDS,
                ) from None
            return future.result()  # it started in time: let it finish
        finally:
            del future  # this frame, in a refused upload's traceback, would keep it alive


# Characters never kept in a file name: controls (NUL is a 500 on PostgreSQL), lone
# surrogates, and the bidirectional overrides that make a name read backwards.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f")


def display_name(filename: str | None) -> str:
    """The file's name to show: its last path part, readable, without control characters."""
    kept = []
    for char in filename or "":
        if char.isspace():
            kept.append(" ")  # a tab or a line break reads as a space
        elif unicodedata.category(char) not in ("Cc", "Cs") and char not in BIDI_CONTROLS:
            kept.append(char)
    name = " ".join(PurePath("".join(kept)).name.split())
    return name[:255].strip() or "upload"


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
    def __init__(self, database: Database, settings: Settings) -> None:
        self.database = database
        self.library = ImageLibrary(database)
        self.max_upload_bytes = settings.max_upload_bytes
        self.max_uploads = settings.max_uploads
        self.max_storage_bytes = settings.max_upload_storage_bytes
        self.decoders = DecoderPool(settings.upload_decoders)
        self._storing = threading.Lock()  # room checked and upload inserted as one step

    def upload(self, caller: Caller, filename: str | None, stream: BinaryIO) -> ImageOut:
        with self.database.session() as session:
            refuse_upload(session, caller)
            self.check_room(images.usage(session), 0)  # a full store refuses before decoding
        prepared = self.decoders.run(lambda: prepare(stream, self.max_upload_bytes))
        row = UploadedImage(
            id=secrets.token_hex(8),
            owner_id=caller.id,
            name=display_name(filename),
            media_type=MEDIA_TYPES[prepared.image_format],
            width=prepared.width,
            height=prepared.height,
            size=len(prepared.content),
            created_at=utcnow(),
            content=prepared.content,
        )
        with self._storing, self.database.session() as session:
            self.check_room(images.usage(session), row.size)
            images.add(session, row)
        image_id = row.id
        del prepared, row  # the file's bytes, and the database driver's copy, are freed now
        release_freed_memory()
        return self.get(caller, image_id)

    def check_room(self, usage: tuple[int, int], size: int) -> None:
        """Refuse (409) an upload of `size` bytes where the store, holding `usage` (uploads,
        bytes), has no room for it."""
        count, total = usage
        if count < self.max_uploads and total + max(size, 1) <= self.max_storage_bytes:
            return
        raise Conflict(
            f"The image store is full: {count} of {self.max_uploads} uploads, "
            f"{size_text(total)} of {size_text(self.max_storage_bytes)} used"
            + (f", and this image takes {size_text(size)}" if size else "")
            + ". Delete uploads you no longer need (DELETE /api/images/{id}) to make room."
        )

    def delete(self, caller: Caller, image_id: str) -> None:
        if image_id in BUILTINS:
            raise Conflict("built-in images cannot be deleted")
        with self.database.session() as session:
            if not images.remove(session, caller, image_id):
                raise NotFound("image", image_id)

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
