"""Render a :class:`~scribe_core.domain.FusionDocument` as JSON, SRT, WebVTT, TXT or RTTM.

Formats:
    - ``json``: the fusion document itself (:meth:`FusionDocument.to_dict`), one segment
      per paragraph.
    - ``srt``: SubRip, ``HH:MM:SS,mmm --> HH:MM:SS,mmm``, the speaker as a ``Name: `` prefix.
    - ``vtt``: WebVTT (W3C), ``HH:MM:SS.mmm``, the speaker as a voice span ``<v Name>``.
    - ``txt``: one line per paragraph, ``[hh:mm:ss] Name: text``.
    - ``rttm``: NIST RTTM, ``SPEAKER <uri> 1 <onset> <duration> <NA> <NA> <speaker> <NA> <NA>``,
      one line per diarization turn, overlapped speech kept (speaker = the display name with
      spaces replaced by ``_``).

SRT and WebVTT split each paragraph into cues that respect :class:`SubtitleLimits` (at the
word boundaries, with the word timings); both formats get the same cues.

Every exporter reads only the fusion document, so a speaker rename shows up in all of them.

No stored text can break a format, including documents written before names were checked:
SRT, WebVTT, TXT and RTTM put every name and text through :func:`one_line` (line breaks and
control characters become spaces), SRT turns ``-->`` into ``->``, WebVTT escapes ``&``, ``<``
and ``>`` (so ``-->`` cannot appear in a cue, W3C WebVTT §4.2.2), and RTTM writes names with
``_`` for whitespace.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from scribe_core.domain import FusionDocument, SpeakerTurn, Utterance, Word
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


_LINE_BREAKING: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Unicode Cc (C0 and C1 controls: CR, LF, NEL, tab, NUL, ESC …), LINE SEPARATOR and
PARAGRAPH SEPARATOR: each becomes a space."""
_INVISIBLE: Final = re.compile(r"[\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
"""Bidirectional embedding, override and isolate controls (they can make a line display in
another order than it reads) and lone surrogates (not encodable in UTF-8): removed. Other
format characters stay: ZWJ / ZWNJ are part of emoji and of Persian or Indic words."""


def one_line(text: str) -> str:
    """``text`` as one line: controls and line/paragraph separators become spaces, bidi
    controls and lone surrogates are removed, runs of whitespace become one space, and the
    ends are stripped. ``"Ada\\r\\n\\n2\\n00:00:01,000 --> …"`` → ``"Ada 2 00:00:01,000 --> …"``.
    """
    return " ".join(_INVISIBLE.sub("", _LINE_BREAKING.sub(" ", text)).split())


def _srt_text(text: str) -> str:
    """One SRT line: :func:`one_line`, and no ``-->`` (the timing line's arrow)."""
    return re.sub(r"-{2,}>", "->", one_line(text))


def _clock(seconds: float, sep: str) -> str:
    """``HH:MM:SS<sep>mmm`` for a time in seconds (negative and non-finite times give 0)."""
    ms = max(0, round(seconds * 1000)) if math.isfinite(seconds) else 0
    h, rem = divmod(ms, 3_600_000)
    m, rem = divmod(rem, 60_000)
    s, ms = divmod(rem, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def to_json(document: FusionDocument) -> str:
    """The fusion document as pretty-printed UTF-8 JSON."""
    return json.dumps(document.to_dict(), ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class SubtitleLimits:
    """How long one subtitle cue may be.

    The defaults are the Netflix Timed Text Style Guide's general requirements (English):
    at most 42 characters per line, at most 2 lines, at most 7 seconds per subtitle event.
    Characters count what a viewer reads, the ``Name: `` speaker prefix included.

    Attributes:
        max_line_chars: Characters per line.
        max_lines: Lines per cue.
        max_seconds: Duration of a cue in seconds (a single word lasting longer stays one
            cue: words are never cut).
    """

    max_line_chars: int = 42
    max_lines: int = 2
    max_seconds: float = 7.0

    @property
    def max_chars(self) -> int:
        """Characters per cue (``max_line_chars * max_lines``)."""
        return self.max_line_chars * self.max_lines


SUBTITLE_LIMITS: Final = SubtitleLimits()
"""The limits the SRT and WebVTT exports use."""


@dataclass(frozen=True)
class Cue:
    """One subtitle cue: a piece of a paragraph.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        speaker: The paragraph's display name.
        lines: The cue's text wrapped into lines (the first line follows the speaker
            prefix); joined with spaces they give the cue's words.
    """

    start: float
    end: float
    speaker: str
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        """The cue's words as one line."""
        return " ".join(self.lines)


def subtitle_cues(document: FusionDocument, limits: SubtitleLimits = SUBTITLE_LIMITS) -> list[Cue]:
    """Split every paragraph of ``document`` into cues that respect ``limits``.

    A paragraph is cut at word boundaries: a cue takes words while its text, with the
    ``Name: `` prefix, fits ``limits.max_chars`` and it lasts at most ``limits.max_seconds``
    (from its first word's start to its last word's end). A full cue ends after its last
    sentence end, else its last comma-like mark, provided that leaves it at least a third
    of the characters a cue may hold; the words after that mark open the next cue. The word
    timings give the cue times; a paragraph without usable words (none stored, or their
    text differs from the paragraph's) has its text spread evenly over its time span, each
    word timed in proportion to its characters. The first cue starts at the paragraph's
    start, the last ends at its end. A word longer than the limits alone is one cue.

    Args:
        document: The fusion document.
        limits: Cue length limits.

    Returns:
        Cues in paragraph order; the texts of one paragraph's cues, joined with spaces,
        give the paragraph's text (whitespace normalised).
    """
    return [cue for u in document.segments for cue in _paragraph_cues(u, limits)]


_SENTENCE_END: Final = (".", "?", "!", "…", "。", "？", "！")
_CLAUSE_END: Final = (",", ";", ":", "，", "、", "；", "：")


def _paragraph_cues(u: Utterance, limits: SubtitleLimits) -> list[Cue]:
    prefix = len(u.speaker) + 2  # "Name: "
    budget = max(limits.max_chars - prefix, 1)

    def fits(words: Sequence[Word]) -> bool:
        return len(_join(words)) <= budget and words[-1].end - words[0].start <= limits.max_seconds

    groups: list[list[Word]] = []
    current: list[Word] = []
    for word in _timed_words(u):
        if not current or fits([*current, word]):
            current.append(word)
            continue
        cut = _break_point(current, budget // 3)
        if cut < len(current) and fits([*current[cut:], word]):
            groups.append(current[:cut])
            current = [*current[cut:], word]
        else:
            groups.append(current)
            current = [word]
    if current:
        groups.append(current)
    if not groups:
        return [Cue(u.start, u.end, u.speaker, (u.text,))]
    cues = [Cue(g[0].start, g[-1].end, u.speaker, _wrap(_join(g), prefix, limits)) for g in groups]
    cues[0] = Cue(u.start, cues[0].end, u.speaker, cues[0].lines)
    cues[-1] = Cue(cues[-1].start, u.end, u.speaker, cues[-1].lines)
    return cues


def _break_point(words: Sequence[Word], min_chars: int) -> int:
    """Where to end a full cue: after its last sentence end, else its last comma-like mark,
    that leaves at least ``min_chars`` characters in the cue; ``len(words)`` when none."""
    for marks in (_SENTENCE_END, _CLAUSE_END):
        for i in range(len(words) - 1, -1, -1):
            if len(_join(words[: i + 1])) < min_chars:
                break
            if words[i].word.rstrip().endswith(marks):
                return i + 1
    return len(words)


def _join(words: Sequence[Word]) -> str:
    return "".join(w.word for w in words).strip()


def _timed_words(u: Utterance) -> Sequence[Word]:
    """The paragraph's words, or its text spread evenly over its span when they do not
    match its text."""
    if u.words and _join(u.words) == u.text:
        return u.words
    tokens = u.text.split()
    total = sum(len(t) for t in tokens) + len(tokens) - 1
    span = u.end - u.start
    words, offset = [], 0
    for token in tokens:
        start = u.start + span * offset / total
        offset += len(token)
        words.append(Word(" " + token, start, u.start + span * offset / total, 1.0))
        offset += 1
    return words


def _wrap(text: str, prefix: int, limits: SubtitleLimits) -> tuple[str, ...]:
    """Wrap ``text`` (after a prefix of ``prefix`` characters) into at most
    ``limits.max_lines`` lines of balanced length, breaking at whitespace only (runs of
    whitespace become one space)."""
    tokens = text.split()
    length = prefix + len(text)
    if length <= limits.max_line_chars or len(tokens) < 2:
        return (text,)
    lines_wanted = min(limits.max_lines, math.ceil(length / limits.max_line_chars))
    width = math.ceil(length / lines_wanted)
    while True:
        lines: list[str] = []
        used = prefix
        for token in tokens:
            if lines and used + 1 + len(token) <= width:
                lines[-1] += " " + token
                used += 1 + len(token)
            elif not lines:
                lines.append(token)
                used += len(token)
            else:
                lines.append(token)
                used = len(token)
        if len(lines) <= lines_wanted:
            return tuple(lines)
        width += 1


def to_srt(document: FusionDocument, limits: SubtitleLimits = SUBTITLE_LIMITS) -> str:
    """SubRip subtitles: numbered cues, ``HH:MM:SS,mmm`` times, ``Speaker: text``.

    Args:
        document: The fusion document.
        limits: Cue length limits (see :func:`subtitle_cues`).
    """
    blocks = []
    for i, cue in enumerate(subtitle_cues(document, limits), start=1):
        text = "\n".join(line for line in map(_srt_text, cue.lines) if line)
        blocks.append(
            f"{i}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n"
            f"{_srt_text(cue.speaker)}: {text}\n"
        )
    return "\n".join(blocks)


def to_vtt(document: FusionDocument, limits: SubtitleLimits = SUBTITLE_LIMITS) -> str:
    """WebVTT subtitles with ``<v Speaker>`` voice spans and ``HH:MM:SS.mmm`` times.

    Args:
        document: The fusion document.
        limits: Cue length limits (see :func:`subtitle_cues`; the voice span counts as the
            ``Name: `` prefix, so SRT and WebVTT cues are the same).
    """
    blocks = []
    for cue in subtitle_cues(document, limits):
        text = "\n".join(line for line in map(_vtt_escape, cue.lines) if line)
        blocks.append(
            f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}\n"
            f"<v {_vtt_escape(cue.speaker)}>{text}\n"
        )
    return "WEBVTT\n\n" + "\n".join(blocks)


def _vtt_escape(text: str) -> str:
    """One line of WebVTT cue text (or a voice annotation): :func:`one_line`, then ``&``,
    ``<`` and ``>`` as character references, so neither a tag nor ``-->`` can appear."""
    return one_line(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_txt(document: FusionDocument) -> str:
    """Plain text, one line per paragraph: ``[hh:mm:ss] Name: text``."""
    lines = []
    for u in document.segments:
        total = int(u.start) if math.isfinite(u.start) and u.start > 0 else 0
        stamp = f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
        lines.append(f"[{stamp}] {one_line(u.speaker)}: {one_line(u.text)}")
    return "\n".join(lines) + ("\n" if lines else "")


def rttm_lines(turns: Sequence[SpeakerTurn], uri: str) -> str:
    """RTTM ``SPEAKER`` lines for speaker turns.

    Args:
        turns: Turns to write; onset and duration are printed in seconds with 3 decimals.
        uri: The recording identifier (column 2).

    Both names go through :func:`one_line` with ``_`` for each space, so every line keeps its
    ten columns (an empty name is written ``meeting`` / ``speaker``).
    """
    uri = one_line(uri).replace(" ", "_") or "meeting"
    out = []
    for t in turns:
        speaker = one_line(t.speaker).replace(" ", "_") or "speaker"
        out.append(
            f"SPEAKER {uri} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {speaker} <NA> <NA>"
        )
    return "\n".join(out) + ("\n" if out else "")


def to_rttm(document: FusionDocument, uri: str = "meeting") -> str:
    """RTTM of the meeting's diarization, speakers named by their display names.

    One ``SPEAKER`` line per turn of ``document.turns``, overlapped speech kept (two
    speakers talking at once give two overlapping lines), each speaker written as its
    display name (renames applied, spaces replaced by ``_``). A document without turns
    (written before they were stored) falls back to one line per paragraph.

    Args:
        document: The fusion document.
        uri: The recording identifier (column 2).
    """
    if not document.turns:
        turns = [SpeakerTurn(u.start, u.end, u.speaker) for u in document.segments]
        return rttm_lines(turns, uri)
    names = document.display_names()
    return rttm_lines(
        [SpeakerTurn(t.start, t.end, names.get(t.speaker, t.speaker)) for t in document.turns],
        uri,
    )


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
