"""API models shared by every domain: the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

_DESCRIPTIONS = {
    400: "Bad request (invalid upload or options)",
    401: "Missing, invalid or expired bearer token",
    403: "The API key lacks the scope this route needs (`insufficient_scope`), or the route "
    "takes a signed-in session only (`api_key_not_allowed`)",
    404: "Not found, or not yours",
    409: "Conflicts with the current state",
    413: "Request body over the configured limit",
    415: "Unsupported media type",
    422: "Invalid body, or an `Idempotency-Key` reused for another request",
    503: "A dependency (database, queue, object store) is unavailable",
}


class ErrorResponse(BaseModel):
    """Body of every expected error: ``{"error": "<Type>", "detail": "…"}``."""

    error: str
    detail: str


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries documenting the given error status codes."""
    return {code: {"model": ErrorResponse, "description": _DESCRIPTIONS[code]} for code in codes}
