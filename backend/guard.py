"""What every request passes before a route sees it, and the headers every response gets.

A DiveLab without accounts on a laptop must not be driven by the web pages its learner visits:
- `Host` must name this server (DNS rebinding: a page on evil.example resolving to 127.0.0.1);
- unsafe methods and websockets from a browser must come from this server's own origin or
  one listed in DIVELAB_CORS_ORIGINS (a cross-site form or fetch cannot cancel a job);
- a JSON route takes JSON only (a cross-site `text/plain` POST is refused as 415), the upload
  route multipart only;
- a body larger than its bound is refused as 413, from `Content-Length` before it is read,
  and while it is read when it comes chunked.
Responses carry a Content-Security-Policy (no inline scripts; nothing may frame the UI),
`nosniff` and a strict referrer policy.
"""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around an uploaded file
UPLOAD_PATH = "/api/images"
JSON_TYPES = ("application/json",)

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        # The UI may be pointed at another DiveLab server (its footer's API setting).
        "connect-src 'self' http: https: ws: wss:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# The interactive API docs load their scripts and styles from a CDN and start them inline.
DOCS_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: https:; "
    "frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]

CLOSE_POLICY_VIOLATION = 1008


def allowed_hosts(settings: Settings) -> frozenset[str]:
    return frozenset(
        host.lower().strip("[]")
        for host in ["127.0.0.1", "localhost", "::1", settings.host, *settings.allowed_hosts]
    )


def host_name(host_header: str) -> str:
    """`example.org:8000` -> `example.org`; `[::1]:8000` -> `::1`."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")].lower()
    return host_header.rsplit(":", 1)[0].lower() if host_header.count(":") == 1 else host_header


def media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


class RequestGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = allowed_hosts(settings)
        self.origins = frozenset(settings.cors_origins)
        self.max_body = settings.max_request_bytes
        self.max_upload = settings.max_upload_bytes + MULTIPART_OVERHEAD

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self.refusal(scope, headers)
        if refusal is not None:
            await refuse(scope, send, *refusal)
            return
        if scope["type"] == "http" and scope["method"] not in SAFE_METHODS:
            receive = self.bounded(receive, self.body_limit(scope))
        await self.app(scope, receive, send_with_security_headers(scope, send))

    def refusal(self, scope: Scope, headers: Headers) -> tuple[int, str, str] | None:
        """(status, type, why) when the request must not reach a route."""
        host = headers.get("host", "")
        if host_name(host) not in self.hosts:
            return 400, "invalid_host", f"This server does not answer to the host {host!r}."
        unsafe = scope["type"] == "websocket" or scope["method"] not in SAFE_METHODS
        origin = headers.get("origin")
        if unsafe and origin is not None and not self.trusts(origin, scope, host):
            return 403, "forbidden_origin", f"Requests from {origin} may not change this lab."
        if scope["type"] == "websocket" or not unsafe:
            return None
        expected = "multipart/form-data" if scope["path"] == UPLOAD_PATH else "application/json"
        given = media_type(headers)
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        if (has_body or given) and given != expected and not is_json(given, expected):
            return 415, "unsupported_media_type", f"Send the body as {expected}."
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.body_limit(scope):
            return 413, "too_large", too_large_message(self.body_limit(scope))
        return None

    def trusts(self, origin: str, scope: Scope, host: str) -> bool:
        scheme = {"ws": "http", "wss": "https"}.get(scope["scheme"], scope["scheme"])
        return origin == f"{scheme}://{host}" or origin in self.origins

    def body_limit(self, scope: Scope) -> int:
        return self.max_upload if scope["path"] == UPLOAD_PATH else self.max_body

    @staticmethod
    def bounded(receive: Receive, limit: int) -> Callable[[], Awaitable[Message]]:
        """`receive`, cut off with 413 once the body passes `limit` (a chunked body declares
        no length). An HTTPException, so that FastAPI's body reading passes it on as such."""
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(
                        413, too_large_message(limit), headers={"Connection": "close"}
                    )
            return message

        return bounded_receive


def is_json(given: str, expected: str) -> bool:
    return expected == "application/json" and given.endswith("+json")


def too_large_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


async def refuse(scope: Scope, send: Send, status: int, kind: str, why: str) -> None:
    if scope["type"] == "websocket":  # closing before accepting answers the handshake with 403
        await send({"type": "websocket.close", "code": CLOSE_POLICY_VIOLATION, "reason": why})
        return
    body = json.dumps({"detail": why, "type": kind}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def send_with_security_headers(scope: Scope, send: Send) -> Send:
    policy = (
        DOCS_CONTENT_SECURITY_POLICY if scope["path"] in DOCS_PATHS else CONTENT_SECURITY_POLICY
    )

    async def send_secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers: list[Any] = list(message.get("headers", []))
            headers += [*SECURITY_HEADERS, (b"content-security-policy", policy.encode())]
            message = {**message, "headers": headers}
        await send(message)

    return send_secured
