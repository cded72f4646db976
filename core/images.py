"""Images by id, wherever they live: built-in ones (drawn in code, or files that installed
packages ship) and learners' uploads (in the database, so every worker host reads them)."""

import io
from functools import cache

from PIL import Image

from core.builtin_images import BUILTINS
from core.errors import NotFound
from core.store import images as image_store
from core.store.database import Database

# Pillow format name -> media type, for the formats DiveLab stores.
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


@cache  # built-ins never change; only catalogue ids reach here, so the cache stays small
def builtin_content(image_id: str) -> tuple[bytes, str] | None:
    """A built-in image's file and media type; None when unknown or not installed here."""
    if image_id not in BUILTINS:
        return None
    content = BUILTINS[image_id].encoded()
    if content is None:
        return None
    return content, MEDIA_TYPES[Image.open(io.BytesIO(content)).format or "PNG"]


class ImageLibrary:
    def __init__(self, database: Database) -> None:
        self.database = database

    def content(self, image_id: str) -> tuple[bytes, str]:
        """The image file's bytes and media type."""
        if found := builtin_content(image_id):
            return found
        with self.database.session() as session:
            found = image_store.content(session, image_id)
        if found is None:
            raise NotFound("image", image_id)
        return found

    def open_rgb(self, image_id: str) -> Image.Image:
        content, _ = self.content(image_id)
        return Image.open(io.BytesIO(content)).convert("RGB")
