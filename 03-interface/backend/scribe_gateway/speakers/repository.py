"""Queries on the ``people`` table; every read takes the owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import Person


class PersonRepository:
    """Reads and writes voice bank people within one session (the caller commits).

    Another user's person is indistinguishable from a missing one.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, owner_id: uuid.UUID, person_id: uuid.UUID, *, for_update: bool = False
    ) -> Person | None:
        """The owner's person, or ``None``."""
        query = (
            select(Person)
            .where(Person.id == person_id, Person.owner_id == owner_id)
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def get_by_name(self, owner_id: uuid.UUID, name: str) -> Person | None:
        """The owner's person called ``name`` (exact match), or ``None``."""
        return await self.session.scalar(
            select(Person).where(Person.owner_id == owner_id, Person.name == name)
        )

    async def list(self, owner_id: uuid.UUID) -> Sequence[Person]:
        """The owner's people, by name."""
        result = await self.session.scalars(
            select(Person).where(Person.owner_id == owner_id).order_by(Person.name)
        )
        return result.all()

    async def add(self, person: Person) -> Person:
        """Insert ``person`` (flushed, so its defaults are set)."""
        self.session.add(person)
        await self.session.flush()
        return person

    async def delete(self, person: Person) -> None:
        """Delete ``person``."""
        await self.session.delete(person)
        await self.session.flush()
