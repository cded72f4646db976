from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from backend.errors import NotFound, responses
from workers.demos import CATALOGUE
from workers.demos.contract import DemoSpec

router = APIRouter(prefix="/api/demos", tags=["demos"])


class DemoOut(BaseModel):
    id: str
    title: str
    chapter: str
    summary: str
    params_schema: dict[str, Any]
    live_params: list[str]
    what_to_try: list[str]

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
