"""Domain types: option validation, JSON round trips of stage outputs, fusion documents
written before ``turns``, ``similarity`` and ``match`` existed."""

from __future__ import annotations

from typing import Any

import pytest

from scribe_core.domain import (
    MATCH_KINDS,
    Diarization,
    FusionDocument,
    ProcessingOptions,
    SpeakerIdentity,
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
def test_inconsistent_speaker_counts_are_refused(kwargs: dict[str, Any], message: str) -> None:
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
        embedding_model="campplus-zh-en-192",
        exclusive_turns=(
            SpeakerTurn(0.0, 1.25, "SPEAKER_01"),
            SpeakerTurn(1.25, 2.0, "SPEAKER_00"),
            SpeakerTurn(2.5, 3.0, "SPEAKER_01"),
        ),
    )
    assert d.labels == ("SPEAKER_01", "SPEAKER_00")
    assert d.speech_duration("SPEAKER_01") == pytest.approx(2.0)
    assert diarization_from_dict(diarization_to_dict(d)) == d
    old = diarization_to_dict(d)
    del old["exclusive_turns"]  # diarization.json written before exclusive turns
    assert diarization_from_dict(old).exclusive_turns == ()


def test_transcription_text_and_words() -> None:
    words = (Word(" Ask", 0.0, 0.3, 0.9), Word(" not.", 0.3, 0.6, 0.8))
    t = Transcription((TranscriptSegment(0.0, 0.6, "Ask not.", words),), "en", 0.99, 11.0)
    assert t.words == words
    data = transcription_to_dict(t)
    assert data["text"] == "Ask not."
    assert data["segments"][0]["words"][1]["end"] == 0.6


def test_speaker_match_is_one_of_three_kinds() -> None:
    assert MATCH_KINDS == ("confident", "unsure", "none")
    assert SpeakerIdentity("SPEAKER_00").match == "none"
    assert SpeakerIdentity("SPEAKER_00", "Diane", 0.52, "unsure").display_name == "Diane"
    with pytest.raises(ValueError, match="speaker match must be one of"):
        SpeakerIdentity("SPEAKER_00", match="maybe")


# A fusion.json as stored before speakers carried ``similarity``/``match`` and before the
# document carried the diarization ``turns``.
OLD_FUSION = {
    "text": "Hello? Hello?",
    "segments": [
        {"start": 6.68, "end": 7.16, "text": "Hello?", "speaker": "Diane",
         "speaker_label": "SPEAKER_00",
         "words": [{"word": " Hello?", "start": 6.68, "end": 7.16, "probability": 0.91}]},
        {"start": 7.634, "end": 8.155, "text": "Hello?", "speaker": "SPEAKER_01",
         "words": [{"word": " Hello?", "start": 7.634, "end": 8.155, "probability": 0.88}]},
    ],
    "speakers": [
        {"label": "SPEAKER_00", "name": "Diane", "confidence": 0.8123},
        {"label": "SPEAKER_01", "name": None, "confidence": None},
    ],
    "language": "en",
    "duration": 30.0,
    "processing_time": 4.2,
}  # fmt: skip


def test_old_fusion_documents_load_and_gain_the_new_fields() -> None:
    doc = FusionDocument.from_dict(OLD_FUSION)
    assert doc.turns == ()
    assert doc.speakers == (
        SpeakerIdentity("SPEAKER_00", "Diane", 0.8123, "none"),
        SpeakerIdentity("SPEAKER_01", None, None, "none"),
    )
    assert doc.segments[1].speaker_label == "SPEAKER_01"
    data = doc.to_dict()
    assert data["speakers"][0] == {
        "label": "SPEAKER_00", "name": "Diane", "similarity": 0.8123, "match": "none",
        "confidence": 0.8123,
    }  # fmt: skip
    assert data["turns"] == []
    assert FusionDocument.from_dict(data) == doc


def test_similarity_wins_over_its_confidence_alias() -> None:
    data = {**OLD_FUSION, "speakers": [
        {"label": "SPEAKER_00", "name": None, "similarity": 0.4, "match": "unsure",
         "confidence": 0.9},
    ]}  # fmt: skip
    (speaker,) = FusionDocument.from_dict(data).speakers
    assert (speaker.similarity, speaker.match) == (0.4, "unsure")


def test_turns_keep_labels_through_a_rename() -> None:
    doc = FusionDocument.from_dict(
        {
            **OLD_FUSION,
            "turns": [
                {"start": 6.69, "end": 7.12, "speaker_label": "SPEAKER_00"},
                {"start": 7.0, "end": 8.35, "speaker_label": "SPEAKER_01"},
            ],
        }  # fmt: skip
    )
    renamed = doc.rename_speaker("SPEAKER_01", "Sheila")
    assert renamed.turns == (
        SpeakerTurn(6.69, 7.12, "SPEAKER_00"),
        SpeakerTurn(7.0, 8.35, "SPEAKER_01"),
    )
    assert renamed.display_names() == {"SPEAKER_00": "Diane", "SPEAKER_01": "Sheila"}


def test_a_person_renaming_a_speaker_replaces_the_voice_bank_judgement() -> None:
    doc = FusionDocument.from_dict(
        {
            **OLD_FUSION,
            "speakers": [
                {"label": "SPEAKER_00", "name": "Katie", "similarity": 0.7, "match": "confident"},
                {"label": "SPEAKER_01", "name": None, "similarity": 0.4, "match": "unsure"},
            ],
        }  # fmt: skip
    )
    same = doc.rename_speaker("SPEAKER_00", "Katie")
    assert same.speakers[0].match == "confident"  # confirming the machine's name keeps it
    renamed = doc.rename_speaker("SPEAKER_01", "Sheila").rename_speaker("SPEAKER_00", "Diane")
    assert [(s.name, s.match, s.similarity) for s in renamed.speakers] == [
        ("Diane", "none", 0.7),
        ("Sheila", "none", 0.4),
    ]
