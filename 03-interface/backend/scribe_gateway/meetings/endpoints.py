"""``/api/v1/process``, ``/api/v1/status/{task_id}`` and ``/api/v1/meetings…``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse, RedirectResponse

from scribe_core.errors import NotFoundError
from scribe_gateway.deps import CurrentUser, CurrentUserId, PlatformDep, SessionDep
from scribe_gateway.meetings import service
from scribe_gateway.meetings.schemas import (
    MeetingPage,
    MeetingPublic,
    ProcessAccepted,
    SpeakerRename,
    TaskStatus,
)
from scribe_gateway.meetings.upload import FILE_FIELD
from scribe_gateway.schemas import error_responses

router = APIRouter(tags=["meetings"])

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "The recording (wav, flac, mp3, m4a, ogg/opus, "
                            "webm, mp4 …), streamed to the object store.",
                        },
                        "language": {
                            "type": "string",
                            "description": "ISO-639-1 code to force (`fr`), or `auto`.",
                        },
                        "num_speakers": {"type": "integer", "minimum": 1, "maximum": 64},
                        "min_speakers": {"type": "integer", "minimum": 1, "maximum": 64},
                        "max_speakers": {"type": "integer", "minimum": 1, "maximum": 64},
                        "title": {"type": "string", "maxLength": 255},
                    },
                }
            }
        },
    }
}

TranscriptFormat = Literal["json", "srt", "vtt", "txt", "rttm"]


async def _process(
    request: Request, response: Response, user: CurrentUser, platform: PlatformDep,
    session: SessionDep,
) -> ProcessAccepted:  # fmt: skip
    accepted = await service.process_upload(platform, session, user, request)
    response.headers["Location"] = accepted.status_url
    return accepted


router.add_api_route(
    "/process",
    _process,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessAccepted,
    responses=error_responses(400, 401, 413, 415, 503),
    openapi_extra=_UPLOAD_BODY,
    summary="Upload a recording for processing",
    description="Streams the `file` part to the object store (memory bounded whatever its "
    "size), records the meeting as PENDING, queues `meetings.process` and answers 202 with "
    "the URL to poll. Bodies over `MAX_UPLOAD_BYTES` get 413 before anything is stored.",
    name="process",
)
router.add_api_route(
    "/process/",
    _process,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessAccepted,
    include_in_schema=False,
)


@router.get("/status/{task_id}", response_model=TaskStatus, responses=error_responses(401, 404))
async def task_status(task_id: str, user_id: CurrentUserId, session: SessionDep) -> TaskStatus:
    """Status, stage and progress of a processing task."""
    return TaskStatus.model_validate(await service.get_by_task(session, user_id, task_id))


@router.get("/meetings", response_model=MeetingPage, responses=error_responses(401))
async def list_meetings(
    user_id: CurrentUserId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> MeetingPage:
    """The caller's meetings, newest first."""
    return await service.list_meetings(session, user_id, limit, offset)


@router.get(
    "/meetings/{meeting_id}", response_model=MeetingPublic, responses=error_responses(401, 404)
)
async def get_meeting(
    meeting_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> MeetingPublic:
    """One meeting with its speakers."""
    return MeetingPublic.model_validate(await service.get_meeting(session, user_id, meeting_id))


@router.get(
    "/meetings/{meeting_id}/transcript",
    response_class=Response,
    responses={
        200: {
            "description": "The transcript in the requested format",
            "content": {media: {} for media in
                        ("application/json", "application/x-subrip", "text/vtt", "text/plain")},
        },
        **error_responses(401, 404, 409),
    },
)  # fmt: skip
async def get_transcript(
    meeting_id: uuid.UUID,
    user_id: CurrentUserId,
    platform: PlatformDep,
    session: SessionDep,
    format: TranscriptFormat = "json",
) -> Response:
    """The speaker-attributed transcript as JSON (the fusion document), SRT, WebVTT, TXT or
    RTTM."""
    rendered = await service.transcript(platform, session, user_id, meeting_id, format)
    return Response(
        rendered.text,
        media_type=rendered.media_type,
        headers={"Content-Disposition": f'inline; filename="{rendered.filename}"'},
    )


@router.get(
    "/meetings/{meeting_id}/audio",
    response_class=Response,
    status_code=status.HTTP_200_OK,
    responses={
        200: {"description": "The recording (local store), byte ranges supported"},
        206: {"description": "Part of the recording (`Range` request)"},
        307: {"description": "Redirect to a presigned object-store URL (ranges supported)"},
        **error_responses(401, 404),
    },
)
async def get_audio(
    meeting_id: uuid.UUID, user_id: CurrentUserId, platform: PlatformDep, session: SessionDep
) -> Response:
    """The uploaded recording, seekable: a redirect to a presigned URL on S3, or the file
    streamed with ``Range`` support from the local store."""
    location = await service.audio(platform, session, user_id, meeting_id)
    if location.url is not None:
        return RedirectResponse(location.url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    if location.path is None:
        raise NotFoundError(f"the recording of meeting {meeting_id} is gone")
    return FileResponse(
        location.path,
        media_type=location.media_type,
        filename=location.filename,
        content_disposition_type="inline",
    )


@router.patch(
    "/meetings/{meeting_id}/speakers/{label}",
    response_model=MeetingPublic,
    responses=error_responses(401, 404, 409),
)
async def rename_speaker(
    meeting_id: uuid.UUID,
    label: str,
    data: SpeakerRename,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """Give a speaker a name; it replaces the label in the stored result and every export."""
    meeting = await service.rename_speaker(platform, session, user.id, meeting_id, label, data.name)
    return MeetingPublic.model_validate(meeting)


@router.delete(
    "/meetings/{meeting_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404),
)
async def delete_meeting(
    meeting_id: uuid.UUID, user: CurrentUser, platform: PlatformDep, session: SessionDep
) -> Response:
    """Delete the meeting, its recording and every result."""
    await service.delete_meeting(platform, session, user.id, meeting_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
