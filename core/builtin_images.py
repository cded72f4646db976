"""Built-in images: photos and textures that installed packages ship, and styles drawn in code.

The package files are found without importing the packages (scikit-image and scikit-learn
are worker dependencies; an API host without them simply lists fewer built-ins). The drawn
styles are deterministic, so every host draws the same pixels for the same id.
"""

import importlib.util
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw

DRAWN_SIZE = 512  # drawn styles are square; the demo resizes the style to the content's shape

# Saturated colours, so drawn styles give the synthesized image strong colour statistics.
PALETTE = np.array(
    [
        (230, 57, 70),
        (241, 143, 1),
        (255, 209, 102),
        (6, 214, 160),
        (17, 138, 178),
        (7, 59, 76),
        (131, 56, 236),
        (255, 0, 110),
    ],
    dtype=np.uint8,
)


@dataclass(frozen=True)
class BuiltinImage:
    id: str
    title: str
    suggested_as: Literal["content", "style"]
    credit: str
    encoded: Callable[[], bytes | None]  # the image file's bytes; None when not installed here


def package_file(package: str, relative: str) -> Callable[[], bytes | None]:
    """A data file inside an installed package, located without importing the package."""

    def read() -> bytes | None:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / relative
        return path.read_bytes() if path.is_file() else None

    return read


def drawn(draw: Callable[[np.random.Generator], Image.Image]) -> Callable[[], bytes]:
    """A style drawn in code from a fixed seed, encoded as PNG."""

    def encode() -> bytes:
        out = io.BytesIO()
        draw(np.random.default_rng(0)).save(out, format="PNG")
        return out.getvalue()

    return encode


# -- Styles drawn in code ------------------------------------------------------------------


def draw_waves(rng: np.random.Generator) -> Image.Image:
    """Swirling bands of colour: hue follows a warped sine field, like thick brush strokes."""
    y, x = np.mgrid[0:DRAWN_SIZE, 0:DRAWN_SIZE] / DRAWN_SIZE * 2 * np.pi
    field = np.sin(3 * x + 2 * np.sin(2 * y)) + np.sin(4 * y + 1.5 * np.cos(3 * x))
    hue = (field + 2) / 4 * 255
    saturation = 200 + 55 * np.sin(9 * x * y / np.pi) ** 2
    value = 170 + 85 * np.cos(6 * field) ** 2
    hsv = np.stack([hue, saturation, value], axis=-1).astype(np.uint8)
    return Image.fromarray(hsv, mode="HSV").convert("RGB")


def draw_stained_glass(rng: np.random.Generator) -> Image.Image:
    """Voronoi cells of flat colour with dark lead lines where two cells meet."""
    y, x = np.mgrid[0:DRAWN_SIZE, 0:DRAWN_SIZE]
    nearest = np.full(x.shape, np.inf)
    second_nearest = np.full(x.shape, np.inf)
    cell = np.zeros(x.shape, dtype=np.intp)
    for index, (seed_x, seed_y) in enumerate(rng.uniform(0, DRAWN_SIZE, size=(70, 2))):
        distance = np.hypot(x - seed_x, y - seed_y)
        closer = distance < nearest
        second_nearest = np.where(closer, nearest, np.minimum(second_nearest, distance))
        cell = np.where(closer, index, cell)
        nearest = np.minimum(nearest, distance)
    pixels = PALETTE[rng.integers(0, len(PALETTE), size=70)][cell]
    pixels[second_nearest - nearest < 4] = (20, 20, 20)
    return Image.fromarray(pixels)


def draw_circles(rng: np.random.Generator) -> Image.Image:
    """A grid of concentric rings in random colours, after Kandinsky's colour studies."""
    image = Image.new("RGB", (DRAWN_SIZE, DRAWN_SIZE))
    pen = ImageDraw.Draw(image)
    tile = DRAWN_SIZE // 4
    for top in range(0, DRAWN_SIZE, tile):
        for left in range(0, DRAWN_SIZE, tile):
            pen.rectangle((left, top, left + tile, top + tile), fill=tuple(rng.choice(PALETTE)))
            for radius in np.linspace(tile * 0.45, tile * 0.1, 4):
                centre = (left + tile / 2, top + tile / 2)
                box = (
                    centre[0] - radius,
                    centre[1] - radius,
                    centre[0] + radius,
                    centre[1] + radius,
                )
                pen.ellipse(box, fill=tuple(rng.choice(PALETTE)))
    return image


def draw_plaid(rng: np.random.Generator) -> Image.Image:
    """Tartan: coloured stripes of random widths, woven across and down."""
    widths = rng.integers(6, 40, size=12)
    colours = PALETTE[rng.integers(0, len(PALETTE), size=len(widths))]
    sett = np.repeat(colours, widths, axis=0).astype(np.float32)  # one repeat of the pattern
    stripes = np.resize(sett, (DRAWN_SIZE, 3))
    return Image.fromarray(((stripes[None, :, :] + stripes[:, None, :]) / 2).astype(np.uint8))


# -- The catalogue ---------------------------------------------------------------------------

CREDITS = {"sklearn": "scikit-learn's sample images", "skimage": "scikit-image's skimage.data"}

PACKAGE_FILES: list[tuple[str, str, Literal["content", "style"], str, str]] = [
    # id, title, suggested as, package, file inside the package
    ("china", "Temple in China", "content", "sklearn", "datasets/images/china.jpg"),
    ("flower", "Flower", "content", "sklearn", "datasets/images/flower.jpg"),
    ("chelsea", "Chelsea the cat", "content", "skimage", "data/chelsea.png"),
    ("astronaut", "Astronaut Eileen Collins", "content", "skimage", "data/astronaut.png"),
    ("coffee", "Cup of coffee", "content", "skimage", "data/coffee.png"),
    ("rocket", "Rocket launch", "content", "skimage", "data/rocket.jpg"),
    ("hubble", "Hubble deep field", "style", "skimage", "data/hubble_deep_field.jpg"),
    ("gravel", "Gravel", "style", "skimage", "data/gravel.png"),
    ("brick", "Brick wall", "style", "skimage", "data/brick.png"),
]

DRAWINGS: list[tuple[str, str, Callable[[np.random.Generator], Image.Image]]] = [
    ("waves", "Waves of colour", draw_waves),
    ("stained-glass", "Stained glass", draw_stained_glass),
    ("circles", "Concentric circles", draw_circles),
    ("plaid", "Plaid", draw_plaid),
]

BUILTINS: dict[str, BuiltinImage] = {
    image.id: image
    for image in [
        *(
            BuiltinImage(id, title, use, CREDITS[package], package_file(package, relative))
            for id, title, use, package, relative in PACKAGE_FILES
        ),
        *(
            BuiltinImage(id, title, "style", "drawn by DiveLab in code", drawn(draw))
            for id, title, draw in DRAWINGS
        ),
    ]
}
