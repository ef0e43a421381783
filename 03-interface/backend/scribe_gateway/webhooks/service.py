"""Webhooks logic: register, list and delete endpoints, read the delivery log, redeliver,
ping, and the per-user callback secret.

Nothing here sends a request: test pings and redeliveries are outbox rows
(:func:`scribe_core.webhooks.record_event`) that a worker sends
(``scribe_worker.jobs.webhooks``). Another user's endpoint behaves like a missing one (404).
"""

from __future__ import annotations

import uuid
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import utcnow
from scribe_core.db.models import (
    CallbackSecret,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from scribe_core.errors import NotFoundError
from scribe_core.outbound import OutboundPolicy, check_url
from scribe_core.webhooks import WEBHOOK_TEST, new_secret, record_event
from scribe_gateway.errors import ConflictError
from scribe_gateway.webhooks.schemas import (
    WebhookAttemptPublic,
    WebhookCreate,
    WebhookDeliveryPublic,
)

MAX_ENDPOINTS = 20
"""Endpoints one user may register."""


@lru_cache
def outbound_policy() -> OutboundPolicy:
    """The ``OUTBOUND_*`` rules of this process (read once)."""
    return OutboundPolicy.from_settings()


async def create_endpoint(
    session: AsyncSession, owner_id: uuid.UUID, data: WebhookCreate
) -> WebhookEndpoint:
    """Register an endpoint with a new ``whsec_`` secret (flushed, not committed).

    Raises:
        OutboundRefusedError: The URL is not http(s), malformed, or a refused literal address.
        ConflictError: The user already has :data:`MAX_ENDPOINTS` endpoints.
    """
    check_url(data.url, allow_private=outbound_policy().allow_private)
    count = await session.scalar(
        select(func.count())
        .select_from(WebhookEndpoint)
        .where(WebhookEndpoint.owner_id == owner_id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise ConflictError(f"you already have {MAX_ENDPOINTS} webhooks; delete one first")
    endpoint = WebhookEndpoint(
        owner_id=owner_id,
        url=data.url.strip(),
        events=list(dict.fromkeys(data.events)),
        description=data.description,
        secret=new_secret(),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def list_endpoints(session: AsyncSession, owner_id: uuid.UUID) -> list[WebhookEndpoint]:
    """The user's endpoints, oldest first."""
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.owner_id == owner_id)
        .order_by(WebhookEndpoint.created_at)
    )
    return list(rows)


async def get_endpoint(
    session: AsyncSession, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookEndpoint:
    """One of the user's endpoints.

    Raises:
        NotFoundError: No such endpoint, or not the user's.
    """
    endpoint = await session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.owner_id == owner_id
        )
    )
    if endpoint is None:
        raise NotFoundError(f"no webhook {endpoint_id}")
    return endpoint


async def delete_endpoint(
    session: AsyncSession, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> None:
    """Delete an endpoint and its deliveries (pending ones are never sent).

    Raises:
        NotFoundError: No such endpoint, or not the user's.
    """
    endpoint = await get_endpoint(session, owner_id, endpoint_id)
    await session.delete(endpoint)
    await session.flush()


async def deliveries(
    session: AsyncSession, owner_id: uuid.UUID, endpoint_id: uuid.UUID, limit: int
) -> list[WebhookDeliveryPublic]:
    """The endpoint's latest deliveries, newest first, each with its attempts.

    Raises:
        NotFoundError: No such endpoint, or not the user's.
    """
    await get_endpoint(session, owner_id, endpoint_id)
    rows = list(
        await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id)
            .limit(limit)
        )
    )
    attempts: dict[uuid.UUID, list[WebhookAttempt]] = {row.id: [] for row in rows}
    if rows:
        for attempt in await session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(list(attempts)))
            .order_by(WebhookAttempt.attempt)
        ):
            attempts[attempt.delivery_id].append(attempt)
    result = []
    for row in rows:
        public = WebhookDeliveryPublic.model_validate(row)
        public.attempt_log = [WebhookAttemptPublic.model_validate(a) for a in attempts[row.id]]
        result.append(public)
    return result


async def redeliver(
    session: AsyncSession, owner_id: uuid.UUID, endpoint_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """Queue the same event again (same ``webhook-id`` and body, new attempts) to the
    endpoint's current URL; flushed, not committed.

    Raises:
        NotFoundError: No such endpoint or delivery, or not the user's.
    """
    endpoint = await get_endpoint(session, owner_id, endpoint_id)
    original = await session.scalar(
        select(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.endpoint_id == endpoint.id
        )
    )
    if original is None:
        raise NotFoundError(f"webhook {endpoint_id} has no delivery {delivery_id}")
    copy = WebhookDelivery(
        owner_id=owner_id,
        endpoint_id=endpoint.id,
        url=endpoint.url,
        event_type=original.event_type,
        message_id=original.message_id,
        payload=original.payload,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=utcnow(),
    )
    session.add(copy)
    await session.flush()
    return copy


async def ping(
    session: AsyncSession, owner_id: uuid.UUID, endpoint_id: uuid.UUID
) -> WebhookDelivery:
    """Queue a ``webhook.test`` event to the endpoint (flushed, not committed).

    Raises:
        NotFoundError: No such endpoint, or not the user's.
    """
    endpoint = await get_endpoint(session, owner_id, endpoint_id)
    data = {"webhook_id": str(endpoint.id), "message": "test event from Smart Meeting Scribe"}
    (delivery,) = await record_event(session, owner_id, WEBHOOK_TEST, data, endpoint=endpoint)
    return delivery


async def callback_secret(
    session: AsyncSession, owner_id: uuid.UUID, *, rotate: bool = False
) -> CallbackSecret:
    """The user's callback secret, created on first use (or replaced when ``rotate``);
    flushed, not committed. Events already queued are signed with the secret current when
    they are sent."""
    row = await session.get(CallbackSecret, owner_id, with_for_update=True)
    if row is None:
        row = CallbackSecret(owner_id=owner_id, secret=new_secret(), created_at=utcnow())
        session.add(row)
    elif rotate:
        row.secret, row.created_at = new_secret(), utcnow()
    await session.flush()
    return row
