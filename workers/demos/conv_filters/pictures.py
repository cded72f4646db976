"""Weights and activations as small PNG pictures for `image` and `image_grid` frames.

Filters are a few pixels wide, so each picture is enlarged with nearest-neighbour sampling:
every weight stays a crisp square however the browser scales it.
"""

import io
import math
from typing import Any

import numpy as np
from PIL import Image

from backend.events import image_data

# Pictures are enlarged by a whole factor until their short side is this big, within a limit.
MIN_SIDE_PX = 48
MAX_SIDE_PX = 640

# A diverging palette: negative weights blue, zero white, positive red.
NEGATIVE_RGB = np.array([33, 102, 172], dtype=np.float32)
ZERO_RGB = np.array([255, 255, 255], dtype=np.float32)
POSITIVE_RGB = np.array([178, 24, 43], dtype=np.float32)
GAP_RGB = np.array([160, 160, 160], dtype=np.float32)  # NaN: the space between two tiles


def png(pixels: np.ndarray) -> dict[str, Any]:
    """An `image` frame from uint8 pixels, (H, W) grey or (H, W, 3) colour."""
    height, width = pixels.shape[:2]
    factor = max(
        1, min(math.ceil(MIN_SIDE_PX / min(height, width)), MAX_SIDE_PX // max(height, width))
    )
    picture = Image.fromarray(pixels)
    if picture.mode == "RGB":  # a 64-colour palette: a third smaller, and looks the same
        picture = picture.quantize(colors=64)
    picture = picture.resize((width * factor, height * factor), Image.NEAREST)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return image_data(buffer.getvalue(), "png", picture.width, picture.height)


def grid(images: list[dict[str, Any]], columns: int, titles: list[str] | None = None) -> dict:
    """An `image_grid` frame."""
    return {"images": images, "columns": columns, "titles": titles or []}


def diverging(values: np.ndarray, scale: float) -> np.ndarray:
    """Signed values as RGB: −scale is full blue, 0 white, +scale full red; NaN grey."""
    t = np.clip(np.nan_to_num(values) / (scale or 1.0), -1, 1)[..., None]
    rgb = ZERO_RGB + np.abs(t) * (np.where(t < 0, NEGATIVE_RGB, POSITIVE_RGB) - ZERO_RGB)
    rgb[np.isnan(values)] = GAP_RGB
    return rgb.round().astype(np.uint8)


def grey(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Values as grey levels: `low` black, `high` white."""
    span = high - low if high > low else 1.0
    return (np.clip((values - low) / span, 0, 1) * 255).round().astype(np.uint8)


def side_by_side(tiles: np.ndarray) -> np.ndarray:
    """(n, h, w) tiles in one row, with a column of NaN between neighbours."""
    n, h, w = tiles.shape
    row = np.full((h, n * (w + 1) - 1), np.nan, dtype=np.float32)
    for i, tile in enumerate(tiles):
        row[:, i * (w + 1) : i * (w + 1) + w] = tile
    return row
