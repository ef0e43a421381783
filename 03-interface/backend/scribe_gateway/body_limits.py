"""Request bodies are bounded in size and in time before any handler reads them.

:class:`BodyLimitMiddleware` is a pure ASGI middleware: it wraps ``receive`` and ``send`` and
never buffers a body itself. Each request gets a byte limit from its route
(:func:`body_limit`):

- the streamed uploads (``multipart/form-data`` to ``POST /api/v1/process``,
  ``POST /api/v1/speakers`` and ``POST /api/v1/speakers/{id}/samples``) get none here: their
  handlers check the token, the content type and their own limits (``MAX_UPLOAD_BYTES``,
  ``ENROLMENT_MAX_BYTES``) before reading a byte, then count while streaming
  (:mod:`scribe_gateway.meetings.upload`);
- the auth routes, the speaker rename and the enrolment from a meeting take a few short
  fields: :data:`SMALL_BODY_BYTES`;
- every other body (JSON, forms, an upload route sent anything but multipart):
  ``MAX_JSON_BYTES``.

A ``Content-Length`` over the limit is answered 413 ``payload_too_large`` before the
application runs; a body without one (chunked) is counted as it arrives and refused as soon as
it passes the limit, so no JSON parser ever sees it. While a body arrives, the client may pause
at most ``BODY_READ_TIMEOUT_SECONDS`` (before the first chunk and between two chunks), else the
reading handler is interrupted with :class:`RequestTimeoutError`: a streamed upload aborts what
it stored, and the client gets 408 ``request_timeout``.

Whenever the answer starts before the body was read to its end (401 from a dependency, 413,
408 …), it carries ``Connection: close``: uvicorn then closes the connection after the answer
instead of reading and discarding the rest of a body nobody wants.

Pattern: polar's ``MaxBodySizeMiddleware`` (STYLE.md "Storage"). Starlette's own
``RequestBodyLimitMiddleware`` (FastAPI ``max_body_size``) counts bytes the same way, but fixes
each route's limit when the routes are declared (ours come from the settings at run time),
answers in plain text rather than the project's error body, and has no read timeout.
"""

from __future__ import annotations

import json
import re
from typing import Final

import anyio
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from scribe_core.errors import BadInputError, ScribeError
from scribe_core.settings import GatewaySettings
from scribe_gateway.errors import PayloadTooLargeError

SMALL_BODY_BYTES: Final = 4096
"""Limit of the routes that take a few short fields (login, register, rename, enrol from a
meeting), in bytes (``MAX_JSON_BYTES`` when that is smaller)."""

_PREFIX = "/api/v1"
_UPLOAD_ROUTES: Final = re.compile(rf"{_PREFIX}/(process|speakers|speakers/[^/]+/samples)/?")
_SMALL_ROUTES: Final = (
    (None, re.compile(rf"{_PREFIX}/auth/.*")),
    ("PATCH", re.compile(rf"{_PREFIX}/meetings/[^/]+/speakers/[^/]+/?")),
    ("POST", re.compile(rf"{_PREFIX}/meetings/[^/]+/speakers/[^/]+/enroll/?")),
)
_CONTENT_LENGTH: Final = re.compile(r"[0-9]{1,18}")


class RequestTimeoutError(ScribeError):
    """The request body stopped arriving for longer than ``BODY_READ_TIMEOUT_SECONDS``
    (HTTP 408); a partial upload is removed."""

    status_code = 408
    code = "request_timeout"


def body_limit(method: str, path: str, content_type: str, max_json_bytes: int) -> int | None:
    """The largest body the route accepts, in bytes.

    Args:
        method: The request method (``POST`` …).
        path: The request path (``/api/v1/auth/register``).
        content_type: The request's ``Content-Type`` header (may be empty).
        max_json_bytes: ``MAX_JSON_BYTES``.

    Returns:
        ``None`` for a ``multipart/form-data`` body to a streamed upload route (its handler
        enforces the upload limits); :data:`SMALL_BODY_BYTES` (at most ``max_json_bytes``) for
        the routes with a few short fields; ``max_json_bytes`` otherwise.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if method == "POST" and media == "multipart/form-data" and _UPLOAD_ROUTES.fullmatch(path):
        return None
    for route_method, pattern in _SMALL_ROUTES:
        if route_method in (None, method) and pattern.fullmatch(path):
            return min(SMALL_BODY_BYTES, max_json_bytes)
    return max_json_bytes


def _error_response(exc: ScribeError) -> tuple[Message, Message]:
    """The ``http.response.start`` and ``http.response.body`` messages of ``exc`` rendered as
    the project's error body, with ``Connection: close``."""
    body = json.dumps(
        {"error": type(exc).__name__, "code": exc.code, "detail": exc.detail}
    ).encode()
    start: Message = {
        "type": "http.response.start",
        "status": exc.status_code,
        "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ],
    }
    return start, {"type": "http.response.body", "body": body}


class _Guard:
    """The ``receive`` and ``send`` of one request, wrapped (see the module docstring)."""

    def __init__(
        self, receive: Receive, send: Send, limit: int | None, timeout: float, has_body: bool
    ) -> None:
        self._receive = receive
        self._send = send
        self.limit = limit
        self.timeout = timeout
        self.body_done = not has_body
        self.received = 0
        self.failure: ScribeError | None = None
        self.started = False
        self.replaced = False

    def fail(self, exc: ScribeError) -> ScribeError:
        self.failure = exc
        return exc

    async def receive(self) -> Message:
        if self.body_done:  # after the body: waiting for a disconnect takes as long as it takes
            return await self._receive()
        try:
            with anyio.fail_after(self.timeout):
                message = await self._receive()
        except TimeoutError:
            raise self.fail(
                RequestTimeoutError(
                    f"the request body stopped arriving for {self.timeout:g} seconds; "
                    "the request was abandoned"
                )
            ) from None
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            if self.limit is not None and self.received > self.limit:
                raise self.fail(
                    PayloadTooLargeError(
                        f"the request body is larger than the limit of {self.limit} bytes"
                    )
                )
            self.body_done = not message.get("more_body", False)
        else:  # http.disconnect: nothing more will come
            self.body_done = True
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            if self.failure is not None:
                # The application answered after our failure (FastAPI turns an error raised
                # while it reads a body into "400 error parsing the body"): answer ours.
                await self.send_failure()
                self.replaced = True
                return
            self.started = True
            if not self.body_done:
                message = {**message, "headers": [*message.get("headers", []),
                                                  (b"connection", b"close")]}  # fmt: skip
        elif self.replaced:  # the rest of the application's answer
            return
        await self._send(message)

    async def send_failure(self) -> None:
        assert self.failure is not None
        self.started = True
        for message in _error_response(self.failure):
            await self._send(message)


class BodyLimitMiddleware:
    """Bound every request body in size and time (see the module docstring).

    Args:
        app: The ASGI application.
        settings: Where ``MAX_JSON_BYTES`` and ``BODY_READ_TIMEOUT_SECONDS`` come from; by
            default those of the running :class:`~scribe_gateway.platform.Platform`
            (``app.state.platform``), else read from the environment once.
    """

    def __init__(self, app: ASGIApp, settings: GatewaySettings | None = None) -> None:
        self.app = app
        self.settings = settings

    def _settings(self, scope: Scope) -> GatewaySettings:
        if self.settings is not None:
            return self.settings
        platform = getattr(getattr(scope.get("app"), "state", None), "platform", None)
        if platform is not None:
            gateway: GatewaySettings = platform.gateway
            return gateway
        self.settings = GatewaySettings()
        return self.settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self._settings(scope)
        headers = Headers(scope=scope)
        declared = headers.get("content-length")
        chunked = "chunked" in headers.get("transfer-encoding", "").lower()
        limit = body_limit(
            scope["method"], scope["path"], headers.get("content-type", ""),
            settings.max_json_bytes,
        )  # fmt: skip
        has_body = chunked or (declared is not None and declared.strip() not in ("", "0"))
        guard = _Guard(receive, send, limit, settings.body_read_timeout_seconds, has_body)

        if declared is not None and not chunked:
            if not _CONTENT_LENGTH.fullmatch(declared.strip()):
                guard.fail(BadInputError("Content-Length must be a number of bytes"))
            elif limit is not None and int(declared) > limit:
                guard.fail(
                    PayloadTooLargeError(
                        f"the request body is {int(declared)} bytes; the limit is {limit} bytes"
                    )
                )
            if guard.failure is not None:
                await guard.send_failure()
                return
        try:
            await self.app(scope, guard.receive, guard.send)
        except Exception as exc:
            # Our failure, or what the handler made of it (wrapped, re-raised as another
            # error): the body is the cause, so the client gets the body's error.
            if guard.failure is None or (guard.started and exc is not guard.failure):
                raise
            if not guard.started:
                await guard.send_failure()
