"""How a demo declares its params: the base model and the field that carries what the UI and
the rules for changes need. Kept apart from `core.demo_spec` so that an exported run's script
(`backend/exports`) carries these few lines and not the catalogue's machinery."""

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo


class DemoParams(BaseModel):
    """The base of every demo's params (and of the models nested in them): an unknown name is
    an error, and NaN or infinity is never a number."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


def param_field(
    default: Any,
    *,
    description: str,
    unit: str | None = None,
    live: bool = False,
    forkable: bool = False,
    log_scale: bool = False,
    widget: str | None = None,
    **constraints: Any,
) -> Any:
    """A pydantic Field carrying what the UI needs: range (ge/le...), unit, scale, liveness,
    and the widget the form should use when the type alone does not say (`"image"`).

    `live`: may change while the job runs (at its next step). `forkable`: not live, but a fork
    may change it (the optimizer, the number of steps); the model's shape and the data are
    neither."""
    extra: dict[str, Any] = {}
    if live:
        extra["live"] = True
    if forkable:
        extra["forkable"] = True
    if unit:
        extra["unit"] = unit
    if log_scale:
        extra["scale"] = "log"
    if widget:
        extra["widget"] = widget
    return Field(default, description=description, json_schema_extra=extra or None, **constraints)


def is_live(info: FieldInfo) -> bool:
    extra = info.json_schema_extra
    return isinstance(extra, dict) and extra.get("live") is True
