"""Registration and login."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import User
from scribe_gateway.auth.repository import UserRepository
from scribe_gateway.auth.schemas import Token, UserCreate
from scribe_gateway.auth.security import create_access_token, hash_password, verify_password
from scribe_gateway.errors import AuthenticationError, ConflictError
from scribe_gateway.platform import Platform


async def register(session: AsyncSession, data: UserCreate) -> User:
    """Create an account and commit.

    Raises:
        ConflictError: The e-mail is already registered (compared case-insensitively).
    """
    users = UserRepository(session)
    if await users.get_by_email(data.email) is not None:
        raise ConflictError(f"{data.email} is already registered")
    try:
        user = await users.add(data.email, await hash_password(data.password))
        await session.commit()
    except IntegrityError:  # registered concurrently
        await session.rollback()
        raise ConflictError(f"{data.email} is already registered") from None
    return user


async def login(platform: Platform, session: AsyncSession, email: str, password: str) -> Token:
    """Check the credentials and issue an access token.

    Raises:
        AuthenticationError: Unknown e-mail or wrong password (one message for both).
    """
    user = await UserRepository(session).get_by_email(email)
    matches = await verify_password(password, user.hashed_password if user else None)
    if user is None or not matches:
        raise AuthenticationError("incorrect e-mail or password")
    lifetime = timedelta(minutes=platform.auth.access_token_expire_minutes)
    token, _ = create_access_token(
        user.id, platform.jwt_secret, platform.auth.jwt_algorithm, lifetime
    )
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))
