"""The event contract: everything a job tells the world, in order.

Workers build *drafts* (events without `seq`) with the constructors below; the sequencer of the
running mode numbers them 1, 2, 3... per job, stores them and fans them out. The pydantic
models describe the same shapes for validation and for the OpenAPI document. A websocket also
carries `heartbeat` messages, which have no `seq` and are never stored.
"""

import time
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, TypeAdapter

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


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"
    diverged = "diverged"

    @property
    def is_terminal(self) -> bool:
        return self not in (JobStatus.queued, JobStatus.running)


TERMINAL_STATUSES = frozenset(s for s in JobStatus if s.is_terminal)


class _EventBase(BaseModel):
    # `type` and `kind` have defaults but are always sent: say so in the OpenAPI document.
    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    seq: int = Field(ge=1, description="1, 2, 3... per job, with no gaps.")
    ts: float = Field(description="Unix time in seconds when the event was produced.")
    step: int | None = Field(default=None, description="Training step, for training events.")


class StatusEvent(_EventBase):
    type: Literal["status"] = "status"
    status: JobStatus
    error: str | None = Field(default=None, description="Why a job failed or diverged.")
    summary: dict[str, Any] | None = Field(default=None, description="Final results, when done.")
    worker: str | None = Field(default=None, description="host:pid of the worker, when running.")


class MetricEvent(_EventBase):
    type: Literal["metric"] = "metric"
    values: dict[str, float] = Field(description="Metric name -> value at `step`.")


class ParamsEvent(_EventBase):
    type: Literal["params"] = "params"
    params: dict[str, Any] = Field(description="The full params in force from `step` on.")
    version: int = Field(description="Increases with every accepted live change.")


class _FrameEventBase(_EventBase):
    type: Literal["frame"] = "frame"
    name: str = Field(description="The panel it is drawn in; a newer frame replaces an older.")


class SurfaceFrameEvent(_FrameEventBase):
    kind: Literal["surface"] = "surface"
    data: SurfaceData


class PointsFrameEvent(_FrameEventBase):
    kind: Literal["points"] = "points"
    data: PointsData


class ImageFrameEvent(_FrameEventBase):
    kind: Literal["image"] = "image"
    data: ImageData


class ImageGridFrameEvent(_FrameEventBase):
    kind: Literal["image_grid"] = "image_grid"
    data: ImageGridData


class HeatmapFrameEvent(_FrameEventBase):
    kind: Literal["heatmap"] = "heatmap"
    data: HeatmapData


class LinesFrameEvent(_FrameEventBase):
    kind: Literal["lines"] = "lines"
    data: LinesData


class BarsFrameEvent(_FrameEventBase):
    kind: Literal["bars"] = "bars"
    data: BarsData


class TextFrameEvent(_FrameEventBase):
    kind: Literal["text"] = "text"
    data: TextData


class ScatterFrameEvent(_FrameEventBase):
    kind: Literal["scatter"] = "scatter"
    data: ScatterData


class LogEvent(_EventBase):
    type: Literal["log"] = "log"
    message: str
    progress: float | None = Field(default=None, ge=0, le=1)


def _tag(event: Any) -> str:
    """`type`, and for frames `frame:<kind>`: one flat union, so that the OpenAPI document
    (and the TypeScript generated from it) lists every event shape side by side."""
    get = event.get if isinstance(event, dict) else lambda name: getattr(event, name, None)
    return f"frame:{get('kind')}" if get("type") == "frame" else str(get("type"))


Event = Annotated[
    Annotated[StatusEvent, Tag("status")]
    | Annotated[MetricEvent, Tag("metric")]
    | Annotated[ParamsEvent, Tag("params")]
    | Annotated[LogEvent, Tag("log")]
    | Annotated[SurfaceFrameEvent, Tag("frame:surface")]
    | Annotated[PointsFrameEvent, Tag("frame:points")]
    | Annotated[ImageFrameEvent, Tag("frame:image")]
    | Annotated[ImageGridFrameEvent, Tag("frame:image_grid")]
    | Annotated[HeatmapFrameEvent, Tag("frame:heatmap")]
    | Annotated[LinesFrameEvent, Tag("frame:lines")]
    | Annotated[BarsFrameEvent, Tag("frame:bars")]
    | Annotated[TextFrameEvent, Tag("frame:text")]
    | Annotated[ScatterFrameEvent, Tag("frame:scatter")],
    Discriminator(_tag),
]
event_adapter: TypeAdapter[Event] = TypeAdapter(Event)

Draft = dict[str, Any]
"""An event without its `seq`: what producers hand to a sequencer."""


def heartbeat() -> dict[str, Any]:
    return {"type": "heartbeat", "ts": time.time()}


def status(
    status: JobStatus,
    *,
    error: str | None = None,
    summary: dict | None = None,
    worker: str | None = None,
) -> Draft:
    return {
        "type": "status",
        "ts": time.time(),
        "step": None,
        "status": status.value,
        "error": error,
        "summary": summary,
        "worker": worker,
    }


def metric(step: int, values: dict[str, float]) -> Draft:
    return {"type": "metric", "ts": time.time(), "step": step, "values": values}


def params(step: int, params: dict[str, Any], version: int) -> Draft:
    return {"type": "params", "ts": time.time(), "step": step, "params": params, "version": version}


def frame(step: int | None, name: str, data: FrameData) -> Draft:
    return {
        "type": "frame",
        "ts": time.time(),
        "step": step,
        "name": name,
        "kind": data.kind.value,
        "data": data.model_dump(mode="json"),
    }


def log(message: str, *, progress: float | None = None, step: int | None = None) -> Draft:
    return {
        "type": "log",
        "ts": time.time(),
        "step": step,
        "message": message,
        "progress": progress,
    }


def status_of(draft: Draft) -> JobStatus | None:
    return JobStatus(draft["status"]) if draft["type"] == "status" else None


def is_terminal_status(draft: Draft) -> bool:
    status = status_of(draft)
    return status is not None and status.is_terminal
