"""Response bodies of the images API."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class ImageOut(BaseModel):
    id: str = Field(description="Use as a demo's `content` or `style` param.")
    title: str = Field(description="The built-in image's name, or the uploaded file's name.")
    source: Literal["builtin", "upload"]
    suggested_as: Literal["content", "style"] | None = Field(
        description="What a built-in image suits best; null for uploads."
    )
    credit: str | None = Field(description="Where a built-in image comes from.")
    media_type: str
    width: int
    height: int
    size: int = Field(description="Bytes of the stored file.")
    created_at: datetime | None = Field(description="When it was uploaded; null for built-ins.")
    url: str = Field(description="Where the image's bytes are served.")
