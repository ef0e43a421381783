"""The engine's pooled PostgreSQL connections: pinged on checkout only after being idle
(``scribe_core.db.session._ping_idle_connections``), and a connection the server dropped
meanwhile is replaced instead of failing the request. Real PostgreSQL server."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import create_engine


def _count_pings(engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Record each ping the dialect sends (the real ping still runs)."""
    pings: list[object] = []
    dialect = engine.sync_engine.dialect
    real_ping = dialect.do_ping

    def counting_ping(dbapi_connection: object) -> bool:
        pings.append(dbapi_connection)
        return bool(real_ping(dbapi_connection))

    monkeypatch.setattr(dialect, "do_ping", counting_ping)
    return pings


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def test_a_connection_reused_within_the_idle_window_is_not_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_url, pool_size=1, ping_after_idle=3600)
    pings = _count_pings(engine, monkeypatch)
    try:
        pids = {await _backend_pid(engine) for _ in range(5)}
    finally:
        await engine.dispose()
    assert len(pids) == 1  # the same pooled connection every time
    assert pings == []


async def test_an_idle_connection_is_pinged_and_replaced_when_the_server_dropped_it(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = create_engine(postgres_url, pool_size=1, ping_after_idle=0)
    admin = create_engine(postgres_url, pool_size=1)
    pings = _count_pings(engine, monkeypatch)
    try:
        first = await _backend_pid(engine)
        assert await _backend_pid(engine) == first  # alive: pinged, kept
        assert len(pings) == 1
        async with admin.connect() as connection:
            killed = await connection.execute(
                text("SELECT pg_terminate_backend(:pid)"), {"pid": first}
            )
            assert killed.scalar_one() is True
        # The pooled connection is dead: its ping fails, the pool opens a new one and the
        # query runs on it instead of raising.
        second = await _backend_pid(engine)
    finally:
        await engine.dispose()
        await admin.dispose()
    assert second != first
    assert len(pings) == 2
