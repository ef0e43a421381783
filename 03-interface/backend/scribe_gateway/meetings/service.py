"""Meetings logic: accept an upload and queue it, report status, serve and edit results.

Rules (ARCHITECTURE.md, STYLE.md "Jobs"): the meeting row is committed BEFORE its task is
sent, the task carries the meeting id only, and a request never waits for the pipeline.
Another user's meeting behaves exactly like a missing one (404).
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from scribe_core.db import Meeting, MeetingStatus, User
from scribe_core.domain import FusionDocument, ProcessingOptions
from scribe_core.errors import BadInputError, NotFoundError
from scribe_core.exporters import MEDIA_TYPES, export
from scribe_core.queue import kick_process_meeting
from scribe_core.storage import results_prefix, upload_key
from scribe_gateway.errors import ConflictError
from scribe_gateway.meetings.repository import MeetingRepository
from scribe_gateway.meetings.schemas import (
    MeetingPage,
    MeetingPublic,
    ProcessAccepted,
    TaskStatus,
)
from scribe_gateway.meetings.upload import (
    PLAYABLE_MEDIA_TYPES,
    ReceivedUpload,
    receive_upload,
    safe_key_name,
    served_media_type,
)
from scribe_gateway.names import clean_name
from scribe_gateway.platform import Platform

logger = logging.getLogger(__name__)

STATUS_PATH = "/api/v1/status/{task_id}"
MAX_SPEAKERS = 64
OUTPUT_FORMATS = ("json", "srt", "vtt", "txt", "rttm")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_COUNT = re.compile(r"[0-9]{1,3}")
_TASK_ID = re.compile(r"[0-9A-Za-z_-]{1,64}")
MAX_TITLE_LENGTH = 255
MAX_SPEAKER_NAME_LENGTH = 255


def parse_options(fields: dict[str, str]) -> ProcessingOptions:
    """Processing options from the upload's text fields.

    Raises:
        BadInputError: A speaker count that is not an integer in [1, 64], inconsistent counts,
            or a language that is not an ISO-639 code (``auto`` or empty means detect).
    """
    counts: dict[str, int | None] = {}
    for name in ("num_speakers", "min_speakers", "max_speakers"):
        raw = fields.get(name, "").strip()
        if not raw:
            counts[name] = None
            continue
        if not _COUNT.fullmatch(raw) or not 1 <= int(raw) <= MAX_SPEAKERS:
            raise BadInputError(f"{name} must be an integer from 1 to {MAX_SPEAKERS}, got {raw!r}")
        counts[name] = int(raw)
    language = fields.get("language", "").strip().lower() or None
    if language not in (None, "auto") and not _LANGUAGE.match(language or ""):
        raise BadInputError(
            f"language must be an ISO-639-1 code such as `en` or `auto`, got {language!r}"
        )
    try:
        return ProcessingOptions(language=language, **counts)
    except ValueError as exc:
        raise BadInputError(str(exc)) from None


def parse_output_format(raw: str | None) -> str | None:
    """The transcript format asked for with a job (``json``, ``srt``, ``vtt``, ``txt``,
    ``rttm``), lower-cased; ``None`` when not given.

    Raises:
        BadInputError: Another value.
    """
    value = (raw or "").strip().lower()
    if not value:
        return None
    if value not in OUTPUT_FORMATS:
        allowed = ", ".join(OUTPUT_FORMATS)
        raise BadInputError(f"output_format must be one of {allowed}, got {raw!r}")
    return value


async def process_upload(
    platform: Platform, session: AsyncSession, user: User, request: Request
) -> ProcessAccepted:
    """Stream the upload to ``uploads/{meeting_id}_{safe name}``, record the meeting (PENDING),
    commit, then send ``meetings.process``.

    A queue that is down does not lose the meeting: it stays PENDING with no ``enqueued_at``
    and a worker's sweeper sends its task once the queue is back.

    Raises:
        PayloadTooLargeError, UnsupportedMediaTypeError, BadInputError,
        ClientDisconnectedError: See :func:`~scribe_gateway.meetings.upload.receive_upload`;
            nothing is stored and no row is written.
        StorageError: The object store failed.
    """
    meeting_id = uuid.uuid4()
    received = await receive_upload(
        request,
        platform.store,
        lambda filename: upload_key(meeting_id, safe_key_name(filename)),
        max_body_bytes=platform.gateway.max_upload_bytes,
        part_size=platform.storage.part_size,
    )
    try:
        options = parse_options(received.fields)
        meeting = _new_meeting(meeting_id, user, received, options)
        meeting.output_format = parse_output_format(received.fields.get("output_format"))
        meeting = await MeetingRepository(session).add(meeting)
        await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await session.rollback()
            await anyio.to_thread.run_sync(platform.store.delete, [received.key])
        raise
    return await queue_and_accept(session, platform, meeting)


async def queue_and_accept(
    session: AsyncSession, platform: Platform, meeting: Meeting
) -> ProcessAccepted:
    """Queue the committed PENDING ``meeting``'s task and answer ``202``'s body.

    A queue outage is logged, not raised: the meeting is stored, and a worker's sweeper
    queues every PENDING meeting that was never queued.
    """
    try:
        await kick_process_meeting(platform.broker, meeting.id, task_id=meeting.task_id)
        await MeetingRepository(session).mark_enqueued(meeting.id)
        await session.commit()
    except Exception:
        await session.rollback()
        logger.exception("could not queue meeting %s; a worker's sweeper will", meeting.id)
    return ProcessAccepted(
        meeting_id=meeting.id,
        task_id=meeting.task_id,
        status=MeetingStatus.PENDING,
        status_url=STATUS_PATH.format(task_id=meeting.task_id),
    )


def _new_meeting(
    meeting_id: uuid.UUID, user: User, received: ReceivedUpload, options: ProcessingOptions
) -> Meeting:
    given = received.fields.get("title", "").strip()
    if given:
        title = clean_name(given, what="title", max_length=MAX_TITLE_LENGTH)
    else:  # display_filename() already removed every invisible character
        title = PurePosixPath(received.filename).stem.strip() or received.filename
    return Meeting(
        id=meeting_id,
        owner_id=user.id,
        title=title[:MAX_TITLE_LENGTH],
        original_filename=received.filename,
        content_type=received.content_type[:255],
        size_bytes=received.size,
        requested_language=options.language,
        num_speakers=options.num_speakers,
        min_speakers=options.min_speakers,
        max_speakers=options.max_speakers,
        status=MeetingStatus.PENDING,
        task_id=str(uuid.uuid4()),
        upload_key=received.key,
        result_keys={},
    )


async def get_by_task(session: AsyncSession, owner_id: uuid.UUID, task_id: str) -> Meeting:
    """The caller's meeting processed by ``task_id``.

    Raises:
        NotFoundError: No such task, or not the caller's (an id that cannot be a task id,
            e.g. with a NUL that PostgreSQL refuses, is not looked up).
    """
    if not _TASK_ID.fullmatch(task_id):
        raise NotFoundError("no such task")
    meeting = await MeetingRepository(session).get_by_task(owner_id, task_id)
    if meeting is None:
        raise NotFoundError(f"no task {task_id!r}")
    return meeting


_TASK_STATUS_COLUMNS = tuple(
    Meeting.__table__.c[str(field.validation_alias or name)]
    for name, field in TaskStatus.model_fields.items()
)
"""The ``meetings`` columns :class:`TaskStatus` shows (``meeting_id`` is ``id``)."""


async def get_task_status(session: AsyncSession, owner_id: uuid.UUID, task_id: str) -> TaskStatus:
    """The status of the caller's task ``task_id``, in one database round trip.

    Every open dashboard and API client polls this about once a second, so it is kept small:
    the session's connection runs in autocommit (no ``BEGIN``/``ROLLBACK`` around the one
    ``SELECT``, which sees the worker's last committed progress), and only the columns the
    answer shows are read, into no ORM object. ``bench/bench_gateway.py --open-loop`` measures
    it under load.

    Raises:
        NotFoundError: No such task, or not the caller's (an id that cannot be a task id is not
            looked up).
    """
    if not _TASK_ID.fullmatch(task_id):
        raise NotFoundError("no such task")
    await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    row = (
        await session.execute(
            select(*_TASK_STATUS_COLUMNS).where(
                Meeting.task_id == task_id, Meeting.owner_id == owner_id
            )
        )
    ).first()
    if row is None:
        raise NotFoundError(f"no task {task_id!r}")
    return TaskStatus.model_validate(dict(row._mapping))


async def get_meeting(
    session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID, *, for_update: bool = False
) -> Meeting:
    """The caller's meeting with its speakers.

    Raises:
        NotFoundError: No such meeting, or not the caller's.
    """
    meeting = await MeetingRepository(session).get(owner_id, meeting_id, for_update=for_update)
    if meeting is None:
        raise NotFoundError(f"no meeting {meeting_id}")
    return meeting


async def list_meetings(
    session: AsyncSession, owner_id: uuid.UUID, limit: int, offset: int
) -> MeetingPage:
    """One page of the caller's meetings, newest first."""
    repository = MeetingRepository(session)
    items = await repository.list(owner_id, limit, offset)
    return MeetingPage(
        items=[MeetingPublic.model_validate(m) for m in items],
        total=await repository.count(owner_id),
        limit=limit,
        offset=offset,
    )


def _require_completed(meeting: Meeting) -> str:
    """The key of the meeting's ``fusion.json``.

    Raises:
        ConflictError: The meeting is not COMPLETED yet (or failed).
    """
    key = meeting.result_keys.get("fusion.json")
    if meeting.status is not MeetingStatus.COMPLETED or not key:
        raise ConflictError(
            f"meeting {meeting.id} is {meeting.status.value}; its transcript exists once it is "
            "COMPLETED"
        )
    return str(key)


async def _load_document(platform: Platform, key: str) -> FusionDocument:
    raw = await anyio.to_thread.run_sync(platform.store.get_bytes, key)
    return FusionDocument.from_dict(json.loads(raw))


async def load_result(platform: Platform, meeting: Meeting) -> FusionDocument:
    """The fusion document of a meeting already loaded for its owner.

    Raises:
        ConflictError: The meeting is not COMPLETED.
        StorageError: The object store failed (``ObjectNotFoundError`` when it is gone).
    """
    return await _load_document(platform, _require_completed(meeting))


@dataclass(frozen=True)
class Transcript:
    """A rendered export: its text, media type and download file name."""

    text: str
    media_type: str
    filename: str


async def transcript(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID, fmt: str
) -> Transcript:
    """Render the meeting's fusion document in ``fmt`` (json, srt, vtt, txt, rttm).

    Raises:
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: Not COMPLETED.
        BadInputError: Unknown format.
    """
    meeting = await get_meeting(session, owner_id, meeting_id)
    document = await _load_document(platform, _require_completed(meeting))
    stem = safe_key_name(meeting.title).rsplit(".", 1)[0] or "transcript"
    text = export(document, fmt, uri=stem)
    return Transcript(text=text, media_type=MEDIA_TYPES[fmt.lower()], filename=f"{stem}.{fmt}")


@dataclass(frozen=True)
class AudioLocation:
    """Where the browser gets the recording: a presigned URL, or a local file to stream.

    Attributes:
        url: Presigned URL (S3), its response type and disposition signed in.
        path: The file (local store) when there is no URL.
        media_type: :func:`~scribe_gateway.meetings.upload.served_media_type` of the stored
            type: an audio/video type of the allowlist, else ``application/octet-stream``.
        filename: The original file name.
        inline: Whether a browser may play it in place (a playable type); otherwise it is
            served as an ``attachment``.
    """

    url: str | None
    path: Path | None
    media_type: str
    filename: str
    inline: bool


async def audio(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> AudioLocation:
    """A presigned URL (S3) or the local file (embedded store) of the uploaded recording.

    Never trusts the type the uploader declared (rows written before uploads were checked
    included): it is served only when it is an allowlisted audio/video type, else as
    ``application/octet-stream``, and ``inline`` only when playable.

    Raises:
        NotFoundError: No such meeting, not the caller's, or its file is gone.
    """
    meeting = await get_meeting(session, owner_id, meeting_id)
    store = platform.store
    media_type = served_media_type(meeting.content_type)
    inline = media_type in PLAYABLE_MEDIA_TYPES
    expires, key, filename = (
        platform.storage.presign_expires, meeting.upload_key, meeting.original_filename,
    )  # fmt: skip
    url = await anyio.to_thread.run_sync(
        lambda: store.presigned_get_url(
            key, expires, filename, content_type=media_type, inline=inline
        )
    )
    path = None if url else await anyio.to_thread.run_sync(store.local_path, key)
    return AudioLocation(url, path, media_type, filename, inline)


async def rename_speaker(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    label: str,
    name: str | None,
) -> Meeting:
    """Show ``label`` as ``name`` in the stored result, hence in every export; ``None`` or an
    empty name restores the label. ``fusion.json`` is rewritten, then the speaker row.

    Raises:
        BadInputError: Code ``invalid_name``: a name with control or formatting characters,
            or longer than 255 characters.
        NotFoundError: No such meeting, not the caller's, or no such speaker label.
        ConflictError: The meeting is not COMPLETED.
    """
    if name is not None:
        name = clean_name(name, max_length=MAX_SPEAKER_NAME_LENGTH) if name.strip() else None
    meeting = await get_meeting(session, owner_id, meeting_id, for_update=True)
    key = _require_completed(meeting)
    document = await _load_document(platform, key)
    try:
        renamed = document.rename_speaker(label, name)
    except KeyError:
        raise NotFoundError(f"meeting {meeting_id} has no speaker {label!r}") from None
    body = json.dumps(renamed.to_dict(), ensure_ascii=False).encode()
    await anyio.to_thread.run_sync(platform.store.put_bytes, key, body, "application/json")
    display = next(s.name for s in renamed.speakers if s.label == label)
    await MeetingRepository(session).rename_speaker(meeting.id, label, display)
    await session.commit()
    return await get_meeting(session, owner_id, meeting_id)


async def delete_meeting(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> None:
    """Delete the meeting's objects (upload and results), then its row.

    A worker still processing it notices the row is gone and removes what it uploads.

    Raises:
        NotFoundError: No such meeting, or not the caller's.
    """
    meeting = await get_meeting(session, owner_id, meeting_id)
    keys = [meeting.upload_key, *(str(k) for k in meeting.result_keys.values())]
    store = platform.store
    await anyio.to_thread.run_sync(store.delete, keys)
    prefix = results_prefix(meeting.id, meeting.created_at)
    await anyio.to_thread.run_sync(store.delete_prefix, prefix)
    await MeetingRepository(session).delete(meeting)
    await session.commit()
