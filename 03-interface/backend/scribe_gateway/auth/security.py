"""Password hashing and access tokens.

- Passwords: Argon2id through pwdlib (``PasswordHash.recommended()``, the parameters RFC 9106
  recommends); hashing costs tens of milliseconds of CPU and 64 MiB, so it runs in a thread.
- Tokens: JWT (RFC 7519) signed with HMAC-SHA256 by python-jose; ``sub`` is the user id,
  ``exp``/``iat`` are seconds since the epoch. ``exp`` and ``sub`` are required: a token
  without an expiry is refused even when its signature is right.
- How many hashes run at once is bounded by the caller
  (:meth:`scribe_gateway.auth.throttle.AuthThrottle.hashing_slot`).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import anyio.to_thread
from jose import ExpiredSignatureError, JWTError, jwt
from pwdlib import PasswordHash

from scribe_gateway.errors import AuthenticationError

_DECODE_OPTIONS = {"require_exp": True, "require_sub": True}
"""python-jose claim checks beyond the defaults (which verify ``exp`` only when present)."""


@lru_cache
def _hasher() -> PasswordHash:
    return PasswordHash.recommended()


@lru_cache
def _dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown (same time as a real check)."""
    return _hasher().hash("not-a-real-password")


async def hash_password(password: str) -> str:
    """Argon2id hash of ``password`` (PHC string format)."""
    return await anyio.to_thread.run_sync(_hasher().hash, password)


async def verify_password(password: str, hashed: str | None) -> bool:
    """Whether ``password`` matches ``hashed``; ``None`` checks a dummy hash and fails, so an
    unknown e-mail takes as long as a wrong password."""
    target = hashed if hashed is not None else _dummy_hash()
    ok = await anyio.to_thread.run_sync(_hasher().verify, password, target)
    return bool(ok) and hashed is not None


def create_access_token(
    user_id: uuid.UUID, secret: str, algorithm: str, expires_in: timedelta
) -> tuple[str, datetime]:
    """A signed access token for ``user_id``.

    Returns:
        The compact JWT and its expiry time (UTC).
    """
    now = datetime.now(UTC)
    expires_at = now + expires_in
    claims = {"sub": str(user_id), "iat": now, "exp": expires_at, "type": "access"}
    return jwt.encode(claims, secret, algorithm=algorithm), expires_at


def decode_access_token(token: str, secret: str, algorithm: str) -> uuid.UUID:
    """The user id of a valid access token.

    Raises:
        AuthenticationError: The token is malformed, signed with another key or algorithm,
            expired, without ``exp`` or ``sub``, or not an access token.
    """
    try:
        claims = jwt.decode(token, secret, algorithms=[algorithm], options=_DECODE_OPTIONS)
    except ExpiredSignatureError:
        raise AuthenticationError("the access token has expired; get a new one") from None
    except JWTError:
        raise AuthenticationError("invalid access token") from None
    if claims.get("type") != "access":
        raise AuthenticationError("invalid access token")
    try:
        return uuid.UUID(str(claims.get("sub")))
    except ValueError:
        raise AuthenticationError("invalid access token") from None
