"""``/api/v1/webhooks…``: register receivers of events, read their delivery log, redeliver,
ping; ``/api/v1/webhooks/callback-secret``: the secret of your jobs' ``callback_url``. Every
route needs the ``webhooks:manage`` scope (a signed-in session has it).

:data:`events` documents the payloads sent (the ``webhooks`` section of the OpenAPI schema).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from scribe_gateway.deps import CurrentUserId, SessionDep, require_scope
from scribe_gateway.schemas import error_responses
from scribe_gateway.webhooks import service
from scribe_gateway.webhooks.schemas import (
    CallbackSecretPublic,
    MeetingEvent,
    SpeakerEvent,
    TestEvent,
    WebhookCreate,
    WebhookCreated,
    WebhookDeliveryPublic,
    WebhookPublic,
)

router = APIRouter(
    prefix="/webhooks", tags=["webhooks"], dependencies=[require_scope("webhooks:manage")]
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WebhookCreated,
    responses=error_responses(400, 401, 403, 409, 422),
)
async def create_webhook(
    data: WebhookCreate, user_id: CurrentUserId, session: SessionDep
) -> WebhookCreated:
    """Register a receiver for the given events. The answer holds its signing secret
    (`whsec_…`), shown this once."""
    endpoint = await service.create_endpoint(session, user_id, data)
    await session.commit()
    return WebhookCreated.model_validate(endpoint)


@router.get("", response_model=list[WebhookPublic], responses=error_responses(401, 403))
async def list_webhooks(user_id: CurrentUserId, session: SessionDep) -> list[WebhookPublic]:
    """Your webhooks, oldest first (without their secrets)."""
    return [WebhookPublic.model_validate(e) for e in await service.list_endpoints(session, user_id)]


@router.get(
    "/callback-secret",
    response_model=CallbackSecretPublic,
    responses=error_responses(401, 403),
)
async def get_callback_secret(user_id: CurrentUserId, session: SessionDep) -> CallbackSecretPublic:
    """The secret (`whsec_…`) signing the event sent to a job's `callback_url`; made on first
    use."""
    secret = await service.callback_secret(session, user_id)
    await session.commit()
    return CallbackSecretPublic.model_validate(secret)


@router.post(
    "/callback-secret/rotate",
    response_model=CallbackSecretPublic,
    responses=error_responses(401, 403),
)
async def rotate_callback_secret(
    user_id: CurrentUserId, session: SessionDep
) -> CallbackSecretPublic:
    """Replace the callback secret; events sent from now on are signed with the new one."""
    secret = await service.callback_secret(session, user_id, rotate=True)
    await session.commit()
    return CallbackSecretPublic.model_validate(secret)


@router.get("/{webhook_id}", response_model=WebhookPublic, responses=error_responses(401, 403, 404))
async def get_webhook(
    webhook_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> WebhookPublic:
    """One of your webhooks (without its secret)."""
    return WebhookPublic.model_validate(await service.get_endpoint(session, user_id, webhook_id))


@router.delete(
    "/{webhook_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404),
)
async def delete_webhook(
    webhook_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> Response:
    """Delete a webhook and its delivery log; nothing more is sent to it."""
    await service.delete_endpoint(session, user_id, webhook_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{webhook_id}/deliveries",
    response_model=list[WebhookDeliveryPublic],
    responses=error_responses(401, 403, 404),
)
async def list_deliveries(
    webhook_id: uuid.UUID,
    user_id: CurrentUserId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[WebhookDeliveryPublic]:
    """The delivery log: the latest deliveries, newest first, each with its attempts (status
    code, duration in milliseconds, error) and its next attempt while one is due."""
    return await service.deliveries(session, user_id, webhook_id, limit)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/redeliver",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses=error_responses(401, 403, 404),
)
async def redeliver(
    webhook_id: uuid.UUID, delivery_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> WebhookDeliveryPublic:
    """Send a past event again (same `webhook-id` and body) as a new delivery; a worker
    sends it within seconds."""
    delivery = await service.redeliver(session, user_id, webhook_id, delivery_id)
    await session.commit()
    return WebhookDeliveryPublic.model_validate(delivery)


@router.post(
    "/{webhook_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=WebhookDeliveryPublic,
    responses=error_responses(401, 403, 404),
)
async def test_webhook(
    webhook_id: uuid.UUID, user_id: CurrentUserId, session: SessionDep
) -> WebhookDeliveryPublic:
    """Queue a `webhook.test` event to this webhook; follow it in the delivery log."""
    delivery = await service.ping(session, user_id, webhook_id)
    await session.commit()
    return WebhookDeliveryPublic.model_validate(delivery)


events = APIRouter()
"""The events the platform sends (OpenAPI ``webhooks``); never served."""


@events.post("meeting.completed")
@events.post("meeting.failed")
def meeting_event(body: MeetingEvent) -> None:
    """A meeting finished (COMPLETED or FAILED). Sent to the webhooks subscribed to the event
    and to the job's `callback_url`; answer 2xx within `WEBHOOK_TIMEOUT_SECONDS`, else it is
    retried (5 attempts over about an hour by default)."""


@events.post("speaker.enrolled")
@events.post("speaker.failed")
def speaker_event(body: SpeakerEvent) -> None:
    """A voice bank enrolment ended: the person is READY (`speaker.enrolled`) or FAILED."""


@events.post("webhook.test")
def test_event(body: TestEvent) -> None:
    """The ping of `POST /api/v1/webhooks/{id}/test`."""
