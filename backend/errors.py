"""How errors leave the API: every `DiveLabError` and every request FastAPI cannot parse, by
one handler each, as `{"detail": ..., "type": ...}` (422s keep `detail` as a list naming each
field in `loc`)."""

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

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


DESCRIPTIONS = {
    404: "Unknown id",
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


def install(app: FastAPI) -> None:
    @app.exception_handler(DiveLabError)
    async def _divelab_error(_: Request, error: DiveLabError) -> JSONResponse:
        return JSONResponse(
            status_code=error.status_code, content=error.body(), headers=error.headers
        )

    @app.exception_handler(HTTPException)
    async def _http_error(_: Request, error: HTTPException) -> JSONResponse:
        """Routing's own errors (an unknown path, a method a route lacks)."""
        kind = HTTPStatus(error.status_code).phrase.lower().replace(" ", "_")
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": error.detail, "type": kind},
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _unparsable(_: Request, error: RequestValidationError) -> JSONResponse:
        items = [
            {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": items, "type": InvalidInput.type})
