"""``/api/v1/process``, ``/api/v1/status/{task_id}`` and ``/api/v1/meetings…``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse

from scribe_core.errors import NotFoundError
from scribe_gateway.deps import (
    CurrentUser,
    CurrentUserId,
    PlatformDep,
    SessionDep,
    require_scope,
)
from scribe_gateway.idempotency import IdempotencyKey, run_once
from scribe_gateway.meetings import documents, service, url_jobs
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
                        "output_format": {
                            "type": "string",
                            "enum": ["json", "srt", "vtt", "txt", "rttm"],
                            "description": "Transcript format wanted: the final status then "
                            "carries `result_url`, the transcript in that format.",
                        },
                    },
                }
            }
        },
    }
}

_UPLOAD_BODY["requestBody"]["content"].update(url_jobs.OPENAPI_CONTENT)  # type: ignore[attr-defined]

TranscriptFormat = Literal["json", "srt", "vtt", "txt", "rttm", "docx", "pdf", "md"]

MAX_OFFSET = 1_000_000
"""Largest ``offset`` of a listing (a larger one is 422, never a database overflow)."""
_NOSNIFF = {"X-Content-Type-Options": "nosniff"}


async def _process(
    request: Request, user: CurrentUser, platform: PlatformDep, session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def run() -> ProcessAccepted:
        if url_jobs.is_json(request):  # {"audio_url": …}: a worker downloads the recording
            return await url_jobs.process_url(platform, session, user, request)
        return await service.process_upload(platform, session, user, request)

    return await run_once(
        platform, request, user.id, idempotency_key, run,
        status_code=status.HTTP_202_ACCEPTED, location=lambda accepted: accepted.status_url,
    )  # fmt: skip


router.add_api_route(
    "/process",
    _process,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessAccepted,
    responses=error_responses(400, 401, 403, 409, 413, 415, 422, 503),
    openapi_extra=_UPLOAD_BODY,
    dependencies=[require_scope("meetings:write")],
    summary="Upload a recording for processing",
    description="Streams the `file` part to the object store (memory bounded whatever its "
    "size), records the meeting as PENDING, queues `meetings.process` and answers 202 with "
    "the URL to poll. Bodies over `MAX_UPLOAD_BYTES` get 413 before anything is stored. "
    "With an `Idempotency-Key` header, a retry within 24 h answers the first 202 again "
    "(`Idempotent-Replayed: true`) and stores nothing new. Follow the task with "
    "`GET /api/v1/status/{task_id}/events` (Server-Sent Events) or by polling `status_url`. "
    'A JSON body `{"audio_url": …}` instead names the recording by URL: a worker '
    "downloads it (stage `fetch`; FAILED with `download_failed`, `download_refused` or "
    "`download_too_large` when it cannot).",
    name="process",
)
router.add_api_route(
    "/process/",
    _process,
    methods=["POST"],
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessAccepted,
    include_in_schema=False,
    dependencies=[require_scope("meetings:write")],
)


@router.get(
    "/status/{task_id}",
    response_model=TaskStatus,
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("meetings:read")],
)
async def task_status(task_id: str, user_id: CurrentUserId, session: SessionDep) -> TaskStatus:
    """Status, stage and progress of a processing task."""
    return await service.get_task_status(session, user_id, task_id)


@router.get(
    "/meetings",
    response_model=MeetingPage,
    responses=error_responses(401, 403),
    dependencies=[require_scope("meetings:read")],
)
async def list_meetings(
    user_id: CurrentUserId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> MeetingPage:
    """The caller's meetings, newest first."""
    return await service.list_meetings(session, user_id, limit, offset)


@router.get(
    "/meetings/{meeting_id}",
    response_model=MeetingPublic,
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("meetings:read")],
)
async def get_meeting(
    meeting_id: uuid.UUID, user_id: CurrentUserId, platform: PlatformDep, session: SessionDep
) -> MeetingPublic:
    """One meeting with its speakers and, once COMPLETED, their talk statistics."""
    meeting = await service.get_meeting(session, user_id, meeting_id)
    return await documents.with_statistics(platform, meeting)


@router.get(
    "/meetings/{meeting_id}/transcript",
    response_class=Response,
    responses={
        200: {
            "description": "The transcript in the requested format",
            "content": {media.split(";")[0]: {} for media in
                        ("application/json", "application/x-subrip", "text/vtt", "text/plain",
                         *documents.MEDIA_TYPES.values())},
        },
        **error_responses(401, 403, 404, 409),
    },
    dependencies=[require_scope("meetings:read")],
)  # fmt: skip
async def get_transcript(
    meeting_id: uuid.UUID,
    user_id: CurrentUserId,
    platform: PlatformDep,
    session: SessionDep,
    format: TranscriptFormat = "json",
) -> Response:
    """The speaker-attributed transcript as JSON (the fusion document), SRT, WebVTT, TXT or
    RTTM, or the meeting minutes (header, participants with talk statistics, transcript) as
    a DOCX, PDF or Markdown download."""
    if format in documents.FORMATS:
        return await documents.minutes_response(platform, session, user_id, meeting_id, format)
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
        **error_responses(401, 403, 404),
    },
    dependencies=[require_scope("meetings:read")],
)
async def get_audio(
    meeting_id: uuid.UUID, user_id: CurrentUserId, platform: PlatformDep, session: SessionDep
) -> Response:
    """The uploaded recording, seekable: a redirect to a presigned URL on S3, or the file
    streamed with ``Range`` support from the local store. Its declared type is served only
    when it is an allowlisted audio/video type (else ``application/octet-stream``), inline
    only when browsers play it (else as an attachment), always with
    ``X-Content-Type-Options: nosniff``."""
    location = await service.audio(platform, session, user_id, meeting_id)
    if location.url is not None:
        return RedirectResponse(
            location.url, status_code=status.HTTP_307_TEMPORARY_REDIRECT, headers=_NOSNIFF
        )
    if location.path is None:
        raise NotFoundError(f"the recording of meeting {meeting_id} is gone")
    return FileResponse(
        location.path,
        media_type=location.media_type,
        filename=location.filename,
        content_disposition_type="inline" if location.inline else "attachment",
        headers=_NOSNIFF,
    )


@router.patch(
    "/meetings/{meeting_id}/speakers/{label}",
    response_model=MeetingPublic,
    responses=error_responses(401, 403, 404, 409),
    dependencies=[require_scope("meetings:write")],
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
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("meetings:write")],
)
async def delete_meeting(
    meeting_id: uuid.UUID, user: CurrentUser, platform: PlatformDep, session: SessionDep
) -> Response:
    """Delete the meeting, its recording and every result."""
    await service.delete_meeting(platform, session, user.id, meeting_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
