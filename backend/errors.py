"""How errors leave the API: every `DiveLabError` and every request FastAPI cannot parse, by
one handler each, as `{"detail": ..., "type": ...}` (422s keep `detail` as a list naming each
field in `loc`)."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.routing import Match

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
    403: "A request from a web page of another origin",
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


def methods_of(app: FastAPI, scope: dict[str, Any]) -> list[str]:
    """The methods the routes of a request's path answer (405's `Allow`)."""
    methods: set[str] = set()
    for route in app.routes:
        if isinstance(route, APIRoute) and route.matches(scope)[0] is not Match.NONE:
            methods |= route.methods
    return sorted(methods)


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
        kind = HTTP_TYPES.get(error.status_code) or HTTPStatus(error.status_code).phrase
        headers = dict(error.headers or {})
        if error.status_code == 405:  # every method of the path, not only of its first route
            headers["Allow"] = ", ".join(methods_of(app, request.scope))
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": error.detail, "type": kind.lower().replace(" ", "_")},
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
