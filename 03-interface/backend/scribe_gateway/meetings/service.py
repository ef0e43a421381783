"""Meetings logic: accept an upload and queue it, report status, serve and edit results.

Rules (ARCHITECTURE.md, STYLE.md "Jobs"): the meeting row is committed BEFORE its task is
sent, the task carries the meeting id only, and a request never waits for the pipeline.
Another user's meeting behaves exactly like a missing one (404).

Edits (a segment's text or speaker, a rename, a merge, "not this person") never rewrite the
machine result: each is stored as a revision (:mod:`scribe_gateway.meetings.editing`), and
every reader serves the latest one. A speaker label named in a request BODY that the
transcript does not have is 400 ``unknown_speaker``; one named in the PATH is 404.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from scribe_core import editing as edits
from scribe_core import search
from scribe_core.db import Meeting, MeetingStatus, User
from scribe_core.domain import FusionDocument, ProcessingOptions
from scribe_core.errors import BadInputError, NotFoundError
from scribe_core.exporters import MEDIA_TYPES, export
from scribe_core.queue import kick_process_meeting
from scribe_core.storage import results_prefix, upload_key
from scribe_gateway.errors import ConflictError
from scribe_gateway.meetings import editing
from scribe_gateway.meetings.repository import MeetingRepository
from scribe_gateway.meetings.schemas import (
    MeetingPage,
    MeetingPublic,
    ProcessAccepted,
    RevisionList,
    RevisionPublic,
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
MAX_SEGMENT_TEXT_LENGTH = 10_000
"""Longest text of one segment a person may type (characters)."""
INVALID_TEXT = "invalid_text"
"""Error code of a refused segment text (HTTP 400)."""


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


async def load_result(platform: Platform, meeting: Meeting) -> FusionDocument:
    """The current fusion document of a meeting already loaded for its owner: its latest
    revision (the last edit), else the machine result ``fusion.json``.

    Raises:
        ConflictError: The meeting is not COMPLETED.
        StorageError: The object store failed (``ObjectNotFoundError`` when it is gone).
    """
    return await editing.load_latest(platform, meeting)


@dataclass(frozen=True)
class Transcript:
    """A rendered export: its text, media type and download file name."""

    text: str
    media_type: str
    filename: str


async def transcript(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID, fmt: str
) -> Transcript:
    """Render the meeting's current fusion document (its latest revision) in ``fmt`` (json,
    srt, vtt, txt, rttm).

    Raises:
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: Not COMPLETED.
        BadInputError: Unknown format.
    """
    meeting = await get_meeting(session, owner_id, meeting_id)
    document = await load_result(platform, meeting)
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


def clean_text(value: str) -> str:
    """A segment text as typed, made one line: ends trimmed, inner runs of whitespace made
    one space (the rule of names: :func:`scribe_gateway.names.clean_name`).

    Raises:
        BadInputError: Code ``invalid_text``: a control or formatting character anywhere
            (a line break included, see :func:`scribe_gateway.names.is_invisible`), no word
            at all, or more than :data:`MAX_SEGMENT_TEXT_LENGTH` characters.
    """
    return clean_name(value, what="text", max_length=MAX_SEGMENT_TEXT_LENGTH, code=INVALID_TEXT)


async def _edit(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    change: Callable[[Meeting, FusionDocument], Awaitable[tuple[FusionDocument, str]]],
) -> Meeting:
    """One edit of the current transcript: lock the meeting, read its latest document, let
    ``change`` return the edited document and a one-line summary, store that as a revision
    (:func:`~scribe_gateway.meetings.editing.save_revision`), and return the meeting again.

    Raises:
        NotFoundError: No such meeting, or not the caller's (and what ``change`` raises).
        ConflictError: The meeting is not COMPLETED.
    """
    meeting = await editing.locked_meeting(session, owner_id, meeting_id)
    current = await load_result(platform, meeting)
    edited, summary = await change(meeting, current)
    await editing.save_revision(platform, session, meeting, current, edited, summary)
    return await get_meeting(session, owner_id, meeting_id)


async def edit_segment(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    index: int,
    *,
    text: str | None = None,
    speaker: str | None = None,
) -> Meeting:
    """Correct segment ``index`` of the current transcript: its text, its speaker, or both;
    stored as a new revision (nothing is stored when nothing changes).

    A text edit keeps the word timings of the words left unchanged (the rule is
    :func:`scribe_core.editing.retime_words`); a speaker change sets the segment's
    ``speaker_label`` and ``speaker`` (the label's display name).

    Args:
        index: The segment, 0 for the first (``segments[index]`` of the JSON transcript).
        text: The new text (see :func:`clean_text`), or ``None`` to keep it.
        speaker: A speaker label of the transcript, or ``None`` to keep it.

    Raises:
        BadInputError: Neither ``text`` nor ``speaker``; an invalid text (code
            ``invalid_text``); a label the transcript does not have (code
            ``unknown_speaker``).
        NotFoundError: No such meeting, not the caller's, or no segment ``index``.
        ConflictError: The meeting is not COMPLETED.
    """
    if text is None and speaker is None:
        raise BadInputError("give the segment's new `text`, its new `speaker`, or both")
    cleaned = None if text is None else clean_text(text)

    async def change(_: Meeting, current: FusionDocument) -> tuple[FusionDocument, str]:
        edited, changes = current, []
        if cleaned is not None:
            edited = edits.edit_text(edited, index, cleaned)
            changes.append("text")
        if speaker is not None:
            edited = edits.reassign(edited, index, speaker)
            changes.append(f"speaker {speaker}")
        return edited, f"segment {index}: {', '.join(changes)}"

    return await _edit(platform, session, owner_id, meeting_id, change)


async def merge_speakers(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    sources: list[str],
    into: str,
) -> Meeting:
    """Merge the speakers ``sources`` into ``into`` (see
    :func:`scribe_core.editing.merge_speakers`), as a new revision; the merged speakers' rows
    leave ``meeting_speakers``.

    Raises:
        BadInputError: No ``sources``, ``into`` among them, or (code ``unknown_speaker``) a
            label the transcript does not have.
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: The meeting is not COMPLETED.
    """

    async def change(_: Meeting, current: FusionDocument) -> tuple[FusionDocument, str]:
        merged = ", ".join(dict.fromkeys(sources))
        return edits.merge_speakers(current, sources, into), f"speakers {merged} merged into {into}"

    return await _edit(platform, session, owner_id, meeting_id, change)


async def rename_speaker(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    label: str,
    name: str | None,
) -> Meeting:
    """Show ``label`` as ``name`` in the current transcript, hence in every export; ``None``
    or an empty name restores the label. Stored as a new revision (``fusion.json`` is never
    rewritten), then the speaker row follows (a name other than the voice bank's sets
    ``match`` to ``none``).

    Raises:
        BadInputError: Code ``invalid_name``: a name with control or formatting characters,
            or longer than 255 characters.
        NotFoundError: No such meeting, not the caller's, or no such speaker label.
        ConflictError: The meeting is not COMPLETED.
    """
    if name is not None:
        name = clean_name(name, max_length=MAX_SPEAKER_NAME_LENGTH) if name.strip() else None

    async def change(_: Meeting, current: FusionDocument) -> tuple[FusionDocument, str]:
        try:
            renamed = current.rename_speaker(label, name)
        except KeyError:
            raise NotFoundError(f"meeting {meeting_id} has no speaker {label!r}") from None
        return renamed, f"speaker {label}: " + (f"renamed to {name}" if name else "name removed")

    return await _edit(platform, session, owner_id, meeting_id, change)


async def reject_speaker(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    label: str,
) -> Meeting:
    """Not this person: remove the name the speaker ``label`` was given (it shows its label
    again, ``match`` ``none``), as a new revision, and record the rejected name so that
    re-processing this meeting never gives it again (the worker leaves that person's
    voiceprint out of identification for this meeting).

    Raises:
        NotFoundError: No such meeting, not the caller's, or no such speaker label.
        ConflictError: The meeting is not COMPLETED, or the speaker has no name.
    """

    async def change(meeting: Meeting, current: FusionDocument) -> tuple[FusionDocument, str]:
        identity = next((s for s in current.speakers if s.label == label), None)
        if identity is None:
            raise NotFoundError(f"meeting {meeting_id} has no speaker {label!r}")
        if identity.name is None:
            raise ConflictError(f"speaker {label!r} has no name to reject; it shows its label")
        await MeetingRepository(session).add_rejection(meeting.id, identity.name)
        return current.rename_speaker(label, None), f"speaker {label}: not {identity.name}"

    return await _edit(platform, session, owner_id, meeting_id, change)


async def revert(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> Meeting:
    """Back to the machine result: every revision (objects and rows) is deleted,
    ``revision`` is 0 and ``edited_at`` null, the speaker rows get the names, match states
    and similarities of ``fusion.json`` back (merged speakers return), and the names rejected
    with "not this person" are forgotten (they were edits too).

    Raises:
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: The meeting is not COMPLETED.
    """
    meeting = await editing.locked_meeting(session, owner_id, meeting_id)
    machine = await editing.load_document(platform, editing.machine_key(meeting))
    repository = MeetingRepository(session)
    keys = await repository.delete_revisions(meeting)
    await repository.delete_rejections(meeting.id)
    await repository.sync_speakers(meeting, machine)
    await search.index_meeting(session, meeting, machine)
    await session.commit()
    await editing.delete_replaced_revisions(platform, session, owner_id, meeting_id, keys)
    return await get_meeting(session, owner_id, meeting_id)


async def list_revisions(
    session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> RevisionList:
    """The meeting's edits, oldest first, and the current revision number (0: the machine
    result; then equal to the last item's ``number``).

    Raises:
        NotFoundError: No such meeting, or not the caller's.
    """
    meeting = await get_meeting(session, owner_id, meeting_id)
    revisions = await MeetingRepository(session).revisions(meeting.id)
    return RevisionList(
        items=[RevisionPublic.model_validate(r) for r in revisions], current=meeting.revision
    )


async def set_title(
    session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID, title: str
) -> Meeting:
    """Rename the meeting (metadata only: no revision, ``edited_at`` unchanged); any status.

    Raises:
        BadInputError: Code ``invalid_name``: control or formatting characters, empty, or
            longer than 255 characters once cleaned.
        NotFoundError: No such meeting, or not the caller's.
    """
    cleaned = clean_name(title, what="title", max_length=MAX_TITLE_LENGTH)
    meeting = await get_meeting(session, owner_id, meeting_id, for_update=True)
    meeting.title = cleaned
    await session.commit()
    return await get_meeting(session, owner_id, meeting_id)


REPROCESS_OPTIONS = ("language", "num_speakers", "min_speakers", "max_speakers")
"""Processing options a re-process may change."""


async def reprocess(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    changes: dict[str, str | int | None],
) -> ProcessAccepted:
    """Process the stored recording again, with the current voice bank, as a new task.

    The options in ``changes`` replace the meeting's (``None`` clears one, ``language``
    ``auto`` means detect); the others are kept, except that an exact ``num_speakers`` given
    drops the kept bounds and a bound given drops the kept exact count. They are checked like
    an upload's (:func:`parse_options`). Edits are replaced by the new machine result: the revisions
    (rows and objects), the speaker rows, the search rows and the result objects are deleted
    (the upload is kept), the meeting becomes PENDING with a new ``task_id``, no stage,
    progress, error, result or attempt, then it is committed and queued
    (:func:`queue_and_accept`). Names rejected with "not this person" stay rejected. A URL
    job whose recording was stored is not downloaded again.

    Args:
        changes: Subset of :data:`REPROCESS_OPTIONS` → new value.

    Returns:
        The ``202`` body with the new task's status URL.

    Raises:
        BadInputError: Invalid or inconsistent options.
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: The meeting is PENDING or PROCESSING.
    """
    meeting = await editing.locked_meeting(session, owner_id, meeting_id)
    if meeting.status in (MeetingStatus.PENDING, MeetingStatus.PROCESSING):
        raise ConflictError(
            f"meeting {meeting.id} is {meeting.status.value}; it can be processed again once "
            "it is COMPLETED or FAILED"
        )
    current = meeting.options
    fields: dict[str, str | int | None] = {
        "language": current.language,
        "num_speakers": current.num_speakers,
        "min_speakers": current.min_speakers,
        "max_speakers": current.max_speakers,
    }
    changes = {k: v for k, v in changes.items() if k in REPROCESS_OPTIONS}
    if changes.get("num_speakers") is not None:  # an exact count replaces the bounds
        fields["min_speakers"] = fields["max_speakers"] = None
    if changes.get("min_speakers") is not None or changes.get("max_speakers") is not None:
        fields["num_speakers"] = None  # and bounds replace an exact count
    fields.update(changes)
    options = parse_options({k: "" if v is None else str(v) for k, v in fields.items()})
    stale = [str(k) for k in meeting.result_keys.values()]
    repository = MeetingRepository(session)
    revisions = await repository.delete_revisions(meeting)
    await repository.delete_speakers(meeting.id)
    await search.drop_meeting(session, meeting.id)
    _reset_for_processing(meeting, options)
    await session.commit()
    # PENDING now: no edit can reuse a revision number before the new result is stored.
    await editing.delete_objects(platform, [*stale, *revisions.values()])
    return await queue_and_accept(session, platform, meeting)


def _reset_for_processing(meeting: Meeting, options: ProcessingOptions) -> None:
    """Make ``meeting`` what an upload with ``options`` is before any worker saw it."""
    meeting.requested_language = options.language  # None: detect
    meeting.num_speakers = options.num_speakers
    meeting.min_speakers = options.min_speakers
    meeting.max_speakers = options.max_speakers
    meeting.status = MeetingStatus.PENDING
    meeting.task_id = str(uuid.uuid4())
    meeting.stage = None
    meeting.progress = 0.0
    meeting.error = None
    meeting.error_code = None
    meeting.result_keys = {}
    meeting.duration_seconds = None
    meeting.language = None
    meeting.processing_time = None
    meeting.attempts = 0
    meeting.enqueued_at = None
    meeting.started_at = None
    meeting.completed_at = None
    meeting.heartbeat_at = None
    meeting.revision = 0
    meeting.edited_at = None


async def delete_meeting(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> None:
    """Delete the meeting's objects (upload, results, revisions), then its row.

    The row is locked first (:func:`~scribe_gateway.meetings.editing.locked_meeting`), so an
    edit in progress stores its revision object before the objects are deleted, and an edit
    that comes after finds no meeting (404): no revision object outlives the meeting. A
    worker still processing it notices the row is gone and removes what it uploads.

    Raises:
        NotFoundError: No such meeting, or not the caller's.
    """
    meeting = await editing.locked_meeting(session, owner_id, meeting_id)
    keys = [meeting.upload_key, *(str(k) for k in meeting.result_keys.values())]
    store = platform.store
    await anyio.to_thread.run_sync(store.delete, keys)
    prefix = results_prefix(meeting.id, meeting.created_at)  # revisions included
    await anyio.to_thread.run_sync(store.delete_prefix, prefix)
    await search.drop_meeting(session, meeting.id)
    await MeetingRepository(session).delete(meeting)
    await session.commit()
