"""Who is asking: every route that reads or steers jobs and images takes the caller.

Without sign-in (DIVELAB_AUTH=none) every request comes from the learner at this machine. In
classroom mode a request carries a personal token (`Authorization: Bearer`) or the browser's
session cookie; without a live one it gets 401.
"""

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from core.callers import LOCAL_USER, Caller
from core.errors import Unauthorized

SESSION_COOKIE = "divelab_session"


def resolve_caller(connection: HTTPConnection) -> Caller | None:
    """The caller of a request or websocket; None when classroom mode finds no live
    credential."""
    state = connection.app.state
    if state.settings.auth == "none":
        return LOCAL_USER
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    secret = token.strip() if scheme.lower() == "bearer" else None
    secret = secret or connection.cookies.get(SESSION_COOKIE)
    return state.accounts.caller(secret) if secret else None


def current_caller(connection: HTTPConnection) -> Caller:
    caller = resolve_caller(connection)
    if caller is None:
        raise Unauthorized(
            "Sign in first: join your class with its invite code, or send a personal token "
            "as `Authorization: Bearer TOKEN`.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"


CurrentCaller = Annotated[Caller, Depends(current_caller)]
