"""Every error DiveLab reports to a caller: one hierarchy, each with its HTTP status and a
stable machine-readable `type`. The API renders all of them with one handler."""

from typing import Any, ClassVar

from pydantic import ValidationError


class DiveLabError(Exception):
    status_code: ClassVar[int] = 500
    type: ClassVar[str] = "error"

    def __init__(self, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail, "type": self.type}


class Unauthorized(DiveLabError):
    """No credential, or one that is unknown, expired or revoked (classroom mode)."""

    status_code = 401
    type = "unauthorized"


class Forbidden(DiveLabError):
    """Signed in, but this is not theirs to do."""

    status_code = 403
    type = "forbidden"


class NotFound(DiveLabError):
    status_code = 404
    type = "not_found"

    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"{what} {ident!r} does not exist")


class Conflict(DiveLabError):
    """The request is valid but illegal in the resource's current state."""

    status_code = 409
    type = "conflict"


class NoSnapshot(Conflict):
    """A fork asked for a step no snapshot covers yet; says the first step that has one."""

    type = "no_snapshot"

    def __init__(self, detail: str, first_step: int | None) -> None:
        super().__init__(detail)
        self.first_step = first_step

    def body(self) -> dict[str, Any]:
        return {**super().body(), "first_step": self.first_step}


class TooLarge(DiveLabError):
    status_code = 413
    type = "too_large"


class UnsupportedMediaType(DiveLabError):
    status_code = 415
    type = "unsupported_media_type"


class TooManyRequests(DiveLabError):
    """A bound is reached for now: come back after `retry_after` seconds."""

    status_code = 429
    type = "too_many_requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(retry_after)})


class InvalidInput(DiveLabError):
    """Invalid input, as pydantic-style errors ({"loc", "msg", "type"}); `loc` starts at the
    request body (the handler adds "body"), or at the params of a demo."""

    status_code = 422
    type = "invalid_input"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors

    @classmethod
    def from_validation(cls, error: ValidationError) -> "InvalidInput":
        return cls(
            [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
        )

    def under(self, *prefix: str | int) -> "InvalidInput":
        """The same errors, located under `prefix` (the params of a job: "params")."""
        return type(self)([{**e, "loc": [*prefix, *e["loc"]]} for e in self.errors])

    def body(self) -> dict[str, Any]:
        return {
            "detail": [{**e, "loc": ["body", *e["loc"]]} for e in self.errors],
            "type": self.type,
        }
