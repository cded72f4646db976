"""Errors the services raise, and how the API turns them into responses."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from workers.demos.contract import ParamsError


class NotFound(Exception):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what} {ident!r} does not exist")


class Conflict(Exception):
    """The request is valid but illegal in the resource's current state."""


class ErrorMessage(BaseModel):
    detail: str


class ValidationErrorItem(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorMessage(BaseModel):
    detail: list[ValidationErrorItem]


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error responses a route may give."""
    described = {
        404: "Unknown id",
        409: "Illegal in the current state",
        413: "Too large",
        415: "Unsupported media type",
    }
    return {code: {"model": ErrorMessage, "description": described[code]} for code in codes}


def params_error_response(error: ParamsError, prefix: tuple[str, ...]) -> JSONResponse:
    detail = [{**e, "loc": [*prefix, *e["loc"]]} for e in error.errors]
    return JSONResponse(status_code=422, content={"detail": detail})


def install(app: FastAPI) -> None:
    @app.exception_handler(NotFound)
    async def _not_found(_: Request, error: NotFound) -> JSONResponse:
        return JSONResponse(status_code=404, content={"detail": str(error)})

    @app.exception_handler(Conflict)
    async def _conflict(_: Request, error: Conflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(error)})
