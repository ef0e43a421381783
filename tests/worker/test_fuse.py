"""Fusion edge cases: word in no turn, overlapping turns, one speaker, no speech, names."""

from __future__ import annotations

from scribe_core.domain import (
    Diarization,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Word,
)
from scribe_worker.stages.fuse import FALLBACK_LABEL, FuseOptions, assign_word_speakers, fuse


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


def test_speaker_change_pause_and_sentence_end_split_utterances() -> None:
    words = (
        Word(" Hello", 0.0, 0.4, 0.9),
        Word(" there.", 0.5, 0.9, 0.9),  # sentence end
        Word(" How", 1.0, 1.2, 0.9),
        Word(" are", 1.3, 1.5, 0.9),
        Word(" you", 3.0, 3.2, 0.9),  # 1.5 s pause
        Word(" Fine", 4.0, 4.3, 0.9),  # speaker change
    )
    turns = (SpeakerTurn(0.0, 3.5, A), SpeakerTurn(3.8, 5.0, B))
    doc = fuse(
        _transcription(*words),
        Diarization(turns, duration=20.0),
        [SpeakerIdentity(A, "Diane", 0.9)],
    )
    assert [u.text for u in doc.segments] == ["Hello there.", "How are", "you", "Fine"]
    assert [u.speaker for u in doc.segments] == ["Diane", "Diane", "Diane", B]
    assert [u.speaker_label for u in doc.segments] == [A, A, A, B]
    assert doc.speakers == (SpeakerIdentity(A, "Diane", 0.9), SpeakerIdentity(B))
    for u in doc.segments:  # segment text equals the join of its words
        assert u.text == "".join(w.word for w in u.words).strip()
        assert u.start == u.words[0].start
        assert u.end == u.words[-1].end


def test_one_speaker_gives_one_utterance_per_sentence() -> None:
    words = (
        Word(" Ask", 0.0, 0.3, 0.9),
        Word(" not", 0.4, 0.6, 0.9),
        Word(" what.", 0.7, 1.0, 0.9),
    )
    doc = fuse(_transcription(*words), Diarization((SpeakerTurn(0.0, 1.0, A),), duration=20.0))
    assert len(doc.segments) == 1
    assert doc.segments[0].text == "Ask not what."
    assert doc.text == "Ask not what."


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
