"""Revisions: how a person's edits of a transcript are stored, read back and undone.

The machine result, ``fusion.json``, is never rewritten once the worker stored it. Edit ``n``
(a segment's text or speaker, a rename, a merge, "not this person") stores the WHOLE edited
fusion document as the object ``{results_prefix}revisions/{n:04d}.json`` and a
``meeting_revisions`` row (number, object key, one-line summary); the meeting's ``revision``
names the latest (0: the machine result) and ``edited_at`` its time. Every reader (the JSON
transcript, SRT/VTT/TXT/RTTM, DOCX/PDF/Markdown, speaker statistics) reads the latest
(:func:`latest_key`). Reverting or re-processing deletes the revision objects and rows.

Each edit holds the meeting row locked (:meth:`MeetingRepository.lock`) from reading the
latest document to committing the new one, so two concurrent edits serialise and neither is
lost. The object is written before the commit and deleted again when the commit fails.
Objects of removed revisions are deleted after the commit that removes their rows, never
those a later edit wrote again under the same number (:func:`delete_replaced_revisions`).
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping, Sequence

import anyio
import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from scribe_core import search
from scribe_core.db import Meeting, MeetingStatus
from scribe_core.domain import FusionDocument
from scribe_core.errors import NotFoundError
from scribe_core.revisions import current_key, read_document, revision_key
from scribe_gateway.errors import ConflictError
from scribe_gateway.meetings.repository import MeetingRepository
from scribe_gateway.platform import Platform

logger = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 255
"""Longest revision summary stored (characters)."""


def machine_key(meeting: Meeting) -> str:
    """Object key of the meeting's machine result (``fusion.json``).

    Raises:
        ConflictError: The meeting is not COMPLETED (or has no stored result).
    """
    key = meeting.result_keys.get("fusion.json")
    if meeting.status is not MeetingStatus.COMPLETED or not key:
        raise ConflictError(
            f"meeting {meeting.id} is {meeting.status.value}; its transcript exists once it is "
            "COMPLETED"
        )
    return str(key)


def latest_key(meeting: Meeting) -> str:
    """Object key of the meeting's current transcript: its latest revision, else
    ``fusion.json`` (:func:`scribe_core.revisions.current_key`).

    Raises:
        ConflictError: The meeting is not COMPLETED.
    """
    machine = machine_key(meeting)
    return current_key(meeting) or machine


async def load_document(platform: Platform, key: str) -> FusionDocument:
    """The fusion document stored at ``key`` (:func:`scribe_core.revisions.read_document`).

    Raises:
        StorageError: The object store failed (``ObjectNotFoundError`` when it is gone).
    """
    return await read_document(platform.store, key)


async def locked_meeting(
    session: AsyncSession, owner_id: uuid.UUID, meeting_id: uuid.UUID
) -> Meeting:
    """The caller's meeting, locked for an edit until the session commits or rolls back.

    Raises:
        NotFoundError: No such meeting, or not the caller's.
    """
    meeting = await MeetingRepository(session).lock(owner_id, meeting_id)
    if meeting is None:
        raise NotFoundError(f"no meeting {meeting_id}")
    return meeting


def summary_line(text: str) -> str:
    """``text`` cut to :data:`MAX_SUMMARY_CHARS` characters (with ``…`` when cut)."""
    if len(text) <= MAX_SUMMARY_CHARS:
        return text
    return text[: MAX_SUMMARY_CHARS - 1] + "…"


async def load_latest(platform: Platform, meeting: Meeting) -> FusionDocument:
    """The meeting's current transcript (see :func:`latest_key`).

    Raises:
        ConflictError: The meeting is not COMPLETED.
        StorageError: The object store failed (``ObjectNotFoundError`` when it is gone).
    """
    return await load_document(platform, latest_key(meeting))


async def save_revision(
    platform: Platform,
    session: AsyncSession,
    meeting: Meeting,
    current: FusionDocument,
    edited: FusionDocument,
    summary: str,
) -> bool:
    """Store ``edited`` as the meeting's next revision and commit.

    Called under the row lock (:func:`locked_meeting`) with ``current``, the latest
    document read under that lock, and ``edited``, the result of a pure edit
    (:mod:`scribe_core.editing`). Writes ``revisions/{n:04d}.json``, adds the
    ``meeting_revisions`` row, updates ``revision``/``edited_at``, makes the speaker rows
    mirror ``edited``, replaces the search rows (:func:`scribe_core.search.index_meeting`) and
    commits, with whatever else the caller added to the session. An edit that changes nothing
    (``edited == current``) stores nothing and rolls the session back.

    Args:
        platform: Gives the object store.
        session: The request's session, the meeting locked in it.
        meeting: The locked meeting.
        current: Its latest document.
        edited: The edited document.
        summary: What changed, one line (cut to :data:`MAX_SUMMARY_CHARS`).

    Returns:
        Whether a revision was stored.

    Raises:
        StorageError: The object store failed (nothing is committed).
    """
    if edited == current:
        await session.rollback()
        return False
    number = meeting.revision + 1
    key = revision_key(meeting, number)
    body = json.dumps(edited.to_dict(), ensure_ascii=False).encode()
    await anyio.to_thread.run_sync(platform.store.put_bytes, key, body, "application/json")
    try:
        repository = MeetingRepository(session)
        await repository.add_revision(meeting, number, key, summary_line(summary))
        await repository.sync_speakers(meeting, edited)
        await search.index_meeting(session, meeting, edited)
        await session.commit()
    except BaseException:
        with anyio.CancelScope(shield=True):
            # The object goes while the row is still locked (unless the commit itself failed):
            # once the lock is released, the next edit may write the same key.
            await delete_objects(platform, [key])
            await session.rollback()
        raise
    return True


async def delete_replaced_revisions(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    replaced: Mapping[int, str],
) -> None:
    """Delete the objects of the revisions a committed revert removed (``replaced``: number →
    object key, from :meth:`MeetingRepository.delete_revisions`).

    Runs after that commit, with the meeting locked again: an edit made in between numbered
    itself from 1 again and wrote ``revisions/0001.json``… anew, so the keys numbered up to the
    meeting's current ``revision`` are that edit's and stay; only the higher ones go. The lock
    is released (rolled back, nothing changed) before returning. A failed deletion is logged
    (:func:`delete_objects`).
    """
    if not replaced:
        return
    try:
        meeting = await MeetingRepository(session).lock(owner_id, meeting_id)
        in_use = 0 if meeting is None else meeting.revision
        await delete_objects(platform, [key for n, key in replaced.items() if n > in_use])
    finally:
        with anyio.CancelScope(shield=True):
            await session.rollback()


async def delete_objects(platform: Platform, keys: Sequence[str]) -> None:
    """Delete ``keys`` from the object store, best effort: a failure is logged, not raised
    (a leftover revision object is overwritten by the next edit of that number, a leftover
    result by the next run, and everything goes with the meeting)."""
    if not keys:
        return
    try:
        await anyio.to_thread.run_sync(platform.store.delete, list(keys))
    except Exception:  # noqa: BLE001 - a leftover object is harmless (see above)
        logger.warning("could not delete %d stale object(s)", len(keys), exc_info=True)
