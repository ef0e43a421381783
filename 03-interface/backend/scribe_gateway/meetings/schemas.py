"""API models of the meetings endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

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
    revision: int = Field(
        default=0,
        description="Number of the latest edit of the transcript (see "
        "`GET /api/v1/meetings/{id}/revisions`); 0 while it is the machine result.",
    )
    edited_at: datetime | None = Field(
        default=None, description="When the latest edit was made (UTC); null when unedited."
    )
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


class MeetingUpdate(BaseModel):
    """Body of ``PATCH /api/v1/meetings/{id}``: the meeting's new title (one line of visible
    text; whitespace runs become one space). Metadata only: no revision is made."""

    title: str = Field(max_length=255, examples=["Weekly sync"])


SpeakerLabel = Annotated[str, Field(min_length=1, max_length=64, examples=["SPEAKER_00"])]
"""A diarization speaker label as the transcript's ``speaker_label`` shows it."""


class SegmentEdit(BaseModel):
    """Body of ``PATCH /api/v1/meetings/{id}/segments/{index}``: at least one of ``text``
    and ``speaker``.

    ``text`` replaces the segment's text (one line, control characters refused, whitespace
    runs made one space). Word timings are kept where words are unchanged: old and new words
    are aligned with ``difflib.SequenceMatcher``; an unchanged word keeps its start, end and
    probability; words that replace others share evenly the time span of the words they
    replace; words inserted between words are a zero-length point at the boundary (the end of
    the word before); deleted words disappear; typed words get probability 1.0; the segment's
    start and end become its first word's start and last word's end.

    ``speaker`` gives the segment to another speaker label of the transcript (its
    ``speaker_label`` and ``speaker``, the display name, change; the diarization turns do
    not).
    """

    text: str | None = Field(default=None, max_length=10_000, examples=["Hello, everyone."])
    speaker: SpeakerLabel | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> SegmentEdit:
        if self.text is None and self.speaker is None:
            raise ValueError("give the segment's new `text`, its new `speaker`, or both")
        return self


class SpeakerMerge(BaseModel):
    """Body of ``POST /api/v1/meetings/{id}/speakers/merge``: every segment and diarization
    turn of the ``from`` labels goes to ``into``; the ``from`` speakers disappear (``from`` is
    ``sources`` in Python, a reserved word there)."""

    sources: list[SpeakerLabel] = Field(
        alias="from", min_length=1, max_length=64, examples=[["SPEAKER_01"]]
    )
    into: SpeakerLabel


class RevisionPublic(BaseModel):
    """One edit of a transcript."""

    model_config = ConfigDict(from_attributes=True)

    number: int = Field(description="1 for the first edit, then consecutive.")
    summary: str = Field(
        description="What changed, one line, e.g. `segment 3: text` (segments are numbered "
        "from 0), `speaker SPEAKER_00: renamed to Diane`, `speakers SPEAKER_01 merged into "
        "SPEAKER_00`, `speaker SPEAKER_00: not Diane`.",
    )
    created_at: datetime


class RevisionList(BaseModel):
    """Answer of ``GET /api/v1/meetings/{id}/revisions``: the edits, oldest first."""

    items: list[RevisionPublic]
    current: int = Field(
        description="The revision the transcript shows: 0 for the machine result, else the "
        "last item's number."
    )


class ReprocessRequest(BaseModel):
    """Body of ``POST /api/v1/meetings/{id}/reprocess`` (may be empty: ``{}``).

    A field left out keeps the meeting's option; ``null`` clears it (``language``: ``auto``
    or ``null`` detects it). Checked like an upload's options (400 when invalid); an exact
    ``num_speakers`` replaces kept bounds, and a bound replaces a kept exact count.
    """

    language: str | None = Field(
        default=None, max_length=16, description="ISO-639-1 code to force (`fr`), or `auto`."
    )
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None

    def changes(self) -> dict[str, str | int | None]:
        """The options the request gives (those it left out are absent)."""
        return {name: getattr(self, name) for name in self.model_fields_set}
