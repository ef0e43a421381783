"""Queries on ``users``."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core.db import User


class UserRepository:
    """Reads and writes users within one session (the caller commits)."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_by_email(self, email: str) -> User | None:
        """The user with this (lower-cased) e-mail, if any."""
        return await self.session.scalar(select(User).where(User.email == email.lower()))

    async def add(self, email: str, hashed_password: str) -> User:
        """Insert a user and flush, so its id is known."""
        user = User(email=email.lower(), hashed_password=hashed_password)
        self.session.add(user)
        await self.session.flush()
        return user
