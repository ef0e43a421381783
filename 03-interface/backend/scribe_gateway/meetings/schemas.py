"""API models of the meetings endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from scribe_core.db import MeetingStatus

ERROR_CODE_DESCRIPTION = (
    "Stable machine code of `error` (`audio_undecodable`, `no_audio_stream`, `audio_empty`, "
    "`audio_too_long`, `model_unavailable`, `too_many_attempts`, `processing_failed`, ...; "
    "see scribe_core.errors.ErrorCode); null when there is no error."
)


class ProcessAccepted(BaseModel):
    """Answer of ``POST /api/v1/process`` (HTTP 202): poll ``status_url`` until COMPLETED."""

    meeting_id: uuid.UUID
    task_id: str
    status: MeetingStatus
    status_url: str


class TaskStatus(BaseModel):
    """Answer of ``GET /api/v1/status/{task_id}``.

    ``progress`` is the overall fraction in [0, 1]; ``stage`` is the pipeline stage being run
    (``convert``, ``diarize``, ``identify``, ``transcribe``, ``fuse``, then ``upload`` and
    ``done``); ``processing_time`` is in seconds. ``result_url`` is the transcript in the
    ``output_format`` given with the job, once COMPLETED.
    """

    model_config = ConfigDict(from_attributes=True)

    task_id: str
    meeting_id: uuid.UUID = Field(validation_alias="id")
    status: MeetingStatus
    stage: str | None
    progress: float
    error: str | None
    error_code: str | None = Field(description=ERROR_CODE_DESCRIPTION, examples=["no_audio_stream"])
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    processing_time: float | None
    output_format: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def result_url(self) -> str | None:
        """``/api/v1/meetings/{id}/transcript?format=<output_format>`` once COMPLETED."""
        if self.output_format is None or self.status is not MeetingStatus.COMPLETED:
            return None
        return f"/api/v1/meetings/{self.meeting_id}/transcript?format={self.output_format}"


class MeetingSpeakerPublic(BaseModel):
    """A diarized speaker: its label, its display name (``None`` shows the label), the cosine
    similarity of its best voiceprint (not a probability) and the match state."""

    model_config = ConfigDict(from_attributes=True)

    label: str
    display_name: str | None
    similarity: float | None
    match: Literal["confident", "unsure", "none"] = "none"
    # Speaker statistics (meeting detail of a COMPLETED meeting only; null elsewhere), from
    # the transcript's paragraphs: scribe_core.documents.speaker_statistics.
    talk_time_seconds: float | None = Field(
        default=None, description="Seconds of talk: the sum of the speaker's paragraph spans."
    )
    turns: int | None = Field(
        default=None, description="Turns at talk: times the speaker took the floor."
    )
    words: int | None = Field(default=None, description="Words the speaker said.")
    words_per_minute: float | None = Field(
        default=None, description="Words over talk time; null when the speaker said nothing."
    )
    talk_share: float | None = Field(
        default=None, description="Talk time over all speakers' talk time, in [0, 1]."
    )


class MeetingOptions(BaseModel):
    """Processing options given with the upload."""

    model_config = ConfigDict(from_attributes=True)

    language: str | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None


class MeetingPublic(BaseModel):
    """A meeting as the API shows it (sizes in bytes, durations in seconds)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    original_filename: str
    content_type: str
    size_bytes: int
    duration_seconds: float | None
    language: str | None
    status: MeetingStatus
    stage: str | None
    progress: float
    error: str | None
    error_code: str | None = Field(description=ERROR_CODE_DESCRIPTION, examples=["no_audio_stream"])
    task_id: str
    options: MeetingOptions
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    processing_time: float | None
    speakers: list[MeetingSpeakerPublic] = []


class MeetingPage(BaseModel):
    """One page of the caller's meetings, newest first."""

    items: list[MeetingPublic]
    total: int
    limit: int
    offset: int


class SpeakerRename(BaseModel):
    """Body of ``PATCH /api/v1/meetings/{id}/speakers/{label}``; ``null`` or ``""`` restores the
    label."""

    name: str | None = Field(max_length=255)
