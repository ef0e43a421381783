"""Registration and login, throttled (see :mod:`scribe_gateway.auth.throttle`)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import User
from scribe_gateway.auth.repository import UserRepository
from scribe_gateway.auth.schemas import Token, UserCreate
from scribe_gateway.auth.security import create_access_token, hash_password, verify_password
from scribe_gateway.auth.throttle import AuthThrottle
from scribe_gateway.errors import AuthenticationError, ConflictError
from scribe_gateway.platform import Platform


async def register(
    session: AsyncSession, throttle: AuthThrottle, address: str, data: UserCreate
) -> User:
    """Create an account and commit.

    Args:
        session: The request's session.
        throttle: Counts the attempt against ``address``.
        address: The client address (:func:`~scribe_gateway.auth.throttle.client_address`).
        data: E-mail and password.

    Raises:
        TooManyAttemptsError: ``address`` made ``REGISTER_MAX_PER_ADDRESS`` attempts in the
            window already.
        ConflictError: The e-mail is already registered (compared case-insensitively).
    """
    await throttle.register_attempt(address)
    users = UserRepository(session)
    # The slot is taken before the first query, so waiting requests hold no connection.
    async with throttle.hashing_slot():
        if await users.get_by_email(data.email) is not None:
            raise ConflictError(f"{data.email} is already registered")
        hashed = await hash_password(data.password)
    try:
        user = await users.add(data.email, hashed)
        await session.commit()
    except IntegrityError:  # registered concurrently
        await session.rollback()
        raise ConflictError(f"{data.email} is already registered") from None
    return user


async def login(
    platform: Platform,
    session: AsyncSession,
    throttle: AuthThrottle,
    address: str,
    email: str,
    password: str,
) -> Token:
    """Check the credentials and issue an access token.

    The throttle is checked before anything else, and again once a hashing slot is held
    (failures of the requests that went first count); a failure is counted before the slot is
    released.

    Args:
        platform: Token settings and key.
        session: The request's session.
        throttle: Failed-login counters and the hashing limiter.
        address: The client address (:func:`~scribe_gateway.auth.throttle.client_address`).
        email: The e-mail typed (any case).
        password: The password typed.

    Raises:
        TooManyAttemptsError: The account or the address has too many recent failures; the
            password is not checked, so the right one is refused too until ``Retry-After``.
        AuthenticationError: Unknown e-mail or wrong password (one message for both).
    """
    await throttle.check_login(email, address)
    # The slot is taken before the first query, so waiting requests hold no connection.
    async with throttle.hashing_slot():
        await throttle.check_login(email, address)
        user = await UserRepository(session).get_by_email(email)
        matches = await verify_password(password, user.hashed_password if user else None)
        if user is None or not matches:
            await throttle.login_failed(email, address)
            raise AuthenticationError("incorrect e-mail or password")
    await throttle.login_succeeded(email)
    lifetime = timedelta(minutes=platform.auth.access_token_expire_minutes)
    token, _ = create_access_token(
        user.id, platform.jwt_secret, platform.auth.jwt_algorithm, lifetime
    )
    return Token(access_token=token, expires_in=int(lifetime.total_seconds()))
