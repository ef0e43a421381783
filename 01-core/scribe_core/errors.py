"""The project's error hierarchy.

Every expected failure is a :class:`ScribeError` carrying the HTTP status the gateway
answers with; one exception handler renders it as ``{"error": "<Type>", "detail": "..."}``
(pattern from polarsource/polar ``server/polar/exceptions.py``). The CLI prints
``detail`` on one line and exits non-zero.
"""

from __future__ import annotations


class ScribeError(Exception):
    """Base of every expected error.

    Args:
        detail: One human-readable sentence saying what went wrong and why.
        status_code: HTTP status the gateway answers with (4xx for bad input).
    """

    status_code: int = 500

    def __init__(self, detail: str, status_code: int | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if status_code is not None:
            self.status_code = status_code


class BadInputError(ScribeError):
    """The request or the options are invalid (HTTP 400)."""

    status_code = 400


class AudioDecodeError(ScribeError):
    """The input cannot be decoded as audio, or holds no samples (HTTP 415).

    The message includes ffmpeg's own reason.
    """

    status_code = 415


class ModelLoadError(ScribeError):
    """A model could not be resolved or loaded (wrong name, missing directory, offline)."""

    status_code = 503


class NotFoundError(ScribeError):
    """The resource does not exist or does not belong to the caller (HTTP 404)."""

    status_code = 404
