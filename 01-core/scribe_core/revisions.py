"""Where a meeting's current transcript is stored, for every reader of it (the gateway's
transcript, exports and edits; the search index's backfill).

The worker stores the machine result as ``fusion.json`` and never rewrites it. Edit ``n`` of
the transcript (``scribe_gateway.meetings.editing``) stores the whole edited fusion document
at ``{results_prefix}revisions/{n:04d}.json``; the meeting's ``revision`` names the latest
edit, 0 while there is none.
"""

from __future__ import annotations

import json

import anyio.to_thread

from scribe_core.db import Meeting
from scribe_core.domain import FusionDocument
from scribe_core.storage import ObjectStore, results_prefix


def revision_key(meeting: Meeting, number: int) -> str:
    """Object key of edit ``number`` of ``meeting``:
    ``processed/{YYYYMMDD}/{meeting_id}/revisions/{number:04d}.json``."""
    return f"{results_prefix(meeting.id, meeting.created_at)}revisions/{number:04d}.json"


def current_key(meeting: Meeting) -> str | None:
    """Object key of the meeting's current transcript: its latest edit
    (:func:`revision_key` of ``meeting.revision``), else its machine result ``fusion.json``;
    ``None`` when it has no stored result (not COMPLETED yet, or re-processed)."""
    machine = meeting.result_keys.get("fusion.json")
    if not machine:
        return None
    return revision_key(meeting, meeting.revision) if meeting.revision else str(machine)


async def read_document(store: ObjectStore, key: str) -> FusionDocument:
    """The fusion document stored at ``key`` (read in a worker thread).

    Raises:
        StorageError: The object store failed (``ObjectNotFoundError`` when it is gone).
        ValueError, KeyError, TypeError: The object is not a fusion document.
    """
    raw = await anyio.to_thread.run_sync(store.get_bytes, key)
    return FusionDocument.from_dict(json.loads(raw))
