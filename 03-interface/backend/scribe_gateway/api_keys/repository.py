"""Queries on ``api_keys``, always scoped to an owner except the lookup by digest."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db.models import ApiKey


class ApiKeyRepository:
    """Reads and writes API keys within one session (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, key: ApiKey) -> ApiKey:
        """Insert a key and flush."""
        self.session.add(key)
        await self.session.flush()
        return key

    async def list(self, owner_id: uuid.UUID) -> Sequence[ApiKey]:
        """The owner's keys, newest first."""
        return (
            await self.session.scalars(
                select(ApiKey)
                .where(ApiKey.owner_id == owner_id)
                .order_by(ApiKey.created_at.desc(), ApiKey.id)
            )
        ).all()

    async def get(self, owner_id: uuid.UUID, key_id: uuid.UUID) -> ApiKey | None:
        """The owner's key, or ``None``."""
        return await self.session.scalar(
            select(ApiKey).where(ApiKey.id == key_id, ApiKey.owner_id == owner_id)
        )

    async def by_hash(self, key_hash: str) -> ApiKey | None:
        """The key whose SHA-256 hex digest is ``key_hash``, or ``None``."""
        return await self.session.scalar(select(ApiKey).where(ApiKey.key_hash == key_hash))

    async def touch(self, key_id: uuid.UUID, now: datetime) -> None:
        """Set ``last_used_at``."""
        await self.session.execute(
            update(ApiKey)
            .where(ApiKey.id == key_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )

    async def delete(self, key: ApiKey) -> None:
        """Delete the key row."""
        await self.session.delete(key)
        await self.session.flush()
