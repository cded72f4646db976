"""The event contract covers every frame kind: a frame a demo builds is an event the API
documents and the UI's generated types know."""

import pytest

from core.events import event_adapter
from core.frames import FRAME_DATA, FrameKind


@pytest.mark.parametrize("kind", list(FrameKind))
def test_every_frame_kind_has_its_event(kind: FrameKind) -> None:
    model = FRAME_DATA[kind]
    schema = model.model_json_schema()
    # The smallest valid data: every required list empty, strings empty, numbers 1.
    filler = {"array": [], "string": "", "integer": 1, "number": 1.0}
    data = {
        name: filler[prop.get("type", "string")] if "anyOf" not in prop else None
        for name, prop in schema["properties"].items()
        if name in schema.get("required", [])
    }
    if kind is FrameKind.image:
        data["format"] = "png"
    event = {"seq": 1, "ts": 0.0, "type": "frame", "name": "x", "kind": kind.value, "data": data}
    parsed = event_adapter.validate_python(event)
    assert type(parsed.data) is model
