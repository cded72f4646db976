from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from backend.errors import NotFound, responses
from workers.demos import CATALOGUE
from workers.demos.contract import ChartSpec, DemoSpec

router = APIRouter(prefix="/api/demos", tags=["demos"])


class ChartOut(BaseModel):
    """A metrics chart: the metrics it draws (names, or patterns where `*` is any text)."""

    title: str
    metrics: list[str]
    y_label: str | None
    log_scale: bool

    @classmethod
    def of(cls, chart: ChartSpec) -> "ChartOut":
        return cls(
            title=chart.title,
            metrics=list(chart.metrics),
            y_label=chart.y_label,
            log_scale=chart.log_scale,
        )


class DemoOut(BaseModel):
    id: str
    title: str
    chapter: str
    summary: str
    params_schema: dict[str, Any]
    live_params: list[str]
    what_to_try: list[str]
    charts: list[ChartOut] = Field(
        description="How the UI groups metrics into charts, in order: each metric goes to the "
        "first chart that matches it, the rest to a last chart. Empty: one chart for all."
    )

    @classmethod
    def of(cls, spec: DemoSpec) -> "DemoOut":
        return cls(
            id=spec.id,
            title=spec.title,
            chapter=spec.chapter,
            summary=spec.summary,
            params_schema=spec.params_schema,
            live_params=spec.live_params,
            what_to_try=spec.what_to_try,
            charts=[ChartOut.of(chart) for chart in spec.charts],
        )


def get_spec(demo_id: str) -> DemoSpec:
    spec = CATALOGUE.get(demo_id)
    if spec is None:
        raise NotFound("demo", demo_id)
    return spec


@router.get("", response_model=list[DemoOut], summary="All demos, in book order")
def list_demos() -> list[DemoOut]:
    return [DemoOut.of(spec) for spec in CATALOGUE.values()]


@router.get("/{demo_id}", response_model=DemoOut, responses=responses(404))
def get_demo(demo_id: str) -> DemoOut:
    return DemoOut.of(get_spec(demo_id))
