"""Queries on ``meetings`` and ``meeting_speakers``, always scoped to an owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from scribe_core.db import Meeting, MeetingSpeaker, utcnow


class MeetingRepository:
    """Reads and writes meetings within one session (the caller commits).

    Every read takes the owner: another user's meeting is indistinguishable from a missing one.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, owner_id: uuid.UUID, meeting_id: uuid.UUID, *, for_update: bool = False
    ) -> Meeting | None:
        """The owner's meeting with its speakers freshly loaded, or ``None``."""
        query = (
            select(Meeting)
            .where(Meeting.id == meeting_id, Meeting.owner_id == owner_id)
            .options(selectinload(Meeting.speakers))
            .execution_options(populate_existing=True)
        )
        if for_update:
            query = query.with_for_update()
        return await self.session.scalar(query)

    async def get_by_task(self, owner_id: uuid.UUID, task_id: str) -> Meeting | None:
        """The owner's meeting whose public task id is ``task_id``, or ``None``."""
        return await self.session.scalar(
            select(Meeting).where(Meeting.task_id == task_id, Meeting.owner_id == owner_id)
        )

    async def list(self, owner_id: uuid.UUID, limit: int, offset: int) -> Sequence[Meeting]:
        """A page of the owner's meetings, newest first."""
        return (
            await self.session.scalars(
                select(Meeting)
                .where(Meeting.owner_id == owner_id)
                .order_by(Meeting.created_at.desc(), Meeting.id.desc())
                .limit(limit)
                .offset(offset)
                .options(selectinload(Meeting.speakers))
            )
        ).all()

    async def count(self, owner_id: uuid.UUID) -> int:
        """How many meetings the owner has."""
        total = await self.session.scalar(
            select(func.count()).select_from(Meeting).where(Meeting.owner_id == owner_id)
        )
        return int(total or 0)

    async def add(self, meeting: Meeting) -> Meeting:
        """Insert a meeting and flush."""
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def mark_enqueued(self, meeting_id: uuid.UUID) -> None:
        """Record that the meeting's task was sent (touches nothing the worker writes)."""
        await self.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id)
            .values(enqueued_at=utcnow())
            .execution_options(synchronize_session=False)
        )

    async def rename_speaker(
        self, meeting_id: uuid.UUID, label: str, display_name: str | None
    ) -> None:
        """Set the display name of one speaker row (inserting it when missing).

        A name other than the one the voice bank gave replaces its judgement: ``match``
        becomes ``none`` (as :meth:`scribe_core.domain.FusionDocument.rename_speaker` does).
        """
        speaker = await self.session.scalar(
            select(MeetingSpeaker).where(
                MeetingSpeaker.meeting_id == meeting_id, MeetingSpeaker.label == label
            )
        )
        if speaker is None:
            self.session.add(
                MeetingSpeaker(meeting_id=meeting_id, label=label, display_name=display_name)
            )
        else:
            if speaker.display_name != display_name:
                speaker.match = "none"
            speaker.display_name = display_name
        await self.session.flush()

    async def delete(self, meeting: Meeting) -> None:
        """Delete the meeting row (its speakers go with it)."""
        await self.session.delete(meeting)
        await self.session.flush()
