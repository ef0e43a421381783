"""Run the shared package's Alembic migrations from code or from the command line.

Usage::

    python -m scribe_core.db.migrate upgrade head      # uses DatabaseSettings
    python -m scribe_core.db.migrate downgrade base

The gateway and ``scribe serve`` call :func:`upgrade` at start-up on the embedded SQLite file
(PostgreSQL deployments migrate as a separate step).
"""

from __future__ import annotations

import argparse
import asyncio
from importlib.resources import files
from typing import Literal

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db.session import create_engine

ALEMBIC_INI = files("scribe_core.db").joinpath("alembic.ini")
"""The packaged ``alembic.ini`` (its ``script_location`` is relative to it)."""


def alembic_config(connection: Connection | None = None) -> Config:
    """The package's Alembic :class:`~alembic.config.Config`, sharing ``connection`` if given."""
    config = Config(str(ALEMBIC_INI))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _run(connection: Connection, action: Literal["upgrade", "downgrade"], revision: str) -> None:
    config = alembic_config(connection)
    if action == "upgrade":
        command.upgrade(config, revision)
    else:
        command.downgrade(config, revision)


_ADVISORY_LOCK_ID = 0x5C81BE
"""Key of the PostgreSQL advisory lock held while migrating (any constant works)."""


async def _migrate(
    engine: AsyncEngine, action: Literal["upgrade", "downgrade"], revision: str
) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Gateways and workers starting together migrate one after the other.
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_ADVISORY_LOCK_ID})"))
        await connection.run_sync(_run, action, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database behind ``engine`` to ``revision`` (default: the latest).

    Safe to call from several processes at once on PostgreSQL (an advisory lock serialises
    them; the later ones find nothing to do).
    """
    await _migrate(engine, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    """Downgrade the database behind ``engine`` to ``revision`` (default: empty)."""
    await _migrate(engine, "downgrade", revision)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point (``python -m scribe_core.db.migrate``)."""
    parser = argparse.ArgumentParser(description="Migrate the Smart Meeting Scribe database.")
    parser.add_argument("action", choices=["upgrade", "downgrade"])
    parser.add_argument("revision", nargs="?", help="target revision (head / base)")
    parser.add_argument("--url", help="database URL (default: from the environment)")
    args = parser.parse_args(argv)

    async def run() -> None:
        engine = create_engine(args.url)
        try:
            if args.action == "upgrade":
                await upgrade(engine, args.revision or "head")
            else:
                await downgrade(engine, args.revision or "base")
        finally:
            await engine.dispose()

    asyncio.run(run())


if __name__ == "__main__":
    main()
