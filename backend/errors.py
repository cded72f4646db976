"""How errors leave the API: every `DiveLabError` and every request FastAPI cannot parse, by
one handler each, as `{"detail": ..., "type": ...}` (422s keep `detail` as a list naming each
field in `loc`)."""

import re
from functools import cache
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from core.errors import DiveLabError, InvalidInput


class ErrorMessage(BaseModel):
    detail: str
    type: str = Field(description="Stable and machine-readable: not_found, conflict...")


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorMessage(BaseModel):
    detail: list[ValidationErrorItem]
    type: str = Field(description="invalid_input")


HTTP_TYPES = {413: "too_large", 415: "unsupported_media_type", 400: "bad_request"}

DESCRIPTIONS = {
    400: "The body is not valid JSON (or not a parsable form)",
    401: "No live credential (classroom mode): sign in, or send a token",
    403: "Not allowed: a page of another origin, or not the caller's to do",
    404: "Unknown id",
    429: "A bound is reached for now; retry after `Retry-After` seconds",
    409: "Illegal in the current state",
    413: "Too large",
    415: "Unsupported media type",
    422: "Invalid input; `loc` names the field",
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error responses a route may give."""
    return {
        code: {
            "model": ValidationErrorMessage if code == 422 else ErrorMessage,
            "description": DESCRIPTIONS[code],
        }
        for code in codes
    }


@cache
def route_table(app: FastAPI) -> list[tuple[str, re.Pattern[str], frozenset[str]]]:
    """Each documented path, as a pattern, with its methods (GET answers HEAD too)."""
    table = []
    for path, operations in app.openapi()["paths"].items():
        methods = {method.upper() for method in operations}
        if "GET" in methods:
            methods.add("HEAD")
        table.append((path, compile_path(path)[0], frozenset(methods)))
    return table


def methods_of(app: FastAPI, path: str) -> list[str]:
    """The methods a path answers: 405's `Allow`, and how a 404 that only missed the
    method becomes that 405. A path that is a documented path itself (/api/classes/join)
    is that one, not a value of another's parameter (/api/classes/{class_id})."""
    table = route_table(app)
    exact = [methods for template, _, methods in table if template == path]
    matching = exact or [methods for _, pattern, methods in table if pattern.match(path)]
    return sorted(set().union(*matching))


def install(app: FastAPI) -> None:
    @app.exception_handler(DiveLabError)
    async def _divelab_error(_: Request, error: DiveLabError) -> JSONResponse:
        return JSONResponse(
            status_code=error.status_code, content=error.body(), headers=error.headers
        )

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, error: HTTPException) -> JSONResponse:
        """Routing's own errors (an unknown path, a method a route lacks), a body cut off at
        its bound, a body that cannot be parsed."""
        status, detail = error.status_code, error.detail
        headers = dict(error.headers or {})
        allowed = methods_of(app, request.url.path) if status in (404, 405) else []
        if allowed and request.method not in allowed:  # the path exists, for other methods
            status, detail = 405, "Method Not Allowed"
            headers["Allow"] = ", ".join(allowed)
        kind = HTTP_TYPES.get(status) or HTTPStatus(status).phrase
        return JSONResponse(
            status_code=status,
            content={"detail": detail, "type": kind.lower().replace(" ", "_")},
            headers=headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _unparsable(_: Request, error: RequestValidationError) -> JSONResponse:
        if any(e["type"] == "json_invalid" for e in error.errors()):
            reason = error.errors()[0].get("ctx", {}).get("error", "it cannot be parsed")
            detail = f"The body is not valid JSON: {reason}."
            return JSONResponse(status_code=400, content={"detail": detail, "type": "invalid_json"})
        items = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": items, "type": InvalidInput.type})
