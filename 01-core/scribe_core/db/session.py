"""Async engine and session factory (SQLAlchemy 2: asyncpg on PostgreSQL, aiosqlite on SQLite).

One session per request or task; commit or roll back only at that boundary
(``expire_on_commit=False`` so committed objects stay readable), as in polarsource/polar
``server/polar/postgres.py``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine

from scribe_core.settings import DatabaseSettings, normalise_database_url


def create_engine(
    url: str | DatabaseSettings | None = None, *, echo: bool = False, pool_size: int = 5
) -> AsyncEngine:
    """Create the process's async engine.

    Args:
        url: A SQLAlchemy URL (plain ``postgresql://``/``sqlite://`` URLs are switched to the
            async drivers), a :class:`DatabaseSettings`, or ``None`` to read the settings from
            the environment.
        echo: Log every SQL statement (ignored when ``url`` is a settings object).
        pool_size: Connections kept open (PostgreSQL; ignored when ``url`` is a settings
            object).

    Returns:
        An engine with ``pool_pre_ping`` (a connection dropped by the server is replaced, not
        handed out). On SQLite the parent folder is created, foreign keys are enforced and the
        journal is WAL so readers do not block the writer.
    """
    if url is None or isinstance(url, DatabaseSettings):
        settings = url or DatabaseSettings()
        url, echo, pool_size = settings.url, settings.echo, settings.pool_size
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return _create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


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
