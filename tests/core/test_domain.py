"""Domain types: option validation and JSON round trips of stage outputs."""

from __future__ import annotations

import pytest

from scribe_core.domain import (
    Diarization,
    ProcessingOptions,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Word,
    diarization_from_dict,
    diarization_to_dict,
    transcription_to_dict,
)


def test_auto_language_means_detect() -> None:
    assert ProcessingOptions(language="auto").language is None
    assert ProcessingOptions(language="fr").language == "fr"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_speakers": 0}, "num_speakers must be at least 1"),
        ({"min_speakers": 3, "max_speakers": 2}, "greater than max_speakers"),
        ({"num_speakers": 2, "max_speakers": 3}, "not both"),
    ],
)
def test_inconsistent_speaker_counts_are_refused(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ProcessingOptions(**kwargs)


def test_diarization_round_trip_and_labels_in_order_of_appearance() -> None:
    d = Diarization(
        turns=(
            SpeakerTurn(0.0, 1.5, "SPEAKER_01"),
            SpeakerTurn(1.0, 2.0, "SPEAKER_00"),
            SpeakerTurn(2.5, 3.0, "SPEAKER_01"),
        ),
        embeddings={"SPEAKER_00": (1.0, 0.0), "SPEAKER_01": (0.0, 1.0)},
        duration=3.0,
        embedding_model="resemblyzer-ge2e",
    )
    assert d.labels == ("SPEAKER_01", "SPEAKER_00")
    assert d.speech_duration("SPEAKER_01") == pytest.approx(2.0)
    assert diarization_from_dict(diarization_to_dict(d)) == d


def test_transcription_text_and_words() -> None:
    words = (Word(" Ask", 0.0, 0.3, 0.9), Word(" not.", 0.3, 0.6, 0.8))
    t = Transcription((TranscriptSegment(0.0, 0.6, "Ask not.", words),), "en", 0.99, 11.0)
    assert t.words == words
    data = transcription_to_dict(t)
    assert data["text"] == "Ask not."
    assert data["segments"][0]["words"][1]["end"] == 0.6
