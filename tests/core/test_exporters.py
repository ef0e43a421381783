"""Exporters: JSON round trip, old documents, SRT/WebVTT cues within the subtitle limits,
TXT lines, RTTM of the diarization turns (overlap kept, renames applied), and stored text
that tries to break a format (checked with the ``srt`` and ``webvtt-py`` parsers)."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest
import srt
import webvtt

from scribe_core.domain import FusionDocument, SpeakerIdentity, SpeakerTurn, Utterance, Word
from scribe_core.errors import BadInputError
from scribe_core.exporters import (
    FORMATS,
    SubtitleLimits,
    export,
    one_line,
    subtitle_cues,
    to_srt,
)

A, B = "SPEAKER_00", "SPEAKER_01"


def _doc() -> FusionDocument:
    w1 = (Word(" Hello", 0.5, 0.9, 0.9), Word(" there.", 0.95, 1.4, 0.8))
    w2 = (Word(" Hi", 3661.25, 3661.5, 0.7), Word(" <Bob>", 3661.6, 3662.0, 0.6))
    return FusionDocument(
        segments=(
            Utterance(0.5, 1.4, "Hello there.", "Alice", A, w1),
            Utterance(3661.25, 3662.0, "Hi <Bob>", B, B, w2),
        ),
        speakers=(SpeakerIdentity(A, "Alice", 0.91, "confident"), SpeakerIdentity(B)),
        language="en",
        duration=3700.0,
        processing_time=12.5,
        metadata={"device": "cpu"},
        turns=(SpeakerTurn(0.4, 1.5, A), SpeakerTurn(1.2, 1.6, B), SpeakerTurn(3661.2, 3662.1, B)),
    )


def _sample_call(eval_dir: Path) -> FusionDocument:
    """The sample call's REFERENCE as a fusion document: one paragraph per line of
    ``sample.stm`` (its words spread evenly over the line), the turns of ``sample.rttm``
    (overlapped speech included), speakers labelled in order of first appearance, unnamed."""
    folder = eval_dir / "sample-call"
    labels: dict[str, str] = {}
    turns = []
    for line in (folder / "sample.rttm").read_text().splitlines():
        _, _, _, onset, duration, _, _, speaker, *_ = line.split()
        label = labels.setdefault(speaker, f"SPEAKER_{len(labels):02d}")
        turns.append(SpeakerTurn(float(onset), float(onset) + float(duration), label))
    by_name = {"Diane": A, "Sheila": B}  # speaker90 speaks first, as Diane does
    segments = []
    for line in (folder / "sample.stm").read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(text)
        )
        label = by_name[speaker]
        segments.append(Utterance(t0, t1, " ".join(text), label, label, words))
    return FusionDocument(
        segments=tuple(segments),
        speakers=(SpeakerIdentity(A), SpeakerIdentity(B)),
        language="en",
        duration=30.0,
        turns=tuple(turns),
    )


def test_json_round_trip_keeps_every_field() -> None:
    doc = _doc()
    data = json.loads(export(doc, "json"))
    assert set(data) >= {
        "text", "segments", "speakers", "turns", "language", "duration", "processing_time"
    }  # fmt: skip
    assert data["segments"][0]["words"][0] == {
        "word": " Hello",
        "start": 0.5,
        "end": 0.9,
        "probability": 0.9,
    }
    assert data["speakers"][0] == {
        "label": A, "name": "Alice", "similarity": 0.91, "match": "confident", "confidence": 0.91
    }  # fmt: skip
    assert data["speakers"][1] == {
        "label": B, "name": None, "similarity": None, "match": "none", "confidence": None
    }  # fmt: skip
    assert data["turns"][1] == {"start": 1.2, "end": 1.6, "speaker_label": B}
    assert data["text"] == "Hello there. Hi <Bob>"
    assert FusionDocument.from_dict(data) == doc


def test_old_documents_without_turns_match_or_similarity_still_load() -> None:
    data = json.loads(export(_doc(), "json"))
    del data["turns"]
    for speaker in data["speakers"]:
        del speaker["similarity"], speaker["match"]
    old = FusionDocument.from_dict(data)
    assert old.turns == ()
    assert old.speakers == (SpeakerIdentity(A, "Alice", 0.91), SpeakerIdentity(B))
    assert [s.match for s in old.speakers] == ["none", "none"]
    # without turns the RTTM falls back to one line per paragraph
    lines = export(old, "rttm", uri="old").splitlines()
    assert [line.split()[3:5] for line in lines] == [["0.500", "0.900"], ["3661.250", "0.750"]]


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


def test_txt_one_line_per_paragraph() -> None:
    assert export(_doc(), "txt").splitlines() == [
        "[00:00:00] Alice: Hello there.",
        "[01:01:01] SPEAKER_01: Hi <Bob>",
    ]


def test_rttm_has_ten_columns_with_onset_and_duration() -> None:
    lines = export(_doc(), "rttm", uri="my meeting").splitlines()
    assert len(lines) == 3
    cols = lines[0].split()
    assert len(cols) == 10
    assert cols[:5] == ["SPEAKER", "my_meeting", "1", "0.400", "1.100"]
    assert cols[7] == "Alice"


def test_rttm_writes_the_sample_call_diarization_with_its_overlap(eval_dir: Path) -> None:
    doc = _sample_call(eval_dir)
    reference = (eval_dir / "sample-call" / "sample.rttm").read_text().splitlines()
    expected = [line.replace("speaker90", A).replace("speaker91", B).split() for line in reference]
    lines = export(doc, "rttm", uri="sample").splitlines()
    assert [line.split() for line in lines] == expected  # one line per turn, not per paragraph
    # Diane's turn 18.05-21.49 s and Sheila's 18.15-18.59 s overlap: both lines are there.
    assert f"SPEAKER sample 1 18.050 3.440 <NA> <NA> {A} <NA> <NA>" in lines
    assert f"SPEAKER sample 1 18.150 0.440 <NA> <NA> {B} <NA> <NA>" in lines


def test_rttm_applies_renames_to_the_turns(eval_dir: Path) -> None:
    doc = _sample_call(eval_dir).rename_speaker(A, "Diane Smith")
    columns = [line.split() for line in export(doc, "rttm", uri="sample").splitlines()]
    assert {c[7] for c in columns} == {"Diane_Smith", B}
    assert [c[3] for c in columns if c[7] == "Diane_Smith"] == [
        "6.690", "8.320", "10.570", "18.050", "27.850"
    ]  # fmt: skip
    assert doc.turns == _sample_call(eval_dir).turns  # turns keep the labels


def test_rename_reaches_every_format() -> None:
    doc = _doc().rename_speaker(B, "Bob Smith")
    for fmt in FORMATS:
        assert "Bob" in export(doc, fmt), fmt
    assert "SPEAKER_01" not in export(doc, "txt")
    assert "Bob_Smith" in export(doc, "rttm")
    assert "SPEAKER_01" not in export(doc, "rttm")
    restored = doc.rename_speaker(B, "")
    assert restored.segments[1].speaker == "SPEAKER_01"
    with pytest.raises(KeyError):
        doc.rename_speaker("SPEAKER_09", "X")


def _check_cues(doc: FusionDocument, limits: SubtitleLimits) -> None:
    """Every cue within ``limits`` (characters include the ``Name: `` prefix), and the cues
    of each paragraph, joined, give the paragraph's text over its time span."""
    cues = subtitle_cues(doc, limits)
    for u in doc.segments:
        own = [c for c in cues if c.speaker == u.speaker and u.start <= c.start < u.end]
        assert " ".join(c.text for c in own) == u.text
        assert own[0].start == u.start
        assert own[-1].end == u.end
        assert all(a.end <= b.start for a, b in zip(own, own[1:], strict=False))
    for cue in cues:
        assert cue.end - cue.start <= limits.max_seconds + 1e-9
        assert len(cue.lines) <= limits.max_lines
        shown = [f"{cue.speaker}: {cue.lines[0]}", *cue.lines[1:]]
        assert all(len(line) <= limits.max_line_chars for line in shown), shown


def test_long_paragraph_is_split_into_cues_at_word_timings(eval_dir: Path) -> None:
    doc = _sample_call(eval_dir)
    # Sheila's last two lines as one paragraph (117 characters in 6.5 s), as fusion makes it.
    first, second = doc.segments[-3:-1]
    words = first.words + second.words
    text = f"{first.text} {second.text}"
    paragraph = Utterance(first.start, second.end, text, "Sheila", B, words)
    one = FusionDocument((paragraph,), (SpeakerIdentity(B, "Sheila"),), "en", 30.0)
    _check_cues(one, SubtitleLimits())
    cues = subtitle_cues(one)
    assert len(cues) == 2
    assert cues[0].text == "Well, there isn't that much difference."  # ends at the sentence
    assert cues[1].start == second.words[0].start  # a word boundary, from the word timings
    srt = to_srt(one).split("\n\n")
    assert srt[1].splitlines()[2].startswith("Sheila: At least you know,")


def test_cues_respect_the_duration_limit_and_custom_limits() -> None:
    words = tuple(Word(f" w{i}", i * 0.5, i * 0.5 + 0.4, 0.9) for i in range(40))  # 20 s
    text = "".join(w.word for w in words).strip()
    doc = FusionDocument((Utterance(0.0, 19.9, text, "Al", A, words),), (), "en", 20.0)
    _check_cues(doc, SubtitleLimits())
    assert len(subtitle_cues(doc)) == 3  # 7 s at most per cue
    narrow = SubtitleLimits(max_line_chars=20, max_lines=1, max_seconds=60.0)
    _check_cues(doc, narrow)
    assert len(subtitle_cues(doc, narrow)) > 3


def test_paragraph_without_words_is_split_evenly_in_time() -> None:
    text = " ".join(["spoken"] * 30)  # 209 characters
    doc = FusionDocument((Utterance(10.0, 16.0, text, "Al", A),), (), "en", 20.0)
    _check_cues(doc, SubtitleLimits())
    cues = subtitle_cues(doc)
    assert len(cues) == 3
    for cue in cues:  # the time of each cue is in proportion to its characters
        share = (len(cue.text) + 1) / (len(text) + 1)
        assert cue.end - cue.start == pytest.approx(6.0 * share, abs=6.0 / len(text))


def test_srt_and_vtt_have_the_same_cues(eval_dir: Path) -> None:
    doc = _sample_call(eval_dir)
    srt_times = [line for line in export(doc, "srt").splitlines() if "-->" in line]
    vtt_times = [line for line in export(doc, "vtt").splitlines() if "-->" in line]
    assert [t.replace(",", ".") for t in srt_times] == vtt_times
    _check_cues(doc, SubtitleLimits())
    # Only the 74-character line behind "SPEAKER_01: " is over 84 characters: 2 cues.
    assert len(srt_times) == len(doc.segments) + 1
    assert export(doc, "txt").count("\n") == len(doc.segments)


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


INJECTION = "\n\n99\n00:00:05,000 --> 00:00:09,000\nInjected cue"
"""What a name or a text must not do: end its cue and open a forged one (SRT and WebVTT)."""


def _hostile() -> FusionDocument:
    """A stored document (as JSON, the way old data and hand-edited files arrive) whose names
    and texts carry line breaks, a forged cue, controls, separators, bidi overrides, tags and
    arrows; one paragraph lasts over 7 s and is split into several cues."""
    evil_name = f"Eve{INJECTION}\r\n\x00\x1b[31m\u2028\u202eLIVE"
    long_text = " ".join(["word"] * 30) + f" <b>&amp; -->{INJECTION}"
    data = {
        "text": "",
        "segments": [
            {"start": 0.5, "end": 2.0, "text": f"Hello{INJECTION}\u2029\u0085end",
             "speaker": evil_name, "speaker_label": A, "words": []},
            {"start": 3.0, "end": 14.0, "text": long_text, "speaker": "Bob\n\nBob",
             "speaker_label": B, "words": []},
        ],
        "speakers": [{"label": A, "name": evil_name}, {"label": B, "name": "Bob\n\nBob"}],
        "turns": [{"start": 0.5, "end": 2.0, "speaker_label": A},
                  {"start": 3.0, "end": 14.0, "speaker_label": B}],
        "language": "en",
        "duration": 15.0,
    }  # fmt: skip
    return FusionDocument.from_dict(data)


def test_one_line_collapses_breaks_and_controls() -> None:
    assert one_line("Ada\r\n\n Lovelace\t\x00\x1b[0m") == "Ada Lovelace [0m"
    assert one_line("a\u2028b\u2029c\x85d\x0be") == "a b c d e"
    assert one_line("\u202eevil\u2066x\u2069\ud800") == "evilx"
    assert one_line("نمی\u200cخواهم 👩\u200d💻") == "نمی\u200cخواهم 👩\u200d💻"  # ZWNJ, ZWJ kept
    assert one_line("\n\r\x07") == ""


def test_stored_text_cannot_break_srt() -> None:
    doc = _hostile()
    cues = subtitle_cues(doc)
    assert len(cues) > len(doc.segments)  # the long paragraph is several cues
    parsed = list(srt.parse(export(doc, "srt")))
    assert len(parsed) == len(cues)
    assert [p.index for p in parsed] == list(range(1, len(cues) + 1))
    assert [round(p.start.total_seconds(), 3) for p in parsed] == [round(c.start, 3) for c in cues]
    first = parsed[0].content
    assert first.startswith("Eve 99 00:00:05,000 -> 00:00:09,000 Injected cue [31m LIVE: Hello")
    assert all(p.content.startswith(("Eve ", "Bob Bob: ")) for p in parsed)
    assert all("-->" not in p.content and "\x00" not in p.content for p in parsed)


def test_stored_text_cannot_break_vtt() -> None:
    doc = _hostile()
    text = export(doc, "vtt")
    assert text.splitlines()[0] == "WEBVTT"
    captions = webvtt.from_buffer(io.StringIO(text)).captions
    assert len(captions) == len(subtitle_cues(doc))
    assert {c.voice for c in captions} == {
        "Eve 99 00:00:05,000 --&gt; 00:00:09,000 Injected cue [31m LIVE", "Bob Bob"
    }  # fmt: skip
    body = "\n".join(c.raw_text for c in captions)
    assert "-->" not in body
    assert "&lt;b&gt;&amp;amp; --&gt;" in body  # tags and arrows as character references
    assert "<b>" not in body


def test_stored_text_cannot_break_txt_or_rttm() -> None:
    doc = _hostile()
    lines = export(doc, "txt").splitlines()
    assert len(lines) == len(doc.segments)
    assert lines[0].startswith("[00:00:00] Eve 99 00:00:05,000 --> 00:00:09,000 Injected cue")
    rttm = [line.split(" ") for line in export(doc, "rttm", uri="a\nb c").splitlines()]
    assert len(rttm) == len(doc.turns)
    assert all(len(columns) == 10 and columns[1] == "a_b_c" for columns in rttm)
    assert rttm[1][7] == "Bob_Bob"
    assert rttm[0][7].startswith("Eve_99_00:00:05,000_-->_00:00:09,000_Injected_cue")


def test_non_finite_times_in_a_stored_document_do_not_fail_the_export() -> None:
    data = json.loads(export(_doc(), "json"))
    data["segments"][0]["start"] = float("nan")
    data["segments"][0]["words"] = []
    doc = FusionDocument.from_dict(json.loads(json.dumps(data)))
    exports = {fmt: export(doc, fmt) for fmt in FORMATS}
    parsed = list(srt.parse(exports["srt"]))
    assert parsed[0].start.total_seconds() == 0.0  # a time that is not a number shows as 0
    assert parsed[-1].content == "SPEAKER_01: Hi <Bob>"
