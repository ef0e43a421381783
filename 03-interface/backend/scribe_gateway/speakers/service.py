"""Voice bank logic: enrol people from recordings or from a meeting's speaker, list, delete.

Embedding needs torch, which the gateway never imports: an uploaded recording is stored in the
object store under ``voicebank/{owner_id}/{person_id}/``, the person is committed PENDING with
the sample's key in ``pending_keys``, and ``speakers.enroll`` (by name, person id only) lets the
worker decode, VAD-check and embed it into Qdrant. Enrolment from a meeting needs no model:
the speaker's embedding is read from the meeting's ``diarization.json`` (with its
``embedding_model``, which picks the Qdrant collection).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import anyio.to_thread
from fastapi import UploadFile
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import Meeting, MeetingStatus, Person, PersonStatus, User
from scribe_core.errors import BadInputError, NotFoundError
from scribe_core.queue import kick_enroll_speaker
from scribe_core.storage import AsyncUpload
from scribe_core.voiceprints import meeting_source
from scribe_gateway.errors import ConflictError, PayloadTooLargeError
from scribe_gateway.meetings import service as meetings
from scribe_gateway.meetings.upload import check_audio_content_type, display_filename, safe_key_name
from scribe_gateway.platform import Platform
from scribe_gateway.speakers.repository import PersonRepository

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 100
_CHUNK = 1024 * 1024


def samples_prefix(owner_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """Object key prefix of a person's enrolment recordings."""
    return f"voicebank/{owner_id}/{person_id}/"


def clean_name(name: str) -> str:
    """The name to store: trimmed, inner whitespace collapsed.

    Raises:
        BadInputError: Empty, longer than 100 characters, or with control characters.
    """
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME_LENGTH:
        raise BadInputError(f"name must be 1 to {MAX_NAME_LENGTH} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in cleaned):
        raise BadInputError("name must not contain control characters")
    return cleaned


async def list_people(session: AsyncSession, owner_id: uuid.UUID) -> Sequence[Person]:
    """The caller's voice bank, by name."""
    return await PersonRepository(session).list(owner_id)


async def get_person(session: AsyncSession, owner_id: uuid.UUID, person_id: uuid.UUID) -> Person:
    """The caller's person.

    Raises:
        NotFoundError: No such person, or not the caller's.
    """
    person = await PersonRepository(session).get(owner_id, person_id)
    if person is None:
        raise NotFoundError(f"no person {person_id} in your voice bank")
    return person


async def _store_samples(
    platform: Platform, owner_id: uuid.UUID, person_id: uuid.UUID, files: Sequence[UploadFile]
) -> list[str]:
    """Copy the uploaded recordings to the object store; nothing is left behind on error.

    Raises:
        BadInputError: No file, or an empty one.
        UnsupportedMediaTypeError: A file that is not audio or video.
        PayloadTooLargeError: A file over ``ENROLMENT_MAX_BYTES``.
        StorageError: The object store failed.
    """
    if not files:
        raise BadInputError("send at least one `file` with a recording of the person's voice")
    for upload in files:
        check_audio_content_type(upload.content_type or "")
    limit = platform.voice_bank.max_sample_bytes
    keys: list[str] = []
    try:
        for upload in files:
            filename = display_filename(upload.filename or "sample")
            key = f"{samples_prefix(owner_id, person_id)}{uuid.uuid4().hex[:8]}_"
            key += safe_key_name(filename)
            writer = AsyncUpload(
                platform.store, key, upload.content_type or "application/octet-stream",
                platform.storage.part_size,
            )  # fmt: skip
            keys.append(key)
            try:
                while chunk := await upload.read(_CHUNK):
                    if writer.size + len(chunk) > limit:
                        raise PayloadTooLargeError(
                            f"{filename} is over the enrolment limit of {limit} bytes"
                        )
                    await writer.write(chunk)
                if writer.size == 0:
                    raise BadInputError(f"{filename} is empty (0 bytes)")
                await writer.complete()
            except BaseException:
                keys.pop()
                await writer.abort()
                raise
    except BaseException:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(platform.store.delete, keys)
        raise
    return keys


async def _kick(platform: Platform, person_id: uuid.UUID) -> None:
    try:
        await kick_enroll_speaker(platform.broker, person_id)
    except Exception:  # noqa: BLE001 - the person stays PENDING; adding a sample re-sends it
        logger.exception("could not queue the enrolment of %s", person_id)


async def create_person(
    platform: Platform, session: AsyncSession, user: User, name: str, files: Sequence[UploadFile]
) -> Person:
    """Enrol a new person from one or more recordings (embedded by the worker).

    The person is committed PENDING before ``speakers.enroll`` is sent.

    Raises:
        BadInputError: Invalid name, no file or an empty one.
        ConflictError: The caller already has a person of that name.
        UnsupportedMediaTypeError, PayloadTooLargeError, StorageError: See
            :func:`_store_samples`.
    """
    name = clean_name(name)
    repository = PersonRepository(session)
    if await repository.get_by_name(user.id, name) is not None:
        raise ConflictError(
            f"{name!r} is already in your voice bank; add recordings with "
            "POST /api/v1/speakers/{id}/samples"
        )
    person_id = uuid.uuid4()
    keys = await _store_samples(platform, user.id, person_id, files)
    try:
        person = await repository.add(
            Person(id=person_id, owner_id=user.id, name=name, status=PersonStatus.PENDING,
                   num_samples=0, pending_keys=keys)
        )  # fmt: skip
        await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await session.rollback()
            await anyio.to_thread.run_sync(platform.store.delete, keys)
        raise
    await _kick(platform, person.id)
    return person


async def add_samples(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    person_id: uuid.UUID,
    files: Sequence[UploadFile],
) -> Person:
    """Add recordings to an enrolled person (PENDING until the worker has embedded them).

    Raises:
        NotFoundError: No such person, or not the caller's.
        BadInputError, UnsupportedMediaTypeError, PayloadTooLargeError, StorageError: See
            :func:`_store_samples`.
    """
    await get_person(session, owner_id, person_id)
    keys = await _store_samples(platform, owner_id, person_id, files)
    person = await PersonRepository(session).get(owner_id, person_id, for_update=True)
    if person is None:  # deleted meanwhile
        await anyio.to_thread.run_sync(platform.store.delete, keys)
        raise NotFoundError(f"no person {person_id} in your voice bank")
    person.pending_keys = [*person.pending_keys, *keys]
    person.status = PersonStatus.PENDING
    await session.commit()
    await _kick(platform, person.id)
    return person


async def delete_person(
    platform: Platform, session: AsyncSession, owner_id: uuid.UUID, person_id: uuid.UUID
) -> None:
    """Remove a person: their voiceprint points (every embedding space), recordings and row.

    Raises:
        NotFoundError: No such person, or not the caller's.
    """
    person = await get_person(session, owner_id, person_id)
    await anyio.to_thread.run_sync(platform.voiceprints.delete_person, owner_id, person.id)
    await anyio.to_thread.run_sync(
        platform.store.delete_prefix, samples_prefix(owner_id, person.id)
    )
    await PersonRepository(session).delete(person)
    await session.commit()


async def _speaker_embedding(
    platform: Platform, meeting: Meeting, label: str
) -> tuple[str, list[float]]:
    """(embedding model, vector) of ``label`` from the meeting's ``diarization.json``.

    Raises:
        ConflictError: The meeting is not COMPLETED, or has no embedding for that speaker.
        NotFoundError: The meeting has no such speaker.
    """
    if meeting.status is not MeetingStatus.COMPLETED:
        raise ConflictError(
            f"meeting {meeting.id} is {meeting.status.value}; its speakers can be enrolled once "
            "it is COMPLETED"
        )
    if label not in {s.label for s in meeting.speakers}:
        raise NotFoundError(f"meeting {meeting.id} has no speaker {label!r}")
    key = meeting.result_keys.get("diarization.json")
    if not key:
        raise ConflictError(f"meeting {meeting.id} has no stored diarization")
    raw = await anyio.to_thread.run_sync(platform.store.get_bytes, str(key))
    data: dict[str, Any] = json.loads(raw)
    vector = data.get("embeddings", {}).get(label)
    model = str(data.get("embedding_model") or "")
    if not vector or not model:
        raise ConflictError(
            f"speaker {label!r} of meeting {meeting.id} has no stored embedding (too little "
            "clean speech); enrol the person from a recording instead"
        )
    return model, [float(x) for x in vector]


async def enroll_from_meeting(
    platform: Platform,
    session: AsyncSession,
    user: User,
    meeting_id: uuid.UUID,
    label: str,
    name: str,
) -> Person:
    """Enrol a meeting's speaker under ``name`` and show that name in the meeting.

    The speaker's embedding stored in ``diarization.json`` becomes one sample (source
    ``meeting:<id>:<label>``) of the person called ``name``, created READY when the caller
    has none; then the speaker is renamed like ``PATCH /meetings/{id}/speakers/{label}``.

    Raises:
        NotFoundError: No such meeting (or not the caller's), or no such speaker.
        ConflictError: The meeting is not COMPLETED, or the speaker has no embedding.
        BadInputError: Invalid name.
    """
    name = clean_name(name)
    meeting = await meetings.get_meeting(session, user.id, meeting_id)
    model, vector = await _speaker_embedding(platform, meeting, label)
    repository = PersonRepository(session)
    person = await repository.get_by_name(user.id, name)
    if person is None:
        person = await repository.add(
            Person(owner_id=user.id, name=name, status=PersonStatus.READY, num_samples=0,
                   pending_keys=[])
        )  # fmt: skip
    store = platform.voiceprints
    person_id = person.id
    await anyio.to_thread.run_sync(
        lambda: store.add_samples(
            model=model, owner_id=user.id, person_id=person_id, name=name,
            vectors=[vector], sources=[meeting_source(meeting_id, label)],
        )
    )  # fmt: skip
    try:
        person.num_samples = await anyio.to_thread.run_sync(
            lambda: store.count(user.id, person_id, model=model, dimension=len(vector))
        )
        if not person.pending_keys:
            person.status = PersonStatus.READY
        await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            await session.rollback()
        raise
    await meetings.rename_speaker(platform, session, user.id, meeting_id, label, name)
    return await get_person(session, user.id, person_id)
