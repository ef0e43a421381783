"""Minutes downloads (DOCX, PDF, Markdown) and speaker statistics against the running
gateway (PostgreSQL, Redis, SeaweedFS S3).

The pipeline does not run here: a meeting is completed by storing a fusion document as the
worker would, made of the ten FLEURS French reference sentences (accents, « », ’) said in
turn by two speakers. Each download is read back with python-docx and pypdf.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from pathlib import Path
from urllib.parse import unquote

import docx
import httpx
import pypdf
import pytest
from gateway_support import Gateway
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus, create_sessionmaker
from scribe_core.documents import speaker_statistics
from scribe_core.domain import FusionDocument, SpeakerIdentity, Utterance, Word
from scribe_core.storage import results_prefix

A, B = "SPEAKER_00", "SPEAKER_01"
TITLE = "Réunion « vœux » de l’équipe"
FRENCH_MARKS = "éèàçôœ«»’"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _french_document(eval_dir: Path) -> FusionDocument:
    """The FLEURS French sentences as paragraphs, 6 s each with 0.5 s between them, said by
    ``SPEAKER_00`` (sentences 0, 1, 3, 5, 7, 9) and ``SPEAKER_01`` (2, 4, 6, 8)."""
    utterances = []
    for i in range(10):
        text = (eval_dir / "fleurs" / f"fleurs-fr-{i:03d}.txt").read_text().strip()
        tokens = text.split()
        t0, step = i * 6.5, 6.0 / len(tokens)
        words = tuple(
            Word(f" {w}", t0 + k * step, t0 + (k + 1) * step, 1.0) for k, w in enumerate(tokens)
        )
        label = A if i < 2 or i % 2 == 1 else B
        utterances.append(Utterance(t0, t0 + 6.0, " ".join(tokens), label, label, words))
    return FusionDocument(
        segments=tuple(utterances),
        speakers=(SpeakerIdentity(A), SpeakerIdentity(B)),
        language="fr",
        duration=65.0,
    )


def _upload(gateway: Gateway, headers: dict[str, str], audio: Path) -> str:
    with gateway.client(headers) as http, audio.open("rb") as file:
        response = http.post(
            "/api/v1/process",
            files={"file": ("reunion.wav", file, "audio/wav")},
            data={"title": TITLE},
        )
    assert response.status_code == 202, response.text
    return str(response.json()["meeting_id"])


async def _complete(
    db: AsyncEngine, gateway: Gateway, meeting_id: str, document: FusionDocument
) -> None:
    """Store ``document`` as the meeting's result and mark it COMPLETED, as the worker does."""
    async with create_sessionmaker(db)() as session:
        meeting = await session.get_one(Meeting, uuid.UUID(meeting_id))
        key = results_prefix(meeting.id, meeting.created_at) + "fusion.json"
        body = json.dumps(document.to_dict(), ensure_ascii=False).encode()
        gateway.store.put_bytes(key, body, "application/json")
        await session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(
                status=MeetingStatus.COMPLETED, stage="done", progress=1.0,
                result_keys={"fusion.json": key}, duration_seconds=document.duration,
                language=document.language,
            )
        )  # fmt: skip
        session.add_all(
            MeetingSpeaker(meeting_id=meeting.id, label=s.label) for s in document.speakers
        )
        await session.commit()


@pytest.fixture
async def french(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path, eval_dir: Path
) -> tuple[str, FusionDocument]:
    """A COMPLETED meeting of ``user`` titled :data:`TITLE` and its French fusion document."""
    meeting_id = _upload(gateway, user, sample_call)
    document = _french_document(eval_dir)
    await _complete(db, gateway, meeting_id, document)
    return meeting_id, document


def _download(http: httpx.Client, meeting_id: str, fmt: str) -> httpx.Response:
    return http.get(f"/api/v1/meetings/{meeting_id}/transcript", params={"format": fmt})


def _pdf_text(data: bytes) -> str:
    """The PDF's text as one line, each page's ``n/N`` footer left out."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    pages = [page.extract_text().rstrip().rsplit("\n", 1)[0] for page in reader.pages]
    return " ".join(" ".join(pages).split())


def test_downloads_carry_the_minutes_with_french_accents(
    gateway: Gateway, user: dict[str, str], french: tuple[str, FusionDocument]
) -> None:
    meeting_id, document = french
    with gateway.client(user) as http:
        files = {fmt: _download(http, meeting_id, fmt) for fmt in ("docx", "pdf", "md")}
    for fmt, response in files.items():
        assert response.status_code == 200, (fmt, response.text)
        disposition = response.headers["content-disposition"]
        # RFC 6266: an ASCII fallback, then the exact UTF-8 name percent-encoded (RFC 8187)
        match = re.fullmatch(
            r'attachment; filename="([ -~]+)"; filename\*=UTF-8\'\'(\S+)', disposition
        )
        assert match, disposition
        assert match.group(1) == f"Reunion _ v_ux _ de l_equipe.{fmt}"
        assert unquote(match.group(2), errors="strict") == f"{TITLE}.{fmt}"
    assert files["docx"].headers["content-type"] == DOCX
    assert files["pdf"].headers["content-type"] == "application/pdf"
    assert files["md"].headers["content-type"] == "text/markdown; charset=utf-8"

    word = docx.Document(io.BytesIO(files["docx"].content))
    paragraphs = [p.text for p in word.paragraphs]
    assert paragraphs[0] == TITLE
    assert "Language: fr" in paragraphs
    assert "Duration: 00:01:05" in paragraphs
    assert any(re.fullmatch(r"Date: \d{4}-\d\d-\d\d \d\d:\d\d UTC", p) for p in paragraphs)
    assert [row.cells[0].text for row in word.tables[0].rows] == ["Participant", A, B]
    transcript = [p for p in paragraphs if p.startswith("[")]
    assert transcript[0] == f"[00:00:00] {A}: {document.segments[0].text}"
    assert len(transcript) == len(document.segments)

    pdf = _pdf_text(files["pdf"].content)
    markdown = files["md"].content.decode()
    for text in (pdf, markdown, "\n".join(paragraphs)):
        assert all(mark in text for mark in FRENCH_MARKS), text[:200]
    for u in document.segments:
        assert u.text in pdf
        assert u.text.replace("!", r"\!") in markdown  # no other Markdown mark in FLEURS text
    assert markdown.startswith(f"# {TITLE}\n")


def test_rename_reaches_the_documents(
    gateway: Gateway, user: dict[str, str], french: tuple[str, FusionDocument]
) -> None:
    meeting_id, _ = french
    with gateway.client(user) as http:
        renamed = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/{A}", json={"name": "Benoît Lœuvre"}
        )
        assert renamed.status_code == 200, renamed.text
        files = {fmt: _download(http, meeting_id, fmt).content for fmt in ("docx", "pdf", "md")}
    assert "[00:00:00] Benoît Lœuvre: l'accident" in _pdf_text(files["pdf"])
    assert r"**\[00:00:00\] Benoît Lœuvre:** l'accident" in files["md"].decode()
    word = docx.Document(io.BytesIO(files["docx"]))
    assert word.tables[0].rows[1].cells[0].text == "Benoît Lœuvre"
    assert A not in "\n".join(p.text for p in word.paragraphs)


def test_meeting_detail_has_speaker_statistics(
    gateway: Gateway, user: dict[str, str], french: tuple[str, FusionDocument]
) -> None:
    meeting_id, document = french
    with gateway.client(user) as http:
        detail = http.get(f"/api/v1/meetings/{meeting_id}")
        listing = http.get("/api/v1/meetings", params={"limit": 100})
    assert detail.status_code == 200, detail.text
    speakers = {s["label"]: s for s in detail.json()["speakers"]}
    # SPEAKER_00 says sentences 0, 1, 3, 5, 7, 9 (6 s each, 5 turns), SPEAKER_01 the other 4
    first, second = speakers[A], speakers[B]
    assert first["talk_time_seconds"] == pytest.approx(36.0)
    assert (first["turns"], second["turns"]) == (5, 4)
    assert second["talk_time_seconds"] == pytest.approx(24.0)
    expected = {s.label: s for s in speaker_statistics(document)}
    for label, s in speakers.items():
        assert s["words"] == expected[label].words > 0
        assert s["words_per_minute"] == pytest.approx(
            s["words"] * 60 / s["talk_time_seconds"], 0.01
        )
    assert first["talk_share"] + second["talk_share"] == pytest.approx(1.0, abs=1e-3)
    assert first["talk_share"] == pytest.approx(0.6)
    # the listing does not read every result: no statistics there
    item = next(m for m in listing.json()["items"] if m["id"] == meeting_id)
    assert {s["talk_time_seconds"] for s in item["speakers"]} == {None}


def test_another_users_meeting_is_404_and_unknown_formats_422(
    gateway: Gateway,
    user: dict[str, str],
    other_user: dict[str, str],
    french: tuple[str, FusionDocument],
) -> None:
    meeting_id, _ = french
    with gateway.client(other_user) as http:
        for fmt in ("docx", "pdf", "md"):
            response = _download(http, meeting_id, fmt)
            assert response.status_code == 404, (fmt, response.text)
            assert response.json()["code"] == "not_found"
            assert "Réunion" not in response.text
        assert http.get(f"/api/v1/meetings/{meeting_id}").status_code == 404
    with gateway.client(user) as http:
        for fmt in ("odt", "doc", "pdf2", ""):
            response = _download(http, meeting_id, fmt)
            assert response.status_code == 422, (fmt, response.text)
        assert _download(http, meeting_id, "PDF").status_code == 422  # names are lower case


def test_pending_meeting_has_no_documents_and_no_statistics(
    gateway: Gateway, user: dict[str, str], sample_call: Path
) -> None:
    meeting_id = _upload(gateway, user, sample_call)
    with gateway.client(user) as http:
        response = _download(http, meeting_id, "pdf")
        detail = http.get(f"/api/v1/meetings/{meeting_id}")
    assert response.status_code == 409, response.text
    assert response.json()["code"] == "conflict"
    assert detail.status_code == 200
    assert detail.json()["speakers"] == []


async def test_unreadable_result_keeps_the_detail_and_fails_the_download_cleanly(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path, eval_dir: Path
) -> None:
    meeting_id = _upload(gateway, user, sample_call)
    await _complete(db, gateway, meeting_id, _french_document(eval_dir))
    async with create_sessionmaker(db)() as session:
        meeting = await session.get_one(Meeting, uuid.UUID(meeting_id))
        gateway.store.delete([meeting.result_keys["fusion.json"]])
    with gateway.client(user) as http:
        detail = http.get(f"/api/v1/meetings/{meeting_id}")
        response = _download(http, meeting_id, "docx")
    assert detail.status_code == 200, detail.text
    assert [s["talk_time_seconds"] for s in detail.json()["speakers"]] == [None, None]
    assert response.status_code == 404, response.text
    assert "fusion.json" not in response.text
    assert "processed/" not in response.text
