"""The ``fuse`` stage: words × speaker turns → speaker-attributed paragraphs.

A pure function that loads no model, in the spirit of whisperX ``assign_word_speakers``:
every WORD goes to the speaker whose turn overlaps it most (the nearest turn when none
overlaps it), using the diarization's one-speaker-at-a-time ``exclusive_turns`` when the
backend provides them. Consecutive words of one speaker form a paragraph (one
:class:`~scribe_core.domain.Utterance`); a speaker change or a long pause starts a new one.
Identified names replace speaker labels for display; the label stays on each paragraph so a
later rename is exact. The document also keeps the diarization's turns, overlapped speech
included, for the RTTM export.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    Utterance,
    Word,
    sort_turns,
)

FALLBACK_LABEL = "SPEAKER_00"
"""Label given to words when the diarization found no turn at all."""

PARAGRAPH_PAUSE = 2.0
"""Default silence (seconds) that ends a paragraph: twice the "standard maximum" silence of
about one second that conversation tolerates before it is heard as a break (G. Jefferson,
"Preliminary notes on a possible metric which provides for a 'standard maximum' silence of
approximately one second in conversation", 1989): hesitations and the ordinary gaps between
one speaker's sentences stay inside a paragraph, a real break in the talk starts a new one."""


@dataclass(frozen=True)
class FuseOptions:
    """How words are grouped into paragraphs.

    Attributes:
        max_pause: A silence between two words of one speaker longer than this (seconds)
            starts a new paragraph (default :data:`PARAGRAPH_PAUSE`).
        max_duration: When set, a paragraph longer than this (seconds) is split at the next
            word boundary; ``None`` (default) never splits a speaker's continuous talk.
            Subtitle cue limits are not this: the SRT/WebVTT exporters apply them.
    """

    max_pause: float = PARAGRAPH_PAUSE
    max_duration: float | None = None


class _TurnIndex:
    """Turns sorted by start, for overlap queries in O(log n + k)."""

    def __init__(self, turns: Sequence[SpeakerTurn]) -> None:
        self.turns = sorted(turns, key=lambda t: t.start)
        self.starts = [t.start for t in self.turns]
        self.max_len = max((t.duration for t in self.turns), default=0.0)

    def speaker_for(self, word: Word) -> str:
        """The speaker whose turns overlap ``word`` most; the nearest turn otherwise."""
        lo = bisect.bisect_left(self.starts, word.start - self.max_len)
        hi = bisect.bisect_right(self.starts, word.end)
        overlap: dict[str, float] = {}
        for turn in self.turns[lo:hi]:
            inter = min(turn.end, word.end) - max(turn.start, word.start)
            if inter > 0 or (inter == 0 and word.start == word.end and turn.start <= word.start):
                overlap[turn.speaker] = overlap.get(turn.speaker, 0.0) + max(inter, 1e-9)
        if overlap:
            return max(overlap.items(), key=lambda kv: kv[1])[0]
        mid = word.midpoint
        nearest = min(self.turns, key=lambda t: max(t.start - mid, mid - t.end, 0.0))
        return nearest.speaker


def assign_word_speakers(
    words: Iterable[Word], turns: Sequence[SpeakerTurn]
) -> list[tuple[Word, str]]:
    """Attach a speaker label to every word.

    Args:
        words: Words in time order.
        turns: Speaker turns (may overlap each other).

    Returns:
        ``(word, label)`` pairs in the order of ``words``; every word gets
        :data:`FALLBACK_LABEL` when ``turns`` is empty.
    """
    if not turns:
        return [(w, FALLBACK_LABEL) for w in words]
    index = _TurnIndex(turns)
    return [(w, index.speaker_for(w)) for w in words]


def group_utterances(
    labelled: Sequence[tuple[Word, str]],
    names: Mapping[str, str | None],
    options: FuseOptions = FuseOptions(),
) -> tuple[Utterance, ...]:
    """Group labelled words into paragraphs.

    A paragraph ends where the speaker label changes, where the silence between two words
    exceeds ``options.max_pause``, or (when set) once it would exceed
    ``options.max_duration``. Sentence ends do not split it.

    Args:
        labelled: ``(word, label)`` pairs in time order.
        names: Display name per label (``None`` or missing keeps the label).
        options: Splitting rules.

    Returns:
        Paragraphs in time order; each text is its words joined and stripped, its start the
        first word's start and its end the last word's end (seconds).
    """
    utterances: list[Utterance] = []
    current: list[Word] = []
    current_label = ""

    def flush() -> None:
        if current:
            text = "".join(w.word for w in current).strip()
            display = names.get(current_label) or current_label
            utterances.append(
                Utterance(
                    current[0].start, current[-1].end, text, display, current_label, tuple(current)
                )
            )
            current.clear()

    for word, label in labelled:
        if current:
            prev = current[-1]
            too_long = (
                options.max_duration is not None
                and word.end - current[0].start > options.max_duration
            )
            if label != current_label or word.start - prev.end > options.max_pause or too_long:
                flush()
        current_label = label
        current.append(word)
    flush()
    return tuple(utterances)


def fuse(
    transcription: Transcription,
    diarization: Diarization,
    identities: Sequence[SpeakerIdentity] = (),
    *,
    options: FuseOptions = FuseOptions(),
    processing_time: float = 0.0,
    metadata: Mapping[str, Any] | None = None,
) -> FusionDocument:
    """Build the fusion document from the stage outputs.

    Words are assigned with ``diarization.exclusive_turns`` (one speaker at a time) when
    present, else with ``diarization.turns`` (the speaker overlapping each word most).

    Args:
        transcription: Output of ``transcribe``.
        diarization: Output of ``diarize``.
        identities: Output of ``identify`` (one per label; missing labels stay unnamed).
        options: Paragraph splitting rules.
        processing_time: Wall-clock seconds of the whole pipeline.
        metadata: Stored as the document's metadata.

    Returns:
        The fusion document. ``segments`` are paragraphs; ``turns`` are
        ``diarization.turns`` (overlaps kept, speaker labels) sorted by start; ``speakers``
        lists every diarized label plus the fallback label when words had no turn; no
        speech gives no segments.
    """
    by_label = {i.label: i for i in identities}
    word_turns = diarization.exclusive_turns or diarization.turns
    labelled = assign_word_speakers(transcription.words, word_turns)
    names = {label: ident.name for label, ident in by_label.items()}
    segments = group_utterances(labelled, names, options)
    labels = dict.fromkeys(diarization.labels)
    labels.update(dict.fromkeys(t.speaker for t in diarization.exclusive_turns))
    labels.update(dict.fromkeys(u.speaker_label for u in segments))
    speakers = tuple(by_label.get(label, SpeakerIdentity(label)) for label in sorted(labels))
    return FusionDocument(
        segments=segments,
        speakers=speakers,
        language=transcription.language,
        duration=max(transcription.duration, diarization.duration),
        processing_time=processing_time,
        metadata=dict(metadata or {}),
        turns=sort_turns(diarization.turns),
    )
