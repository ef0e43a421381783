"""FastAPI dependencies as ``Annotated`` aliases, so route signatures read like prose
(fastapi/full-stack-fastapi-template ``backend/app/api/deps.py``): ``SessionDep``,
``CurrentUser``, ``PlatformDep``.

A request authenticates with either a JWT from ``/api/v1/auth/token`` (a signed-in session:
every scope) or an API key (``sms_live_…``: the scopes it was given), sent as
``Authorization: Bearer <credential>`` or, for a key, ``X-API-Key: <key>``. Routes declare the
scope they need with :func:`require_scope`; a key without it gets 403 ``insufficient_scope``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import User
from scribe_gateway.api_keys import service as api_keys
from scribe_gateway.api_keys.schemas import SCOPE_DESCRIPTIONS, SCOPES, Scope
from scribe_gateway.auth.security import decode_access_token
from scribe_gateway.errors import AuthenticationError
from scribe_gateway.platform import Platform

TOKEN_URL = "/api/v1/auth/token"
API_KEY_HEADER = "X-API-Key"

_bearer = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    scopes=SCOPE_DESCRIPTIONS,
    auto_error=False,
    description="A JWT from `/api/v1/auth/token` (every scope), or an API key "
    "(`sms_live_…`, the scopes it was given) as `Authorization: Bearer <key>`.",
)
_api_key = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="An API key (`sms_live_…`) created with `POST /api/v1/api-keys`.",
)


async def get_platform(request: Request) -> Platform:
    """The process's :class:`Platform` (set by the lifespan).

    This and the other dependencies that do no I/O are ``async def``: FastAPI runs a plain
    ``def`` dependency in its thread pool, a thread hop (and a wait for the GIL) on every
    request, which the status polls of ``bench/bench_gateway.py --open-loop`` pay several
    times each.
    """
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_session(platform: PlatformDep) -> AsyncIterator[AsyncSession]:
    """One session per request; handlers commit, anything uncommitted is rolled back."""
    async with platform.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


@dataclass(frozen=True)
class Principal:
    """Who a request acts for.

    Attributes:
        user_id: The user.
        scopes: What it may do (all of :data:`~scribe_gateway.api_keys.schemas.SCOPES` for a
            signed-in session).
        api_key_id: The API key used, or ``None`` for a session token (JWT).
    """

    user_id: uuid.UUID
    scopes: frozenset[str]
    api_key_id: uuid.UUID | None = None


async def get_principal(
    request: Request,
    platform: PlatformDep,
    token: Annotated[str | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    """The credentials of the request, checked once per request (the result is kept on
    ``request.state``). A JWT is verified without a database round trip; an API key is looked
    up by its SHA-256 digest in a short session of its own, every time (a revoked key is
    refused at once).

    Raises:
        AuthenticationError: No credentials, a token that does not verify or has expired, an
            unknown, revoked or expired API key.
    """
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    key = api_key or (token if token and api_keys.is_api_key(token) else None)
    if key:
        async with platform.sessions() as session:
            row = await api_keys.authenticate(session, key)
            await session.commit()
        principal = Principal(row.owner_id, frozenset(row.scopes), row.id)
    elif token:
        user_id = decode_access_token(token, platform.jwt_secret, platform.auth.jwt_algorithm)
        principal = Principal(user_id, frozenset(SCOPES))
    else:
        raise AuthenticationError(
            "not authenticated: send `Authorization: Bearer <token or API key>` or "
            f"`{API_KEY_HEADER}: <API key>`"
        )
    request.state.principal = principal
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def _check_scopes(security_scopes: SecurityScopes, principal: PrincipalDep) -> Principal:
    """The principal, when it has every scope the route declares.

    Raises:
        InsufficientScopeError: A scope is missing (named in the message).
    """
    missing = [s for s in security_scopes.scopes if s not in principal.scopes]
    if missing:
        raise api_keys.InsufficientScopeError(
            f"this API key lacks the `{missing[0]}` scope needed here; create a key with it"
        )
    return principal


def require_scope(scope: Scope) -> Any:
    """A route dependency refusing credentials without ``scope`` (403 ``insufficient_scope``);
    use it as ``dependencies=[require_scope("meetings:write")]``. The scope shows in the
    route's OpenAPI security requirement."""
    return Security(_check_scopes, scopes=[scope])


async def get_current_user_id(principal: PrincipalDep) -> uuid.UUID:
    """The user id of the request's credentials (for reads, which are scoped to that id).

    Raises:
        AuthenticationError: See :func:`get_principal`.
    """
    return principal.user_id


CurrentUserId = Annotated[uuid.UUID, Depends(get_current_user_id)]


async def get_current_user(user_id: CurrentUserId, session: SessionDep) -> User:
    """The user named by the request's credentials, loaded (for writes and ``/auth/me``).

    Raises:
        AuthenticationError: As :func:`get_principal`, or the user no longer exists.
    """
    user = await session.get(User, user_id)
    if user is None:
        raise AuthenticationError("the user of this token no longer exists")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def get_session_user_id(principal: PrincipalDep) -> uuid.UUID:
    """The user id of a signed-in session (JWT); API keys are refused.

    Raises:
        AuthenticationError: See :func:`get_principal`.
        ApiKeyNotAllowedError: The request used an API key.
    """
    if principal.api_key_id is not None:
        raise api_keys.ApiKeyNotAllowedError(
            "API keys are managed from a signed-in session, not with an API key"
        )
    return principal.user_id


SessionUserId = Annotated[uuid.UUID, Depends(get_session_user_id)]
