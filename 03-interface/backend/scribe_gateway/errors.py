"""Gateway errors: :class:`~scribe_core.errors.ScribeError` subclasses with their HTTP status.

All of them are rendered by one exception handler as
``{"error": "<Type>", "code": "<code>", "detail": "…"}`` (see :mod:`scribe_gateway.app`).
"""

from __future__ import annotations

from scribe_core.errors import ScribeError


class AuthenticationError(ScribeError):
    """Missing, malformed, expired or unknown credentials (HTTP 401, ``WWW-Authenticate``)."""

    status_code = 401
    code = "not_authenticated"


class ConflictError(ScribeError):
    """The request conflicts with the current state (HTTP 409): an e-mail already registered,
    a transcript asked for before the meeting is COMPLETED."""

    status_code = 409
    code = "conflict"


class PayloadTooLargeError(ScribeError):
    """The request body is larger than ``MAX_UPLOAD_BYTES`` (HTTP 413)."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(ScribeError):
    """The body or the uploaded file is of a type the API does not take (HTTP 415)."""

    status_code = 415
    code = "unsupported_media_type"


class ClientDisconnectedError(ScribeError):
    """The client went away before sending its whole body (HTTP 400; nobody reads the reply)."""

    status_code = 400
    code = "client_disconnected"
