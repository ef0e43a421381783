"""422 answers that say which fields are wrong without repeating what was sent.

FastAPI's default answer to a :class:`~fastapi.exceptions.RequestValidationError` echoes each
offending value back (``input``), passwords included, and a 100 MB field whole. This handler
keeps where and why only:

``{"error": "ValidationError", "code": "invalid_request", "detail": "<sentence>",
"fields": [{"loc": ["body", "password"], "msg": "String should have at least 8 characters",
"type": "string_too_short"}]}``
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

MAX_MESSAGE_CHARS: Final = 200
"""Longest ``msg`` kept per field (pydantic's messages are far shorter)."""
_LISTED: Final = 3
"""Fields named in ``detail``; ``fields`` lists all of them."""


def validation_fields(exc: RequestValidationError) -> list[dict[str, Any]]:
    """``loc``, ``msg`` and ``type`` of each error: never ``input`` nor ``ctx`` (which can
    hold the submitted value).

    Args:
        exc: The validation error FastAPI raised.

    Returns:
        One dict per error: ``loc`` (list of str/int), ``msg`` (at most
        :data:`MAX_MESSAGE_CHARS` characters), ``type`` (pydantic's error type).
    """
    return [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", ""))[:MAX_MESSAGE_CHARS],
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()
    ]


def _where(loc: list[str | int]) -> str:
    return ".".join(str(part) for part in loc if part != "body") or "body"


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Render a :class:`RequestValidationError` as a 422 without the submitted values.

    Raises:
        Exception: ``exc`` itself when it is not a ``RequestValidationError`` (the handler is
            registered for that class only).
    """
    if not isinstance(exc, RequestValidationError):
        raise exc
    fields = validation_fields(exc)
    listed = "; ".join(f"{_where(f['loc'])}: {f['msg']}" for f in fields[:_LISTED])
    more = f" (and {len(fields) - _LISTED} more)" if len(fields) > _LISTED else ""
    return JSONResponse(
        {
            "error": "ValidationError",
            "code": "invalid_request",
            "detail": f"the request is invalid: {listed or 'malformed'}{more}",
            "fields": fields,
        },
        status_code=422,
    )
