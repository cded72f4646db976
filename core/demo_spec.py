"""What a demo declares, and the rules for changing its params while it trains.

This module and each demo's package `__init__` (its spec) are free of torch, so the API can
serve the catalogue and validate params without loading a deep-learning framework. The
training code of a demo lives in its `train` module and is imported only by workers.
"""

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any

from pydantic import BaseModel, ValidationError

from core.book import BookSection, ZefsChapter
from core.errors import InvalidInput
from core.param_fields import is_live


@dataclass(frozen=True)
class ChartSpec:
    """One metrics chart of a demo's runs: the metrics it draws, on their own y axis.

    `metrics` holds metric names or patterns in which `*` stands for any characters (and
    nothing else is special: `K[*]` matches `K[0,1]`). A metric is drawn in the first chart
    that matches it; metrics that match no chart go to a last chart, "Other". `log_scale` is
    where the chart's log-scale toggle starts.
    """

    title: str
    metrics: Sequence[str]  # kept as a tuple
    y_label: str | None = None
    log_scale: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.metrics, str):
            raise TypeError(f"chart {self.title!r}: metrics is a list of names, not one string")
        object.__setattr__(self, "metrics", tuple(self.metrics))  # a list is welcome too
        if not self.title.strip():
            raise ValueError("a chart needs a title")
        if not self.metrics or not all(self.metrics):
            raise ValueError(f"chart {self.title!r} needs metric names or patterns")

    def matches(self, metric: str) -> bool:
        return any(_glob(pattern).fullmatch(metric) for pattern in self.metrics)


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(".*".join(map(re.escape, pattern.split("*"))), re.DOTALL)


@dataclass(frozen=True)
class Notice:
    """Something about how a run was made that a learner must not miss, read from its summary:
    when `summary[key]` is not one of `real_values` (a fallback stood in), the UI shows
    `headline` above the summary's `<key>_note`."""

    key: str
    headline: str
    real_values: Sequence[str]  # kept as a tuple

    def __post_init__(self) -> None:
        object.__setattr__(self, "real_values", tuple(self.real_values))


@dataclass(frozen=True)
class Preset:
    """A named set of params the UI offers as one click (e.g. the book's classic edition
    settings); the params it leaves out keep the form's values."""

    name: str
    title: str
    description: str
    params: Mapping[str, Any]


BEYOND_THE_BOOK = "Beyond the book"  # the `chapter` of a demo that names no section


@dataclass(frozen=True)
class DemoSpec:
    """A demo, as its package declares it: `DEMO = DemoSpec(..., package=__name__)`.

    The package holds the rest: `train.run(ctx) -> summary` (imported by workers only) and
    `preview.svg`, the catalogue's picture.
    """

    id: str
    title: str
    summary: str
    params: type[BaseModel]
    package: str
    # the sections it reproduces, the main one first; empty for a demo beyond the book, which
    # then names the chapter of Zefs Guide it follows instead
    book: Sequence[BookSection]
    zefs: Sequence[ZefsChapter] = ()
    what_to_try: Sequence[str] = ()
    needs_gpu: bool = False  # routes the job to a GPU worker in the distributed mode
    # how the UI groups the metrics into charts; empty: one chart with every metric
    charts: Sequence[ChartSpec] = ()
    notices: Sequence[Notice] = ()
    presets: Sequence[Preset] = ()
    # steps between two snapshots of the training state (`workers.kit.state`), for forks
    snapshot_every: int = 100

    def __post_init__(self) -> None:
        if not self.book and not self.zefs:
            raise ValueError(
                f"demo {self.id!r} names neither a section of the book nor a chapter of Zefs Guide"
            )
        for preset in self.presets:  # a preset that does not validate is a bug of the demo
            self.params.model_validate(dict(preset.params))
        titles = [chart.title for chart in self.charts]
        if len(set(titles)) != len(titles):
            raise ValueError(f"demo {self.id!r}: chart titles must differ, got {titles}")

    @property
    def train_module(self) -> str:
        return f"{self.package}.train"

    @property
    def chapter(self) -> str:
        """The main section, "12.3 Gradient Descent" (today's d2l.ai numbering), or "Beyond the
        book" for a demo that reproduces no section."""
        return str(self.book[0].today) if self.book else BEYOND_THE_BOOK

    @property
    def catalogue_order(self) -> tuple[int, int, int]:
        """Sorts the catalogue in book order, the demos beyond the book last (a stable sort
        keeps those in the order they are listed)."""
        return (0, *self.book[0].today.sort_key) if self.book else (1, 0, 0)

    @cached_property
    def preview_svg(self) -> bytes:
        return (resources.files(self.package) / "preview.svg").read_bytes()

    def chart_of(self, metric: str) -> ChartSpec | None:
        """The chart that draws a metric, or None for the "Other" chart."""
        return next((chart for chart in self.charts if chart.matches(metric)), None)

    @cached_property
    def params_schema(self) -> dict[str, Any]:
        return self.params.model_json_schema()

    @cached_property
    def live_params(self) -> list[str]:
        """Top-level params that may change while a job runs (or that contain such fields)."""
        schema = self.params_schema
        return [
            name
            for name, prop in schema.get("properties", {}).items()
            if _schema_has_live(prop, schema.get("$defs", {}), set())
        ]

    def validate(self, params: dict[str, Any]) -> BaseModel:
        """Params as a caller gives them (parsed JSON); missing ones take their defaults.

        Strictly, as JSON: a number is a number (not `true`, not "5"), as the schema says.
        """
        try:
            return self.params.model_validate_json(json.dumps(params), strict=True)
        except ValidationError as error:
            raise InvalidInput.from_validation(error) from None

    def apply_live_change(self, current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        """The params after a live change, or InvalidInput naming what may not change."""
        not_live = [
            {
                "loc": [name],
                "msg": "is not a live parameter: it is fixed when the job starts",
                "type": "not_live",
            }
            for name in change
            if name not in self.live_params
        ]
        if not_live:
            raise InvalidInput(not_live)
        old = self.validate(current)
        new = self.validate({**current, **change})
        frozen = list(_frozen_differences(old, new, []))
        if frozen:
            raise InvalidInput(frozen)
        return new.model_dump(mode="json")

    @cached_property
    def fork_params(self) -> list[str]:
        """Top-level params a fork may change: the live ones and those marked forkable."""
        properties = self.params_schema.get("properties", {})
        forkable = [name for name, prop in properties.items() if prop.get("forkable") is True]
        return [name for name in properties if name in forkable or name in self.live_params]

    def apply_fork_change(self, current: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
        """The params of a fork, or InvalidInput naming what a fork may not change."""
        fixed = [
            {
                "loc": [name],
                "msg": "is fixed for a fork: the snapshot's model and data depend on it (start "
                "a new run to change it)",
                "type": "not_forkable",
            }
            for name in change
            if name not in self.fork_params
        ]
        if fixed:
            raise InvalidInput(fixed)
        old = self.validate(current)
        new = self.validate({**current, **change})
        properties = self.params_schema.get("properties", {})
        frozen = [
            error
            for error in _frozen_differences(old, new, [])
            if properties.get(error["loc"][0], {}).get("forkable") is not True
        ]
        if frozen:
            raise InvalidInput(frozen)
        return new.model_dump(mode="json")


def _schema_has_live(node: Any, defs: dict[str, Any], seen: set[str]) -> bool:
    if isinstance(node, list):
        return any(_schema_has_live(item, defs, seen) for item in node)
    if not isinstance(node, dict):
        return False
    if node.get("live") is True:
        return True
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in seen:
            return False
        return _schema_has_live(defs.get(name), defs, seen | {name})
    return any(_schema_has_live(value, defs, seen) for value in node.values())


def _frozen_differences(old: Any, new: Any, loc: list[Any]):
    """Yield an error for every non-live value that differs between two validated params."""
    if isinstance(old, BaseModel) and isinstance(new, BaseModel):
        if type(old) is not type(new):
            yield _fixed(loc)
            return
        for name, info in type(new).model_fields.items():
            if not is_live(info):
                yield from _frozen_differences(getattr(old, name), getattr(new, name), [*loc, name])
    elif isinstance(old, list) and isinstance(new, list) and old and isinstance(old[0], BaseModel):
        if len(old) != len(new):
            yield {
                "loc": loc,
                "msg": f"must keep its {len(old)} entries while the job runs",
                "type": "fixed_length",
            }
            return
        for index, (old_item, new_item) in enumerate(zip(old, new, strict=True)):
            yield from _frozen_differences(old_item, new_item, [*loc, index])
    elif old != new:
        yield _fixed(loc)


def _fixed(loc: list[Any]) -> dict[str, Any]:
    return {
        "loc": loc,
        "msg": "is not live: it cannot change while the job runs",
        "type": "not_live",
    }
