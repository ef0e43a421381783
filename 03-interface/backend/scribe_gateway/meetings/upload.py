"""Streaming ``multipart/form-data`` receiver for the uploads: ``POST /api/v1/process`` and
the voice-bank enrolments (``POST /api/v1/speakers``, ``…/samples``).

The body is never held in memory nor spooled to disk: it is read from the ASGI stream chunk by
chunk, parsed incrementally by python-multipart's
:class:`~python_multipart.multipart.MultipartParser` (the parser Starlette itself uses), and
each ``file`` part is sent to the object store through :class:`~scribe_core.storage.AsyncUpload`
(S3 multipart upload, at most two parts in memory). Small text fields (``language``,
``title``, ``name`` …) are collected on the way.

Checks come before work: the routes resolve the caller's token before calling
:func:`receive_form` (FastAPI does not read a body its route does not declare), which refuses a
body that is not multipart, or whose ``Content-Length`` is over the limit, before reading a
byte; while streaming it counts the body and each file, and checks each file's declared type
before storing any of it. :mod:`scribe_gateway.body_limits` bounds the pauses.

Whatever goes wrong (body over the limit, client gone or stalled, malformed body, bad field)
every file stored so far is removed and the partial upload aborted, so no object and no
pending multipart upload is left behind.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import anyio
import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from scribe_core.errors import BadInputError
from scribe_core.storage import AsyncUpload, ObjectStore
from scribe_gateway.errors import (
    ClientDisconnectedError,
    PayloadTooLargeError,
    UnsupportedMediaTypeError,
)
from scribe_gateway.names import is_invisible

logger = logging.getLogger(__name__)

FILE_FIELD = "file"
TEXT_FIELDS = (
    "language", "num_speakers", "min_speakers", "max_speakers", "title", "output_format",
)  # fmt: skip
"""Form fields accepted next to ``file``."""

MAX_FIELD_BYTES = 1024
"""Largest accepted text field."""

MAX_PART_HEADER_BYTES = 8192
"""Largest accepted part header (``Content-Disposition`` with its file name …)."""

_ACCEPTED_APPLICATION_TYPES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/ogg",
        "application/mp4",
        "application/x-matroska",
    }
)

PLAYABLE_MEDIA_TYPES = frozenset(
    {
        "audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave", "audio/mpeg", "audio/mp3",
        "audio/mp4", "audio/x-m4a", "audio/m4a", "audio/aac", "audio/ogg", "audio/opus",
        "audio/webm", "audio/flac", "audio/x-flac", "video/mp4", "video/webm", "video/ogg",
    }
)  # fmt: skip
"""Media types a browser plays in ``<audio>`` / ``<video>``: served ``inline``."""

SERVED_MEDIA_TYPES = PLAYABLE_MEDIA_TYPES | {
    "audio/x-matroska", "video/x-matroska", "video/quicktime", "audio/aiff", "audio/x-aiff",
    "audio/amr", "audio/3gpp", "video/3gpp", "audio/x-ms-wma", "video/x-msvideo",
}  # fmt: skip
"""Media types a recording is stored and served with; any other declared type (``text/html``,
``audio/wav, text/html`` …) becomes ``application/octet-stream``."""

_UNSAFE_KEY_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


def display_filename(filename: str) -> str:
    """The file name to show: its last path component, without control, formatting (bidi
    overrides …) or line-separator characters (:func:`~scribe_gateway.names.is_invisible`),
    ≤ 255 chars.

    ``C:\\\\Users\\\\ada\\\\call.m4a`` → ``call.m4a``; ``../../etc/passwd`` → ``passwd``.
    """
    name = "".join(c for c in filename if not is_invisible(c)).replace("\\", "/")
    name = PurePosixPath(name).name.strip()
    return (name if name not in ("", ".", "..") else "upload")[:255]


def safe_key_name(filename: str, max_length: int = 100) -> str:
    """A file name safe inside an object key: ASCII letters, digits, ``.``, ``_`` and ``-`` only.

    Path components, ``..``, slashes, backslashes and control characters are removed; accents
    are folded to ASCII (NFKD); the extension is kept when the name is shortened. Never empty,
    never starts with a dot.
    """
    name = unicodedata.normalize("NFKD", display_filename(filename))
    name = name.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE_KEY_CHARS.sub("_", name).strip("._-")
    name = re.sub(r"\.{2,}", ".", name)
    if not name:
        return "upload"
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: max_length - len(ext) - 1].rstrip("._-") + "." + ext
        else:
            name = name[:max_length]
    return name


def check_audio_content_type(content_type: str) -> None:
    """Refuse, before storing anything, a file whose declared type is clearly not media.

    Accepted: ``audio/*``, ``video/*``, ``application/octet-stream`` (what curl sends for an
    unknown extension), ``application/ogg``, ``application/mp4``, ``application/x-matroska``,
    or no type at all. Anything else (``text/plain``, ``image/png``, ``application/pdf`` …)
    cannot be a recording.

    Raises:
        UnsupportedMediaTypeError: The declared type is not audio or video.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    if not media or media.startswith(("audio/", "video/")) or media in _ACCEPTED_APPLICATION_TYPES:
        return
    raise UnsupportedMediaTypeError(
        f"the uploaded file is {media}, not audio or video; send an audio or video recording "
        "(wav, flac, mp3, m4a, ogg/opus, webm, mp4 …)"
    )


def served_media_type(declared: str) -> str:
    """The media type to store and serve a recording with: the declared ``type/subtype``
    (parameters dropped, lower-cased) when it is in :data:`SERVED_MEDIA_TYPES`, else
    ``application/octet-stream``. ``audio/ogg; codecs=opus`` → ``audio/ogg``;
    ``audio/wav, text/html`` → ``application/octet-stream``."""
    media = declared.split(";", 1)[0].strip().lower()
    return media if media in SERVED_MEDIA_TYPES else "application/octet-stream"


def _text(raw: bytes) -> str:
    """Header bytes as text: UTF-8 (what browsers and curl send), else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


@dataclass
class ReceivedUpload:
    """One stored file (and, from :func:`receive_upload`, the form's text fields).

    Attributes:
        key: Object key the file was stored under.
        filename: The original file name, cleaned for display.
        content_type: Media type stored with the file (:func:`served_media_type` of the
            declared one).
        size: Size of the stored file in bytes (> 0).
        fields: The text fields, by name.
    """

    key: str
    filename: str
    content_type: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class ReceivedForm:
    """What :func:`receive_form` stored and collected.

    Attributes:
        files: The stored ``file`` parts, in order (at least one).
        fields: The text fields, by name (stripped).
    """

    files: list[ReceivedUpload]
    fields: dict[str, str]


@dataclass(frozen=True)
class FormRules:
    """What a form may hold.

    Attributes:
        text_fields: Names of the accepted text fields (each at most
            :data:`MAX_FIELD_BYTES`).
        max_files: Most ``file`` parts.
        max_file_bytes: Largest file, in bytes (``None``: only the body limit applies).
        before_file: Awaited with the text fields received so far when the first file part
            begins, before any of it is stored (e.g. to refuse a bad name early); what it
            raises aborts the upload.
    """

    text_fields: tuple[str, ...] = TEXT_FIELDS
    max_files: int = 1
    max_file_bytes: int | None = None
    before_file: Callable[[Mapping[str, str]], Awaitable[None]] | None = None


@dataclass
class _Part:
    name: str = ""
    filename: str | None = None
    content_type: str = ""
    data: bytearray = field(default_factory=bytearray)


class _Receiver:
    """Turns python-multipart's synchronous callbacks into awaited store writes."""

    def __init__(
        self, store: ObjectStore, key_for: Callable[[str], str], part_size: int, rules: FormRules
    ) -> None:
        self.store = store
        self.key_for = key_for
        self.part_size = part_size
        self.rules = rules
        self.events: list[tuple[str, bytes]] = []
        self.part: _Part | None = None
        self.header_field = bytearray()
        self.header_value = bytearray()
        self.headers: dict[str, bytes] = {}
        self.upload: AsyncUpload | None = None
        self.files: list[ReceivedUpload] = []
        self.fields: dict[str, str] = {}
        self.finished = False

    def callbacks(self) -> dict[str, Callable[..., None]]:
        def data(kind: str) -> Callable[[bytes, int, int], None]:
            return lambda buf, start, end: self.events.append((kind, bytes(buf[start:end])))

        def note(kind: str) -> Callable[[], None]:
            return lambda: self.events.append((kind, b""))

        return {
            "on_part_begin": note("part_begin"),
            "on_header_field": data("header_field"),
            "on_header_value": data("header_value"),
            "on_header_end": note("header_end"),
            "on_headers_finished": note("headers_finished"),
            "on_part_data": data("part_data"),
            "on_part_end": note("part_end"),
            "on_end": note("end"),
        }

    async def drain(self) -> None:
        """Act on the events the last ``parser.write`` produced."""
        events, self.events = self.events, []
        for kind, payload in events:
            await self._handle(kind, payload)

    async def _handle(self, kind: str, payload: bytes) -> None:
        if kind == "part_begin":
            self.part, self.headers = _Part(), {}
        elif kind in ("header_field", "header_value"):
            (self.header_field if kind == "header_field" else self.header_value).extend(payload)
            if len(self.header_field) + len(self.header_value) > MAX_PART_HEADER_BYTES:
                raise BadInputError(
                    f"a part header of the form is longer than {MAX_PART_HEADER_BYTES} bytes"
                )
        elif kind == "header_end":
            name = self.header_field.decode("latin-1").strip().lower()
            self.headers[name] = bytes(self.header_value).strip()
            self.header_field.clear()
            self.header_value.clear()
        elif kind == "headers_finished":
            await self._begin_part()
        elif kind == "part_data":
            await self._part_data(payload)
        elif kind == "part_end":
            await self._end_part()
        elif kind == "end":
            self.finished = True

    def _current(self) -> _Part:
        if self.part is None:  # python-multipart reports parts in order; this is a guard
            raise BadInputError("malformed multipart body: data outside a part")
        return self.part

    async def _begin_part(self) -> None:
        part = self._current()
        _, params = parse_options_header(self.headers.get("content-disposition", b""))
        part.name = _text(params.get(b"name", b""))
        raw_filename = params.get(b"filename")
        part.filename = None if raw_filename is None else _text(raw_filename)
        part.content_type = _text(self.headers.get("content-type", b""))
        if part.name == FILE_FIELD:
            if self.upload is not None or len(self.files) >= self.rules.max_files:
                raise BadInputError(
                    "send exactly one `file` part"
                    if self.rules.max_files == 1
                    else f"send at most {self.rules.max_files} `file` parts"
                )
            check_audio_content_type(part.content_type)
            if not self.files and self.rules.before_file is not None:
                await self.rules.before_file(self.fields)
            filename = display_filename(part.filename or "upload")
            self.upload = AsyncUpload(
                self.store,
                self.key_for(filename),
                served_media_type(part.content_type),
                self.part_size,
            )
            part.filename = filename
        elif part.name not in self.rules.text_fields:
            optional = ", ".join(f"`{name}`" for name in self.rules.text_fields)
            raise BadInputError(
                f"unknown form field {part.name!r}; expected `file`"
                + (f" and optionally {optional}" if optional else " only")
            )

    async def _part_data(self, payload: bytes) -> None:
        part = self._current()
        if part.name == FILE_FIELD and self.upload is not None:
            limit = self.rules.max_file_bytes
            if limit is not None and self.upload.size + len(payload) > limit:
                raise PayloadTooLargeError(
                    f"{part.filename or 'the file'} is larger than the limit of {limit} bytes"
                )
            await self.upload.write(payload)
            return
        part.data += payload
        if len(part.data) > MAX_FIELD_BYTES:
            raise BadInputError(f"form field {part.name!r} is longer than {MAX_FIELD_BYTES} bytes")

    async def _end_part(self) -> None:
        part = self._current()
        self.part = None
        if part.name != FILE_FIELD:
            self.fields[part.name] = part.data.decode("utf-8", "replace").strip()
            return
        upload, self.upload = self.upload, None
        if upload is None:
            raise BadInputError("malformed multipart body: file part without its headers")
        if upload.size == 0:
            await upload.abort()
            raise BadInputError(
                "the uploaded file is empty (0 bytes)"
                if self.rules.max_files == 1
                else f"the uploaded file {part.filename} is empty (0 bytes)"
            )
        await upload.complete()
        self.files.append(
            ReceivedUpload(
                key=upload.key,
                filename=part.filename or "upload",
                content_type=upload.content_type,
                size=upload.size,
            )
        )

    async def abort(self) -> None:
        """Remove whatever was stored: the open upload and the completed files.

        Shielded from cancellation, so a cancelled request still cleans up after itself.
        """
        with anyio.CancelScope(shield=True):
            if self.upload is not None:
                upload, self.upload = self.upload, None
                await upload.abort()
            if self.files:
                keys, self.files = [f.key for f in self.files], []
                await anyio.to_thread.run_sync(self.store.delete, keys)


async def receive_upload(
    request: Request,
    store: ObjectStore,
    key_for: Callable[[str], str],
    *,
    max_body_bytes: int,
    part_size: int,
) -> ReceivedUpload:
    """Stream a ``multipart/form-data`` request with one ``file`` part (and the
    :data:`TEXT_FIELDS`) into ``store``: :func:`receive_form` with ``max_files=1``.

    Returns:
        The stored file, with the text fields in ``fields``.

    Raises:
        See :func:`receive_form`.
    """
    form = await receive_form(
        request, store, key_for, max_body_bytes=max_body_bytes, part_size=part_size
    )
    received = form.files[0]
    received.fields = form.fields
    return received


async def receive_form(
    request: Request,
    store: ObjectStore,
    key_for: Callable[[str], str],
    *,
    max_body_bytes: int,
    part_size: int,
    rules: FormRules = FormRules(),  # noqa: B008 - frozen, never mutated
) -> ReceivedForm:
    """Stream a ``multipart/form-data`` request with ``file`` parts into ``store``.

    Args:
        request: The incoming request; its body is consumed.
        store: Destination of the files.
        key_for: Maps a cleaned file name to its object key.
        max_body_bytes: Largest accepted body; a larger ``Content-Length`` is refused before
            anything is read, a longer chunked body as soon as it passes the limit.
        part_size: Bytes per multipart-upload part.
        rules: Accepted text fields, number and size of the files, early checks.

    Returns:
        The stored files and the text fields.

    Raises:
        PayloadTooLargeError: The body, or one file, is over its limit (nothing is stored).
        UnsupportedMediaTypeError: The body is not ``multipart/form-data``, or a file's
            declared type is not audio/video (nothing is stored).
        BadInputError: No ``file`` part, too many, an empty file, an unknown or oversized
            field or part header, an invalid ``Content-Length``, or a malformed or truncated
            body (nothing is stored).
        ClientDisconnectedError: The client went away mid-body (nothing is stored).
        RequestTimeoutError: The body stalled (from :mod:`scribe_gateway.body_limits`;
            nothing is stored).
        StorageError: The object store failed (nothing is left behind).
        ScribeError: Whatever ``rules.before_file`` raises (nothing is stored).
    """
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise UnsupportedMediaTypeError(
            "send the recording as multipart/form-data with a `file` field "
            "(curl -F file=@meeting.m4a …)"
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        if not _CONTENT_LENGTH.fullmatch(declared.strip()):
            raise BadInputError("Content-Length must be a number of bytes")
        if int(declared) > max_body_bytes:
            raise PayloadTooLargeError(
                f"the body is {int(declared)} bytes; the limit is {max_body_bytes} bytes"
            )

    receiver = _Receiver(store, key_for, part_size, rules)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    received_bytes = 0
    try:
        async for chunk in request.stream():
            received_bytes += len(chunk)
            if received_bytes > max_body_bytes:
                raise PayloadTooLargeError(
                    f"the body is larger than the limit of {max_body_bytes} bytes"
                )
            if chunk:
                parser.write(chunk)
                await receiver.drain()
        parser.finalize()
        await receiver.drain()
        if not receiver.finished:
            raise BadInputError("the multipart body is truncated (no closing boundary)")
        if not receiver.files:
            raise BadInputError("no `file` part in the form; send the recording as `file`")
    except ClientDisconnect:
        await receiver.abort()
        raise ClientDisconnectedError("the client disconnected before the upload ended") from None
    except MultipartParseError as exc:
        await receiver.abort()
        logger.info("malformed multipart body: %s", exc)
        raise BadInputError("malformed multipart body") from None
    except BaseException:
        await receiver.abort()
        raise
    return ReceivedForm(files=receiver.files, fields=receiver.fields)
