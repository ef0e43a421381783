"""API models of the voice bank."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from scribe_core.db import PersonStatus


class PersonPublic(BaseModel):
    """A person of the caller's voice bank.

    ``status`` is PENDING while the worker embeds new samples, READY once a voiceprint exists,
    FAILED when no sample could be used (``error`` says why, e.g. too little speech).
    """

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    status: PersonStatus
    error: str | None
    error_code: str | None = Field(
        description="Stable machine code of `error` (`too_little_speech`, "
        "`audio_undecodable`, `no_audio_stream`, `model_unavailable`, ...; see "
        "scribe_core.errors.ErrorCode); null when there is no error.",
        examples=["too_little_speech"],
    )
    num_samples: int = Field(description="Enrolment samples stored as voiceprint points.")
    created_at: datetime
    updated_at: datetime


class SpeakerEnroll(BaseModel):
    """Enrol a meeting's speaker under a name (an existing person gets one more sample)."""

    name: str = Field(min_length=1, max_length=100)
