"""Async engine and session factory (SQLAlchemy 2: asyncpg on PostgreSQL, aiosqlite on SQLite).

One session per request or task; commit or roll back only at that boundary
(``expire_on_commit=False`` so committed objects stay readable), as in polarsource/polar
``server/polar/postgres.py``.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from scribe_core.settings import DatabaseSettings, normalise_database_url

PING_AFTER_IDLE_SECONDS = 1.0
"""A pooled PostgreSQL connection is checked with a ping before use only when it has been
idle in the pool this long (HikariCP's ``aliveBypassWindowMs`` idea)."""


def create_engine(
    url: str | DatabaseSettings | None = None,
    *,
    echo: bool = False,
    pool_size: int = 5,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    """Create the process's async engine.

    Args:
        url: A SQLAlchemy URL (plain ``postgresql://``/``sqlite://`` URLs are switched to the
            async drivers), a :class:`DatabaseSettings`, or ``None`` to read the settings from
            the environment.
        echo: Log every SQL statement (ignored when ``url`` is a settings object).
        pool_size: Connections kept open (PostgreSQL; ignored when ``url`` is a settings
            object).
        ping_after_idle: Seconds a pooled PostgreSQL connection may sit idle before it is
            pinged on checkout (see :func:`_ping_idle_connections`).

    Returns:
        An engine whose pooled PostgreSQL connections are pinged before use once idle for
        ``ping_after_idle`` seconds (one dropped by the server meanwhile is replaced, not
        handed out). On SQLite the parent folder is created, foreign keys are enforced and
        the journal is WAL so readers do not block the writer.
    """
    if url is None or isinstance(url, DatabaseSettings):
        settings = url or DatabaseSettings()
        url, echo, pool_size = settings.url, settings.echo, settings.pool_size
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    engine = _create_async_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    _ping_idle_connections(engine, ping_after_idle)
    return engine


def _ping_idle_connections(engine: AsyncEngine, idle_seconds: float) -> None:
    """Ping a pooled connection on checkout only when it has been idle ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout, and with asyncpg outside
    autocommit its ping is three round trips (``BEGIN``, ``;``, ``ROLLBACK``): more than the
    one ``SELECT`` of a status poll. A connection back from a request a moment ago is alive;
    one idle longer (the server may have restarted or closed it) is pinged first, and one that
    fails the ping is discarded and replaced by the pool, the SQLAlchemy "pessimistic
    disconnect handling" recipe with a checkout event, as in HikariCP's
    ``aliveBypassWindowMs``.
    """
    pool = engine.sync_engine.pool
    dialect = engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("checked_in_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return  # new, or used a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("pooled connection failed its ping") from exc


def _sqlite_engine(url: str, echo: bool) -> AsyncEngine:
    path = url.split("///", 1)[1] if "///" in url else ""
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = _create_async_engine(url, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Session factory bound to ``engine`` (``expire_on_commit=False``, no autoflush surprises)."""
    return async_sessionmaker(engine, expire_on_commit=False)
