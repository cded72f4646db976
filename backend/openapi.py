"""The OpenAPI document: FastAPI's, plus what only the demo catalogue knows.

`POST /api/jobs` takes `{"demo": ID, "params": {...}}` where the params' shape depends on the
demo, so its body is documented as one variant per demo, each with that demo's `Params`
schema (`<Demo>Params`, and the models it nests as `<Demo><Model>`). The route itself still
reads a plain `JobCreate` and validates the params against the demo's spec, so a 422 names
the field as `["body", "params", ...]`.

`python -m backend.openapi FILE` writes the document, from which the UI's TypeScript types
are generated (`make types`; a test fails when they drift).
"""

import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core.demo_spec import DemoSpec
from core.settings import Settings
from workers.demos import CATALOGUE


def install(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            describe_job_bodies(document)
            link_ids(document, "/api/jobs", "job_id")
            link_ids(document, "/api/images", "image_id")
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def describe_job_bodies(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    variants: dict[str, str] = {}
    for spec in CATALOGUE.values():
        prefix = "".join(part.capitalize() for part in spec.id.split("-"))
        schemas.update(params_schemas(spec, prefix))
        schemas[f"{prefix}JobCreate"] = {
            "title": f"{prefix}JobCreate",
            "description": f"A job of `{spec.id}`: {spec.title}.",
            "type": "object",
            "properties": {
                "demo": {"const": spec.id, "type": "string"},
                "params": {"$ref": f"#/components/schemas/{prefix}Params"},
            },
            "required": ["demo"],
            "additionalProperties": False,
        }
        variants[spec.id] = f"#/components/schemas/{prefix}JobCreate"
    body = document["paths"]["/api/jobs"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"] = {
        "oneOf": [{"$ref": ref} for ref in variants.values()],
        "discriminator": {"propertyName": "demo", "mapping": variants},
    }


def link_ids(document: dict[str, Any], collection: str, parameter: str) -> None:
    """OpenAPI links from what creates a resource to every operation on it, so that
    generated calls (schemathesis's stateful phase) follow real ids."""
    created = document["paths"][collection]["post"]["responses"]["201"]
    created["links"] = {
        f"{method.upper()} {path}": {
            "operationId": operation["operationId"],
            "parameters": {parameter: "$response.body#/id"},
        }
        for path, operations in document["paths"].items()
        if f"{{{parameter}}}" in path
        for method, operation in operations.items()
    }


def params_schemas(spec: DemoSpec, prefix: str) -> dict[str, Any]:
    """The demo's params schema and the models it nests, named under `prefix`."""
    schema = json.loads(json.dumps(spec.params_schema))  # a copy to rename refs in
    nested = schema.pop("$defs", {})

    def renamed(node: Any) -> Any:  # every "#/$defs/X": refs and discriminator mappings
        if isinstance(node, dict):
            return {key: renamed(value) for key, value in node.items()}
        if isinstance(node, list):
            return [renamed(item) for item in node]
        if isinstance(node, str) and node.startswith("#/$defs/"):
            return f"#/components/schemas/{prefix}{node.removeprefix('#/$defs/')}"
        return node

    named = {f"{prefix}{name}": renamed(model) for name, model in nested.items()}
    named[f"{prefix}Params"] = renamed(schema)
    return named


def document() -> dict[str, Any]:
    from backend.app import create_app

    with tempfile.TemporaryDirectory() as data_dir:  # the app is built, never started
        return create_app(Settings(data_dir=Path(data_dir))).openapi()


if __name__ == "__main__":
    Path(sys.argv[1]).write_text(json.dumps(document(), indent=2, sort_keys=True) + "\n")
