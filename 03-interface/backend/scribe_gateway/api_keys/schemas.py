"""API models of the API-key endpoints, and the fixed set of scopes a key can carry."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal, get_args

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Scope = Literal[
    "meetings:read", "meetings:write", "speakers:read", "speakers:write", "webhooks:manage"
]
"""A permission an API key can carry; a signed-in session (JWT) has them all."""

SCOPES: tuple[str, ...] = get_args(Scope)

SCOPE_DESCRIPTIONS: dict[str, str] = {
    "meetings:read": "List meetings, read status, events, transcripts and audio",
    "meetings:write": "Upload or fetch recordings for processing, rename speakers, delete meetings",
    "speakers:read": "List the voice bank",
    "speakers:write": "Enrol, add samples to and delete voice bank people",
    "webhooks:manage": "Register, list, test and delete webhooks",
}


class ApiKeyCreate(BaseModel):
    """Body of ``POST /api/v1/api-keys``.

    ``expires_at`` is an ISO-8601 time with a zone (e.g. ``2027-01-01T00:00:00Z``); the key is
    refused from then on. Without it the key lasts until revoked.
    """

    name: str = Field(min_length=1, max_length=100, examples=["n8n on the NAS"])
    scopes: list[Scope] = Field(min_length=1, examples=[["meetings:read", "meetings:write"]])
    expires_at: AwareDatetime | None = None


class ApiKeyPublic(BaseModel):
    """An API key as listed: never the key itself, only its first characters (``prefix``)."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str = Field(description="First characters of the key, to recognise it")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None = Field(
        description="Last time the key was used (updated at most once a minute)"
    )


class ApiKeyCreated(ApiKeyPublic):
    """Answer of ``POST /api/v1/api-keys`` (HTTP 201): ``key`` is shown this once only."""

    key: str = Field(
        description="The key, shown once: send it as `Authorization: Bearer <key>` or "
        "`X-API-Key: <key>`"
    )
