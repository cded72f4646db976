"""Typed frames from tensors and arrays: what a demo's `views` module is built from.

Heatmaps and curves are rounded to 4 decimal places by default (finer than any colour
scale or plot, and it keeps events small); NaN becomes null, since JSON has no NaN. Pictures
are small PNGs (weights, activations) or WebPs (photos), enlarged with nearest-neighbour
sampling so that every weight stays a crisp square however the browser scales it. A curve
for a log axis keeps every digit (`decimals=None`): there 3e-7 is a value, not zero.
"""

import csv
import io
import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
from PIL import Image

from core.frames import (
    BarsData,
    BarSeries,
    HeatmapData,
    ImageData,
    ImageGridData,
    LinesData,
    LineSeries,
    PointsData,
    ScatterData,
    TextData,
)

DECIMALS = 4

# -- numbers ---------------------------------------------------------------------------------


def as_lists(values: Any, decimals: int | None = DECIMALS) -> Any:
    """A tensor, array or list as nested lists of floats; NaN as None, optionally rounded."""
    nested = values.tolist() if hasattr(values, "tolist") else values

    def one(value: Any) -> Any:
        if isinstance(value, list):
            return [one(item) for item in value]
        if value is None or math.isnan(value):
            return None
        return round(value, decimals) if decimals is not None else float(value)

    return one(nested)


def heatmap(
    values: Any,
    x_labels: Sequence[str] | None = None,
    y_labels: Sequence[str] | None = None,
    decimals: int | None = DECIMALS,
) -> HeatmapData:
    """A matrix (rows: y, columns: x); labels default to the indices."""
    rows = as_lists(values, decimals)
    columns = len(rows[0]) if rows else 0
    return HeatmapData(
        values=rows,
        x_labels=list(x_labels) if x_labels is not None else [str(j) for j in range(columns)],
        y_labels=list(y_labels) if y_labels is not None else [str(i) for i in range(len(rows))],
    )


def curve(
    label: str,
    x: Any,
    y: Any,
    style: Literal["line", "points"] = "line",
    decimals: int | None = DECIMALS,
) -> LineSeries:
    """A series; `decimals=None` keeps values unrounded, as a log axis needs (rounded to 4
    decimals, 3e-7 would be 0, which a log axis cannot show)."""
    return LineSeries(label=label, x=as_lists(x, decimals), y=as_lists(y, decimals), style=style)


def lines(
    *series: LineSeries,
    x_label: str = "",
    y_label: str = "",
    x_log: bool = False,
    y_log: bool = False,
) -> LinesData:
    return LinesData(
        series=list(series), x_label=x_label, y_label=y_label, x_log=x_log, y_log=y_log
    )


def polylines(label: str, pieces: Iterable[Any], decimals: int | None = DECIMALS) -> LineSeries:
    """Several polylines as one `lines` series, each piece (k, 2) points: the pen lifts between
    two (a null y; the x repeats the piece's last, so the axis keeps no stray value)."""
    xs: list[float] = []
    ys: list[float | None] = []
    for piece in pieces:
        vertices = as_lists(piece, decimals)
        xs += [x for x, _ in vertices] + [vertices[-1][0]]
        ys += [y for _, y in vertices] + [None]
    return LineSeries(label=label, x=xs, y=ys)


def arrows(
    label: str, tails: Any, vectors: Any, head: float = 0.3, head_angle: float = math.radians(25)
) -> LineSeries:
    """Arrows from `tails` along `vectors` ((n, 2) each) as one `lines` series: a shaft and a
    two-stroke head, the strokes `head` × the arrow's length at ±`head_angle` to the shaft."""
    tails, vectors = np.asarray(tails, dtype=float), np.asarray(vectors, dtype=float)
    tips = tails + vectors

    def turned(angle: float) -> np.ndarray:
        cos, sin = math.cos(angle), math.sin(angle)
        return tips + head * vectors @ np.array([[cos, sin], [-sin, cos]])

    left, right = turned(math.pi - head_angle), turned(math.pi + head_angle)
    pieces = []
    for tail, tip, one, other in zip(tails, tips, left, right, strict=True):
        pieces += [np.stack([tail, tip]), np.stack([one, tip, other])]
    return polylines(label, pieces)


def points(labels: Sequence[str], xy: Any) -> PointsData:
    return PointsData(labels=list(labels), points=as_lists(xy, decimals=None))


def scatter(
    points: Any,
    labels: Sequence[str],
    groups: Sequence[str],
    x_label: str = "",
    y_label: str = "",
    decimals: int | None = DECIMALS,
) -> ScatterData:
    """Labelled points, (n, 2) as a tensor, array or list, each with a label and a group."""
    return ScatterData(
        points=as_lists(points, decimals),
        labels=list(labels),
        groups=list(groups),
        x_label=x_label,
        y_label=y_label,
    )


def bars(
    categories: Sequence[str],
    series: dict[str, Any],
    highlight: int | None = None,
    y_label: str = "",
) -> BarsData:
    """Grouped bars: `series` maps a label to one value per category (a tensor or a list)."""
    return BarsData(
        categories=list(categories),
        series=[
            BarSeries(label=label, values=as_lists(values)) for label, values in series.items()
        ],
        highlight=highlight,
        y_label=y_label,
    )


def text(content: str) -> TextData:
    return TextData(text=content)


# -- pictures --------------------------------------------------------------------------------

# Pictures are enlarged by a whole factor until their short side is this big, within a limit.
MIN_SIDE_PX = 48
MAX_SIDE_PX = 640

# A diverging palette: negative weights blue, zero white, positive red.
NEGATIVE_RGB = np.array([33, 102, 172], dtype=np.float32)
ZERO_RGB = np.array([255, 255, 255], dtype=np.float32)
POSITIVE_RGB = np.array([178, 24, 43], dtype=np.float32)
GAP_RGB = np.array([160, 160, 160], dtype=np.float32)  # NaN: the space between two tiles


def png(pixels: np.ndarray) -> ImageData:
    """An `image` from uint8 pixels, (H, W) grey or (H, W, 3) colour, enlarged to be seen."""
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
    return ImageData.encode(buffer.getvalue(), "png", picture.width, picture.height)


def photo(img: Image.Image, max_side: int, quality: int = 75) -> ImageData:
    """An `image` from a photo-like picture: a WebP small enough to stream."""
    img = img.copy()
    img.thumbnail((max_side, max_side))
    out = io.BytesIO()
    img.save(out, format="WEBP", quality=quality)
    return ImageData.encode(out.getvalue(), "webp", img.width, img.height)


def grid(images: list[ImageData], columns: int, titles: list[str] | None = None) -> ImageGridData:
    return ImageGridData(images=images, columns=max(1, columns), titles=titles or [])


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


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula (`=HYPERLINK(...)` as a racer's
    label) is prefixed with an apostrophe; numbers, negative ones included, stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A CSV artifact, safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(name) for name in header])
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return out.getvalue().encode()


def png_bytes(img: Image.Image) -> bytes:
    """A picture as a PNG file, for an artifact."""
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
