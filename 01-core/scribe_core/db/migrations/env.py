"""Alembic environment: runs migrations on the async engine of the shared package.

Two ways in:
- the ``alembic`` command line: the URL comes from ``-x url=...`` or
  :class:`~scribe_core.settings.DatabaseSettings`, and an async engine is created here;
- :mod:`scribe_core.db.migrate` from running code: it passes an open connection in
  ``config.attributes["connection"]`` (the Alembic cookbook's "connection sharing" recipe).
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from scribe_core.db.models import Base, include_in_comparison
from scribe_core.db.session import create_engine
from scribe_core.settings import DatabaseSettings

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_in_comparison(connection.dialect.name),
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_configure_and_run)
            await connection.commit()
    finally:
        await engine.dispose()


def _url() -> str:
    return context.get_x_argument(as_dictionary=True).get("url") or DatabaseSettings().url


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif (shared := config.attributes.get("connection")) is not None:
    _configure_and_run(shared)
else:
    asyncio.run(_run_async(_url()))
