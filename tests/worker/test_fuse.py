"""Fusion: word attribution (overlap, no turn, exclusive turns), paragraphs (speaker change,
pause threshold, not sentence ends), the diarization kept in the document, the sample call."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Word,
)
from scribe_core.exporters import export
from scribe_worker.evaluation.metrics import DER, der, load_rttm
from scribe_worker.stages.fuse import (
    FALLBACK_LABEL,
    PARAGRAPH_PAUSE,
    FuseOptions,
    assign_word_speakers,
    fuse,
)


def _transcription(*words: Word) -> Transcription:
    text = "".join(w.word for w in words).strip()
    segs = (TranscriptSegment(words[0].start, words[-1].end, text, words),) if words else ()
    return Transcription(segs, "en", 1.0, 20.0)


A, B = "SPEAKER_00", "SPEAKER_01"


def test_word_goes_to_the_turn_that_overlaps_it_most() -> None:
    turns = [SpeakerTurn(0.0, 1.2, A), SpeakerTurn(1.0, 3.0, B)]
    word = Word(" split", 1.0, 1.5, 0.9)  # 0.2 s with A, 0.5 s with B
    assert assign_word_speakers([word], turns) == [(word, B)]


def test_word_in_no_turn_goes_to_the_nearest_turn() -> None:
    turns = [SpeakerTurn(0.0, 1.0, A), SpeakerTurn(5.0, 6.0, B)]
    early, late = Word(" early", 1.4, 1.6, 0.9), Word(" late", 4.2, 4.5, 0.9)
    assert assign_word_speakers([early, late], turns) == [(early, A), (late, B)]


def test_overlapping_turns_sum_per_speaker() -> None:
    # A has two short turns covering the word (0.3 s in all), B one turn of 0.25 s.
    turns = [SpeakerTurn(0.0, 0.15, A), SpeakerTurn(0.25, 0.4, A), SpeakerTurn(0.0, 0.25, B)]
    word = Word(" x", 0.0, 0.4, 0.9)
    assert assign_word_speakers([word], turns) == [(word, A)]


def test_paragraphs_split_at_speaker_changes_and_long_pauses_only() -> None:
    words = (
        Word(" Hello", 0.0, 0.4, 0.9),
        Word(" there.", 0.5, 0.9, 0.9),  # sentence end: no split
        Word(" How", 1.0, 1.2, 0.9),
        Word(" are", 1.3, 1.5, 0.9),
        Word(" you?", 4.0, 4.2, 0.9),  # 2.5 s pause
        Word(" Fine.", 5.0, 5.3, 0.9),  # speaker change
    )
    turns = (SpeakerTurn(0.0, 4.5, A), SpeakerTurn(4.8, 6.0, B))
    doc = fuse(
        _transcription(*words),
        Diarization(turns, duration=20.0),
        [SpeakerIdentity(A, "Diane", 0.9, "confident")],
    )
    assert [u.text for u in doc.segments] == ["Hello there. How are", "you?", "Fine."]
    assert [u.speaker for u in doc.segments] == ["Diane", "Diane", B]
    assert [u.speaker_label for u in doc.segments] == [A, A, B]
    assert doc.speakers == (SpeakerIdentity(A, "Diane", 0.9, "confident"), SpeakerIdentity(B))
    for u in doc.segments:  # segment text equals the join of its words
        assert u.text == "".join(w.word for w in u.words).strip()
        assert u.start == u.words[0].start
        assert u.end == u.words[-1].end


@pytest.mark.parametrize(("gap", "paragraphs"), [(1.9, 1), (2.0, 1), (2.1, 2)])
def test_pause_threshold_splits_paragraphs(gap: float, paragraphs: int) -> None:
    words = (Word(" Hello.", 0.0, 0.5, 0.9), Word(" Hello.", 0.5 + gap, 1.0 + gap, 0.9))
    diarization = Diarization((SpeakerTurn(0.0, 5.0, A),), duration=20.0)
    assert PARAGRAPH_PAUSE == FuseOptions().max_pause == 2.0
    assert len(fuse(_transcription(*words), diarization).segments) == paragraphs
    custom = fuse(_transcription(*words), diarization, options=FuseOptions(max_pause=gap + 1))
    assert len(custom.segments) == 1


def test_repeated_sentences_of_one_speaker_are_one_paragraph() -> None:
    # Whisper's four "Hello." segments of one speaker used to be four rows.
    segments = tuple(
        TranscriptSegment(t, t + 0.5, "Hello.", (Word(" Hello.", t, t + 0.5, 0.9),))
        for t in (0.0, 1.0, 2.0, 3.0)
    )
    transcription = Transcription(segments, "en", 1.0, 5.0)
    doc = fuse(transcription, Diarization((SpeakerTurn(0.0, 4.0, A),), duration=5.0))
    assert [(u.text, u.start, u.end) for u in doc.segments] == [
        ("Hello. Hello. Hello. Hello.", 0.0, 3.5)
    ]
    assert len(doc.segments[0].words) == 4  # word timings stay


def test_one_speaker_gives_one_paragraph() -> None:
    words = (
        Word(" Ask", 0.0, 0.3, 0.9),
        Word(" not.", 0.4, 0.6, 0.9),
        Word(" What.", 0.7, 1.0, 0.9),
    )
    doc = fuse(_transcription(*words), Diarization((SpeakerTurn(0.0, 1.0, A),), duration=20.0))
    assert len(doc.segments) == 1
    assert doc.segments[0].text == "Ask not. What."
    assert doc.text == "Ask not. What."


def test_exclusive_turns_decide_the_words_when_present() -> None:
    # B's backchannel 1.0-3.0 s overlaps A's turn; B covers the word most (1.5 s vs 0.5 s).
    turns = (SpeakerTurn(0.0, 1.5, A), SpeakerTurn(1.0, 3.0, B))
    word = Word(" yes", 1.0, 3.0, 0.9)
    without = fuse(_transcription(word), Diarization(turns, duration=5.0))
    assert [u.speaker_label for u in without.segments] == [B]
    # The one-speaker-at-a-time version gives that stretch to A.
    exclusive = (SpeakerTurn(0.0, 2.5, A), SpeakerTurn(2.5, 3.0, B))
    doc = fuse(_transcription(word), Diarization(turns, duration=5.0, exclusive_turns=exclusive))
    assert [u.speaker_label for u in doc.segments] == [A]
    assert doc.turns == turns  # the document keeps the overlapped diarization


def test_fusion_document_keeps_the_diarization_turns_sorted() -> None:
    turns = (SpeakerTurn(2.0, 3.0, B), SpeakerTurn(0.0, 2.5, A))
    doc = fuse(_transcription(Word(" Hi", 0.1, 0.3, 0.9)), Diarization(turns, duration=5.0))
    assert doc.turns == (SpeakerTurn(0.0, 2.5, A), SpeakerTurn(2.0, 3.0, B))
    again = FusionDocument.from_dict(doc.to_dict())
    assert again.turns == doc.turns


def _sample_call_transcription(eval_dir: Path) -> Transcription:
    """The sample call's reference transcript (``sample.stm``) as recogniser output: one
    segment per line, its words spread evenly over the line."""
    segments = []
    for line in (eval_dir / "sample-call" / "sample.stm").read_text().splitlines():
        _, _, _, start, end, *text = line.split()
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(text)
        )
        segments.append(TranscriptSegment(t0, t1, " ".join(text), words))
    return Transcription(tuple(segments), "en", 1.0, 30.0)


def test_sample_call_paragraphs_and_rttm(eval_dir: Path, tmp_path: Path) -> None:
    transcription = _sample_call_transcription(eval_dir)
    reference = load_rttm(eval_dir / "sample-call" / "sample.rttm")["sample"]
    identities = [SpeakerIdentity("speaker90", "Diane", 0.8, "confident")]
    doc = fuse(transcription, reference, identities)

    assert doc.text == transcription.text
    assert len(doc.segments) < len(transcription.segments)
    assert "Oh, hello. I didn't know you were there." in [u.text for u in doc.segments]
    for a, b in zip(doc.segments, doc.segments[1:], strict=False):
        # a new paragraph only at a speaker change or a pause over the threshold
        assert a.speaker_label != b.speaker_label or b.start - a.end > PARAGRAPH_PAUSE
    assert doc.turns == reference.turns

    rttm = export(doc, "rttm", uri="sample")
    lines = rttm.splitlines()
    assert len(lines) == len(reference.turns)  # turns, not paragraphs
    assert "SPEAKER sample 1 18.050 3.440 <NA> <NA> Diane <NA> <NA>" in lines
    assert "SPEAKER sample 1 18.150 0.440 <NA> <NA> speaker91 <NA> <NA>" in lines
    path = tmp_path / "sample.rttm"
    path.write_text(rttm)
    assert der(reference, load_rttm(path)["sample"]) == DER(0.0, 0.0)


def test_no_speech_gives_an_empty_document_with_the_diarized_speakers() -> None:
    doc = fuse(_transcription(), Diarization((SpeakerTurn(0.0, 1.0, A),), duration=20.0))
    assert doc.segments == ()
    assert doc.text == ""
    assert [s.label for s in doc.speakers] == [A]
    empty = fuse(_transcription(), Diarization((), duration=0.0))
    assert empty.segments == ()
    assert empty.speakers == ()


def test_words_without_any_turn_get_the_fallback_label() -> None:
    words = (Word(" Hi", 0.0, 0.3, 0.9),)
    doc = fuse(_transcription(*words), Diarization((), duration=20.0))
    assert [u.speaker for u in doc.segments] == [FALLBACK_LABEL]
    assert [s.label for s in doc.speakers] == [FALLBACK_LABEL]


def test_max_duration_splits_long_monologues() -> None:
    words = tuple(Word(f" w{i}", i * 1.0, i * 1.0 + 0.5, 0.9) for i in range(10))
    doc = fuse(
        _transcription(*words),
        Diarization((SpeakerTurn(0.0, 10.0, A),), duration=20.0),
        options=FuseOptions(max_duration=4.0),
    )
    assert all(u.end - u.start <= 4.0 for u in doc.segments)
    assert sum(len(u.words) for u in doc.segments) == 10
