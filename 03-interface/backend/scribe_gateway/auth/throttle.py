"""Login and registration throttling, and the bound on concurrent password hashing.

Failed logins are counted per account (the e-mail, hashed) and per client address in moving
windows (``limits.aio.strategies.MovingWindowRateLimiter``): once an account has
``LOGIN_MAX_FAILURES_PER_ACCOUNT`` failures within ``LOGIN_FAILURE_WINDOW_SECONDS``, or an
address ``LOGIN_MAX_FAILURES_PER_ADDRESS``, further attempts are answered 429 with
``Retry-After`` *before* any password is hashed, even when the password is right (otherwise
the limit would still hash every guess, and answer which one was right). A successful login
clears its account's failures, not its address's. Registrations are counted per address on
every attempt. This is the account-lockout-with-backoff scheme of the OWASP Authentication
Cheat Sheet; its known cost is that someone who knows an e-mail can keep that account locked
for a window at a time.

The counters live in Redis (``async+redis://``, keys prefixed with the deployment's
``TASKIQ_QUEUE`` name) when ``REDIS_URL`` is set, so every gateway replica shares them, and in
the process's memory otherwise (the embedded default). A counter store that does not answer
does not lock everyone out: the attempt proceeds unthrottled and a warning is logged.

Argon2id costs 64 MiB and tens of milliseconds per hash, so at most
``PASSWORD_HASH_CONCURRENCY`` hashes run at once (an :class:`anyio.CapacityLimiter`); the
other requests wait for a slot and check the throttle again once they have it, so a parallel
burst gets at most ``PASSWORD_HASH_CONCURRENCY - 1`` failures past a limit (the requests that
already held a slot). The slot is taken before the user is looked up, so waiting requests hold
no database connection.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, ClassVar

import anyio
import redis.asyncio
from fastapi import Depends, Request
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from scribe_core.errors import ScribeError
from scribe_core.settings import AuthSettings, QueueSettings

logger = logging.getLogger(__name__)

REDIS_SOCKET_TIMEOUT_SECONDS = 2.0
"""Longest wait for the counter store; past it the attempt proceeds unthrottled."""


class TooManyAttemptsError(ScribeError):
    """Too many failed logins or registrations in the window (HTTP 429, ``Retry-After``).

    Args:
        detail: One sentence for the client.
        retry_after: Whole seconds until the next attempt can be counted (>= 1).
    """

    status_code = 429
    code = "too_many_attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)

    @property
    def headers(self) -> dict[str, str]:
        """``Retry-After`` in seconds (RFC 9110 §10.2.3)."""
        return {"Retry-After": str(self.retry_after)}


def address_key(host: str) -> str:
    """The address a client is counted under: its IPv4 address, an IPv6 address widened to its
    /64 (one subscriber's usual allocation; an IPv4-mapped one is its IPv4 address), the host
    string as given when it is not an IP, ``unknown`` when empty."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


async def client_address(request: Request) -> str:
    """:func:`address_key` of the request's client (uvicorn replaces the TCP peer with
    ``X-Forwarded-For`` when the peer is a trusted proxy: ``FORWARDED_ALLOW_IPS``)."""
    return address_key(request.client.host if request.client else "")


def _account_key(email: str) -> str:
    """A fixed-length key for an e-mail (the e-mail itself never reaches the counter store)."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


class AuthThrottle:
    """Moving-window counters of failed logins and registrations, plus the hashing limiter.

    Args:
        storage: The ``limits`` async storage holding the counters.
        settings: Limits and window lengths (``LOGIN_*``, ``REGISTER_*``,
            ``PASSWORD_HASH_CONCURRENCY``).
        pool: The Redis connection pool behind a Redis ``storage``, disconnected by
            :meth:`aclose` (``limits`` has no close of its own).
    """

    STATE_KEY: ClassVar[str] = "auth_throttle"
    """Attribute of ``app.state`` holding the application's instance."""

    def __init__(
        self,
        storage: Storage,
        settings: AuthSettings,
        pool: redis.asyncio.ConnectionPool | None = None,
    ) -> None:
        self.storage = storage
        self.pool = pool
        self.limiter = MovingWindowRateLimiter(storage)
        window = settings.login_failure_window_seconds
        self.account_failures: RateLimitItem = RateLimitItemPerSecond(
            settings.login_max_failures_per_account, window, namespace="login-account"
        )
        self.address_failures: RateLimitItem = RateLimitItemPerSecond(
            settings.login_max_failures_per_address, window, namespace="login-address"
        )
        self.registrations: RateLimitItem = RateLimitItemPerSecond(
            settings.register_max_per_address,
            settings.register_window_seconds,
            namespace="register-address",
        )
        self.hashing = anyio.CapacityLimiter(settings.password_hash_concurrency)

    @classmethod
    def from_settings(cls, auth: AuthSettings, queue: QueueSettings) -> AuthThrottle:
        """Counters in Redis when ``REDIS_URL`` is set, in memory otherwise.

        Args:
            auth: Limits and windows.
            queue: ``REDIS_URL`` and the queue name the Redis keys are prefixed with.
        """
        if not queue.redis_url:
            return cls(MemoryStorage(wrap_exceptions=True), auth)
        pool = redis.asyncio.ConnectionPool.from_url(
            queue.redis_url,
            socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
        )
        # redis://host/0 -> async+redis://host/0; rediss:// keeps its TLS; unix:// sockets.
        scheme, _, rest = queue.redis_url.partition("://")
        scheme = {"unix": "redis+unix"}.get(scheme, scheme)
        storage = RedisStorage(
            f"async+{scheme}://{rest}",
            implementation="redispy",
            key_prefix=f"{queue.queue_name}:throttle",
            wrap_exceptions=True,
            connection_pool=pool,  # type: ignore[arg-type]  # limits types options as scalars
        )
        return cls(storage, auth, pool)

    async def aclose(self) -> None:
        """Disconnect the Redis connections of the counters (nothing to do in memory)."""
        if self.pool is not None:
            await self.pool.disconnect()

    @classmethod
    async def of(cls, request: Request) -> AuthThrottle:
        """The application's throttle, created on first use from its platform's settings."""
        throttle: AuthThrottle | None = getattr(request.app.state, cls.STATE_KEY, None)
        if throttle is None:
            platform = request.app.state.platform
            throttle = cls.from_settings(platform.auth, platform.queue)
            setattr(request.app.state, cls.STATE_KEY, throttle)
        return throttle

    async def check_login(self, email: str, address: str) -> None:
        """Refuse a login attempt when its account or its address is over the limit.

        Raises:
            TooManyAttemptsError: Either counter is full; ``retry_after`` is when its oldest
                failure leaves the window.
        """
        for item, key, whose in (
            (self.account_failures, _account_key(email), "this account"),
            (self.address_failures, address, "this address"),
        ):
            wait = await self._wait_seconds(item, key)
            if wait is not None:
                raise TooManyAttemptsError(
                    f"too many failed sign-in attempts for {whose}; try again in {wait} s", wait
                )

    async def login_failed(self, email: str, address: str) -> None:
        """Count a failed login against its account and its address."""
        await self._hit(self.account_failures, _account_key(email))
        await self._hit(self.address_failures, address)

    async def login_succeeded(self, email: str) -> None:
        """Forget the account's failures (the address keeps its count)."""
        try:
            await self.limiter.clear(self.account_failures, _account_key(email))
        except StorageError:  # the store being down must not fail a login
            logger.warning("login throttle store unavailable; failures not cleared", exc_info=True)

    async def register_attempt(self, address: str) -> None:
        """Count a registration attempt of ``address``.

        Raises:
            TooManyAttemptsError: The address made ``REGISTER_MAX_PER_ADDRESS`` attempts in the
                window already (this one is not counted).
        """
        if not await self._hit(self.registrations, address):
            wait = await self._wait_seconds(self.registrations, address) or 1
            raise TooManyAttemptsError(
                f"too many registrations from this address; try again in {wait} s", wait
            )

    @asynccontextmanager
    async def hashing_slot(self) -> AsyncIterator[None]:
        """Hold one of the ``PASSWORD_HASH_CONCURRENCY`` password-hashing slots."""
        async with self.hashing:
            yield

    async def _wait_seconds(self, item: RateLimitItem, key: str) -> int | None:
        """Seconds until ``key`` may be counted again, ``None`` when it may be now."""
        try:
            if await self.limiter.test(item, key):
                return None
            stats = await self.limiter.get_window_stats(item, key)
        except StorageError:  # fail open: see the module docstring
            logger.warning("login throttle store unavailable; not throttling", exc_info=True)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _hit(self, item: RateLimitItem, key: str) -> bool:
        """Count one event; ``False`` when the window was already full (nothing counted)."""
        try:
            return await self.limiter.hit(item, key)
        except StorageError:  # fail open: see the module docstring
            logger.warning("login throttle store unavailable; attempt not counted", exc_info=True)
            return True


ThrottleDep = Annotated[AuthThrottle, Depends(AuthThrottle.of)]
"""The application's :class:`AuthThrottle`."""

ClientAddress = Annotated[str, Depends(client_address)]
"""The address the request is counted under (:func:`client_address`)."""
