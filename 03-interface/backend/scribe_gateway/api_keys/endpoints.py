"""``/api/v1/api-keys``: create (the key shown once), list and revoke API keys.

Managed from a signed-in session only (JWT): an API key cannot mint or revoke keys.
"""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from scribe_gateway.api_keys import service
from scribe_gateway.api_keys.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyPublic
from scribe_gateway.deps import SessionDep, SessionUserId
from scribe_gateway.schemas import error_responses

router = APIRouter(prefix="/api-keys", tags=["api-keys"])


@router.post(
    "",
    response_model=ApiKeyCreated,
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 401, 403),
)
async def create_api_key(
    data: ApiKeyCreate, user_id: SessionUserId, session: SessionDep
) -> ApiKeyCreated:
    """Create a key with the given scopes (and optional expiry). The answer holds the key
    itself (`sms_live_…`): it is shown this once, only its digest is stored."""
    row, key = await service.create_key(session, user_id, data)
    await session.commit()
    return ApiKeyCreated(**ApiKeyPublic.model_validate(row).model_dump(), key=key)


@router.get("", response_model=list[ApiKeyPublic], responses=error_responses(401, 403))
async def list_api_keys(user_id: SessionUserId, session: SessionDep) -> list[ApiKeyPublic]:
    """The caller's keys, newest first: prefix, name, scopes, creation, expiry, last use."""
    return [ApiKeyPublic.model_validate(k) for k in await service.list_keys(session, user_id)]


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 403, 404),
)
async def revoke_api_key(
    key_id: uuid.UUID, user_id: SessionUserId, session: SessionDep
) -> Response:
    """Revoke a key: the next request sent with it gets 401."""
    await service.revoke_key(session, user_id, key_id)
    await session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
