"""The plane as a picture: the discriminator's output D(x) as a background, the real and the
generated points over it, the boundary D(x) = ½, axes and a legend.

No frame kind overlays points on a heatmap, so this one is drawn here, with Pillow, as an
`image` frame: equal scales on both axes, so a circle of points looks like one.
"""

import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from core.frames import ImageData

LONG_SIDE_PX = 360  # the plot's longer side; the shorter follows the data's aspect
MIN_ASPECT = 0.75  # a flat extent is widened on its short axis to this ratio
PADDING = 0.15  # room around the real data, a share of its span
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 62  # margins: tick labels, the legend's two rows
DRAWN_EVERY = 2  # 500 of each kind of point: 2000 would hide the background
BACKGROUND_CELLS = 90  # D is evaluated on this many cells along the long side, then smoothed

# D(x) = 0 ("generated") pale purple, ½ white, 1 ("real") pale green (ColorBrewer's PRGn).
FAKE_RGB = np.array([194, 165, 207], dtype=np.float32)
EVEN_RGB = np.array([247, 247, 247], dtype=np.float32)
REAL_RGB = np.array([166, 219, 160], dtype=np.float32)
BOUNDARY_RGB = (90, 90, 90)
REAL_DOT = (31, 119, 180)  # the book's scatter colours: real blue, generated orange
FAKE_DOT = (255, 127, 14)
INK = (40, 40, 40)


@dataclass(frozen=True)
class Extent:
    """A rectangle of the plane, and its size in pixels at equal scales."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float

    @classmethod
    def around(cls, points: np.ndarray) -> "Extent":
        """The real data's box, padded, its short side widened to at least half the long."""
        low, high = points.min(axis=0), points.max(axis=0)
        span = np.maximum(high - low, 1e-3)
        low, high = low - PADDING * span, high + PADDING * span
        span = high - low
        centre = (low + high) / 2
        span = np.maximum(span, MIN_ASPECT * span.max())
        low, high = centre - span / 2, centre + span / 2
        return cls(float(low[0]), float(high[0]), float(low[1]), float(high[1]))

    @property
    def pixels(self) -> tuple[int, int]:
        """The plot's (width, height) in pixels."""
        width, height = self.x_max - self.x_min, self.y_max - self.y_min
        scale = LONG_SIDE_PX / max(width, height)
        return round(width * scale), round(height * scale)

    def cell_centres(self, columns: int, rows: int) -> np.ndarray:
        """The centres of a columns × rows grid over the extent, row 0 at the top, (rows *
        columns, 2)."""
        xs = self.x_min + (np.arange(columns) + 0.5) * (self.x_max - self.x_min) / columns
        ys = self.y_max - (np.arange(rows) + 0.5) * (self.y_max - self.y_min) / rows
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)

    def to_pixels(self, points: np.ndarray) -> np.ndarray:
        """Plane → picture coordinates (y grows downwards), clipped to the plot's border so a
        point off the plot still shows on which side it is."""
        width, height = self.pixels
        u = (points[:, 0] - self.x_min) / (self.x_max - self.x_min) * width
        v = (self.y_max - points[:, 1]) / (self.y_max - self.y_min) * height
        uv = np.stack([np.clip(u, 0, width - 1), np.clip(v, 0, height - 1)], axis=1)
        return np.nan_to_num(uv) + np.array([LEFT, TOP])


def background_grid(extent: Extent) -> tuple[int, int]:
    """How many cells (columns, rows) D is evaluated on."""
    width, height = extent.pixels
    cell = max(width, height) / BACKGROUND_CELLS
    return max(2, round(width / cell)), max(2, round(height / cell))


def colour_of(d: np.ndarray) -> np.ndarray:
    """D(x) in [0, 1] as RGB: purple below ½, white at ½, green above."""
    t = np.clip(np.nan_to_num(d, nan=0.5) * 2 - 1, -1, 1)[..., None]
    rgb = EVEN_RGB + np.abs(t) * (np.where(t < 0, FAKE_RGB, REAL_RGB) - EVEN_RGB)
    return rgb.round().astype(np.uint8)


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round numbers (1, 2 or 5 × 10ᵏ apart) between low and high."""
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def tick_label(value: float) -> str:
    return f"{value:g}" if abs(value) >= 1e-9 else "0"


def font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def draw_dots(
    draw: ImageDraw.ImageDraw, pixels: np.ndarray, fill: tuple, radius: float, outline: bool
) -> None:
    for u, v in pixels:
        box = (u - radius, v - radius, u + radius, v + radius)
        draw.ellipse(box, fill=fill, outline=INK if outline else None)


def draw_axes(draw: ImageDraw.ImageDraw, extent: Extent) -> None:
    width, height = extent.pixels
    small = font(10)
    draw.rectangle((LEFT - 1, TOP - 1, LEFT + width, TOP + height), outline=INK)
    for x in nice_ticks(extent.x_min, extent.x_max):
        u = LEFT + (x - extent.x_min) / (extent.x_max - extent.x_min) * width
        draw.line((u, TOP + height, u, TOP + height + 4), fill=INK)
        draw.text((u, TOP + height + 5), tick_label(x), fill=INK, font=small, anchor="mt")
    for y in nice_ticks(extent.y_min, extent.y_max):
        v = TOP + (extent.y_max - y) / (extent.y_max - extent.y_min) * height
        draw.line((LEFT - 5, v, LEFT - 1, v), fill=INK)
        draw.text((LEFT - 7, v), tick_label(y), fill=INK, font=small, anchor="rm")


def draw_legend(draw: ImageDraw.ImageDraw, extent: Extent) -> None:
    """Two rows under the axes: the two kinds of points; D's colour scale."""
    _, height = extent.pixels
    v = TOP + height + 28
    label = font(11)
    u = LEFT
    for name, colour in (("real", REAL_DOT), ("generated", FAKE_DOT)):
        draw_dots(draw, np.array([[u + 4, v]]), colour, 3.5, outline=True)
        draw.text((u + 11, v), name, fill=INK, font=label, anchor="lm")
        u += 24 + draw.textlength(name, font=label)
    v, u = v + 18, LEFT
    draw.text((u, v), "D(x) = 0 (generated)", fill=INK, font=label, anchor="lm")
    u += 6 + draw.textlength("D(x) = 0 (generated)", font=label)
    bar = 60
    for i in range(bar):
        draw.line((u + i, v - 5, u + i, v + 5), fill=tuple(colour_of(np.array(i / (bar - 1)))))
    draw.rectangle((u, v - 5, u + bar, v + 5), outline=INK)
    draw.text((u + bar + 6, v), "1 (real)", fill=INK, font=label, anchor="lm")


def plane_picture(
    extent: Extent, d_grid: np.ndarray, real: np.ndarray, generated: np.ndarray
) -> ImageData:
    """The picture: D on the grid of `background_grid(extent)` (rows top-down), the boundary
    D = ½ where neighbouring pixels fall on either side of it, and the points."""
    width, height = extent.pixels
    cells = Image.fromarray(colour_of(d_grid))
    shade = np.asarray(cells.resize((width, height), Image.BILINEAR)).copy()
    d_fine = np.asarray(
        Image.fromarray(np.nan_to_num(d_grid, nan=0.5).astype(np.float32)).resize(
            (width, height), Image.BILINEAR
        )
    )
    above = d_fine > 0.5
    edge = np.zeros_like(above)
    edge[:, 1:] |= above[:, 1:] != above[:, :-1]
    edge[1:, :] |= above[1:, :] != above[:-1, :]
    shade[edge] = BOUNDARY_RGB

    picture = Image.new("RGB", (LEFT + width + RIGHT, TOP + height + BOTTOM), "white")
    picture.paste(Image.fromarray(shade), (LEFT, TOP))
    draw = ImageDraw.Draw(picture)
    shown = slice(None, None, DRAWN_EVERY)
    draw_dots(draw, extent.to_pixels(real[shown]), REAL_DOT, 1.7, outline=False)
    draw_dots(draw, extent.to_pixels(generated[shown]), FAKE_DOT, 1.7, outline=False)
    draw_axes(draw, extent)
    draw_legend(draw, extent)
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True)
    return ImageData.encode(buffer.getvalue(), "png", picture.width, picture.height)
