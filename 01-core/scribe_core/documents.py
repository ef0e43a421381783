"""Meeting minutes as documents (DOCX, PDF, Markdown) and per-speaker statistics.

Every builder reads only the fusion document (:class:`~scribe_core.domain.FusionDocument`)
plus the meeting's title and date, so a speaker rename shows in every document. A document
holds, in this order: the title; the date, duration and language; the participants with
their talk time, share, turns, words and words per minute (:func:`speaker_statistics`); then
one paragraph per utterance of the fusion document (the same paragraphs as the TXT export,
:func:`scribe_core.exporters.to_txt`), as ``[hh:mm:ss] Name: text`` where ``Name`` is the
identified or user-given name, else the speaker label.

Libraries:
    - DOCX: python-docx (``docx.Document``); Word's default font renders every Latin,
      Greek and Cyrillic letter.
    - PDF: fpdf2 with the DejaVu Sans TrueType font (regular and bold) shipped inside the
      matplotlib wheel (``matplotlib/mpl-data/fonts/ttf/DejaVuSans.ttf``; licence: the
      Bitstream Vera font licence, DejaVu changes in the public domain, both free to use and
      embed; the licence text ships as ``LICENSE_DEJAVU`` beside the font). The font is
      found without importing matplotlib, needs no system font and no network, covers Latin
      (French ``é è à ç ô œ « » ’`` included), Greek and Cyrillic, and is embedded (subset)
      with a ``ToUnicode`` map, so the PDF's text can be extracted and searched. Scripts
      DejaVu Sans lacks (Chinese, Japanese, Korean …) render as empty boxes.
    - Markdown: plain text, CommonMark; user text is escaped (:func:`escape_markdown`).

Every stored name and text goes through :func:`scribe_core.exporters.one_line` first
(controls and line breaks become spaces, bidi controls are removed), so no stored text can
break a document's structure or make python-docx refuse a non-XML character.
"""

from __future__ import annotations

import importlib.util
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Final

from scribe_core.domain import FusionDocument
from scribe_core.errors import BadInputError, ScribeError
from scribe_core.exporters import one_line

if TYPE_CHECKING:
    from fpdf import FPDF

FORMATS: Final = ("docx", "pdf", "md")
"""Document formats, as ``?format=`` names them."""

MEDIA_TYPES: Final = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "md": "text/markdown; charset=utf-8",
}
"""HTTP media type of each document format (Markdown: RFC 7763)."""


class FontUnavailableError(ScribeError):
    """The PDF font (DejaVu Sans, shipped by the matplotlib wheel) is not installed: an
    installation fault of the server, not of the request (HTTP 503)."""

    status_code = 503
    code = "font_unavailable"


# -- speaker statistics -----------------------------------------------------------------------


@dataclass(frozen=True)
class SpeakerStatistics:
    """How much one speaker talked in a meeting.

    Talk time is measured on the fusion document's utterances (paragraphs: first word's
    start to last word's end, pauses under ``FuseOptions.max_pause`` inside included), the
    same spans the transcript shows and the words are counted in; the diarization's
    overlapped turns are not used, so the talk times of all speakers never add up to more
    than the recording and words per minute relate the words to the time they were said in.

    Attributes:
        label: The diarization label (``SPEAKER_00``), stable across renames.
        name: The display name: the identified or given name, else the label.
        talk_time: Seconds of talk (sum of the speaker's utterance spans), ``>= 0``.
        turns: Turns at talk: runs of consecutive utterances of this speaker, so a new turn
            starts when the speaker takes the floor back from someone else (a long pause
            alone splits a paragraph, not a turn).
        words: Words said: the recogniser's words of the utterances (whitespace-separated
            tokens of the text when a stored utterance has no words).
        words_per_minute: ``words / (talk_time / 60)``; ``None`` when ``talk_time`` is 0.
        share: ``talk_time`` over the talk time of all speakers, in [0, 1] (0 when nobody
            talked); the shares of a meeting add up to 1.
    """

    label: str
    name: str
    talk_time: float
    turns: int
    words: int
    words_per_minute: float | None
    share: float


def speaker_statistics(document: FusionDocument) -> tuple[SpeakerStatistics, ...]:
    """Talk time, turns, words, words per minute and share of every speaker.

    Pure function of the fusion document (see :class:`SpeakerStatistics` for what each
    figure measures). Every speaker of ``document.speakers`` is listed, a diarized speaker
    without any word with zeros, plus any label that only appears in the utterances.

    Args:
        document: The fusion document.

    Returns:
        One entry per speaker, the most talkative first (ties in label order).
    """
    names = document.display_names()
    talk: dict[str, float] = dict.fromkeys(names, 0.0)
    turns: dict[str, int] = dict.fromkeys(names, 0)
    words: dict[str, int] = dict.fromkeys(names, 0)
    previous: str | None = None
    for u in sorted(document.segments, key=lambda u: (u.start, u.end)):
        label = u.speaker_label
        names.setdefault(label, u.speaker)
        talk[label] = talk.get(label, 0.0) + max(0.0, u.end - u.start)
        words[label] = words.get(label, 0) + (len(u.words) or len(u.text.split()))
        turns[label] = turns.get(label, 0) + (label != previous)
        previous = label
    total = sum(talk.values())
    stats = [
        SpeakerStatistics(
            label=label,
            name=names[label],
            talk_time=talk[label],
            turns=turns[label],
            words=words[label],
            words_per_minute=words[label] * 60.0 / talk[label] if talk[label] > 0 else None,
            share=talk[label] / total if total > 0 else 0.0,
        )
        for label in names
    ]
    return tuple(sorted(stats, key=lambda s: (-s.talk_time, s.label)))


# -- shared pieces ----------------------------------------------------------------------------

_NON_XML: Final = re.compile("[\ufffe\uffff]")
"""Characters XML 1.0 forbids that :func:`one_line` keeps (U+FFFE, U+FFFF)."""


def _clean(text: str) -> str:
    return _NON_XML.sub("", one_line(text))


def clock(seconds: float) -> str:
    """``hh:mm:ss`` of a time or duration in seconds, truncated to whole seconds (negative
    and non-finite values give ``00:00:00``; hours go past 99 when needed)."""
    total = int(seconds) if math.isfinite(seconds) and seconds > 0 else 0
    return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _date(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _wpm(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _percent(share: float) -> str:
    return f"{share * 100:.0f} %"


@dataclass(frozen=True)
class _Minutes:
    """What every document shows, cleaned: header facts, participants, paragraphs."""

    title: str
    facts: tuple[tuple[str, str], ...]
    participants: tuple[tuple[str, ...], ...]
    paragraphs: tuple[tuple[str, str, str], ...]
    language: str


_PARTICIPANT_COLUMNS: Final = ("Participant", "Talk time", "Share", "Turns", "Words", "Words/min")


def _minutes(document: FusionDocument, title: str, date: datetime | None) -> _Minutes:
    stats = speaker_statistics(document)
    return _Minutes(
        title=_clean(title) or "Meeting",
        facts=(
            ("Date", _date(date)),
            ("Duration", clock(document.duration)),
            ("Language", _clean(document.language) or "unknown"),
            ("Participants", str(len(stats))),
        ),
        participants=tuple(
            (
                _clean(s.name) or s.label,
                clock(s.talk_time),
                _percent(s.share),
                str(s.turns),
                str(s.words),
                _wpm(s.words_per_minute),
            )
            for s in stats
        ),
        paragraphs=tuple(
            (clock(u.start), _clean(u.speaker) or u.speaker_label, _clean(u.text))
            for u in document.segments
        ),
        language=_clean(document.language),
    )


# -- Markdown ---------------------------------------------------------------------------------

_MARKDOWN_SPECIAL: Final = re.compile(r"([\\`*_\[\]<>#|~&!$])")


def escape_markdown(text: str) -> str:
    """``text`` as literal Markdown inline content: one line (:func:`one_line`), each of
    ``\\ ` * _ [ ] < > # | ~ & ! $`` preceded by a backslash.

    CommonMark §2.4 lets any ASCII punctuation be backslash-escaped; this set covers
    emphasis, code spans, links and images, raw HTML and autolinks, entity references,
    heading closers, GFM table cells and strikethrough, and ``$`` math of renderers that
    have it. Line-start constructs (lists, block quotes, headings) cannot occur: user text
    never starts a line of the minutes.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _clean(text))


def to_markdown(document: FusionDocument, *, title: str, date: datetime | None = None) -> str:
    """The minutes as CommonMark (GFM table for the participants).

    Args:
        document: The fusion document.
        title: The meeting title.
        date: When the meeting was recorded or uploaded (shown in UTC); ``None``: unknown.

    Returns:
        The Markdown text, ending with a newline.
    """
    m = _minutes(document, title, date)
    lines = [f"# {escape_markdown(m.title)}", ""]
    lines += [f"- **{name}:** {escape_markdown(value)}" for name, value in m.facts]
    lines += ["", "## Participants", ""]
    if m.participants:
        lines.append("| " + " | ".join(_PARTICIPANT_COLUMNS) + " |")
        lines.append("|---|" + "---:|" * (len(_PARTICIPANT_COLUMNS) - 1))
        for row in m.participants:
            lines.append("| " + " | ".join(escape_markdown(cell) for cell in row) + " |")
    else:
        lines.append("No speaker was detected.")
    lines += ["", "## Transcript", ""]
    for stamp, speaker, text in m.paragraphs:
        lines += [f"**\\[{stamp}\\] {escape_markdown(speaker)}:** {escape_markdown(text)}", ""]
    if not m.paragraphs:
        lines += ["No speech was transcribed.", ""]
    return "\n".join(lines)


# -- DOCX -------------------------------------------------------------------------------------


def to_docx(document: FusionDocument, *, title: str, date: datetime | None = None) -> bytes:
    """The minutes as an Office Open XML word-processing document (python-docx).

    Title (style ``Title``), the facts, a ``Participants`` table, then one paragraph per
    utterance: a grey ``[hh:mm:ss]``, the speaker in bold, the text.

    Args:
        document: The fusion document.
        title: The meeting title (also the file's ``dc:title`` property).
        date: When the meeting was recorded or uploaded (shown in UTC); ``None``: unknown.

    Returns:
        The ``.docx`` file's bytes.
    """
    from docx import Document
    from docx.shared import RGBColor

    m = _minutes(document, title, date)
    doc = Document()
    doc.core_properties.title = m.title
    doc.core_properties.language = m.language
    doc.core_properties.comments = "Smart Meeting Scribe minutes"
    doc.add_heading(m.title, level=0)
    for name, value in m.facts:
        p = doc.add_paragraph()
        p.add_run(f"{name}: ").bold = True
        p.add_run(value)
    doc.add_heading("Participants", level=1)
    if m.participants:
        table = doc.add_table(rows=1, cols=len(_PARTICIPANT_COLUMNS))
        table.style = "Table Grid"
        for cell, heading in zip(table.rows[0].cells, _PARTICIPANT_COLUMNS, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(heading).bold = True
        for row in m.participants:
            for cell, value in zip(table.add_row().cells, row, strict=True):
                cell.text = value
    else:
        doc.add_paragraph("No speaker was detected.")
    doc.add_heading("Transcript", level=1)
    for stamp, speaker, text in m.paragraphs:
        p = doc.add_paragraph()
        p.add_run(f"[{stamp}] ").font.color.rgb = RGBColor(0x6B, 0x72, 0x80)
        p.add_run(f"{speaker}: ").bold = True
        p.add_run(text)
    if not m.paragraphs:
        doc.add_paragraph("No speech was transcribed.")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# -- PDF --------------------------------------------------------------------------------------

PDF_FONT_FILES: Final = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
"""fpdf2 style → DejaVu Sans file inside ``matplotlib/mpl-data/fonts/ttf``."""


def pdf_font_dir() -> Path:
    """The folder holding DejaVu Sans inside the installed matplotlib package.

    Found with :func:`importlib.util.find_spec`, which locates the package without
    importing it (importing matplotlib would cost time and memory for nothing).

    Raises:
        FontUnavailableError: matplotlib, or the font files, are not installed.
    """
    spec = importlib.util.find_spec("matplotlib")
    locations = list(spec.submodule_search_locations or ()) if spec else []
    for location in locations:
        folder = Path(location) / "mpl-data" / "fonts" / "ttf"
        if all((folder / name).is_file() for name in PDF_FONT_FILES.values()):
            return folder
    raise FontUnavailableError(
        "PDF export is not available on this server: its font is not installed",
        internal="DejaVu Sans not found in the matplotlib package (pip install matplotlib)",
    )


def _pdf(title: str, language: str) -> FPDF:
    from fpdf import FPDF

    class _MinutesPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", size=8)
            self.set_text_color(107, 114, 128)
            self.cell(0, 6, f"{self.page_no()}/{{nb}}", align="C")

    pdf = _MinutesPDF(format="A4")
    folder = pdf_font_dir()
    for style, name in PDF_FONT_FILES.items():
        pdf.add_font("DejaVu", style, str(folder / name))
    pdf.set_title(title)
    pdf.set_creator("Smart Meeting Scribe")
    if language:
        pdf.set_lang(language)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    return pdf


def to_pdf(document: FusionDocument, *, title: str, date: datetime | None = None) -> bytes:
    """The minutes as a PDF (fpdf2, A4, DejaVu Sans embedded), pages numbered ``n/N``.

    Args:
        document: The fusion document.
        title: The meeting title (also the PDF's ``/Title``).
        date: When the meeting was recorded or uploaded (shown in UTC); ``None``: unknown.

    Returns:
        The PDF file's bytes.

    Raises:
        FontUnavailableError: The font is not installed (see :func:`pdf_font_dir`).
    """
    from fpdf.enums import XPos, YPos

    m = _minutes(document, title, date)
    pdf = _pdf(m.title, m.language)

    def block(height: float, text: str) -> None:
        """``text`` wrapped from the current position, then a new line at the left margin."""
        pdf.multi_cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    pdf.set_font("DejaVu", "B", 18)
    block(9, m.title)
    pdf.ln(2)
    pdf.set_font("DejaVu", size=10)
    for name, value in m.facts:
        pdf.set_font("DejaVu", "B", 10)
        pdf.write(6, f"{name}: ")
        pdf.set_font("DejaVu", size=10)
        pdf.write(6, value)
        pdf.ln(6)

    def heading(text: str) -> None:
        pdf.ln(4)
        pdf.set_font("DejaVu", "B", 13)
        pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("DejaVu", size=10)

    heading("Participants")
    if m.participants:
        with pdf.table(
            col_widths=(32, 14, 10, 10, 10, 14), text_align=("LEFT", *["RIGHT"] * 5),
            line_height=6, padding=1,
        ) as table:  # fmt: skip
            for row in (_PARTICIPANT_COLUMNS, *m.participants):
                cells = table.row()
                for value in row:
                    cells.cell(value)
    else:
        block(6, "No speaker was detected.")

    heading("Transcript")
    for stamp, speaker, text in m.paragraphs:  # write() flows and wraps inline runs
        pdf.set_text_color(107, 114, 128)
        pdf.write(6, f"[{stamp}] ")
        pdf.set_text_color(0, 0, 0)
        pdf.set_font("DejaVu", "B", 10)
        pdf.write(6, f"{speaker}: ")
        pdf.set_font("DejaVu", size=10)
        pdf.write(6, text)
        pdf.ln(7.5)
    if not m.paragraphs:
        block(6, "No speech was transcribed.")
    return bytes(pdf.output())


# -- dispatch ---------------------------------------------------------------------------------

_BUILDERS: Final[dict[str, Callable[..., bytes | str]]] = {
    "docx": to_docx,
    "pdf": to_pdf,
    "md": to_markdown,
}


def render(
    document: FusionDocument, fmt: str, *, title: str, date: datetime | None = None
) -> bytes:
    """The minutes of ``document`` in ``fmt``.

    Args:
        document: The fusion document.
        fmt: One of :data:`FORMATS` (case-insensitive).
        title: The meeting title.
        date: When the meeting was recorded or uploaded; ``None``: unknown.

    Returns:
        The file's bytes (Markdown encoded as UTF-8).

    Raises:
        BadInputError: ``fmt`` is not one of :data:`FORMATS`.
        FontUnavailableError: PDF asked and its font is not installed.
    """
    builder = _BUILDERS.get(fmt.lower())
    if builder is None:
        raise BadInputError(
            f"unknown document format {fmt!r}; expected one of {', '.join(FORMATS)}"
        )
    out = builder(document, title=title, date=date)
    return out.encode() if isinstance(out, str) else out
