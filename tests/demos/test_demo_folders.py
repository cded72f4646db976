"""Each demo is one folder that reads like its book section: the files, their size, the
references a learner follows."""

import math
from pathlib import Path

import pytest

from core.errors import InvalidInput
from workers.demos import CATALOGUE

DEMOS = Path(__file__).resolve().parents[2] / "workers" / "demos"
LONGEST = 400  # lines; past this a module mixes more than one part of the section


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=list(CATALOGUE))
def test_a_demo_is_one_folder_of_spec_params_model_loop_views_and_picture(spec) -> None:
    folder = DEMOS / spec.package.rsplit(".", 1)[1]
    present = {path.name for path in folder.iterdir()}
    assert {"__init__.py", "params.py", "model.py", "train.py", "views.py"} <= present
    assert spec.preview_svg.lstrip().startswith(b"<svg")
    assert spec.book or spec.zefs  # a section of the book, or Zefs Guide beyond the book
    assert spec.what_to_try


def test_no_demo_module_is_longer_than_the_limit() -> None:
    lengths = {
        str(path.relative_to(DEMOS)): len(path.read_text().splitlines())
        for path in DEMOS.rglob("*.py")
    }
    assert {name: n for name, n in lengths.items() if n > LONGEST} == {}


def bounds_missing(node: object, path: str, defs: dict) -> list[str]:
    """Where a params schema lets a value through without a bound."""
    if isinstance(node, list):
        return [
            m for i, item in enumerate(node) for m in bounds_missing(item, f"{path}[{i}]", defs)
        ]
    if not isinstance(node, dict):
        return []
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[1]
        return bounds_missing(defs[name], name, {}) if defs else []
    missing = []
    kind = node.get("type")
    if kind in ("number", "integer") and "enum" not in node:
        if not {"minimum", "exclusiveMinimum"} & set(node):
            missing.append(f"{path}: no lower bound")
        if not {"maximum", "exclusiveMaximum"} & set(node):
            missing.append(f"{path}: no upper bound")
    if kind == "string" and not {"maxLength", "pattern", "enum", "const"} & set(node):
        missing.append(f"{path}: no length bound")
    if kind == "array" and "maxItems" not in node:
        missing.append(f"{path}: no item bound")
    for key in ("properties", "items", "prefixItems", "anyOf", "oneOf"):
        child = node.get(key)
        if isinstance(child, dict) and key == "properties":
            missing += [m for name, sub in child.items() for m in bounds_missing(sub, name, defs)]
        elif child is not None:
            missing += bounds_missing(child, path, defs)
    return missing


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=list(CATALOGUE))
def test_every_param_has_a_bound(spec) -> None:
    schema = spec.params_schema
    defs = schema.get("$defs", {})
    missing = bounds_missing(schema, spec.id, defs) + [
        m for name, model in defs.items() for m in bounds_missing(model, name, defs)
    ]
    assert missing == []


@pytest.mark.parametrize("spec", CATALOGUE.values(), ids=list(CATALOGUE))
def test_no_number_param_takes_nan_or_infinity(spec) -> None:
    numbers = [
        name
        for name, prop in spec.params_schema["properties"].items()
        if prop.get("type") == "number"
    ]
    for name in numbers:
        for value in (math.nan, math.inf):
            with pytest.raises(InvalidInput) as refused:
                spec.validate({name: value})
            assert refused.value.errors[0]["loc"] == [name]
