"""The demo catalogue: each demo's spec as its package declares it (no torch here)."""

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Response
from pydantic import BaseModel, Field

from backend.errors import responses
from backend.exports.script import demo_code
from core.book import D2L_URL, BookSection, Section, ZefsChapter
from core.demo_spec import ChartSpec, DemoSpec, Notice, Preset
from core.errors import NotFound
from core.limits import ID_PATTERN
from workers.demos import CATALOGUE

router = APIRouter(prefix="/api/demos", tags=["demos"], responses=responses(422))


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


class SectionOut(BaseModel):
    number: str = Field(examples=["12.3"])
    title: str


class BookSectionOut(BaseModel):
    """A section of *Dive into Deep Learning*."""

    number: str = Field(description="Today's d2l.ai numbering.", examples=["12.3"])
    title: str
    chapter: str = Field(description="Today's chapter number.", examples=["12"])
    chapter_title: str = Field(examples=["Optimization Algorithms"])
    edition_0_14: SectionOut = Field(
        description="The same section in the 0.14 PDF edition (which numbers many differently)."
    )
    url: str = Field(description="Where to read it on d2l.ai (its search, by title).")

    @classmethod
    def of(cls, section: BookSection) -> "BookSectionOut":
        old: Section = section.in_0_14
        return cls(
            number=section.today.number,
            title=section.today.title,
            chapter=section.today.chapter,
            chapter_title=section.chapter_title,
            edition_0_14=SectionOut(number=old.number, title=old.title),
            url=f"{D2L_URL}/search.html?q={quote(section.today.title)}",
        )


class ZefsChapterOut(BaseModel):
    """The chapter of *Zefs Guide to Deep Learning* that explains the same idea."""

    chapter: int
    chapter_title: str
    topic: str

    @classmethod
    def of(cls, chapter: ZefsChapter) -> "ZefsChapterOut":
        return cls(
            chapter=chapter.chapter, chapter_title=chapter.chapter_title, topic=chapter.topic
        )


class NoticeOut(BaseModel):
    """How to read a `<key>_note` of a run's summary: a fallback stood in when `summary[key]`
    is not one of `real_values`, and `headline` says what that means for the result."""

    key: str
    headline: str
    real_values: list[str]

    @classmethod
    def of(cls, notice: Notice) -> "NoticeOut":
        return cls(key=notice.key, headline=notice.headline, real_values=list(notice.real_values))


class PresetOut(BaseModel):
    """Params the UI offers as one click; the ones left out keep the form's values."""

    name: str
    title: str
    description: str
    params: dict[str, Any]

    @classmethod
    def of(cls, preset: Preset) -> "PresetOut":
        return cls(
            name=preset.name,
            title=preset.title,
            description=preset.description,
            params=dict(preset.params),
        )


class DemoOut(BaseModel):
    id: str
    title: str
    chapter: str = Field(
        description='The main section, "12.3 Gradient Descent" (d2l.ai today), or "Beyond the '
        'book" for a demo that reproduces no section (`book` is empty, `zefs` names its chapter).'
    )
    summary: str
    book: list[BookSectionOut] = Field(description="The sections it reproduces, main first.")
    zefs: list[ZefsChapterOut]
    preview_url: str = Field(description="The catalogue's picture (SVG).")
    params_schema: dict[str, Any]
    live_params: list[str]
    what_to_try: list[str]
    charts: list[ChartOut] = Field(
        description="How the UI groups metrics into charts, in order: each metric goes to the "
        "first chart that matches it, the rest to a last chart. Empty: one chart for all."
    )
    notices: list[NoticeOut]
    presets: list[PresetOut]

    @classmethod
    def of(cls, spec: DemoSpec) -> "DemoOut":
        return cls(
            id=spec.id,
            title=spec.title,
            chapter=spec.chapter,
            summary=spec.summary,
            book=[BookSectionOut.of(section) for section in spec.book],
            zefs=[ZefsChapterOut.of(chapter) for chapter in spec.zefs],
            preview_url=f"/api/demos/{spec.id}/preview.svg",
            params_schema=spec.params_schema,
            live_params=spec.live_params,
            what_to_try=list(spec.what_to_try),
            charts=[ChartOut.of(chart) for chart in spec.charts],
            notices=[NoticeOut.of(notice) for notice in spec.notices],
            presets=[PresetOut.of(preset) for preset in spec.presets],
        )


def get_spec(demo_id: str) -> DemoSpec:
    spec = CATALOGUE.get(demo_id)
    if spec is None:
        raise NotFound("demo", demo_id)
    return spec


@router.get("", response_model=list[DemoOut], summary="All demos, in book order")
def list_demos() -> list[DemoOut]:
    return [DemoOut.of(spec) for spec in CATALOGUE.values()]


DemoId = Annotated[str, Path(pattern=ID_PATTERN)]


@router.get("/{demo_id}", response_model=DemoOut, responses=responses(404))
def get_demo(demo_id: DemoId) -> DemoOut:
    return DemoOut.of(get_spec(demo_id))


@router.get(
    "/{demo_id}/preview.svg",
    response_class=Response,
    responses={**responses(404), 200: {"content": {"image/svg+xml": {}}}},
    summary="The demo's picture in the catalogue",
)
def get_preview(demo_id: DemoId) -> Response:
    return Response(
        get_spec(demo_id).preview_svg,
        media_type="image/svg+xml",
        headers={"Cache-Control": "max-age=3600"},
    )


@router.get(
    "/{demo_id}/code",
    response_class=Response,
    responses={
        **responses(404),
        200: {"content": {"text/x-python": {"schema": {"type": "string"}}}},
    },
    summary="The demo's training code, as an exported run carries it",
)
def get_code(demo_id: DemoId) -> Response:
    return Response(demo_code(get_spec(demo_id).id), media_type="text/x-python; charset=utf-8")
