"""Render a :class:`~scribe_core.domain.FusionDocument` as JSON, SRT, WebVTT, TXT or RTTM.

Formats:
    - ``json``: the fusion document itself (:meth:`FusionDocument.to_dict`).
    - ``srt``: SubRip, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, one cue per utterance, the speaker
      as a ``Name: `` prefix.
    - ``vtt``: WebVTT (W3C), ``HH:MM:SS.mmm``, the speaker as a voice span ``<v Name>``.
    - ``txt``: one line per utterance, ``[hh:mm:ss] Name: text``.
    - ``rttm``: NIST RTTM, ``SPEAKER <uri> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>``,
      one line per utterance (speaker = the display name with spaces replaced by ``_``).

Every exporter reads only the fusion document, so a speaker rename shows up in all of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Final

from scribe_core.domain import FusionDocument, SpeakerTurn
from scribe_core.errors import BadInputError

FORMATS: Final = ("json", "srt", "vtt", "txt", "rttm")
"""Export formats, in the order the CLI writes them."""

MEDIA_TYPES: Final = {
    "json": "application/json",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
    "txt": "text/plain",
    "rttm": "text/plain",
}
"""HTTP media type of each format."""


def _clock(seconds: float, sep: str) -> str:
    """``HH:MM:SS<sep>mmm`` for a non-negative time in seconds."""
    ms = max(0, round(seconds * 1000))
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_json(document: FusionDocument) -> str:
    """The fusion document as pretty-printed UTF-8 JSON."""
    return json.dumps(document.to_dict(), ensure_ascii=False, indent=2) + "\n"


def to_srt(document: FusionDocument) -> str:
    """SubRip subtitles: numbered cues, ``HH:MM:SS,mmm`` times, ``Speaker: text``."""
    cues = [
        f"{i}\n{_clock(u.start, ',')} --> {_clock(u.end, ',')}\n{u.speaker}: {u.text}\n"
        for i, u in enumerate(document.segments, start=1)
    ]
    return "\n".join(cues)


def to_vtt(document: FusionDocument) -> str:
    """WebVTT subtitles with ``<v Speaker>`` voice spans and ``HH:MM:SS.mmm`` times."""
    cues = [
        f"{_clock(u.start, '.')} --> {_clock(u.end, '.')}\n<v {_vtt_escape(u.speaker)}>"
        f"{_vtt_escape(u.text)}\n"
        for u in document.segments
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_txt(document: FusionDocument) -> str:
    """Plain text, one line per utterance: ``[hh:mm:ss] Name: text``."""
    lines = []
    for u in document.segments:
        total = int(u.start)
        stamp = f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
        lines.append(f"[{stamp}] {u.speaker}: {u.text}")
    return "\n".join(lines) + ("\n" if lines else "")


def rttm_lines(turns: list[SpeakerTurn] | tuple[SpeakerTurn, ...], uri: str) -> str:
    """RTTM ``SPEAKER`` lines for speaker turns.

    Args:
        turns: Turns to write; onset and duration are printed in seconds with 3 decimals.
        uri: The recording identifier (column 2); spaces are replaced by ``_``.
    """
    uri = re.sub(r"\s+", "_", uri) or "meeting"
    out = []
    for t in turns:
        speaker = re.sub(r"\s+", "_", t.speaker)
        out.append(
            f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {speaker} <NA> <NA>"
        )
    return "\n".join(out) + ("\n" if out else "")


def to_rttm(document: FusionDocument, uri: str = "meeting") -> str:
    """RTTM, one ``SPEAKER`` line per utterance, named by the display name."""
    return rttm_lines([SpeakerTurn(u.start, u.end, u.speaker) for u in document.segments], uri)


_EXPORTERS: Final[dict[str, Callable[[FusionDocument], str]]] = {
    "json": to_json,
    "srt": to_srt,
    "vtt": to_vtt,
    "txt": to_txt,
    "rttm": to_rttm,
}


def export(document: FusionDocument, fmt: str, *, uri: str = "meeting") -> str:
    """Render ``document`` in ``fmt``.

    Args:
        document: The fusion document.
        fmt: One of :data:`FORMATS` (case-insensitive).
        uri: Recording identifier used by RTTM.

    Returns:
        The rendered text.

    Raises:
        BadInputError: ``fmt`` is not a known format.
    """
    fmt = fmt.lower()
    if fmt == "rttm":
        return to_rttm(document, uri)
    try:
        return _EXPORTERS[fmt](document)
    except KeyError:
        raise BadInputError(
            f"unknown transcript format {fmt!r}; expected one of {', '.join(FORMATS)}"
        ) from None
