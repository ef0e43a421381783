"""API keys: create (shown once), list, revoke, and authenticate a request's key.

A key is ``sms_live_`` followed by 32 random bytes in base64url (43 characters), so a key
pasted in a log or a repository is recognisable (and secret scanners can match the prefix).
Only its SHA-256 hex digest is stored: with 256 random bits there is nothing to guess, so a
slow password hash would buy nothing and cost a hash per request (the choice GitHub and
Stripe document for their tokens). Revoking deletes the row, so the next request with the key
is refused; nothing is cached.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import utcnow
from scribe_core.db.models import ApiKey
from scribe_core.errors import BadInputError, NotFoundError, ScribeError
from scribe_gateway.api_keys.repository import ApiKeyRepository
from scribe_gateway.api_keys.schemas import ApiKeyCreate
from scribe_gateway.errors import AuthenticationError

KEY_PREFIX = "sms_live_"
"""Every key starts with this, which is how a bearer token is told from a JWT."""
DISPLAY_CHARS = 8
"""Random characters kept in the stored display prefix (48 bits: recognisable, not usable)."""
TOUCH_INTERVAL = timedelta(seconds=60)
"""``last_used_at`` is written at most this often per key (not one write per request)."""


class InsufficientScopeError(ScribeError):
    """The API key lacks the scope the route needs (HTTP 403, RFC 6750 ``insufficient_scope``)."""

    status_code = 403
    code = "insufficient_scope"


class ApiKeyNotAllowedError(ScribeError):
    """The route takes a signed-in session only, not an API key (HTTP 403): a key cannot
    create, list or revoke keys."""

    status_code = 403
    code = "api_key_not_allowed"


def hash_key(key: str) -> str:
    """Hex SHA-256 of the whole key (64 characters)."""
    return hashlib.sha256(key.encode()).hexdigest()


def is_api_key(token: str) -> bool:
    """Whether a bearer token is an API key (by its prefix) rather than a JWT."""
    return token.startswith(KEY_PREFIX)


def generate_key() -> tuple[str, str]:
    """A new key and its display prefix (``sms_live_`` + 8 characters)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, key[: len(KEY_PREFIX) + DISPLAY_CHARS]


async def create_key(
    session: AsyncSession, owner_id: uuid.UUID, data: ApiKeyCreate
) -> tuple[ApiKey, str]:
    """Store a new key for ``owner_id`` (flushed, not committed).

    Returns:
        The row and the key itself (shown to the user this once).

    Raises:
        BadInputError: ``expires_at`` is not in the future, or the name is blank.
    """
    name = " ".join(data.name.split())
    if not name:
        raise BadInputError("name must not be blank")
    if data.expires_at is not None and data.expires_at <= utcnow():
        raise BadInputError("expires_at must be in the future")
    key, prefix = generate_key()
    row = ApiKey(
        owner_id=owner_id,
        name=name,
        prefix=prefix,
        key_hash=hash_key(key),
        scopes=sorted(set(data.scopes)),
        created_at=utcnow(),
        expires_at=data.expires_at,
    )
    return await ApiKeyRepository(session).add(row), key


async def list_keys(session: AsyncSession, owner_id: uuid.UUID) -> Sequence[ApiKey]:
    """The owner's keys, newest first."""
    return await ApiKeyRepository(session).list(owner_id)


async def revoke_key(session: AsyncSession, owner_id: uuid.UUID, key_id: uuid.UUID) -> None:
    """Delete the owner's key (flushed, not committed); it is refused from the next request.

    Raises:
        NotFoundError: No such key, or not the owner's.
    """
    repository = ApiKeyRepository(session)
    row = await repository.get(owner_id, key_id)
    if row is None:
        raise NotFoundError(f"no API key {key_id}")
    await repository.delete(row)


async def authenticate(session: AsyncSession, key: str) -> ApiKey:
    """The stored key matching ``key``; records its use (at most once a minute; the caller
    commits).

    Raises:
        AuthenticationError: Unknown (or revoked) key, or an expired one.
    """
    repository = ApiKeyRepository(session)
    row = await repository.by_hash(hash_key(key.strip()))
    if row is None:
        raise AuthenticationError("invalid or revoked API key")
    now = utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        raise AuthenticationError("this API key has expired; create a new one")
    if row.last_used_at is None or now - row.last_used_at >= TOUCH_INTERVAL:
        await repository.touch(row.id, now)
        row.last_used_at = now
    return row
