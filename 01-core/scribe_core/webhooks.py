"""Webhook events: their names, payloads and the outbox rows that carry them.

Events follow the Standard Webhooks specification (https://www.standardwebhooks.com): a JSON
body ``{"type", "timestamp", "data"}`` sent with the ``webhook-id``, ``webhook-timestamp`` and
``webhook-signature`` headers. Whoever changes a meeting or a person calls
:func:`record_event` in the SAME transaction (the transactional outbox pattern): the event is
written if and only if the change is, and a worker sends it later
(``scribe_worker.jobs.webhooks``). Nothing here does I/O besides the session.

Payload of a meeting event::

    {"type": "meeting.completed", "timestamp": "2026-11-29T19:20:00Z",
     "data": {"meeting_id": "…", "task_id": "…", "status": "COMPLETED", "title": "…",
              "links": {"status": ".../api/v1/status/{task_id}",
                        "meeting": ".../api/v1/meetings/{id}",
                        "transcript": ".../api/v1/meetings/{id}/transcript?format=json"}}}

``meeting.failed`` adds ``error`` and ``error_code`` and has no transcript link;
``speaker.enrolled`` / ``speaker.failed`` carry ``person_id``, ``name``, ``status``,
``num_samples`` (and ``error``/``error_code``) and a ``person`` link.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db.models import (
    DeliveryStatus,
    Meeting,
    MeetingStatus,
    Person,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)

MEETING_COMPLETED: Final = "meeting.completed"
MEETING_FAILED: Final = "meeting.failed"
SPEAKER_ENROLLED: Final = "speaker.enrolled"
SPEAKER_FAILED: Final = "speaker.failed"
WEBHOOK_TEST: Final = "webhook.test"
"""Sent by ``POST /api/v1/webhooks/{id}/test`` only; endpoints need not subscribe to it."""

EVENT_TYPES: Final = (MEETING_COMPLETED, MEETING_FAILED, SPEAKER_ENROLLED, SPEAKER_FAILED)
"""The events an endpoint can subscribe to."""

SECRET_PREFIX: Final = "whsec_"


def new_secret() -> str:
    """A signing secret: ``whsec_`` + base64 of 24 random bytes (the Standard Webhooks
    format, accepted as is by ``standardwebhooks.Webhook``)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def new_message_id() -> str:
    """A ``webhook-id``: ``msg_`` + 32 hex digits, unique per event."""
    return f"msg_{uuid.uuid4().hex}"


def event_body(event_type: str, data: dict[str, Any], at: datetime | None = None) -> dict[str, Any]:
    """The JSON body of an event.

    Args:
        event_type: ``meeting.completed`` …
        data: The event's data.
        at: When it happened (UTC; now when ``None``).
    """
    moment = (at or utcnow()).astimezone(UTC)
    return {
        "type": event_type,
        "timestamp": moment.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "data": data,
    }


def _link(base_url: str | None, path: str) -> str:
    return (base_url or "").rstrip("/") + path


def meeting_event(meeting: Meeting, base_url: str | None = None) -> tuple[str, dict[str, Any]]:
    """The event of a finished meeting: ``meeting.completed`` or ``meeting.failed``, and its
    data.

    Args:
        meeting: A COMPLETED or FAILED meeting.
        base_url: Prefix of the links (``PUBLIC_URL``); paths only when ``None``.

    Raises:
        ValueError: The meeting is not finished.
    """
    if meeting.status not in (MeetingStatus.COMPLETED, MeetingStatus.FAILED):
        raise ValueError(f"meeting {meeting.id} is {meeting.status}, not finished")
    fmt = meeting.output_format or "json"
    links = {
        "status": _link(base_url, f"/api/v1/status/{meeting.task_id}"),
        "meeting": _link(base_url, f"/api/v1/meetings/{meeting.id}"),
    }
    data: dict[str, Any] = {
        "meeting_id": str(meeting.id),
        "task_id": meeting.task_id,
        "status": meeting.status.value,
        "title": meeting.title,
    }
    if meeting.status is MeetingStatus.COMPLETED:
        links["transcript"] = _link(
            base_url, f"/api/v1/meetings/{meeting.id}/transcript?format={fmt}"
        )
        data["duration_seconds"] = meeting.duration_seconds
        data["language"] = meeting.language
        event = MEETING_COMPLETED
    else:
        data["error"] = meeting.error
        data["error_code"] = meeting.error_code
        event = MEETING_FAILED
    data["links"] = links
    return event, data


def person_event(person: Person, base_url: str | None = None) -> tuple[str, dict[str, Any]]:
    """The event of a finished enrolment: ``speaker.enrolled`` (READY) or ``speaker.failed``.

    Args:
        person: A voice bank person whose enrolment just ended.
        base_url: Prefix of the links; paths only when ``None``.
    """
    data: dict[str, Any] = {
        "person_id": str(person.id),
        "name": person.name,
        "status": person.status.value,
        "num_samples": person.num_samples,
        "links": {"person": _link(base_url, f"/api/v1/speakers/{person.id}")},
    }
    if person.status.value == "READY":
        return SPEAKER_ENROLLED, data
    data["error"] = person.error
    data["error_code"] = person.error_code
    return SPEAKER_FAILED, data


async def record_event(
    session: AsyncSession,
    owner_id: uuid.UUID,
    event_type: str,
    data: dict[str, Any],
    *,
    callback_url: str | None = None,
    endpoint: WebhookEndpoint | None = None,
) -> list[WebhookDelivery]:
    """Add one delivery per endpoint of ``owner_id`` subscribed to ``event_type`` (plus one to
    ``callback_url``) to the session, due now. The caller commits (same transaction as the
    change the event reports).

    Args:
        session: The caller's session.
        owner_id: The user whose event it is.
        event_type: One of :data:`EVENT_TYPES` or :data:`WEBHOOK_TEST`.
        data: The event's data.
        callback_url: A job's ``callback_url``, signed with the owner's callback secret.
        endpoint: Send to this endpoint only (a test ping), whatever it subscribes to.

    Returns:
        The new deliveries (flushed, so their ids are set), all with the same ``message_id``.
    """
    if endpoint is not None:
        endpoints = [endpoint]
    else:
        rows = await session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.owner_id == owner_id)
        )
        endpoints = [e for e in rows if event_type in e.events]
    now = utcnow()
    body = event_body(event_type, data, now)
    message_id = new_message_id()
    targets: list[tuple[uuid.UUID | None, str]] = [(e.id, e.url) for e in endpoints]
    if callback_url:
        targets.append((None, callback_url))
    deliveries = [
        WebhookDelivery(
            owner_id=owner_id,
            endpoint_id=endpoint_id,
            url=url,
            event_type=event_type,
            message_id=message_id,
            payload=body,
            status=DeliveryStatus.PENDING.value,
            attempts=0,
            next_attempt_at=now,
        )
        for endpoint_id, url in targets
    ]
    session.add_all(deliveries)
    if deliveries:
        await session.flush()
    return deliveries
