"""Exporters: JSON round trip, SRT/WebVTT timing format, TXT lines, RTTM columns, rename."""

from __future__ import annotations

import json
import re

import pytest

from scribe_core.domain import FusionDocument, SpeakerIdentity, Utterance, Word
from scribe_core.errors import BadInputError
from scribe_core.exporters import FORMATS, export


def _doc() -> FusionDocument:
    w1 = (Word(" Hello", 0.5, 0.9, 0.9), Word(" there.", 0.95, 1.4, 0.8))
    w2 = (Word(" Hi", 3661.25, 3661.5, 0.7), Word(" <Bob>", 3661.6, 3662.0, 0.6))
    return FusionDocument(
        segments=(
            Utterance(0.5, 1.4, "Hello there.", "Alice", "SPEAKER_00", w1),
            Utterance(3661.25, 3662.0, "Hi <Bob>", "SPEAKER_01", "SPEAKER_01", w2),
        ),
        speakers=(SpeakerIdentity("SPEAKER_00", "Alice", 0.91), SpeakerIdentity("SPEAKER_01")),
        language="en",
        duration=3700.0,
        processing_time=12.5,
        metadata={"device": "cpu"},
    )


def test_json_round_trip_keeps_every_field() -> None:
    doc = _doc()
    data = json.loads(export(doc, "json"))
    assert set(data) >= {"text", "segments", "speakers", "language", "duration", "processing_time"}
    assert data["segments"][0]["words"][0] == {
        "word": " Hello",
        "start": 0.5,
        "end": 0.9,
        "probability": 0.9,
    }
    assert data["speakers"][0] == {"label": "SPEAKER_00", "name": "Alice", "confidence": 0.91}
    assert data["text"] == "Hello there. Hi <Bob>"
    assert FusionDocument.from_dict(data) == doc


def test_srt_cues_are_numbered_with_comma_millisecond_times() -> None:
    srt = export(_doc(), "srt")
    blocks = srt.strip().split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines() == ["1", "00:00:00,500 --> 00:00:01,400", "Alice: Hello there."]
    assert blocks[1].splitlines()[1] == "01:01:01,250 --> 01:01:02,000"
    for line in srt.splitlines():
        if "-->" in line:
            assert re.fullmatch(r"\d\d:\d\d:\d\d,\d{3} --> \d\d:\d\d:\d\d,\d{3}", line)


def test_vtt_has_header_dot_times_and_escaped_voice_spans() -> None:
    vtt = export(_doc(), "vtt")
    assert vtt.startswith("WEBVTT\n\n")
    assert "00:00:00.500 --> 00:00:01.400\n<v Alice>Hello there.\n" in vtt
    assert "<v SPEAKER_01>Hi &lt;Bob&gt;" in vtt


def test_txt_one_line_per_utterance() -> None:
    assert export(_doc(), "txt").splitlines() == [
        "[00:00:00] Alice: Hello there.",
        "[01:01:01] SPEAKER_01: Hi <Bob>",
    ]


def test_rttm_has_ten_columns_with_onset_and_duration() -> None:
    lines = export(_doc(), "rttm", uri="my meeting").splitlines()
    assert len(lines) == 2
    cols = lines[0].split()
    assert len(cols) == 10
    assert cols[:5] == ["SPEAKER", "my_meeting", "1", "0.500", "0.900"]
    assert cols[7] == "Alice"


def test_rename_reaches_every_format() -> None:
    doc = _doc().rename_speaker("SPEAKER_01", "Bob Smith")
    for fmt in FORMATS:
        assert "Bob" in export(doc, fmt), fmt
    assert "SPEAKER_01" not in export(doc, "txt")
    assert "Bob_Smith" in export(doc, "rttm")
    restored = doc.rename_speaker("SPEAKER_01", "")
    assert restored.segments[1].speaker == "SPEAKER_01"
    with pytest.raises(KeyError):
        doc.rename_speaker("SPEAKER_09", "X")


def test_empty_document_exports_cleanly() -> None:
    empty = FusionDocument((), (), "en", 10.0)
    assert export(empty, "txt") == ""
    assert export(empty, "rttm") == ""
    assert export(empty, "srt") == ""
    assert export(empty, "vtt") == "WEBVTT\n\n"
    assert json.loads(export(empty, "json"))["segments"] == []


def test_unknown_format_is_a_bad_input_error() -> None:
    with pytest.raises(BadInputError, match="unknown transcript format 'docx'"):
        export(_doc(), "docx")
