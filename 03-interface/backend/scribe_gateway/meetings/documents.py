"""Meeting minutes downloads (DOCX, PDF, Markdown) and speaker statistics in the detail.

``GET /api/v1/meetings/{id}/transcript?format=docx|pdf|md`` renders the meeting's current
fusion document (its latest revision, else the machine result: see
:func:`scribe_gateway.meetings.service.load_result`) with :mod:`scribe_core.documents` in a
worker thread (a PDF of an hour-long meeting is CPU work the event loop must not wait on) and
answers it as an attachment named after the meeting's title, encoded per RFC 6266 /
RFC 8187 (``filename*=UTF-8''…``) with an ASCII ``filename=`` fallback for old clients.

``GET /api/v1/meetings/{id}`` adds each speaker's talk time, turns, words, words per minute
and share, computed from the current fusion document by
:func:`scribe_core.documents.speaker_statistics` (one object-store read per request).
"""

from __future__ import annotations

import logging
import re
import unicodedata
import uuid
from typing import Final
from urllib.parse import quote

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from scribe_core.db import Meeting, MeetingStatus
from scribe_core.documents import FORMATS, MEDIA_TYPES, render, speaker_statistics
from scribe_core.errors import ScribeError
from scribe_core.exporters import one_line
from scribe_gateway.meetings import service
from scribe_gateway.meetings.schemas import MeetingPublic
from scribe_gateway.platform import Platform

logger = logging.getLogger(__name__)

__all__ = ["FORMATS", "MEDIA_TYPES", "content_disposition", "minutes_response", "with_statistics"]

MAX_FILENAME_CHARS: Final = 120
"""Longest file name stem offered (characters, before the extension)."""

_NOT_IN_FILENAMES: Final = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
"""Characters Windows, macOS or Linux refuse in a file name (and controls)."""


def download_stem(title: str) -> str:
    """A file name stem for ``title``: one line, no ``\\ / : * ? " < > |`` (each run becomes
    ``_``), no leading or trailing dots or spaces, at most :data:`MAX_FILENAME_CHARS`
    characters; ``meeting`` when nothing is left. Accents and other letters stay."""
    stem = _NOT_IN_FILENAMES.sub("_", one_line(title)).strip(" ._")
    return stem[:MAX_FILENAME_CHARS].rstrip(" .") or "meeting"


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """A ``Content-Disposition`` value naming ``filename`` (RFC 6266 §4.3).

    ``filename*`` carries the exact name as ``UTF-8''`` followed by the percent-encoded UTF-8
    bytes (RFC 8187, formerly RFC 5987); ``filename`` carries an ASCII fallback (accents
    stripped by NFKD decomposition, other non-ASCII characters and quotes replaced with
    ``_``) for
    clients that do not read ``filename*``.

    Args:
        filename: The file name, any Unicode (no path).
        disposition: ``attachment`` (download) or ``inline``.

    Returns:
        e.g. ``attachment; filename="Reunion.pdf"; filename*=UTF-8''R%C3%A9union.pdf``.
    """
    decomposed = unicodedata.normalize("NFKD", filename)
    ascii_name = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_name = re.sub(r"[^A-Za-z0-9 !#$&+,.;=@^_`{}~()\[\]-]", "_", ascii_name) or "download"
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


async def minutes_response(
    platform: Platform,
    session: AsyncSession,
    owner_id: uuid.UUID,
    meeting_id: uuid.UUID,
    fmt: str,
) -> Response:
    """The caller's meeting minutes as a downloadable DOCX, PDF or Markdown file.

    The document shows the meeting's title, its upload date (``created_at``, UTC), duration
    and language, the participants with their statistics, then the transcript.

    Args:
        fmt: One of :data:`scribe_core.documents.FORMATS`.

    Raises:
        NotFoundError: No such meeting, or not the caller's.
        ConflictError: The meeting is not COMPLETED.
        BadInputError: Unknown format.
        FontUnavailableError: PDF asked and the server lacks its font (503).
        StorageError: The object store failed.
    """
    meeting = await service.get_meeting(session, owner_id, meeting_id)
    document = await service.load_result(platform, meeting)
    title, created_at = meeting.title or meeting.original_filename, meeting.created_at
    body = await anyio.to_thread.run_sync(
        lambda: render(document, fmt, title=title, date=created_at)
    )
    fmt = fmt.lower()
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(f"{download_stem(title)}.{fmt}")},
    )


async def with_statistics(platform: Platform, meeting: Meeting) -> MeetingPublic:
    """``meeting`` as the API shows it, each speaker with its statistics once COMPLETED.

    Fills ``talk_time_seconds``, ``turns``, ``words``, ``words_per_minute`` and
    ``talk_share`` of every speaker found in the fusion document (see
    :class:`scribe_core.documents.SpeakerStatistics`). They stay ``null`` before completion,
    and when the stored result cannot be read: the detail still answers (the transcript
    endpoint reports that failure), and the reason goes to the server log.
    """
    public = MeetingPublic.model_validate(meeting)
    if meeting.status is not MeetingStatus.COMPLETED or not public.speakers:
        return public
    try:
        document = await service.load_result(platform, meeting)
    except (ScribeError, ValueError, KeyError, TypeError) as exc:
        logger.warning("no speaker statistics for meeting %s: %r", meeting.id, exc)
        return public
    stats = {s.label: s for s in speaker_statistics(document)}
    for speaker in public.speakers:
        s = stats.get(speaker.label)
        if s is None:
            continue
        speaker.talk_time_seconds = round(s.talk_time, 3)
        speaker.turns = s.turns
        speaker.words = s.words
        wpm = s.words_per_minute
        speaker.words_per_minute = None if wpm is None else round(wpm, 1)
        speaker.talk_share = round(s.share, 4)
    return public
