"""Edits a person makes to a meeting's fusion document: a segment's text, a segment's speaker,
speakers merged into one.

Pure functions ``FusionDocument → FusionDocument`` (no I/O, no model): the gateway stores each
result as a new revision and never rewrites the machine result (``fusion.json``).

Word timings survive a text edit wherever the words are unchanged (:func:`retime_words`), so
subtitles, the audio player's word highlighting and the speaker statistics stay right after a
correction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from difflib import SequenceMatcher
from typing import Final

from scribe_core.domain import FusionDocument, SpeakerTurn, Utterance, Word
from scribe_core.errors import BadInputError, NotFoundError

TYPED_PROBABILITY: Final = 1.0
"""``probability`` of a word a person typed."""

UNKNOWN_SPEAKER: Final = "unknown_speaker"
"""Error code of a speaker label named in a request body that the document does not have
(a :class:`~scribe_core.errors.BadInputError`, HTTP 400)."""


def segment_at(document: FusionDocument, index: int) -> Utterance:
    """The segment (utterance) at ``index`` (0 is the first, in time order).

    Raises:
        NotFoundError: ``index`` is negative or not below the number of segments.
    """
    if not 0 <= index < len(document.segments):
        raise NotFoundError(
            f"there is no segment {index}: the transcript has {len(document.segments)} "
            "segments, numbered from 0"
        )
    return document.segments[index]


def _spread(tokens: Sequence[str], start: float, end: float) -> list[Word]:
    """``tokens`` as typed words sharing ``[start, end]`` evenly (zero-length when equal)."""
    step = (end - start) / len(tokens)
    return [
        Word(
            f" {token}",
            start + k * step,
            end if k == len(tokens) - 1 else start + (k + 1) * step,
            TYPED_PROBABILITY,
        )
        for k, token in enumerate(tokens)
    ]


def retime_words(words: Sequence[Word], text: str, *, start: float, end: float) -> tuple[Word, ...]:
    """The words of ``text``, timed from the ``words`` it replaces.

    The rule: old and new words are compared as whitespace-separated tokens (punctuation
    included: ``hello,`` and ``hello`` differ) and aligned with
    :class:`difflib.SequenceMatcher`.

    - an unchanged word keeps its ``word``, ``start``, ``end`` and ``probability``;
    - words that replace old words share evenly the time span of the words they replace
      (from the first replaced word's start to the last one's end);
    - words inserted between old words are a zero-length point at the boundary: the end of
      the word before them (the start of the first word for an insertion at the beginning);
    - a deleted word disappears with its timing;
    - new words get ``probability`` 1.0 (a person typed them) and a leading space, as
      faster-whisper writes words.

    A segment that had no words at all (a document written without word timings) gets its
    new words spread evenly over ``[start, end]``.

    Args:
        words: The segment's words, in time order.
        text: The new text (whitespace separates words).
        start: Start of the segment in seconds (used only when ``words`` is empty).
        end: End of the segment in seconds (idem).

    Returns:
        One word per token of ``text``, in order; times in seconds.
    """
    new = text.split()
    if not words:
        return tuple(_spread(new, start, end)) if new else ()
    old = [w.word.strip() for w in words]
    timed: list[Word] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            timed.extend(words[i1:i2])
        elif op == "replace":
            timed.extend(_spread(new[j1:j2], words[i1].start, words[i2 - 1].end))
        elif op == "insert":
            point = words[i1 - 1].end if i1 > 0 else words[0].start
            timed.extend(_spread(new[j1:j2], point, point))
        # "delete": the old words go, with their timing
    return tuple(timed)


def edit_text(document: FusionDocument, index: int, text: str) -> FusionDocument:
    """Replace the text of segment ``index``, keeping the timings of unchanged words.

    Words are retimed by :func:`retime_words`; the segment's ``text`` becomes the new words
    joined by single spaces, its ``start``/``end`` the first word's start and the last word's
    end. Speaker, other segments, speakers and turns are unchanged.

    Args:
        document: The current document.
        index: The segment, 0 for the first.
        text: The new text: one line, at least one word (the caller refuses control
            characters).

    Returns:
        A new document (``document`` itself when the text is unchanged).

    Raises:
        NotFoundError: No segment ``index``.
        BadInputError: ``text`` has no word (a segment cannot be emptied).
    """
    segment = segment_at(document, index)
    tokens = text.split()
    if not tokens:
        raise BadInputError("the text of a segment must have at least one word")
    joined = " ".join(tokens)
    if joined == segment.text and [w.word.strip() for w in segment.words] in ([], tokens):
        return document
    words = retime_words(segment.words, joined, start=segment.start, end=segment.end)
    edited = replace(segment, text=joined, words=words, start=words[0].start, end=words[-1].end)
    return _with_segment(document, index, edited)


def reassign(document: FusionDocument, index: int, label: str) -> FusionDocument:
    """Give segment ``index`` to the speaker ``label``.

    Sets the segment's ``speaker_label`` and ``speaker`` (the label's display name: its name,
    else the label). The diarization ``turns`` are left as the diarization found them (the
    RTTM export is the diarization's record, not the paragraphs').

    Args:
        document: The current document.
        index: The segment, 0 for the first.
        label: A speaker label of ``document.speakers``.

    Returns:
        A new document (``document`` itself when the segment already is ``label``'s).

    Raises:
        NotFoundError: No segment ``index``.
        BadInputError: Code :data:`UNKNOWN_SPEAKER`: ``label`` is not a speaker of the
            document.
    """
    segment = segment_at(document, index)
    names = document.display_names()
    _require_labels(names, [label])
    if segment.speaker_label == label and segment.speaker == names[label]:
        return document
    return _with_segment(
        document, index, replace(segment, speaker_label=label, speaker=names[label])
    )


def merge_speakers(document: FusionDocument, sources: Sequence[str], into: str) -> FusionDocument:
    """Merge the speakers ``sources`` into the speaker ``into`` (the diarization split one
    person in two, say).

    Every segment and every diarization turn of a ``sources`` label becomes ``into``'s
    (segments take ``into``'s display name); ``into``'s turns that now overlap are joined
    into one, so that one speaker's turns never overlap; the ``sources`` speakers leave
    ``document.speakers``. Segments are not joined: consecutive segments of ``into`` stay
    separate paragraphs, so every segment keeps its index.

    Args:
        document: The current document.
        sources: Labels to merge (at least one; repeats are ignored).
        into: The label that stays.

    Returns:
        A new document.

    Raises:
        BadInputError: ``sources`` is empty or contains ``into``; or (code
            :data:`UNKNOWN_SPEAKER`) a label that is not a speaker of the document.
    """
    merged = tuple(dict.fromkeys(sources))
    if not merged:
        raise BadInputError("name at least one speaker label to merge")
    if into in merged:
        raise BadInputError(f"cannot merge speaker {into!r} into itself")
    names = document.display_names()
    _require_labels(names, [*merged, into])
    gone = set(merged)
    segments = tuple(
        replace(u, speaker_label=into, speaker=names[into]) if u.speaker_label in gone else u
        for u in document.segments
    )
    relabelled = [replace(t, speaker=into) if t.speaker in gone else t for t in document.turns]
    turns = [t for t in relabelled if t.speaker != into]
    turns.extend(_join_overlaps([t for t in relabelled if t.speaker == into]))
    turns.sort(key=lambda t: (t.start, t.end, t.speaker))
    speakers = tuple(s for s in document.speakers if s.label not in gone)
    return replace(document, segments=segments, turns=tuple(turns), speakers=speakers)


def _join_overlaps(turns: Sequence[SpeakerTurn]) -> list[SpeakerTurn]:
    """One speaker's turns with the overlapping ones joined (sorted by start)."""
    joined: list[SpeakerTurn] = []
    for turn in sorted(turns, key=lambda t: (t.start, t.end)):
        if joined and turn.start < joined[-1].end:
            last = joined[-1]
            joined[-1] = replace(last, end=max(last.end, turn.end))
        else:
            joined.append(turn)
    return joined


def _require_labels(names: dict[str, str], labels: Sequence[str]) -> None:
    unknown = [label for label in labels if label not in names]
    if unknown:
        known = ", ".join(sorted(names)) or "none"
        raise BadInputError(
            f"unknown speaker label {unknown[0]!r}; this transcript's speakers are: {known}",
            code=UNKNOWN_SPEAKER,
        )


def _with_segment(document: FusionDocument, index: int, segment: Utterance) -> FusionDocument:
    segments = list(document.segments)
    segments[index] = segment
    return replace(document, segments=tuple(segments))
