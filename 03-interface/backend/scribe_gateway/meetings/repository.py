"""Queries on ``meetings``, ``meeting_speakers``, ``meeting_revisions`` and
``speaker_rejections``, always scoped to an owner."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from scribe_core.db import Meeting, MeetingSpeaker, utcnow
from scribe_core.db.models import MeetingRevision, SpeakerRejection
from scribe_core.domain import FusionDocument


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

    async def lock(self, owner_id: uuid.UUID, meeting_id: uuid.UUID) -> Meeting | None:
        """The owner's meeting, locked until the transaction ends, or ``None``.

        Concurrent edits of one meeting run one after the other: a no-op ``UPDATE`` of the
        row comes first (PostgreSQL: the row lock; SQLite, which has no ``FOR UPDATE``: the
        database write lock, taken before anything is read, so the second edit waits and then
        reads what the first committed), then the row is read ``FOR UPDATE`` with its
        speakers.
        """
        result = await self.session.execute(
            update(Meeting)
            .where(Meeting.id == meeting_id, Meeting.owner_id == owner_id)
            .values(revision=Meeting.revision)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            return None
        return await self.get(owner_id, meeting_id, for_update=True)

    async def sync_speakers(self, meeting: Meeting, document: FusionDocument) -> None:
        """Make the meeting's speaker rows mirror ``document.speakers``: display name, match
        and similarity of each label; rows of labels the document lacks are deleted (merged
        speakers), missing ones inserted (speakers restored by a revert)."""
        rows = {
            s.label: s
            for s in await self.session.scalars(
                select(MeetingSpeaker).where(MeetingSpeaker.meeting_id == meeting.id)
            )
        }
        wanted = {s.label: s for s in document.speakers}
        for label, row in rows.items():
            if label not in wanted:
                await self.session.delete(row)
        for label, identity in wanted.items():
            row = rows.get(label) or MeetingSpeaker(meeting_id=meeting.id, label=label)
            self.session.add(row)
            row.display_name = identity.name
            row.match = identity.match
            row.similarity = identity.similarity
        await self.session.flush()

    async def add_revision(
        self, meeting: Meeting, number: int, document_key: str, summary: str
    ) -> MeetingRevision:
        """Record edit ``number`` and make it the meeting's latest (``revision``,
        ``edited_at``)."""
        revision = MeetingRevision(
            meeting_id=meeting.id, number=number, document_key=document_key, summary=summary
        )
        self.session.add(revision)
        meeting.revision = number
        meeting.edited_at = revision.created_at = utcnow()
        await self.session.flush()
        return revision

    async def revisions(self, meeting_id: uuid.UUID) -> Sequence[MeetingRevision]:
        """The meeting's edits, oldest first."""
        return (
            await self.session.scalars(
                select(MeetingRevision)
                .where(MeetingRevision.meeting_id == meeting_id)
                .order_by(MeetingRevision.number)
            )
        ).all()

    async def delete_revisions(self, meeting: Meeting) -> dict[int, str]:
        """Forget every edit (back to the machine result: ``revision`` 0, no ``edited_at``);
        returns the object key of each edited document by revision number, for the caller to
        delete once committed."""
        keys = {r.number: r.document_key for r in await self.revisions(meeting.id)}
        await self.session.execute(
            delete(MeetingRevision).where(MeetingRevision.meeting_id == meeting.id)
        )
        meeting.revision = 0
        meeting.edited_at = None
        await self.session.flush()
        return keys

    async def add_rejection(self, meeting_id: uuid.UUID, person_name: str) -> None:
        """Record that the meeting's speakers are not ``person_name`` (once per name)."""
        exists = await self.session.scalar(
            select(SpeakerRejection.id).where(
                SpeakerRejection.meeting_id == meeting_id,
                SpeakerRejection.person_name == person_name,
            )
        )
        if exists is None:
            self.session.add(SpeakerRejection(meeting_id=meeting_id, person_name=person_name))
            await self.session.flush()

    async def rejected_names(self, meeting_id: uuid.UUID) -> tuple[str, ...]:
        """Names rejected in the meeting ("not this person"), sorted."""
        return tuple(
            await self.session.scalars(
                select(SpeakerRejection.person_name)
                .where(SpeakerRejection.meeting_id == meeting_id)
                .order_by(SpeakerRejection.person_name)
            )
        )

    async def delete_rejections(self, meeting_id: uuid.UUID) -> None:
        """Forget the meeting's rejected names."""
        await self.session.execute(
            delete(SpeakerRejection).where(SpeakerRejection.meeting_id == meeting_id)
        )

    async def delete_speakers(self, meeting_id: uuid.UUID) -> None:
        """Delete the meeting's speaker rows (a re-processed meeting gets new ones)."""
        await self.session.execute(
            delete(MeetingSpeaker).where(MeetingSpeaker.meeting_id == meeting_id)
        )

    async def delete(self, meeting: Meeting) -> None:
        """Delete the meeting row (its speakers go with it)."""
        await self.session.delete(meeting)
        await self.session.flush()
