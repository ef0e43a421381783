"""``/api/v1/process``, ``/api/v1/status/{task_id}`` and ``/api/v1/meetings…``."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response, status
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
    MeetingUpdate,
    ProcessAccepted,
    ReprocessRequest,
    RevisionList,
    SegmentEdit,
    SpeakerMerge,
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
    "/meetings/{meeting_id}",
    response_model=MeetingPublic,
    responses=error_responses(400, 401, 403, 404, 422),
    dependencies=[require_scope("meetings:write")],
    summary="Change a meeting's title",
)
async def update_meeting(
    meeting_id: uuid.UUID,
    data: MeetingUpdate,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """Set the meeting's title (one line of visible text, at most 255 characters; 400
    ``invalid_name`` otherwise), in any status. Metadata only: the transcript's revision and
    ``edited_at`` do not change."""
    meeting = await service.set_title(session, user.id, meeting_id, data.title)
    return await documents.with_statistics(platform, meeting)


@router.patch(
    "/meetings/{meeting_id}/segments/{index}",
    response_model=MeetingPublic,
    responses=error_responses(400, 401, 403, 404, 409, 422),
    dependencies=[require_scope("meetings:write")],
    summary="Correct a segment's text or speaker",
)
async def edit_segment(
    meeting_id: uuid.UUID,
    index: Annotated[int, Path(ge=0, le=MAX_OFFSET, description="0 for the first segment")],
    data: SegmentEdit,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """Correct segment ``index`` (``segments[index]`` of the JSON transcript): its ``text``,
    its ``speaker`` label, or both. Stored as a new revision; the machine result is kept.

    Word timings survive where words are unchanged (see the body's schema for the rule).
    400 ``invalid_text`` for a text with control characters or no word; 400
    ``unknown_speaker`` for a label the transcript does not have; 404 for a segment index
    out of range; 409 until the meeting is COMPLETED. An edit that changes nothing stores no
    revision."""
    meeting = await service.edit_segment(
        platform, session, user.id, meeting_id, index, text=data.text, speaker=data.speaker
    )
    return await documents.with_statistics(platform, meeting)


@router.post(
    "/meetings/{meeting_id}/speakers/merge",
    response_model=MeetingPublic,
    responses=error_responses(400, 401, 403, 404, 409, 422),
    dependencies=[require_scope("meetings:write")],
    summary="Merge speakers into one",
)
async def merge_speakers(
    meeting_id: uuid.UUID,
    data: SpeakerMerge,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """Give every segment and diarization turn of the ``from`` speakers to ``into`` (one
    person the diarization split in two, say); the ``from`` speakers leave the transcript
    and the meeting's speakers. Stored as a new revision. 400 when ``into`` is among
    ``from``, and 400 ``unknown_speaker`` for a label the transcript does not have (a label
    in a request body is 400; in the path, 404)."""
    meeting = await service.merge_speakers(
        platform, session, user.id, meeting_id, data.sources, data.into
    )
    return await documents.with_statistics(platform, meeting)


@router.patch(
    "/meetings/{meeting_id}/speakers/{label}",
    response_model=MeetingPublic,
    responses=error_responses(400, 401, 403, 404, 409, 413, 422),
    dependencies=[require_scope("meetings:write")],
    summary="Name a speaker",
)
async def rename_speaker(
    meeting_id: uuid.UUID,
    label: str,
    data: SpeakerRename,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """Give a speaker a name (``null`` or ``""`` shows the label again); it replaces the
    label in the transcript and every export. Stored as a new revision."""
    meeting = await service.rename_speaker(platform, session, user.id, meeting_id, label, data.name)
    return await documents.with_statistics(platform, meeting)


@router.post(
    "/meetings/{meeting_id}/speakers/{label}/reject",
    response_model=MeetingPublic,
    responses=error_responses(401, 403, 404, 409),
    dependencies=[require_scope("meetings:write")],
    summary="Not this person: remove a speaker's name",
)
async def reject_speaker(
    meeting_id: uuid.UUID,
    label: str,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
) -> MeetingPublic:
    """The speaker is not the person named: the name goes (the speaker shows its label,
    match ``none``), as a new revision, and re-processing this meeting will not give that
    person's name again. 409 when the speaker has no name."""
    meeting = await service.reject_speaker(platform, session, user.id, meeting_id, label)
    return await documents.with_statistics(platform, meeting)


@router.post(
    "/meetings/{meeting_id}/revert",
    response_model=MeetingPublic,
    responses=error_responses(401, 403, 404, 409),
    dependencies=[require_scope("meetings:write")],
    summary="Undo every edit",
)
async def revert_meeting(
    meeting_id: uuid.UUID, user: CurrentUser, platform: PlatformDep, session: SessionDep
) -> MeetingPublic:
    """Back to the machine result: every revision is deleted, ``revision`` is 0 and
    ``edited_at`` null, the speakers get the names identification gave back, and the names
    rejected with "not this person" are forgotten."""
    meeting = await service.revert(platform, session, user.id, meeting_id)
    return await documents.with_statistics(platform, meeting)


@router.get(
    "/meetings/{meeting_id}/revisions",
    response_model=RevisionList,
    responses=error_responses(401, 403, 404),
    dependencies=[require_scope("meetings:read")],
    summary="List a transcript's edits",
)
async def list_revisions(
    meeting_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> RevisionList:
    """The edits of the meeting's transcript, oldest first, and the revision it shows
    (``current``: 0 for the machine result)."""
    return await service.list_revisions(session, user_id, meeting_id)


@router.post(
    "/meetings/{meeting_id}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ProcessAccepted,
    responses=error_responses(400, 401, 403, 404, 409, 422),
    dependencies=[require_scope("meetings:write")],
    summary="Process a meeting again",
)
async def reprocess_meeting(
    meeting_id: uuid.UUID,
    user: CurrentUser,
    platform: PlatformDep,
    session: SessionDep,
    data: ReprocessRequest | None = None,
) -> JSONResponse:
    """Run the pipeline again on the stored recording, with the current voice bank, as a
    new task (new ``task_id``; poll ``status_url``). Options left out of the body are kept;
    they are checked like an upload's (400). The edits are replaced by the new result
    (revisions, speakers, results deleted; the recording kept); names rejected with "not this
    person" stay rejected. 409 while the meeting is PENDING or PROCESSING."""
    accepted = await service.reprocess(
        platform, session, user.id, meeting_id, data.changes() if data else {}
    )
    return JSONResponse(
        accepted.model_dump(mode="json"),
        status_code=status.HTTP_202_ACCEPTED,
        headers={"Location": accepted.status_url},
    )


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
