"""The webhook sender: sends the outbox rows (:class:`~scribe_core.db.models.WebhookDelivery`)
that are due, signs them per the Standard Webhooks specification with the ``standardwebhooks``
library, logs every attempt and retries on the configured schedule.

Runs in every worker process (the Taskiq worker and ``scribe serve``), never inside a request:
:func:`run_dispatcher` looks for due deliveries every ``WEBHOOK_POLL_INTERVAL_SECONDS``. A
delivery is *claimed* before it is sent (a conditional UPDATE moves its ``next_attempt_at``
past the send timeout), so two workers never send the same attempt; a worker that dies mid-send
leaves it due again once that time has passed (at-least-once delivery: receivers deduplicate on
``webhook-id``, which is the same on every attempt).

Outcome of an attempt:
- a 2xx answer → SUCCEEDED;
- anything else (another status, a redirect, a timeout, no connection, a refused address)
  → retried after the next delay of ``WEBHOOK_RETRY_SCHEDULE_SECONDS``, FAILED once the
  schedule is used up.

Requests go through :mod:`scribe_core.outbound` (address rules checked at every attempt, the
connection pinned to the checked address, no redirect followed, connect/read timeouts, at most
64 KiB of the answer read).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from scribe_core.db.models import (
    CallbackSecret,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from scribe_core.errors import ScribeError
from scribe_core.outbound import OutboundPolicy, create_client, iter_limited, open_request
from scribe_core.settings import WebhookSettings

logger = logging.getLogger(__name__)

MAX_ANSWER_BYTES = 64 * 1024
"""Bytes of a receiver's answer that are read (and discarded)."""
USER_AGENT = "SmartMeetingScribe-Webhooks/1"
BATCH = 50
"""Deliveries claimed (and sent concurrently) per round."""


@dataclass(frozen=True)
class AttemptResult:
    """What one attempt got.

    Attributes:
        status_code: The receiver's HTTP status, ``None`` when it did not answer.
        duration_ms: Milliseconds from sending to the answer or the failure.
        error: Why it failed (one sentence), ``None`` on a 2xx.
    """

    status_code: int | None
    duration_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        """Whether the receiver accepted the event (a 2xx)."""
        return self.error is None


def sign(secret: str, message_id: str, body: str, at: float) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt.

    Args:
        secret: ``whsec_…`` signing secret.
        message_id: ``webhook-id``.
        body: The exact JSON text sent.
        at: Unix time of the attempt (seconds; ``webhook-timestamp``).

    Returns:
        ``webhook-id``, ``webhook-timestamp``, ``webhook-signature`` (``v1,<base64 HMAC-SHA256
        of "id.timestamp.body">``, computed by ``standardwebhooks.Webhook.sign``) and the
        content type.
    """
    moment = datetime.fromtimestamp(int(at), tz=UTC)
    signature = Webhook(secret).sign(message_id, moment, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at)),
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


async def send_once(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    message_id: str,
    body: str,
    policy: OutboundPolicy,
    timeout: float,
) -> AttemptResult:
    """POST one signed event to ``url`` and report what happened (never raises for an
    expected failure).

    Args:
        client: From :func:`scribe_core.outbound.create_client`.
        url: The receiver.
        secret: Signing secret.
        message_id: ``webhook-id``.
        body: JSON text.
        policy: Address rules and connect timeout.
        timeout: Seconds the receiver has to answer.
    """
    started = time.monotonic()
    headers = sign(secret, message_id, body, time.time())
    try:
        async with open_request(
            client, "POST", url, policy, headers=headers, content=body.encode(),
            read_timeout=timeout,
        ) as response:  # fmt: skip
            async for _ in iter_limited(response, MAX_ANSWER_BYTES):
                pass
            status = response.status_code
    except ScribeError as exc:  # refused address, no connection, timeout, oversized answer
        return AttemptResult(None, _elapsed_ms(started), exc.detail)
    except Exception:  # noqa: BLE001 - a bug must not stop the delivery log
        logger.exception("webhook %s to %s failed unexpectedly", message_id, url)
        return AttemptResult(None, _elapsed_ms(started), "internal error while sending")
    elapsed = _elapsed_ms(started)
    if 200 <= status < 300:
        return AttemptResult(status, elapsed, None)
    return AttemptResult(status, elapsed, f"the receiver answered HTTP {status}")


def _elapsed_ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


async def _secret_of(session: AsyncSession, delivery: WebhookDelivery) -> str | None:
    if delivery.endpoint_id is not None:
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id)
        return None if endpoint is None else endpoint.secret
    row = await session.get(CallbackSecret, delivery.owner_id)
    return None if row is None else row.secret


async def _claim_due(
    sessions: async_sessionmaker[AsyncSession], hold: timedelta, limit: int
) -> list[uuid.UUID]:
    """Ids of due deliveries this worker now holds (their ``next_attempt_at`` moved by
    ``hold``)."""
    now = utcnow()
    claimed: list[uuid.UUID] = []
    async with sessions() as session:
        due = (
            await session.execute(
                select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
                .where(
                    WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    WebhookDelivery.next_attempt_at <= now,
                )
                .order_by(WebhookDelivery.next_attempt_at)
                .limit(limit)
            )
        ).all()
        for delivery_id, due_at in due:
            result = await session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == DeliveryStatus.PENDING.value,
                    WebhookDelivery.next_attempt_at == due_at,
                )
                .values(next_attempt_at=now + hold)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                claimed.append(delivery_id)
        await session.commit()
    return claimed


async def deliver(
    sessions: async_sessionmaker[AsyncSession],
    delivery_id: uuid.UUID,
    client: httpx.AsyncClient,
    policy: OutboundPolicy,
    settings: WebhookSettings,
) -> DeliveryStatus | None:
    """Make the next attempt of one claimed delivery and record it.

    Returns:
        The delivery's new status, or ``None`` when it (or its endpoint) is gone.
    """
    async with sessions() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        if delivery is None:
            return None
        secret = await _secret_of(session, delivery)
        url, message_id, payload = delivery.url, delivery.message_id, delivery.payload
        attempt = delivery.attempts + 1
    if secret is None:
        result = AttemptResult(
            None, 0, "no signing secret: the endpoint or callback secret is gone"
        )
    else:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        result = await send_once(
            client, url, secret, message_id, body, policy, settings.timeout_seconds
        )
    now = utcnow()
    schedule = settings.retry_schedule_seconds
    if result.ok:
        status, next_at = DeliveryStatus.SUCCEEDED, None
    elif attempt <= len(schedule) and secret is not None:
        status, next_at = DeliveryStatus.PENDING, now + timedelta(seconds=schedule[attempt - 1])
    else:
        status, next_at = DeliveryStatus.FAILED, None
    async with sessions() as session:
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None:
            return None
        delivery.attempts = attempt
        delivery.status = status.value
        delivery.next_attempt_at = next_at
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        delivery.last_duration_ms = result.duration_ms
        if status is not DeliveryStatus.PENDING:
            delivery.completed_at = now
        session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempt=attempt,
                status_code=result.status_code,
                duration_ms=result.duration_ms,
                error=result.error,
                created_at=now,
            )
        )
        await session.commit()
    log = logger.info if result.ok else logger.warning
    log(
        "webhook %s %s attempt %d: %s", delivery_id, message_id, attempt,
        result.error or f"HTTP {result.status_code}",
    )  # fmt: skip
    return status


async def deliver_due(
    sessions: async_sessionmaker[AsyncSession],
    client: httpx.AsyncClient,
    policy: OutboundPolicy,
    settings: WebhookSettings,
    *,
    limit: int = 0,
) -> int:
    """Claim the deliveries that are due and send them concurrently.

    Returns:
        How many attempts were made.
    """
    hold = timedelta(seconds=settings.timeout_seconds + policy.connect_timeout + 60)
    claimed = await _claim_due(sessions, hold, limit or BATCH)
    if claimed:
        await asyncio.gather(
            *(deliver(sessions, i, client, policy, settings) for i in claimed),
            return_exceptions=False,
        )
    return len(claimed)


async def run_dispatcher(
    sessions: async_sessionmaker[AsyncSession],
    settings: WebhookSettings | None = None,
    policy: OutboundPolicy | None = None,
) -> None:
    """Send due deliveries every ``WEBHOOK_POLL_INTERVAL_SECONDS`` until cancelled (a failed
    round is logged and tried again at the next interval).

    Args:
        sessions: Session factory of the worker.
        settings: Webhook settings (from the environment when ``None``).
        policy: Outbound rules (``OUTBOUND_*`` from the environment when ``None``).
    """
    settings = settings or WebhookSettings()
    policy = policy or OutboundPolicy.from_settings()
    async with create_client() as client:
        while True:
            try:
                while await deliver_due(sessions, client, policy, settings) >= BATCH:
                    pass  # a full batch: more may be due
            except Exception:  # noqa: BLE001 - the next round tries again
                logger.exception("webhook delivery round failed")
            await asyncio.sleep(settings.poll_interval_seconds)


@lru_cache
def public_base_url() -> str | None:
    """``PUBLIC_URL``: the prefix of the links in event payloads (read once; ``None``: paths)."""
    return WebhookSettings().public_url or None
