"""``/api/v1/speakers…`` (the voice bank) and ``/api/v1/meetings/{id}/speakers/{label}/enroll``."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, File, Form, Response, UploadFile, status

from scribe_gateway.deps import CurrentUser, CurrentUserId, PlatformDep, SessionDep
from scribe_gateway.schemas import error_responses
from scribe_gateway.speakers import service
from scribe_gateway.speakers.schemas import PersonPublic, SpeakerEnroll

router = APIRouter(tags=["speakers"])

Recordings = Annotated[
    list[UploadFile],
    File(description="One or more recordings of the person alone (any format ffmpeg reads); "
         "each needs at least `ENROLMENT_MIN_SPEECH_SECONDS` of speech."),
]  # fmt: skip


@router.get("/speakers", response_model=list[PersonPublic], responses=error_responses(401))
async def list_speakers(user_id: CurrentUserId, session: SessionDep) -> list[PersonPublic]:
    """The people of the caller's voice bank, by name."""
    people = await service.list_people(session, user_id)
    return [PersonPublic.model_validate(p) for p in people]


@router.post(
    "/speakers",
    response_model=PersonPublic,
    status_code=status.HTTP_202_ACCEPTED,
    responses=error_responses(400, 401, 409, 413, 415),
)
async def create_speaker(
    name: Annotated[str, Form(min_length=1, max_length=100)],
    file: Recordings,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> PersonPublic:
    """Enrol a person: the recordings are stored, the person is PENDING until the worker has
    checked (VAD) and embedded them (``speakers.enroll``), then READY, or FAILED with the
    reason (e.g. too little speech)."""
    person = await service.create_person(platform, session, user, name, file)
    return PersonPublic.model_validate(person)


@router.get(
    "/speakers/{person_id}", response_model=PersonPublic, responses=error_responses(401, 404)
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
    responses=error_responses(400, 401, 404, 413, 415),
)
async def add_speaker_samples(
    person_id: uuid.UUID,
    file: Recordings,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> PersonPublic:
    """Add recordings to a person (PENDING until embedded); the voiceprint is the normalised
    mean of all samples."""
    person = await service.add_samples(platform, session, user.id, person_id, file)
    return PersonPublic.model_validate(person)


@router.delete(
    "/speakers/{person_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404),
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
    responses=error_responses(400, 401, 404, 409),
    tags=["meetings"],
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
