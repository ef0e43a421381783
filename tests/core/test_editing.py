"""Edits of a fusion document (scribe_core.editing) on the sample call's REFERENCE: a segment's
text with its word timings kept where words are unchanged, a segment given to another speaker,
speakers merged (segments, overlapped diarization turns, speakers), and the refusals."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from scribe_core.domain import FusionDocument, SpeakerIdentity, SpeakerTurn, Utterance, Word
from scribe_core.editing import (
    TYPED_PROBABILITY,
    UNKNOWN_SPEAKER,
    edit_text,
    merge_speakers,
    reassign,
    retime_words,
)
from scribe_core.errors import BadInputError, NotFoundError
from scribe_core.exporters import export

A, B = "SPEAKER_00", "SPEAKER_01"
THERE = 3
"""Index of the segment "I didn't know you were there." (Diane, 8.916-9.798 s)."""


@pytest.fixture
def call(eval_dir: Path) -> FusionDocument:
    """The sample call's reference: one segment per line of ``sample.stm`` (words spread
    evenly over the line, probabilities below 1 so typed words stand out), the turns of
    ``sample.rttm`` (overlapped speech kept); Diane is ``SPEAKER_00``, named, Sheila
    ``SPEAKER_01``, unnamed."""
    folder = eval_dir / "sample-call"
    by_speaker = {"speaker90": A, "speaker91": B, "Diane": A, "Sheila": B}
    turns = []
    for line in (folder / "sample.rttm").read_text().splitlines():
        _, _, _, onset, duration, _, _, speaker, *_ = line.split()
        t0 = float(onset)
        turns.append(SpeakerTurn(t0, t0 + float(duration), by_speaker[speaker]))
    segments = []
    for line in (folder / "sample.stm").read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 0.9) for i, w in enumerate(text)
        )
        label = by_speaker[speaker]
        shown = "Diane" if label == A else label
        segments.append(Utterance(t0, t1, " ".join(text), shown, label, words))
    return FusionDocument(
        segments=tuple(segments),
        speakers=(SpeakerIdentity(A, "Diane", 0.81, "confident"), SpeakerIdentity(B)),
        language="en",
        duration=30.0,
        turns=tuple(sorted(turns, key=lambda t: t.start)),
    )


def _tokens(u: Utterance) -> list[str]:
    return [w.word.strip() for w in u.words]


def _check_invariants(u: Utterance) -> None:
    """Text is the words joined; times run forward; the segment spans its words."""
    assert u.text == "".join(w.word for w in u.words).strip()
    assert u.start == u.words[0].start
    assert u.end == u.words[-1].end
    for before, after in zip(u.words, u.words[1:], strict=False):
        assert before.start <= before.end <= after.start + 1e-9


def test_a_corrected_word_shares_the_span_of_the_word_it_replaces(call: FusionDocument) -> None:
    before = call.segments[THERE]
    assert before.text == "I didn't know you were there."
    edited = edit_text(call, THERE, "I did not know you were here.")
    after = edited.segments[THERE]
    assert after.text == "I did not know you were here."
    assert _tokens(after) == ["I", "did", "not", "know", "you", "were", "here."]
    old = {w.word.strip(): w for w in before.words}
    # unchanged words: the very same timings and probabilities
    for token in ("I", "know", "you", "were"):
        (kept,) = [w for w in after.words if w.word.strip() == token]
        assert kept == old[token]
    # "didn't" → "did not": the two typed words share its span evenly
    did, not_ = after.words[1], after.words[2]
    assert did.start == old["didn't"].start
    assert not_.end == old["didn't"].end
    assert did.end == pytest.approx(not_.start)
    assert did.end - did.start == pytest.approx((old["didn't"].end - old["didn't"].start) / 2)
    assert did.probability == not_.probability == TYPED_PROBABILITY
    # "there." → "here.": the same span, typed
    here = after.words[-1]
    assert (here.start, here.end) == (old["there."].start, old["there."].end)
    assert here.probability == TYPED_PROBABILITY
    assert (after.start, after.end) == (before.start, before.end)
    assert (after.speaker, after.speaker_label) == (before.speaker, before.speaker_label)
    _check_invariants(after)
    # nothing else moved
    assert edited.segments[:THERE] == call.segments[:THERE]
    assert edited.segments[THERE + 1 :] == call.segments[THERE + 1 :]
    assert (edited.speakers, edited.turns) == (call.speakers, call.turns)


def test_inserted_words_are_a_point_at_the_boundary(call: FusionDocument) -> None:
    before = call.segments[THERE]
    words = before.words
    edited = edit_text(call, THERE, "Well, I didn't know that you were there, really.")
    after = edited.segments[THERE]
    assert _tokens(after) == [
        "Well,", "I", "didn't", "know", "that", "you", "were", "there,", "really.",
    ]  # fmt: skip
    well, that, really = after.words[0], after.words[4], after.words[8]
    assert well.start == well.end == words[0].start  # before the first word
    assert that.start == that.end == words[2].end  # after "know"
    # "there." → "there," "really.": a replacement of one word by two
    assert after.words[7].start == words[5].start
    assert really.end == words[5].end
    assert (after.start, after.end) == (before.start, before.end)
    _check_invariants(after)


def test_deleted_words_take_their_time_with_them(call: FusionDocument) -> None:
    before = call.segments[THERE]
    edited = edit_text(call, THERE, "didn't know you")
    after = edited.segments[THERE]
    assert list(after.words) == list(before.words[1:4])
    assert after.start == before.words[1].start > before.start
    assert after.end == before.words[3].end < before.end
    _check_invariants(after)


def test_whitespace_is_normalised_and_an_unchanged_text_is_no_edit(call: FusionDocument) -> None:
    assert edit_text(call, THERE, "  I didn't   know you were there.  ") is call
    moved = edit_text(call, THERE, "I didn't know you were there!")
    assert moved is not call
    assert moved.segments[THERE].words[:-1] == call.segments[THERE].words[:-1]


def test_a_segment_without_words_gets_its_words_spread_over_its_span(
    call: FusionDocument,
) -> None:
    bare = replace(call.segments[0], words=())
    document = replace(call, segments=(bare, *call.segments[1:]))
    edited = edit_text(document, 0, "Hello there?")
    first, second = edited.segments[0].words
    assert first.start == bare.start
    assert second.end == bare.end
    assert first.end == pytest.approx(second.start)
    assert first.end - first.start == pytest.approx((bare.end - bare.start) / 2)


def test_an_edited_document_exports_the_new_text(call: FusionDocument) -> None:
    edited = edit_text(call, THERE, "I did not know you were here.")
    srt = export(edited, "srt")
    assert "Diane: I did not know you were here." in srt
    assert "you were there." not in srt
    assert FusionDocument.from_dict(edited.to_dict()).segments[THERE].text == (
        "I did not know you were here."
    )


def test_bad_text_edits_are_refused(call: FusionDocument) -> None:
    with pytest.raises(BadInputError, match="at least one word"):
        edit_text(call, THERE, "   ")
    for index in (len(call.segments), -1, 10_000):
        with pytest.raises(NotFoundError, match=f"no segment {index}"):
            edit_text(call, index, "Hello")


def test_reassign_gives_the_segment_to_the_label_and_its_display_name(
    call: FusionDocument,
) -> None:
    moved = reassign(call, 1, A)  # Sheila's "Hello?" was Diane's
    assert (moved.segments[1].speaker_label, moved.segments[1].speaker) == (A, "Diane")
    assert moved.segments[1].words == call.segments[1].words
    back = reassign(moved, 1, B)
    assert (back.segments[1].speaker_label, back.segments[1].speaker) == (B, B)
    assert back == call
    assert reassign(call, 1, B) is call
    assert moved.turns == call.turns  # the diarization's record is kept
    with pytest.raises(BadInputError) as refused:
        reassign(call, 1, "SPEAKER_07")
    assert refused.value.code == UNKNOWN_SPEAKER
    assert "SPEAKER_00, SPEAKER_01" in refused.value.detail
    with pytest.raises(NotFoundError):
        reassign(call, len(call.segments), A)


def test_merge_moves_segments_and_turns_and_joins_overlapped_turns(
    call: FusionDocument,
) -> None:
    overlapping = [
        (a, b)
        for a in call.turns
        for b in call.turns
        if a.speaker == A and b.speaker == B and a.start < b.end and b.start < a.end
    ]
    assert overlapping, "the sample call has overlapped speech"
    merged = merge_speakers(call, [B], A)
    assert [s.label for s in merged.speakers] == [A]
    assert {u.speaker_label for u in merged.segments} == {A}
    assert {u.speaker for u in merged.segments} == {"Diane"}
    assert [u.text for u in merged.segments] == [u.text for u in call.segments]
    assert [u.words for u in merged.segments] == [u.words for u in call.segments]
    assert {t.speaker for t in merged.turns} == {A}
    ordered = sorted(merged.turns, key=lambda t: t.start)
    assert all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False))
    assert len(merged.turns) < len(call.turns)

    def covered(turns: tuple[SpeakerTurn, ...]) -> float:
        """Seconds covered by at least one turn."""
        total, end = 0.0, float("-inf")
        for t in sorted(turns, key=lambda t: t.start):
            if t.end > end:
                total += t.end - max(t.start, end)
                end = t.end
        return total

    assert covered(merged.turns) == pytest.approx(covered(call.turns))
    rttm = export(merged, "rttm")
    assert "SPEAKER_01" not in rttm
    assert " Diane <NA> <NA>" in rttm


def test_merge_refusals(call: FusionDocument) -> None:
    with pytest.raises(BadInputError, match="into itself"):
        merge_speakers(call, [A, B], A)
    with pytest.raises(BadInputError, match="at least one"):
        merge_speakers(call, [], A)
    for sources, into in (([B], "SPEAKER_09"), (["SPEAKER_09"], A)):
        with pytest.raises(BadInputError) as refused:
            merge_speakers(call, sources, into)
        assert refused.value.code == UNKNOWN_SPEAKER
    assert merge_speakers(call, [B, B], A) == merge_speakers(call, [B], A)


def test_retime_words_keeps_whisper_words_as_they_were(call: FusionDocument) -> None:
    words = (
        Word(" Okay,", 1.0, 1.3, 0.6), Word(" then", 1.3, 1.5, 0.7),
        Word(" I", 1.6, 1.7, 0.95), Word(" thought", 1.7, 2.1, 0.88),
    )  # fmt: skip
    retimed = retime_words(words, "Okay, so then I thought", start=1.0, end=2.1)
    assert [w.word for w in retimed] == [" Okay,", " so", " then", " I", " thought"]
    assert retimed[0] is words[0]
    assert retimed[2:] == words[1:]
    assert (retimed[1].start, retimed[1].end, retimed[1].probability) == (1.3, 1.3, 1.0)
