"""Voice bank logic: enrol people from recordings or from a meeting's speaker, list, delete.

Embedding needs torch, which the gateway never imports: an uploaded recording is stored in the
object store under ``voicebank/{owner_id}/{person_id}/``, the person is committed PENDING with
the sample's key in ``pending_keys``, and ``speakers.enroll`` (by name, person id only) lets the
worker decode, VAD-check and embed it into Qdrant. Enrolment from a meeting needs no model:
the speaker's embedding is read from the meeting's ``diarization.json`` (with its
``embedding_model``, which picks the Qdrant collection).

Recordings are streamed straight from the request to the object store
(:func:`~scribe_gateway.meetings.upload.receive_form`), after the token was checked and before
any byte is spooled anywhere: at most :data:`MAX_SAMPLE_FILES` files of at most
``ENROLMENT_MAX_BYTES`` each.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from scribe_core.db import Meeting, MeetingStatus, Person, PersonStatus, User
from scribe_core.errors import NotFoundError
from scribe_core.queue import kick_enroll_speaker
from scribe_core.voiceprints import meeting_source
from scribe_gateway.errors import ConflictError
from scribe_gateway.meetings import service as meetings
from scribe_gateway.meetings.upload import FormRules, ReceivedForm, receive_form, safe_key_name
from scribe_gateway.names import clean_name
from scribe_gateway.platform import Platform
from scribe_gateway.speakers.repository import PersonRepository

logger = logging.getLogger(__name__)

MAX_NAME_LENGTH = 100
MAX_SAMPLE_FILES = 10
"""Most recordings in one enrolment request."""
FORM_OVERHEAD_BYTES = 1024 * 1024
"""Room for the multipart boundaries, part headers and the ``name`` field, in bytes."""


def samples_prefix(owner_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """Object key prefix of a person's enrolment recordings."""
    return f"voicebank/{owner_id}/{person_id}/"


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


def enrolment_body_limit(platform: Platform) -> int:
    """Largest enrolment request body, in bytes: :data:`MAX_SAMPLE_FILES` recordings of
    ``ENROLMENT_MAX_BYTES`` plus :data:`FORM_OVERHEAD_BYTES`."""
    return platform.voice_bank.max_sample_bytes * MAX_SAMPLE_FILES + FORM_OVERHEAD_BYTES


async def _receive_samples(
    platform: Platform,
    request: Request,
    owner_id: uuid.UUID,
    person_id: uuid.UUID,
    rules: FormRules,
) -> ReceivedForm:
    """Stream the request's recordings to ``voicebank/{owner_id}/{person_id}/``; nothing is
    left behind on error.

    Raises:
        BadInputError, UnsupportedMediaTypeError, PayloadTooLargeError,
        ClientDisconnectedError, RequestTimeoutError, StorageError: See
            :func:`~scribe_gateway.meetings.upload.receive_form` (a file over
            ``ENROLMENT_MAX_BYTES`` is 413).
    """
    prefix = samples_prefix(owner_id, person_id)
    return await receive_form(
        request,
        platform.store,
        lambda filename: f"{prefix}{uuid.uuid4().hex[:8]}_{safe_key_name(filename)}",
        max_body_bytes=enrolment_body_limit(platform),
        part_size=platform.storage.part_size,
        rules=rules,
    )


async def _kick(platform: Platform, person_id: uuid.UUID) -> None:
    try:
        await kick_enroll_speaker(platform.broker, person_id)
    except Exception:  # noqa: BLE001 - the person stays PENDING; adding a sample re-sends it
        logger.exception("could not queue the enrolment of %s", person_id)


async def _free_name(repository: PersonRepository, owner_id: uuid.UUID, name: str) -> str:
    """``name`` cleaned, when the caller has nobody of that name yet.

    Raises:
        BadInputError: Code ``invalid_name`` (see :func:`~scribe_gateway.names.clean_name`).
        ConflictError: The caller already has a person of that name.
    """
    name = clean_name(name, max_length=MAX_NAME_LENGTH)
    if await repository.get_by_name(owner_id, name) is not None:
        raise ConflictError(
            f"{name!r} is already in your voice bank; add recordings with "
            "POST /api/v1/speakers/{id}/samples"
        )
    return name


async def create_person(
    platform: Platform, session: AsyncSession, user: User, request: Request
) -> Person:
    """Enrol a new person from the request's form: ``name`` and one or more ``file``
    recordings (embedded by the worker).

    The name is checked before the first file is stored when it comes first in the form,
    and in any case before the person is committed PENDING; ``speakers.enroll`` is sent after
    the commit.

    Raises:
        BadInputError: Invalid or missing name (code ``invalid_name``), no file or an empty
            one, an unknown field.
        ConflictError: The caller already has a person of that name.
        UnsupportedMediaTypeError, PayloadTooLargeError, ClientDisconnectedError,
        RequestTimeoutError, StorageError: See :func:`_receive_samples`.
    """
    repository = PersonRepository(session)

    async def check_name(fields: Mapping[str, str]) -> None:
        if "name" in fields:
            await _free_name(repository, user.id, fields["name"])

    person_id = uuid.uuid4()
    form = await _receive_samples(
        platform, request, user.id, person_id,
        FormRules(text_fields=("name",), max_files=MAX_SAMPLE_FILES,
                  max_file_bytes=platform.voice_bank.max_sample_bytes, before_file=check_name),
    )  # fmt: skip
    keys = [f.key for f in form.files]
    try:
        name = await _free_name(repository, user.id, form.fields.get("name", ""))
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
    request: Request,
) -> Person:
    """Add the request's ``file`` recordings to an enrolled person (PENDING until the worker
    has embedded them).

    Raises:
        NotFoundError: No such person, or not the caller's (before the body is read).
        BadInputError, UnsupportedMediaTypeError, PayloadTooLargeError,
        ClientDisconnectedError, RequestTimeoutError, StorageError: See
            :func:`_receive_samples`.
    """
    await get_person(session, owner_id, person_id)
    form = await _receive_samples(
        platform, request, owner_id, person_id,
        FormRules(text_fields=(), max_files=MAX_SAMPLE_FILES,
                  max_file_bytes=platform.voice_bank.max_sample_bytes),
    )  # fmt: skip
    keys = [f.key for f in form.files]
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
        BadInputError: Invalid name (code ``invalid_name``).
    """
    name = clean_name(name, max_length=MAX_NAME_LENGTH)
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
