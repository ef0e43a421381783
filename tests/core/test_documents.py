"""Minutes documents (DOCX, PDF, Markdown) and speaker statistics on real fusion output.

Two meetings go through the worker's real ``fuse`` stage: the sample call (its reference
transcript ``sample.stm`` as recogniser output, its reference diarization ``sample.rttm``),
and a French meeting made of the ten FLEURS French reference sentences (accents, « », ’),
said in turn by two speakers. Each document is read back with the library a user's tool
would use: python-docx for DOCX, pypdf's text extraction for PDF.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import docx
import pypdf
import pytest

from scribe_core.documents import (
    FORMATS,
    MEDIA_TYPES,
    SpeakerStatistics,
    escape_markdown,
    render,
    speaker_statistics,
    to_docx,
    to_markdown,
    to_pdf,
)
from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Utterance,
    Word,
)
from scribe_core.errors import BadInputError
from scribe_worker.stages.fuse import fuse

A, B = "SPEAKER_00", "SPEAKER_01"
FRENCH_MARKS = "éèàçôœ«»’"
DATE = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


def _segment(t0: float, t1: float, text: str) -> TranscriptSegment:
    """A recogniser segment whose words are spread evenly over ``t0``-``t1``."""
    tokens = text.split()
    step = (t1 - t0) / len(tokens)
    words = tuple(
        Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(tokens)
    )
    return TranscriptSegment(t0, t1, " ".join(tokens), words)


def _sample_call(eval_dir: Path) -> tuple[FusionDocument, list[tuple[str, float, float, str]]]:
    """The sample call through ``fuse`` and its STM lines ``(speaker, start, end, text)``."""
    folder = eval_dir / "sample-call"
    stm = []
    for line in (folder / "sample.stm").read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        stm.append((speaker, float(start), float(end), " ".join(text)))
    turns = []
    for line in (folder / "sample.rttm").read_text().splitlines():
        _, _, _, onset, duration, _, _, speaker, *_ = line.split()
        turns.append(SpeakerTurn(float(onset), float(onset) + float(duration), speaker))
    transcription = Transcription(
        tuple(_segment(t0, t1, text) for _, t0, t1, text in stm), "en", 1.0, 30.0
    )
    document = fuse(transcription, Diarization(tuple(turns), duration=30.0))
    return document, stm


def _french_meeting(eval_dir: Path) -> FusionDocument:
    """The ten FLEURS French sentences, 6 s each with a 0.5 s gap, said alternately by two
    speakers (sentences 0, 1 by the first, 2 by the second, then one each), through ``fuse``;
    the first speaker is then named ``Benoît Lœuvre`` as a user would."""
    sentences = [
        (eval_dir / "fleurs" / f"fleurs-fr-{i:03d}.txt").read_text().strip() for i in range(10)
    ]
    segments, turns = [], []
    for i, text in enumerate(sentences):
        t0 = i * 6.5
        segments.append(_segment(t0, t0 + 6.0, text))
        speaker = A if i < 2 or i % 2 == 1 else B
        turns.append(SpeakerTurn(t0, t0 + 6.0, speaker))
    transcription = Transcription(tuple(segments), "fr", 1.0, 65.0)
    document = fuse(transcription, Diarization(tuple(turns), duration=65.0))
    return document.rename_speaker(A, "Benoît Lœuvre")


@pytest.fixture(scope="module")
def french(eval_dir: Path) -> FusionDocument:
    return _french_meeting(eval_dir)


def _pdf_text(data: bytes) -> str:
    """The text of every page, each page's ``n/N`` footer checked and left out."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = []
    for n, page in enumerate(reader.pages, start=1):
        *body, footer = page.extract_text().rstrip().splitlines()
        assert footer.strip() == f"{n}/{len(reader.pages)}"
        pages.append("\n".join(body))
    return "\n".join(pages)


def _docx_text(data: bytes) -> tuple[list[str], list[list[str]]]:
    document = docx.Document(io.BytesIO(data))
    tables = [[cell.text for cell in row.cells] for t in document.tables for row in t.rows]
    return [p.text for p in document.paragraphs], tables


def _squash(text: str) -> str:
    return " ".join(text.split())


# -- statistics -------------------------------------------------------------------------------


def test_statistics_of_a_known_meeting() -> None:
    words = lambda n, t0, t1: tuple(  # noqa: E731
        Word(" w", t0 + i * (t1 - t0) / n, t0 + (i + 1) * (t1 - t0) / n, 1.0) for i in range(n)
    )
    document = FusionDocument(
        segments=(
            Utterance(0.0, 10.0, "w " * 20, "Ada", A, words(20, 0.0, 10.0)),
            Utterance(10.0, 15.0, "w " * 10, B, B, words(10, 10.0, 15.0)),
            Utterance(16.0, 20.0, "w " * 8, "Ada", A, words(8, 16.0, 20.0)),
            Utterance(23.0, 24.0, "two words", "Ada", A),  # after a pause: same turn
        ),
        speakers=(SpeakerIdentity(A, "Ada"), SpeakerIdentity(B), SpeakerIdentity("SPEAKER_02")),
        language="en",
        duration=30.0,
    )
    stats = speaker_statistics(document)
    assert [s.label for s in stats] == [A, B, "SPEAKER_02"]  # most talkative first
    assert stats[0] == SpeakerStatistics(A, "Ada", 15.0, 2, 30, 120.0, 0.75)
    assert stats[1] == SpeakerStatistics(B, B, 5.0, 1, 10, 120.0, 0.25)
    assert stats[2] == SpeakerStatistics("SPEAKER_02", "SPEAKER_02", 0.0, 0, 0, None, 0.0)


def test_statistics_of_an_empty_meeting() -> None:
    document = FusionDocument((), (SpeakerIdentity(A),), "en", 5.0)
    assert speaker_statistics(document) == (SpeakerStatistics(A, A, 0.0, 0, 0, None, 0.0),)
    assert speaker_statistics(FusionDocument((), (), "en", 0.0)) == ()


def test_statistics_of_the_sample_call_match_its_reference(eval_dir: Path) -> None:
    document, stm = _sample_call(eval_dir)
    stats = {s.label: s for s in speaker_statistics(document)}
    assert set(stats) == {"speaker90", "speaker91"}
    by_stm = {"speaker90": "Diane", "speaker91": "Sheila"}  # who is who in sample.rttm
    for label, s in stats.items():
        lines = [line for line in stm if line[0] == by_stm[label]]
        # the reference words of the speaker, give or take the two words at a speaker change
        # that the evenly spread word times put into the other speaker's turn
        assert abs(s.words - sum(len(text.split()) for *_, text in lines)) <= 2
        # talk time: the speaker's reference lines (less those two words) and the short
        # pauses inside a paragraph, never more than the speaker's first-to-last span
        said = sum(t1 - t0 for _, t0, t1, _ in lines)
        assert said - 1.0 <= s.talk_time <= lines[-1][2] - lines[0][1]
        assert s.words_per_minute == pytest.approx(s.words * 60 / s.talk_time)
    assert sum(s.words for s in stats.values()) == sum(len(line[3].split()) for line in stm)
    speakers_in_order = [line[0] for line in stm]
    changes = sum(a != b for a, b in zip(speakers_in_order, speakers_in_order[1:], strict=False))
    assert sum(s.turns for s in stats.values()) == changes + 1
    assert sum(s.share for s in stats.values()) == pytest.approx(1.0)
    assert sum(s.talk_time for s in stats.values()) <= document.duration


# -- documents --------------------------------------------------------------------------------


def test_pdf_text_keeps_every_french_mark(french: FusionDocument) -> None:
    title = "Réunion « budget » de l’équipe"
    text = _pdf_text(to_pdf(french, title=title, date=DATE))
    assert title in text
    assert all(mark in text for mark in FRENCH_MARKS)
    flat = _squash(text)
    for u in french.segments:  # every paragraph, its speaker and its time stamp
        assert u.text in flat
    assert "Benoît Lœuvre" in text
    assert re.search(r"\[00:00:00\] Benoît Lœuvre: l'accident a eu lieu", flat)
    assert "2026-11-29 09:30 UTC" in text
    assert "00:01:05" in text  # the duration
    assert "Language: fr" in text


def test_docx_holds_the_header_participants_and_every_paragraph(french: FusionDocument) -> None:
    title = "Réunion « budget » de l’équipe"
    paragraphs, table = _docx_text(to_docx(french, title=title, date=DATE))
    assert paragraphs[0] == title
    assert "Date: 2026-11-29 09:30 UTC" in paragraphs
    assert "Duration: 00:01:05" in paragraphs
    assert "Language: fr" in paragraphs
    stats = speaker_statistics(french)
    assert table[0] == ["Participant", "Talk time", "Share", "Turns", "Words", "Words/min"]
    assert [row[0] for row in table[1:]] == [s.name for s in stats] == ["Benoît Lœuvre", B]
    lines = [p for p in paragraphs if p.startswith("[")]
    assert lines == [
        f"[{int(u.start) // 60 // 60:02d}:{int(u.start) // 60 % 60:02d}:{int(u.start) % 60:02d}] "
        f"{u.speaker}: {u.text}"
        for u in french.segments
    ]
    assert all(
        mark in "\n".join(paragraphs + [c for r in table for c in r]) for mark in FRENCH_MARKS
    )
    assert docx.Document(io.BytesIO(to_docx(french, title=title))).core_properties.title == title


def test_participants_table_shows_the_statistics(french: FusionDocument) -> None:
    stats = speaker_statistics(french)
    first = stats[0]
    # sentences 0, 1, 3, 5, 7, 9 by the first speaker: 5 turns, 6 sentences of 6 s each,
    # sentences 0 and 1 one paragraph (0.5 s pause): 6 s + 0.5 s + 6 s + 4 × 6 s
    assert (first.turns, first.talk_time) == (5, pytest.approx(36.5))
    assert stats[1].turns == 4
    _, table = _docx_text(to_docx(french, title="t"))
    row = table[1]
    assert row[1:4] == ["00:00:36", f"{first.share * 100:.0f} %", "5"]
    assert row[4] == str(first.words)
    assert row[5] == f"{first.words_per_minute:.0f}"
    markdown = to_markdown(french, title="t")
    assert f"| Benoît Lœuvre | 00:00:36 | {first.share * 100:.0f} % | 5 | {first.words} |" in (
        markdown
    )


def test_markdown_escapes_user_text_and_keeps_accents(french: FusionDocument) -> None:
    hostile = french.rename_speaker(B, "Zoé *the* | [boss](x)").segments
    document = FusionDocument(
        segments=(
            *hostile,
            Utterance(70.0, 72.0, "Voir <script>alert(1)</script> & `code` # fin", "Zoé", B),
        ),
        speakers=french.rename_speaker(B, "Zoé *the* | [boss](x)").speakers,
        language="fr",
        duration=72.0,
    )
    markdown = to_markdown(document, title="Réunion #3 _brouillon_\nsuite", date=DATE)
    lines = markdown.splitlines()
    assert lines[0] == r"# Réunion \#3 \_brouillon\_ suite"  # one line, nothing interpreted
    assert r"| Zoé \*the\* \| \[boss\](x) |" in markdown
    assert r"**\[00:01:10\] Zoé:** Voir \<script\>alert(1)\</script\> \& \`code\` \# fin" in lines
    assert "<script>" not in markdown
    assert all(mark in markdown for mark in FRENCH_MARKS)
    # every table row keeps its seven pipes: no cell text adds a column
    assert all(line.count("|") - line.count(r"\|") == 7 for line in lines if line[:1] == "|")


def test_escape_markdown_is_one_line() -> None:
    assert escape_markdown("a\r\n* b_c") == r"a \* b\_c"
    assert escape_markdown(r"C:\temp") == r"C:\\temp"


def test_control_characters_cannot_break_the_docx_or_pdf() -> None:
    text = "Bonjour\x00 à\x0b tous\ufffe, \u202eça va ?"
    document = FusionDocument(
        (Utterance(0.0, 2.0, text, "Léa\x1b", A),), (SpeakerIdentity(A, "Léa\x1b"),), "fr", 2.0
    )
    paragraphs, _ = _docx_text(to_docx(document, title="t\x00"))
    assert "[00:00:00] Léa: Bonjour à tous, ça va ?" in paragraphs
    assert "Bonjour à tous, ça va ?" in _squash(_pdf_text(to_pdf(document, title="t")))


def test_empty_meeting_gives_a_document_that_says_so() -> None:
    document = FusionDocument((), (), "en", 3.0)
    assert "No speech was transcribed." in to_markdown(document, title="Silence")
    assert "No speaker was detected." in _pdf_text(to_pdf(document, title="Silence"))
    assert "No speech was transcribed." in _docx_text(to_docx(document, title="Silence"))[0]


def test_long_meeting_pdf_spans_pages_and_keeps_order(eval_dir: Path) -> None:
    document, _ = _sample_call(eval_dir)
    shifted = [
        Utterance(u.start + k * 30, u.end + k * 30, u.text, u.speaker, u.speaker_label, u.words)
        for k in range(12)
        for u in document.segments
    ]
    long = FusionDocument(tuple(shifted), document.speakers, "en", 360.0)
    data = to_pdf(long, title="Sample call × 12")
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = len(reader.pages)
    assert pages > 1
    text = _squash(_pdf_text(data))  # checks the n/N footers
    stamps = re.findall(r"\[(\d\d):(\d\d):(\d\d)\]", text)
    seconds = [int(h) * 3600 + int(m) * 60 + int(s) for h, m, s in stamps]
    assert len(seconds) == len(shifted)
    assert seconds == sorted(seconds)
    assert seconds[-1] == int(shifted[-1].start)


def test_render_dispatches_and_refuses_unknown_formats(french: FusionDocument) -> None:
    assert FORMATS == ("docx", "pdf", "md")
    assert render(french, "PDF", title="t").startswith(b"%PDF-")
    assert render(french, "docx", title="t")[:2] == b"PK"  # a ZIP container
    assert render(french, "md", title="t").decode().startswith("# t\n")
    assert MEDIA_TYPES["md"] == "text/markdown; charset=utf-8"
    with pytest.raises(BadInputError, match="unknown document format 'odt'"):
        render(french, "odt", title="t")


def test_names_and_words_longer_than_a_line_wrap_instead_of_failing() -> None:
    name = "Jean-" + "Baptiste" * 30  # 245 characters, within the 255 a rename allows
    token = "x" * 400  # e.g. a URL read out
    document = FusionDocument(
        (Utterance(0.0, 5.0, f"début {token} fin é", name, A),),
        (SpeakerIdentity(A, name),),
        "fr",
        5.0,
    )
    text = "".join(_pdf_text(to_pdf(document, title="T" * 255)).split())  # line breaks anywhere
    assert "T" * 255 in text
    assert f"{name}:début{token}fin" in text
    assert f"{name}: début" in _docx_text(to_docx(document, title="t"))[0][-1]
