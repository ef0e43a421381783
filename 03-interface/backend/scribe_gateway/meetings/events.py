"""``GET /api/v1/status/{task_id}/events``: a task's progress as Server-Sent Events.

The stream sends an ``status`` event whenever the status, stage or progress changes, then one
``final`` event (COMPLETED or FAILED, with the result links) and closes. A comment line
(``: ping``) is sent every 15 s so that proxies keep the connection open, and ``retry:`` tells
the browser's ``EventSource`` to reconnect after 2 s; a reconnection starts with the current
state, so nothing is lost by dropping the connection.

Changes are found by polling the meeting's row every 0.5 s in a short session of its own (no
connection is held between polls). A Redis pub/sub channel would save those reads, but the
database poll works unchanged in the embedded default (SQLite, in-process queue) and with
PostgreSQL, and costs one indexed read per open stream per half second.

The ETA is a linear extrapolation of the overall progress since the attempt started
(``elapsed × (1 − p) / p``), given once ``p`` ≥ 5 % and at least 2 s have passed.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse, ServerSentEvent

from scribe_core.db import Meeting, MeetingStatus, utcnow
from scribe_gateway.deps import CurrentUserId, PlatformDep, require_scope
from scribe_gateway.meetings import service
from scribe_gateway.meetings.repository import MeetingRepository
from scribe_gateway.platform import Platform
from scribe_gateway.schemas import error_responses

router = APIRouter(tags=["meetings"])

POLL_SECONDS = 0.5
"""Seconds between two reads of the meeting's row."""
HEARTBEAT_SECONDS = 15
"""Seconds between two ``: ping`` comments."""
RETRY_MILLISECONDS = 2000
"""Reconnection delay sent to the client (``retry:``)."""
ETA_MIN_PROGRESS = 0.05
ETA_MIN_ELAPSED = 2.0
EXPORT_FORMATS = ("json", "srt", "vtt", "txt", "rttm")


class StatusEvent(BaseModel):
    """Data of an ``event: status`` message (JSON). ``progress`` is the overall fraction in
    [0, 1]; ``eta_seconds`` the estimated seconds left, ``null`` until measurable."""

    task_id: str
    meeting_id: uuid.UUID
    status: MeetingStatus
    stage: str | None
    progress: float
    eta_seconds: float | None


class ResultLinks(BaseModel):
    """Where to fetch a completed meeting's results (paths on the gateway)."""

    meeting: str
    audio: str
    transcript: dict[str, str] = Field(
        description="Export format (json, srt, vtt, txt, rttm) → transcript URL"
    )


class FinalEvent(BaseModel):
    """Data of the last message, ``event: final`` (JSON): the outcome, the failure reason,
    and for a COMPLETED meeting the result links (``result_url`` is the transcript in the
    ``output_format`` given with the job, if one was)."""

    task_id: str
    meeting_id: uuid.UUID
    status: MeetingStatus
    error: str | None
    error_code: str | None
    processing_time: float | None = Field(description="Seconds the pipeline ran")
    result_url: str | None
    links: ResultLinks | None


def eta_seconds(meeting: Meeting, now: datetime) -> float | None:
    """Seconds left by linear extrapolation of the progress since ``started_at``, or ``None``
    while not measurable (not processing, under 5 % or under 2 s in)."""
    if meeting.status is not MeetingStatus.PROCESSING or meeting.started_at is None:
        return None
    progress = meeting.progress or 0.0
    elapsed = (now - meeting.started_at).total_seconds()
    if progress < ETA_MIN_PROGRESS or progress >= 1 or elapsed < ETA_MIN_ELAPSED:
        return None
    return round(elapsed * (1 - progress) / progress, 1)


def transcript_url(meeting_id: uuid.UUID, fmt: str) -> str:
    """Gateway path of a meeting's transcript in ``fmt``."""
    return f"/api/v1/meetings/{meeting_id}/transcript?format={fmt}"


def final_event(meeting: Meeting) -> FinalEvent:
    """The ``final`` event of a settled meeting."""
    completed = meeting.status is MeetingStatus.COMPLETED
    links = None
    if completed:
        links = ResultLinks(
            meeting=f"/api/v1/meetings/{meeting.id}",
            audio=f"/api/v1/meetings/{meeting.id}/audio",
            transcript={fmt: transcript_url(meeting.id, fmt) for fmt in EXPORT_FORMATS},
        )
    fmt = meeting.output_format
    return FinalEvent(
        task_id=meeting.task_id,
        meeting_id=meeting.id,
        status=meeting.status,
        error=meeting.error,
        error_code=meeting.error_code,
        processing_time=meeting.processing_time,
        result_url=transcript_url(meeting.id, fmt) if completed and fmt else None,
        links=links,
    )


async def _read(platform: Platform, owner_id: uuid.UUID, task_id: str) -> Meeting | None:
    async with platform.sessions() as session:
        return await MeetingRepository(session).get_by_task(owner_id, task_id)


async def stream_status(
    platform: Platform, owner_id: uuid.UUID, task_id: str, *, poll_seconds: float = POLL_SECONDS
) -> AsyncIterator[ServerSentEvent]:
    """The events of one task until it settles (see the module docstring).

    Yields ``status`` events on every change, then one ``final`` event; a meeting deleted
    meanwhile ends the stream with an ``error`` event (``{"code": "not_found", ...}``).
    """
    last: tuple[object, ...] | None = None
    sent = 0
    while True:
        meeting = await _read(platform, owner_id, task_id)
        if meeting is None:
            data = {"code": "not_found", "detail": f"task {task_id!r} is gone"}
            yield ServerSentEvent(data=data, event="error")
            return
        state = (meeting.status, meeting.stage, round(meeting.progress or 0.0, 4))
        if state != last:
            last = state
            sent += 1
            event = StatusEvent(
                task_id=meeting.task_id, meeting_id=meeting.id, status=meeting.status,
                stage=meeting.stage, progress=meeting.progress or 0.0,
                eta_seconds=eta_seconds(meeting, utcnow()),
            )  # fmt: skip
            yield ServerSentEvent(
                data=event.model_dump_json(), event="status", id=str(sent),
                retry=RETRY_MILLISECONDS if sent == 1 else None,
            )  # fmt: skip
        if meeting.status in (MeetingStatus.COMPLETED, MeetingStatus.FAILED):
            sent += 1
            yield ServerSentEvent(
                data=final_event(meeting).model_dump_json(), event="final", id=str(sent)
            )
            return
        await anyio.sleep(poll_seconds)


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    for name, sub in defs.items():  # nested models other than shared enums stay inline
        if name not in ("MeetingStatus",):
            schema.setdefault("properties", {})
            for prop in schema["properties"].values():
                if prop.get("$ref") == f"#/components/schemas/{name}":
                    prop.clear()
                    prop.update(sub)
                for option in prop.get("anyOf", []):
                    if option.get("$ref") == f"#/components/schemas/{name}":
                        option.clear()
                        option.update(sub)
    return schema


_STREAM_RESPONSE = {
    200: {
        "description": "A `text/event-stream`. Messages: `event: status` (data: StatusEvent "
        "JSON) on every change of status, stage or progress; then one `event: final` (data: "
        "FinalEvent JSON) and the stream closes. `: ping` comments every 15 s; `retry: 2000`.",
        "content": {
            "text/event-stream": {
                "schema": {
                    "oneOf": [_schema(StatusEvent), _schema(FinalEvent)],
                    "description": "The `data:` payload of each message, by event name",
                }
            }
        },
    },
    **error_responses(401, 403, 404),
}


@router.get(
    "/status/{task_id}/events",
    response_class=EventSourceResponse,
    responses=_STREAM_RESPONSE,
    dependencies=[require_scope("meetings:read")],
    summary="Follow a task as Server-Sent Events",
)
async def task_events(
    task_id: str, user_id: CurrentUserId, platform: PlatformDep
) -> EventSourceResponse:
    """Status, stage, progress and ETA of a processing task, pushed as they change, then the
    final state with the result links (see the 200 response). Unknown tasks get 404 before
    the stream starts."""
    async with platform.sessions() as session:  # not the request session: the stream is long
        await service.get_by_task(session, user_id, task_id)
    return EventSourceResponse(
        stream_status(platform, user_id, task_id),
        ping=HEARTBEAT_SECONDS,
        headers={"Cache-Control": "no-cache, no-transform"},
    )
