"""URL jobs: ``POST /api/v1/process`` with a JSON body naming the recording by URL.

The gateway never downloads anything: it validates the body (a strict pydantic model), checks
the syntax of ``audio_url`` and ``callback_url`` (http/https, a host, no credentials; a literal
IP is checked against the address rules at once), commits the meeting PENDING with stage
``fetch`` and ``size_bytes`` 0, then queues ``meetings.process``. The worker's fetch step
(``scribe_worker.jobs.fetch``) checks the addresses again when it resolves them, streams the
URL into the object store under ``MAX_UPLOAD_BYTES`` and carries on as with an upload.

When a ``callback_url`` is given, the user's callback secret is created in the same
transaction (if missing), so the final event can always be signed.
"""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from scribe_core.db import Meeting, MeetingStatus, User
from scribe_core.domain import ProcessingOptions
from scribe_core.errors import BadInputError
from scribe_core.outbound import check_url
from scribe_core.storage import upload_key
from scribe_gateway.meetings.repository import MeetingRepository
from scribe_gateway.meetings.schemas import ProcessAccepted
from scribe_gateway.meetings.service import MAX_SPEAKERS, parse_options, queue_and_accept
from scribe_gateway.meetings.upload import display_filename, safe_key_name
from scribe_gateway.platform import Platform
from scribe_gateway.webhooks.service import callback_secret, outbound_policy

logger = logging.getLogger(__name__)

FETCH_STAGE = "fetch"
"""Stage of a URL job until its recording is in the object store."""


class UrlJobCreate(BaseModel):
    """JSON body of ``POST /api/v1/process``: process the recording at ``audio_url``."""

    model_config = ConfigDict(extra="forbid", strict=True)

    audio_url: str = Field(
        max_length=2048,
        description="http(s) URL of the recording, downloaded by a worker under "
        "`MAX_UPLOAD_BYTES` (redirects followed, each checked; link-local and cloud-metadata "
        "addresses refused; private networks per `OUTBOUND_ALLOW_PRIVATE`).",
        examples=["http://127.0.0.1:8000/sample.wav"],
    )
    title: str | None = Field(None, max_length=255)
    language: str | None = Field(
        None, max_length=8, description="ISO-639-1 code to force (`fr`, `en`), or `auto`."
    )
    num_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    min_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    max_speakers: int | None = Field(None, ge=1, le=MAX_SPEAKERS)
    output_format: Literal["json", "srt", "vtt", "txt", "rttm"] | None = Field(
        None, description="Transcript format of `result_url` and of the event's transcript link."
    )
    callback_url: str | None = Field(
        None,
        max_length=2048,
        description="Also send this job's final event (`meeting.completed`/`meeting.failed`) "
        "here, signed with your callback secret (`GET /api/v1/webhooks/callback-secret`).",
    )

    @model_validator(mode="after")
    def _counts(self) -> UrlJobCreate:
        if self.num_speakers is not None and (self.min_speakers or self.max_speakers):
            raise ValueError("give num_speakers, or min_speakers/max_speakers, not both")
        return self


OPENAPI_CONTENT: dict[str, Any] = {
    "application/json": {"schema": UrlJobCreate.model_json_schema(ref_template="{model}")}
}
"""The JSON alternative of the ``/api/v1/process`` request body, for the OpenAPI schema."""


def is_json(request: Request) -> bool:
    """Whether the request body is JSON (a URL job) rather than a multipart upload."""
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media == "application/json"


def _sentence(error: ValidationError) -> str:
    """One sentence from pydantic's first error (``field: message``)."""
    first = error.errors(include_url=False, include_input=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    return f"invalid job: {where}: {first['msg']}"


async def parse_body(request: Request) -> UrlJobCreate:
    """The job described by the JSON body.

    Raises:
        BadInputError: Not JSON, not an object, an unknown field, a wrong type or range, or
            inconsistent speaker counts.
    """
    try:
        raw = json.loads(await request.body())
    except ValueError:
        raise BadInputError("the body is not valid JSON") from None
    try:
        return UrlJobCreate.model_validate(raw)
    except ValidationError as exc:
        raise BadInputError(_sentence(exc)) from None


def _filename(url: str) -> str:
    """The last path component of ``url`` (percent-decoded, cleaned), or ``audio``."""
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return display_filename(name) if name else "audio"


async def process_url(
    platform: Platform, session: AsyncSession, user: User, request: Request
) -> ProcessAccepted:
    """Record a URL job (PENDING, stage ``fetch``), commit, then send ``meetings.process``.

    Raises:
        BadInputError: See :func:`parse_body`, or a bad language code.
        OutboundRefusedError: ``audio_url`` or ``callback_url`` is not http(s), is malformed,
            or is a refused literal address (HTTP 400).
    """
    job = await parse_body(request)
    policy = outbound_policy()
    check_url(job.audio_url, allow_private=policy.allow_private)
    if job.callback_url is not None:
        check_url(job.callback_url, allow_private=policy.allow_private)
    fields = {"language": job.language or ""} | {
        name: str(value)
        for name in ("num_speakers", "min_speakers", "max_speakers")
        if (value := getattr(job, name)) is not None
    }
    options: ProcessingOptions = parse_options(fields)
    meeting_id = uuid.uuid4()
    filename = _filename(job.audio_url)
    title = (job.title or "").strip() or PurePosixPath(filename).stem or filename
    meeting = Meeting(
        id=meeting_id,
        owner_id=user.id,
        title=title[:255],
        original_filename=filename,
        content_type="application/octet-stream",
        size_bytes=0,
        requested_language=options.language,
        num_speakers=options.num_speakers,
        min_speakers=options.min_speakers,
        max_speakers=options.max_speakers,
        output_format=job.output_format,
        status=MeetingStatus.PENDING,
        stage=FETCH_STAGE,
        task_id=str(uuid.uuid4()),
        upload_key=upload_key(meeting_id, safe_key_name(filename)),
        result_keys={},
        audio_url=job.audio_url.strip(),
        callback_url=job.callback_url.strip() if job.callback_url else None,
    )
    if meeting.callback_url:
        await callback_secret(session, user.id)
    meeting = await MeetingRepository(session).add(meeting)
    await session.commit()
    return await queue_and_accept(session, platform, meeting)
