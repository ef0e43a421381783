"""The project's error hierarchy and the table of failure codes.

Every expected failure is a :class:`ScribeError` carrying the HTTP status the gateway
answers with and a stable machine ``code`` (snake_case, never renamed once published: clients
and the dashboard translate it into a sentence in the user's language); one exception handler
renders it as ``{"error": "<Type>", "code": "<code>", "detail": "..."}`` (pattern from
polarsource/polar ``server/polar/exceptions.py``). ``detail`` is one human sentence without
server paths, addresses or a library's own message; those go to ``internal``, which only the
server log (and ``scribe --verbose``) shows. The CLI prints ``detail`` on one line and exits
non-zero.

Meetings and voice bank people that cannot be processed keep a failure reason in two columns,
``error`` (one English sentence) and ``error_code`` (an :class:`ErrorCode`);
:func:`describe_failure` turns any exception into that pair.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final


class ErrorCode(enum.StrEnum):
    """Stable codes of the reasons stored in ``meetings.error_code`` and ``people.error_code``.

    ============================  ============================================================
    code                          when
    ============================  ============================================================
    ``audio_undecodable``         ffmpeg cannot decode the file (damaged, not a media file)
    ``no_audio_stream``           the file is a valid container without an audio track
    ``audio_empty``               the file or its audio track holds no sample
    ``audio_too_long``            the recording is longer than ``MAX_AUDIO_SECONDS``
    ``too_little_speech``         an enrolment sample holds too little speech (VAD)
    ``bad_input``                 the options or the file are refused for another reason
    ``model_unavailable``         a model could not be loaded on the server
    ``storage_unavailable``       the object store or the database kept failing
    ``upload_missing``            the uploaded file is no longer in the object store
    ``retrying``                  (PENDING) a storage or database outage; retried later
    ``worker_lost``               (PENDING) the worker stopped responding; queued again
    ``too_many_attempts``         ``TASK_MAX_ATTEMPTS`` processing attempts were interrupted
    ``processing_failed``         an unexpected error (a bug); details in the server log
    ``download_failed``           a URL job's ``audio_url`` could not be downloaded
    ``download_refused``          a URL job's ``audio_url`` (or a redirect) is a refused address
    ``download_too_large``        a URL job's ``audio_url`` is larger than ``MAX_UPLOAD_BYTES``
    ============================  ============================================================

    Each code's English sentence is in :data:`ERROR_MESSAGES`.
    """

    AUDIO_UNDECODABLE = "audio_undecodable"
    NO_AUDIO_STREAM = "no_audio_stream"
    AUDIO_EMPTY = "audio_empty"
    AUDIO_TOO_LONG = "audio_too_long"
    TOO_LITTLE_SPEECH = "too_little_speech"
    BAD_INPUT = "bad_input"
    MODEL_UNAVAILABLE = "model_unavailable"
    STORAGE_UNAVAILABLE = "storage_unavailable"
    UPLOAD_MISSING = "upload_missing"
    RETRYING = "retrying"
    WORKER_LOST = "worker_lost"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    PROCESSING_FAILED = "processing_failed"
    DOWNLOAD_FAILED = "download_failed"
    DOWNLOAD_REFUSED = "download_refused"
    DOWNLOAD_TOO_LARGE = "download_too_large"


ERROR_MESSAGES: Final[Mapping[ErrorCode, str]] = MappingProxyType(
    {
        ErrorCode.AUDIO_UNDECODABLE: "The file could not be decoded as audio; it may be damaged "
        "or in a format the server cannot read.",
        ErrorCode.NO_AUDIO_STREAM: "The file contains no audio track.",
        ErrorCode.AUDIO_EMPTY: "The recording is empty: it contains no audio.",
        ErrorCode.AUDIO_TOO_LONG: "The recording is longer than this server accepts.",
        ErrorCode.TOO_LITTLE_SPEECH: "The recording contains too little speech to learn a voice "
        "from.",
        ErrorCode.BAD_INPUT: "The recording or its processing options were refused.",
        ErrorCode.MODEL_UNAVAILABLE: "A speech model could not be loaded on the server; an "
        "administrator has to check the server's models. Try again later.",
        ErrorCode.STORAGE_UNAVAILABLE: "The file storage or the database could not be reached; "
        "try again in a few minutes.",
        ErrorCode.UPLOAD_MISSING: "The uploaded recording is no longer in storage; upload it "
        "again.",
        ErrorCode.RETRYING: "The file storage or the database was briefly unreachable; "
        "processing will be retried automatically.",
        ErrorCode.WORKER_LOST: "The worker processing this recording stopped responding; it "
        "has been queued again.",
        ErrorCode.TOO_MANY_ATTEMPTS: "Processing was interrupted too many times (the worker "
        "stopped or ran out of memory); giving up.",
        ErrorCode.PROCESSING_FAILED: "Processing failed because of an unexpected error on the "
        "server; the details are in the server log.",
        ErrorCode.DOWNLOAD_FAILED: "The recording could not be downloaded from its URL.",
        ErrorCode.DOWNLOAD_REFUSED: "The recording's URL points at an address this server "
        "never fetches.",
        ErrorCode.DOWNLOAD_TOO_LARGE: "The file at the recording's URL is larger than this "
        "server accepts.",
    }
)
"""The English sentence of every :class:`ErrorCode` (no path, no library wording)."""


def error_message(code: str) -> str:
    """The sentence of ``code``; the ``processing_failed`` sentence for a code not in the
    table."""
    try:
        return ERROR_MESSAGES[ErrorCode(code)]
    except ValueError:
        return ERROR_MESSAGES[ErrorCode.PROCESSING_FAILED]


class ScribeError(Exception):
    """Base of every expected error.

    Args:
        detail: One human-readable sentence saying what went wrong and why, without server
            paths or a library's message; the sentence of ``code`` (:func:`error_message`)
            when ``None``.
        status_code: HTTP status the gateway answers with (4xx for bad input).
        code: Stable machine code; the class's ``code`` when ``None``.
        internal: The raw detail for the server log only (ffmpeg's stderr, a path, a
            library's message); never shown to API users.
    """

    status_code: int = 500
    code: str = "internal_error"

    def __init__(
        self,
        detail: str | None = None,
        status_code: int | None = None,
        *,
        code: str | None = None,
        internal: str | None = None,
    ) -> None:
        if status_code is not None:
            self.status_code = status_code
        if code is not None:
            self.code = code
        self.detail = detail if detail is not None else error_message(self.code)
        self.internal = internal
        super().__init__(self.detail)


class BadInputError(ScribeError):
    """The request or the options are invalid (HTTP 400)."""

    status_code = 400
    code = "bad_input"


class AudioDecodeError(ScribeError):
    """The input cannot be decoded as audio (HTTP 415); ffmpeg's reason is in ``internal``."""

    status_code = 415
    code = "audio_undecodable"


class NoAudioStreamError(AudioDecodeError):
    """The file is a readable container (e.g. a video) without any audio track (HTTP 415)."""

    code = "no_audio_stream"


class AudioEmptyError(AudioDecodeError):
    """The file is empty, or its audio track holds no sample (HTTP 415)."""

    code = "audio_empty"


class ModelLoadError(ScribeError):
    """A model could not be resolved or loaded (wrong name, missing directory, offline)."""

    status_code = 503
    code = "model_unavailable"


class NotFoundError(ScribeError):
    """The resource does not exist or does not belong to the caller (HTTP 404)."""

    status_code = 404
    code = "not_found"


class AudioTooLongError(BadInputError):
    """The recording is longer than ``MAX_AUDIO_SECONDS`` (HTTP 413); found before decoding."""

    status_code = 413
    code = "audio_too_long"


@dataclass(frozen=True)
class Failure:
    """Why a meeting or a person could not be processed, as stored and shown by the API.

    Attributes:
        code: An :class:`ErrorCode` value (``meetings.error_code``).
        message: One English sentence for the user (``meetings.error``); never a path, an
            address or a library's message.
    """

    code: ErrorCode
    message: str


def failure(code: ErrorCode) -> Failure:
    """The :class:`Failure` of ``code`` with its sentence from :data:`ERROR_MESSAGES`."""
    return Failure(code, ERROR_MESSAGES[code])


def describe_failure(exc: BaseException) -> Failure:
    """The code and sentence to store for a job that ended with ``exc``.

    A :class:`ScribeError` about the user's input (HTTP 4xx) whose code is in the table keeps
    its own ``detail`` (it says what is wrong with the file, e.g. how long it is); a server-side
    error (HTTP 5xx: model, storage) gets its code's generic sentence, and anything else
    (a bug) is ``processing_failed``. The caller logs the exception itself (with
    ``internal``) for the administrator.

    Args:
        exc: The exception the job ended with.

    Returns:
        The code and the sentence, the sentence at most 2000 characters long.
    """
    if not isinstance(exc, ScribeError):
        return failure(ErrorCode.PROCESSING_FAILED)
    try:
        code = ErrorCode(exc.code)
    except ValueError:
        return failure(ErrorCode.PROCESSING_FAILED)
    if exc.status_code < 500 and exc.detail.strip():
        return Failure(code, exc.detail.strip()[:2000])
    return failure(code)
