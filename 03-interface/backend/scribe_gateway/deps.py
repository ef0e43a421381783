"""FastAPI dependencies as ``Annotated`` aliases, so route signatures read like prose
(fastapi/full-stack-fastapi-template ``backend/app/api/deps.py``): ``SessionDep``,
``CurrentUser``, ``PlatformDep``.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import User
from scribe_gateway.auth.security import decode_access_token
from scribe_gateway.errors import AuthenticationError
from scribe_gateway.platform import Platform

TOKEN_URL = "/api/v1/auth/token"

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


def get_platform(request: Request) -> Platform:
    """The process's :class:`Platform` (set by the lifespan)."""
    platform: Platform = request.app.state.platform
    return platform


PlatformDep = Annotated[Platform, Depends(get_platform)]


async def get_session(platform: PlatformDep) -> AsyncIterator[AsyncSession]:
    """One session per request; handlers commit, anything uncommitted is rolled back."""
    async with platform.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def get_current_user_id(
    platform: PlatformDep, token: Annotated[str | None, Depends(_bearer)]
) -> uuid.UUID:
    """The user id of a valid bearer token, without a database round trip (for reads, which
    are scoped to that id anyway).

    Raises:
        AuthenticationError: No token, or a token that does not verify or has expired.
    """
    if not token:
        raise AuthenticationError("not authenticated: send `Authorization: Bearer <token>`")
    return decode_access_token(token, platform.jwt_secret, platform.auth.jwt_algorithm)


CurrentUserId = Annotated[uuid.UUID, Depends(get_current_user_id)]


async def get_current_user(user_id: CurrentUserId, session: SessionDep) -> User:
    """The user named by the bearer token, loaded (for writes and ``/auth/me``).

    Raises:
        AuthenticationError: As :func:`get_current_user_id`, or the user no longer exists.
    """
    user = await session.get(User, user_id)
    if user is None:
        raise AuthenticationError("the user of this token no longer exists")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
