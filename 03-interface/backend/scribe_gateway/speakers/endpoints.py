"""``/api/v1/speakers…`` (the voice bank) and ``/api/v1/meetings/{id}/speakers/{label}/enroll``."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse

from scribe_gateway.deps import (
    CurrentUser,
    CurrentUserId,
    PlatformDep,
    SessionDep,
    require_scope,
)
from scribe_gateway.idempotency import IdempotencyKey, run_once
from scribe_gateway.schemas import error_responses
from scribe_gateway.speakers import service
from scribe_gateway.speakers.schemas import PersonPublic, SpeakerEnroll

router = APIRouter(tags=["speakers"])

_RECORDINGS = {
    "type": "array",
    "items": {"type": "string", "format": "binary"},
    "minItems": 1,
    "maxItems": service.MAX_SAMPLE_FILES,
    "description": "One or more recordings of the person alone (any format ffmpeg reads), "
    "each at most `ENROLMENT_MAX_BYTES` and with at least `ENROLMENT_MIN_SPEECH_SECONDS` of "
    "speech; streamed to the object store.",
}


def _form_body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """``openapi_extra`` documenting a streamed ``multipart/form-data`` body (the route reads
    it itself, after the token is checked, so FastAPI does not declare it)."""
    schema = {"type": "object", "required": required, "properties": properties}
    return {
        "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}
    }


@router.get(
    "/speakers",
    response_model=list[PersonPublic],
    responses=error_responses(401, 403),
    dependencies=[require_scope("speakers:read")],
)
async def list_speakers(user_id: CurrentUserId, session: SessionDep) -> list[PersonPublic]:
    """The people of the caller's voice bank, by name."""
    people = await service.list_people(session, user_id)
    return [PersonPublic.model_validate(p) for p in people]


@router.post(
    "/speakers",
    response_model=PersonPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422),
    dependencies=[require_scope("speakers:write")],
    openapi_extra=_form_body(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": service.MAX_NAME_LENGTH},
            "file": _RECORDINGS,
        },
        ["name", "file"],
    ),
)
async def create_speaker(
    request: Request,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Enrol a person: the recordings are stored, the person is PENDING until the worker has
    checked (VAD) and embedded them (``speakers.enroll``), then READY, or FAILED with the
    reason (e.g. too little speech). The form (``name``, ``file``…) is streamed to the object
    store after the token is checked. With an ``Idempotency-Key``, a retry within 24 h
    answers the first 202 again and enrols nothing new (the key covers the route: the name
    arrives inside the streamed body, after the key is claimed)."""

    async def run() -> PersonPublic:
        person = await service.create_person(platform, session, user, request)
        return PersonPublic.model_validate(person)

    return await run_once(
        platform, request, user.id, idempotency_key, run, status_code=status.HTTP_202_ACCEPTED
    )


@router.get(
    "/speakers/{person_id}",
    response_model=PersonPublic,
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("speakers:read")],
)
async def get_speaker(
    person_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> PersonPublic:
    """One person of the caller's voice bank (poll it for the enrolment status)."""
    return PersonPublic.model_validate(await service.get_person(session, user_id, person_id))


@router.post(
    "/speakers/{person_id}/samples",
    response_model=PersonPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(400, 401, 403, 404, 409, 413, 415, 422),
    dependencies=[require_scope("speakers:write")],
    openapi_extra=_form_body({"file": _RECORDINGS}, ["file"]),
)
async def add_speaker_samples(
    request: Request,
    person_id: uuid.UUID,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Add recordings to a person (PENDING until embedded); the voiceprint is the normalised
    mean of all samples. With an ``Idempotency-Key``, a retry within 24 h answers the first
    202 again and adds nothing."""

    async def run() -> PersonPublic:
        person = await service.add_samples(platform, session, user.id, person_id, request)
        return PersonPublic.model_validate(person)

    return await run_once(
        platform, request, user.id, idempotency_key, run, status_code=status.HTTP_202_ACCEPTED
    )


@router.delete(
    "/speakers/{person_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("speakers:write")],
)
async def delete_speaker(
    person_id: uuid.UUID, user: CurrentUser, platform: PlatformDep, session: SessionDep
) -> Response:
    """Remove a person: voiceprint points, enrolment recordings and row."""
    await service.delete_person(platform, session, user.id, person_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/meetings/{meeting_id}/speakers/{label}/enroll",
    response_model=PersonPublic,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403, 404, 409),
    tags=["meetings"],
    dependencies=[require_scope("speakers:write"), require_scope("meetings:write")],
)
async def enroll_meeting_speaker(
    meeting_id: uuid.UUID,
    label: str,
    data: SpeakerEnroll,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> PersonPublic:
    """Enrol a meeting's speaker from its stored embedding under ``name`` (one more sample
    when that person exists) and rename the speaker in the meeting."""
    person = await service.enroll_from_meeting(
        platform, session, user, meeting_id, label, data.name
    )
    return PersonPublic.model_validate(person)
