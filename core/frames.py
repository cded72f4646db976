"""The frame contract: what a `frame` event's `data` holds, one typed model per kind.

Each kind is drawn by one generic renderer in the UI, so a new demo gets its pictures by
sending frames, without UI code of its own. The models are validated when a demo builds them
and appear in the OpenAPI document (the UI's TypeScript types are generated from it).
"""

import base64
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class FrameKind(StrEnum):
    surface = "surface"
    points = "points"
    image = "image"
    image_grid = "image_grid"
    heatmap = "heatmap"
    lines = "lines"
    bars = "bars"
    text = "text"
    scatter = "scatter"


class FrameData(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)
    kind: ClassVar[FrameKind]


class SurfaceData(FrameData):
    """A function of two variables on a grid: z[i][j] = f(x[j], y[i]), drawn as contours or
    in 3-D, with its known minima marked."""

    kind = FrameKind.surface
    x: list[float]
    y: list[float]
    z: list[list[float]]
    minima: list[tuple[float, float]] = Field(default_factory=list)


class PointsData(FrameData):
    """One labelled point per series (e.g. each optimizer's position); drawn on the run's
    surface when it has one, as trails over time."""

    kind = FrameKind.points
    labels: list[str]
    points: list[tuple[float, float]]


class ImageData(FrameData):
    """An encoded picture."""

    kind = FrameKind.image
    format: Literal["png", "webp", "jpeg"]
    base64: str
    width: int = Field(ge=1)
    height: int = Field(ge=1)

    @classmethod
    def encode(cls, encoded: bytes, image_format: str, width: int, height: int) -> "ImageData":
        return cls(
            format=image_format,  # type: ignore[arg-type]
            base64=base64.b64encode(encoded).decode("ascii"),
            width=width,
            height=height,
        )


class ImageGridData(FrameData):
    """Pictures in rows of `columns`, each with an optional title."""

    kind = FrameKind.image_grid
    images: list[ImageData]
    columns: int = Field(ge=1)
    titles: list[str] = Field(default_factory=list)


class HeatmapData(FrameData):
    """A matrix of values (rows: y_labels, columns: x_labels); null is a cell with no value."""

    kind = FrameKind.heatmap
    values: list[list[float | None]]
    x_labels: list[str] = Field(default_factory=list)
    y_labels: list[str] = Field(default_factory=list)


class LineSeries(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    label: str
    x: list[float]
    y: list[float | None] = Field(description="null is a gap in the curve.")
    style: Literal["line", "points"] = "line"


class LinesData(FrameData):
    """Curves and scatters on shared axes; a log axis draws only positive values."""

    kind = FrameKind.lines
    series: list[LineSeries]
    x_label: str = ""
    y_label: str = ""
    x_log: bool = False
    y_log: bool = False


class BarSeries(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_serialization_defaults_required=True)

    label: str
    values: list[float]


class BarsData(FrameData):
    """Grouped bars: one group per category, one bar per series in each (e.g. a probe's class
    probabilities, or learned weights beside the true ones). `highlight` marks a category
    (e.g. the true class)."""

    kind = FrameKind.bars
    categories: list[str]
    series: list[BarSeries]
    highlight: int | None = Field(default=None, ge=0)
    y_label: str = ""


class ScatterData(FrameData):
    """Points on a plane, each with its own text label and group (e.g. word embeddings
    projected to 2-D: frequent words, a probe word's neighbours, the probe): the groups are
    coloured apart, every point is labelled."""

    kind = FrameKind.scatter
    points: list[tuple[float, float]]
    labels: list[str] = Field(description="One per point, written beside it.")
    groups: list[str] = Field(description="One per point: points of a group share a colour.")
    x_label: str = ""
    y_label: str = ""

    @model_validator(mode="after")
    def _one_label_and_group_per_point(self) -> "ScatterData":
        if not len(self.points) == len(self.labels) == len(self.groups):
            raise ValueError("a scatter needs one label and one group per point")
        return self


class TextData(FrameData):
    """Preformatted text, shown as is (e.g. the model's `nn.Sequential` and its parameter
    count)."""

    kind = FrameKind.text
    text: str = Field(max_length=20_000)


FRAME_DATA: dict[FrameKind, type[FrameData]] = {
    model.kind: model
    for model in (
        SurfaceData,
        PointsData,
        ImageData,
        ImageGridData,
        HeatmapData,
        LinesData,
        BarsData,
        TextData,
        ScatterData,
    )
}
