"""The job context of an exported run (`GET /api/jobs/{id}/code`), standing in for
`workers.context`: the same calls a demo makes inside DiveLab, answered by the terminal and
files. An exported script carries this module in place of DiveLab's.

Metrics are printed and kept (`--verify` compares them with the run's); the latest picture
of each panel is saved in the output folder (images as PNG, charts and matrices as CSV);
artifacts are written there too. The live changes the learner made are replayed at the steps
where the job applied them. The script runs flat out: pacing (`speed`) is for watching, not for
results.
"""

import base64
import csv
import io
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from PIL import Image
from pydantic import BaseModel

from core.builtin_images import BUILTINS
from core.downloads import VGG19_WEIGHTS_URL
from core.frames import (
    BarsData,
    FrameData,
    HeatmapData,
    ImageData,
    ImageGridData,
    LinesData,
    PointsData,
    ScatterData,
    SurfaceData,
    TextData,
)
from workers.kit.download import Download, fetch

P = TypeVar("P", bound=BaseModel)


class Diverged(Exception):
    def __init__(self, step: int, name: str, value: float) -> None:
        what = "not a number (NaN)" if math.isnan(value) else "infinite"
        super().__init__(f"The loss `{name}` became {what} at step {step}.")


@dataclass(frozen=True)
class Settings:
    """What demos read of DiveLab's settings, from the same environment variables."""

    data_dir: Path = field(
        default_factory=lambda: Path(os.environ.get("DIVELAB_DATA_DIR", "divelab-data"))
    )
    datasets_mirror: str | None = field(
        default_factory=lambda: os.environ.get("DIVELAB_DATASETS_MIRROR")
    )
    vgg19_weights_url: str = field(
        default_factory=lambda: os.environ.get("DIVELAB_VGG19_WEIGHTS_URL", VGG19_WEIGHTS_URL)
    )


class JobContext(Generic[P]):
    def __init__(
        self,
        params: P,
        live_changes: dict[int, dict[str, Any]],
        out_dir: Path,
        device: str,
        uploads: dict[str, str],
    ) -> None:
        self.params = params
        self.live_changes = live_changes
        self.out_dir = out_dir
        self.device = device
        self.uploads = uploads  # image id -> base64 file, for images the learner uploaded
        self.settings = Settings()
        self.step = 0
        self.resumed_step = 0
        self.metrics: list[tuple[int, str, float]] = []
        out_dir.mkdir(parents=True, exist_ok=True)

    def track(self, **objects: object) -> None:
        """Inside DiveLab the training state is snapshotted for forks; a script keeps none."""

    def steps(self, last: int) -> range:
        return range(1, last + 1)

    def checkpoint(self, step: int) -> P:
        """The start of step `step`: the learner's live change at this step, if any."""
        self.step = step
        if step in self.live_changes:
            self.params = type(self.params).model_validate(self.live_changes[step])
            print(f"step {step}: the live change, as in the run: {self.live_changes[step]}")
        return self.params

    def wait_until(self, deadline: float) -> None:
        """No waiting: the script runs flat out."""

    def metric(self, values: dict[str, float], step: int | None = None) -> None:
        step = self.step if step is None else step
        for name, value in values.items():
            if not math.isfinite(value):
                raise Diverged(step, name, value)
            self.metrics.append((step, name, float(value)))
        shown = ", ".join(f"{name} {value:.4g}" for name, value in values.items())
        print(f"step {step}: {shown}")

    def frame(self, name: str, data: FrameData, step: int | None = None) -> None:
        """The panel's latest picture: images as their files, charts and matrices as CSV,
        text as text."""
        stem = self.out_dir / "".join(c if c.isalnum() else "_" for c in name)
        if isinstance(data, ImageData):
            stem.with_suffix(f".{data.format}").write_bytes(base64.b64decode(data.base64))
        elif isinstance(data, ImageGridData):
            for index, image in enumerate(data.images):
                picture = stem.with_name(f"{stem.name}_{index}.{image.format}")
                picture.write_bytes(base64.b64decode(image.base64))
        elif isinstance(data, TextData):
            stem.with_suffix(".txt").write_text(data.text)
        else:
            write_csv(stem.with_suffix(".csv"), table_of(data))

    def log(self, message: str, progress: float | None = None) -> None:
        print(message)

    def artifact(self, name: str, media_type: str, content: bytes) -> None:
        (self.out_dir / name).write_bytes(content)

    def image(self, image_id: str) -> Image.Image:
        if image_id in self.uploads:
            content = base64.b64decode(self.uploads[image_id])
        else:
            content = BUILTINS[image_id].encoded()
        return Image.open(io.BytesIO(content)).convert("RGB")

    def cache_dir(self, *parts: str) -> Path:
        folder = self.settings.data_dir.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def download(self, download: Download, folder: Path) -> Path:
        def progress(done: int, total: int | None) -> None:
            if total:
                print(f"{download.title}: {done / total:.0%}", end="\r")

        return fetch(download, folder, progress)


def table_of(data: FrameData) -> list[list[object]]:
    """A chart's or a matrix's numbers as rows, a header first."""
    if isinstance(data, LinesData):
        header = ["series", data.x_label or "x", data.y_label or "y"]
        rows = [[s.label, x, y] for s in data.series for x, y in zip(s.x, s.y, strict=True)]
        return [header, *rows]
    if isinstance(data, PointsData):
        rows = [[label, *p] for label, p in zip(data.labels, data.points, strict=True)]
        return [["label", "x", "y"], *rows]
    if isinstance(data, ScatterData):
        named = zip(data.groups, data.labels, data.points, strict=True)
        rows = [[group, label, *p] for group, label, p in named]
        return [["group", "label", data.x_label or "x", data.y_label or "y"], *rows]
    if isinstance(data, BarsData):
        header = ["category", *(series.label for series in data.series)]
        return [header] + [
            [category, *(series.values[i] for series in data.series)]
            for i, category in enumerate(data.categories)
        ]
    if isinstance(data, HeatmapData):
        labels = data.y_labels or [""] * len(data.values)
        rows = [[label, *row] for label, row in zip(labels, data.values, strict=True)]
        return [["", *data.x_labels], *rows]
    if isinstance(data, SurfaceData):
        rows = [[y, *row] for y, row in zip(data.y, data.z, strict=True)]
        return [["y \\ x", *data.x], *rows]
    raise TypeError(f"no table for a {type(data).__name__}")


def write_csv(path: Path, rows: list[list[object]]) -> None:
    with path.open("w", newline="") as file:
        csv.writer(file).writerows(rows)


def compare(recorded: dict[str, list[list[float]]], metrics: list[tuple[int, str, float]]) -> str:
    """The first difference between the run's recorded metrics and this one's, or ""."""
    ran: dict[str, list[list[float]]] = {}
    for step, name, value in metrics:
        ran.setdefault(name, []).append([step, value])
    for name, points in recorded.items():
        mine = ran.get(name, [])
        for index, (expected, got) in enumerate(zip(points, mine, strict=False)):
            if expected != got:
                return f"{name}, point {index}: the run had {expected}, this one {got}"
        if len(mine) != len(points):
            return f"{name}: the run had {len(points)} points, this one {len(mine)}"
    return ""


def summary_json(summary: dict[str, Any]) -> str:
    return json.dumps(summary, indent=2, default=str)
