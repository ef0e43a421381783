"""API models of the webhooks endpoints and of the events they deliver."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from scribe_core.db import MeetingStatus
from scribe_core.db.models import DeliveryStatus, PersonStatus

EventType = Literal["meeting.completed", "meeting.failed", "speaker.enrolled", "speaker.failed"]
"""Events an endpoint can subscribe to."""


class WebhookCreate(BaseModel):
    """Body of ``POST /api/v1/webhooks``."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        max_length=2048,
        description="The receiver: http or https. Link-local and cloud-metadata addresses are "
        "refused; loopback and private networks follow `OUTBOUND_ALLOW_PRIVATE`.",
        examples=["http://127.0.0.1:5678/webhook/scribe"],
    )
    events: list[EventType] = Field(min_length=1, max_length=4)
    description: str | None = Field(None, max_length=255)


class WebhookPublic(BaseModel):
    """A registered endpoint (its secret is shown only when it is created)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    created_at: datetime


class WebhookCreated(WebhookPublic):
    """Answer of ``POST /api/v1/webhooks``: the endpoint and its signing secret, shown ONCE."""

    secret: str = Field(
        description="`whsec_…`: verify each delivery's `webhook-signature` with it "
        "(any Standard Webhooks library, e.g. `standardwebhooks.Webhook(secret).verify`)."
    )


class WebhookAttemptPublic(BaseModel):
    """One attempt of a delivery (``duration_ms`` in milliseconds)."""

    model_config = ConfigDict(from_attributes=True)

    attempt: int
    status_code: int | None
    duration_ms: int
    error: str | None
    created_at: datetime


class WebhookDeliveryPublic(BaseModel):
    """A delivery and its attempts, oldest first.

    ``status`` is PENDING while attempts remain (the next at ``next_attempt_at``), SUCCEEDED
    after a 2xx answer, FAILED once the retry schedule is used up.
    """

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event_type: str
    message_id: str = Field(description="The `webhook-id` header (the same on every attempt).")
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    last_duration_ms: int | None
    created_at: datetime
    completed_at: datetime | None
    attempt_log: list[WebhookAttemptPublic] = []


class CallbackSecretPublic(BaseModel):
    """The secret signing the events sent to the ``callback_url`` of your jobs."""

    model_config = ConfigDict(from_attributes=True)

    secret: str
    created_at: datetime


# -- the events (documented under "webhooks" in the OpenAPI schema) -------------------------


class MeetingEventLinks(BaseModel):
    """Absolute when the server has ``PUBLIC_URL`` (``scribe serve``: its own address),
    else paths."""

    status: str
    meeting: str
    transcript: str | None = Field(
        None, description="COMPLETED only; in the job's `output_format` (json by default)."
    )


class MeetingEventData(BaseModel):
    """``data`` of ``meeting.completed`` / ``meeting.failed``."""

    meeting_id: uuid.UUID
    task_id: str
    status: MeetingStatus
    title: str
    duration_seconds: float | None = None
    language: str | None = None
    error: str | None = None
    error_code: str | None = None
    links: MeetingEventLinks


class SpeakerEventLinks(BaseModel):
    """Link to the voice bank person."""

    person: str


class SpeakerEventData(BaseModel):
    """``data`` of ``speaker.enrolled`` / ``speaker.failed``."""

    person_id: uuid.UUID
    name: str
    status: PersonStatus
    num_samples: int
    error: str | None = None
    error_code: str | None = None
    links: SpeakerEventLinks


class MeetingEvent(BaseModel):
    """A meeting event, sent with the `webhook-id`, `webhook-timestamp` (Unix seconds) and
    `webhook-signature` (`v1,<base64 HMAC-SHA256>`) headers of Standard Webhooks."""

    type: Literal["meeting.completed", "meeting.failed"]
    timestamp: datetime
    data: MeetingEventData


class SpeakerEvent(BaseModel):
    """A voice bank enrolment event (same headers as :class:`MeetingEvent`)."""

    type: Literal["speaker.enrolled", "speaker.failed"]
    timestamp: datetime
    data: SpeakerEventData


class TestEvent(BaseModel):
    """The ping sent by ``POST /api/v1/webhooks/{id}/test``."""

    type: Literal["webhook.test"]
    timestamp: datetime
    data: dict[str, str]
