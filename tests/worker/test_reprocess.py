"""Re-processing a meeting: the worker takes a re-processed meeting exactly like a new one, and
leaves out of identification the people the user rejected in it ("not this person").

The first tests run the job on real databases (PostgreSQL and SQLite), a real local store and
a real (in-memory) Qdrant voice bank; the pipeline is replaced by a function returning a
result built from the sample call's REFERENCE transcript that records the voice bank it was
given, because the behaviour under test is what the job gives the pipeline and does after it.
The last test is the real thing on the embedded default (``scribe serve``'s application: SQLite,
local store, in-process queue and pipeline): process the sample call, edit it, enrol one of
its speakers, re-process in French (the voice bank now names that speaker), reject the name,
re-process again (the name is not given, though the person is still enrolled); and a French
FLEURS recording uploaded with language French comes back in French and is found by search with
French stemming (the plural of one of its words finds it).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from qdrant_client import QdrantClient
from reference_results import reference_result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.testclient import TestClient
from taskiq import InMemoryBroker

from scribe_core.db import (
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    User,
)
from scribe_core.db.models import SpeakerRejection
from scribe_core.settings import QueueSettings
from scribe_core.storage import LocalStore
from scribe_core.voiceprints import UPLOAD_SOURCE, VoiceprintStore
from scribe_worker.jobs.meetings import JobOutcome, WorkerContext, claim, process_meeting
from scribe_worker.stages.identify import WithoutNames

EMBEDDER = "campplus-zh-en-192"
DIMENSION = 192


@dataclass(frozen=True)
class _Space:
    """The embedding space a voice bank is read in (all a voice bank asks of an embedder)."""

    name: str = EMBEDDER
    dimension: int = DIMENSION


SPACE: Any = _Space()


def _bank(owner_id: uuid.UUID) -> VoiceprintStore:
    """A voice bank of its own (Qdrant in memory) where ``owner_id`` enrolled Diane and
    Sheila (two samples each) and another user enrolled Diane too."""
    store = VoiceprintStore(QdrantClient(location=":memory:"))
    rng = np.random.default_rng(7)
    for owner, name in ((owner_id, "Diane"), (owner_id, "Sheila"), (uuid.uuid4(), "Diane")):
        store.add_samples(
            model=EMBEDDER, owner_id=owner, person_id=uuid.uuid4(), name=name,
            vectors=rng.standard_normal((2, DIMENSION)), sources=[UPLOAD_SOURCE] * 2,
        )  # fmt: skip
    return store


async def _reprocessed_meeting(
    sessions: async_sessionmaker[AsyncSession], store: LocalStore, audio: bytes, **fields: Any
) -> tuple[uuid.UUID, uuid.UUID]:
    """A meeting as ``POST /meetings/{id}/reprocess`` leaves it (PENDING, no attempt, no
    result, a new task id, its upload stored), with "Diane" rejected; (owner, meeting) ids."""
    async with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.org", hashed_password="x")
        session.add(user)
        await session.flush()
        meeting_id = uuid.uuid4()
        values: dict[str, Any] = {
            "id": meeting_id, "owner_id": user.id, "title": "t", "original_filename": "t.wav",
            "content_type": "audio/wav", "size_bytes": len(audio), "task_id": uuid.uuid4().hex,
            "upload_key": f"uploads/{meeting_id}_t.wav", "result_keys": {},
            "status": MeetingStatus.PENDING, "attempts": 0, "revision": 0,
        }  # fmt: skip
        values.update(fields)
        session.add(Meeting(**values))
        session.add(SpeakerRejection(meeting_id=meeting_id, person_name="Diane"))
        await session.commit()
    store.put_bytes(values["upload_key"], audio, "audio/wav")
    return user.id, meeting_id


async def test_a_reprocessed_url_job_runs_like_a_new_meeting_without_the_rejected_names(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    store.ensure_bucket()
    audio = sample_call.read_bytes()
    # A URL job whose recording was stored: never downloaded again (nothing listens there).
    owner_id, meeting_id = await _reprocessed_meeting(
        sessions, store, audio, audio_url="http://127.0.0.1:9/recording.wav"
    )
    async with sessions() as session:  # a stale speaker row the new result must replace
        session.add(MeetingSpeaker(meeting_id=meeting_id, label="SPEAKER_07", display_name="X"))
        await session.commit()
    banks: list[Any] = []
    reference = reference_result(sample_call.with_suffix(".stm"))

    def pipeline(source: Path, *_: Any, voiceprints: Any, **__: Any) -> Any:
        assert source.read_bytes() == audio
        banks.append(voiceprints)
        return reference

    work_dir = tmp_path / "work"
    work_dir.mkdir()
    context = WorkerContext(
        sessions=sessions, store=store, broker=InMemoryBroker(), run_pipeline=pipeline,
        queue=QueueSettings(WORKER_LEASE_SECONDS=30), voiceprint_store=_bank(owner_id),
        work_dir=work_dir,
    )  # fmt: skip
    assert await process_meeting(context, meeting_id) is JobOutcome.COMPLETED

    async with sessions() as session:
        meeting = await session.get_one(Meeting, meeting_id)
        labels = (
            await session.scalars(
                select(MeetingSpeaker.label).where(MeetingSpeaker.meeting_id == meeting_id)
            )
        ).all()
    assert meeting.status is MeetingStatus.COMPLETED
    assert (meeting.attempts, meeting.size_bytes, meeting.language) == (1, len(audio), "en")
    assert meeting.started_at is not None
    assert meeting.completed_at is not None
    assert sorted(labels) == ["SPEAKER_00", "SPEAKER_01"]
    (bank,) = banks
    assert isinstance(bank, WithoutNames)
    assert sorted(bank.voiceprints(SPACE)) == ["Sheila"]  # Diane was rejected here
    assert sorted(bank.source.voiceprints(SPACE)) == ["Diane", "Sheila"]

    # Another meeting of the same owner, nothing rejected: the whole voice bank.
    async with sessions() as session:
        other = uuid.uuid4()
        session.add(
            Meeting(
                id=other, owner_id=owner_id, title="o", original_filename="o.wav",
                content_type="audio/wav", size_bytes=len(audio), task_id=uuid.uuid4().hex,
                upload_key=f"uploads/{other}_o.wav", result_keys={},
            )
        )  # fmt: skip
        await session.commit()
    store.put_bytes(f"uploads/{other}_o.wav", audio, "audio/wav")
    assert await process_meeting(context, other) is JobOutcome.COMPLETED
    assert sorted(banks[-1].voiceprints(SPACE)) == ["Diane", "Sheila"]
    assert not isinstance(banks[-1], WithoutNames)


async def test_the_claim_carries_the_rejected_names_and_a_reset_attempt_count(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "store")
    store.ensure_bucket()
    _, meeting_id = await _reprocessed_meeting(sessions, store, sample_call.read_bytes())
    async with sessions() as session:
        session.add(SpeakerRejection(meeting_id=meeting_id, person_name="Sheila"))
        await session.commit()
    context = WorkerContext(sessions=sessions, store=store, broker=InMemoryBroker())
    claimed = await claim(context, meeting_id)
    assert claimed is not None
    assert claimed.attempt == 1
    assert claimed.audio_url is None
    assert claimed.rejected_names == {"Diane", "Sheila"}
    assert context.voiceprints(claimed.owner_id, claimed.rejected_names) is None  # no bank


# -- the real thing -----------------------------------------------------------------------

SERVER_VARIABLES = (
    "DATABASE_URL", "POSTGRES_HOST", "REDIS_URL", "MINIO_ENDPOINT", "STORAGE_DIR", "QDRANT_URL",
    "JWT_SECRET", "ENVIRONMENT",
)  # fmt: skip
"""Cleared while the application is built: the embedded default whatever the shell exports."""


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """``scribe serve``'s application (gateway, in-process queue and pipeline) on a fresh data
    directory, with a signed-in user."""
    for name in SERVER_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCRIBE_DATA_DIR", str(tmp_path / "volumes"))
    from scribe_worker.jobs.serve import build_app

    with TestClient(build_app()) as client:
        email, password = f"{uuid.uuid4().hex[:10]}@example.org", "a-long-password"
        registered = client.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        )
        assert registered.status_code == 201, registered.text
        token = client.post("/api/v1/auth/token", data={"username": email, "password": password})
        client.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        yield client


def _wait(client: TestClient, status_url: str, timeout: float = 600) -> dict[str, Any]:
    """The task's status once COMPLETED (fails on FAILED or after ``timeout`` seconds)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(status_url).json()
        assert status["status"] != "FAILED", status
        if status["status"] == "COMPLETED":
            return dict(status)
        time.sleep(0.5)
    raise AssertionError(f"not COMPLETED after {timeout} s: {status}")


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_reprocess_on_the_embedded_default_uses_the_language_and_the_voice_bank(
    embedded: TestClient, sample_call: Path
) -> None:
    http = embedded
    with sample_call.open("rb") as audio:
        accepted = http.post("/api/v1/process", files={"file": ("call.wav", audio, "audio/wav")})
    assert accepted.status_code == 202, accepted.text
    meeting_id, first_task = accepted.json()["meeting_id"], accepted.json()["task_id"]
    base = f"/api/v1/meetings/{meeting_id}"
    _wait(http, accepted.json()["status_url"])
    first = http.get(base).json()
    assert (first["language"], first["revision"]) == ("en", 0)

    # Edits, then one speaker enrolled from the meeting (that renames it: an edit too).
    edit = http.patch(f"{base}/segments/0", json={"text": "Edited by a person"})
    assert edit.status_code == 200, edit.text
    speaker = max(first["speakers"], key=lambda s: s["words"] or 0)["label"]
    enrolled = http.post(f"{base}/speakers/{speaker}/enroll", json={"name": "Sheila"})
    assert enrolled.status_code == 201, enrolled.text
    assert http.get(base).json()["revision"] == 2

    # Re-process in French: a new task, the edits replaced, the voice bank applied.
    again = http.post(f"{base}/reprocess", json={"language": "fr"})
    assert again.status_code == 202, again.text
    assert again.json()["task_id"] != first_task
    _wait(http, again.json()["status_url"])
    second = http.get(base).json()
    assert (second["language"], second["options"]["language"]) == ("fr", "fr")
    assert (second["revision"], second["edited_at"]) == (0, None)
    assert http.get(f"{base}/revisions").json() == {"items": [], "current": 0}
    document = http.get(f"{base}/transcript").json()
    assert document["language"] == "fr"
    assert "Edited by a person" not in document["text"]
    named = {s["label"]: s for s in second["speakers"] if s["display_name"] == "Sheila"}
    assert len(named) == 1, second["speakers"]
    ((label, sheila),) = named.items()
    assert sheila["match"] == "confident"
    assert any(s["speaker"] == "Sheila" for s in document["segments"])

    # "Not this person", then re-process (language detected): Sheila is enrolled still, but
    # this meeting's speakers are never named Sheila again.
    rejected = http.post(f"{base}/speakers/{label}/reject")
    assert rejected.status_code == 200, rejected.text
    assert http.post(f"{base}/reprocess", json={"language": "auto"}).status_code == 202
    status = http.get(f"/api/v1/meetings/{meeting_id}").json()
    _wait(http, f"/api/v1/status/{status['task_id']}")
    third = http.get(base).json()
    assert third["language"] == "en"
    assert third["options"]["language"] is None
    assert [s["display_name"] for s in third["speakers"]] == [None] * len(third["speakers"])
    assert "Sheila" not in {s["speaker"] for s in http.get(f"{base}/transcript").json()["segments"]}
    people = http.get("/api/v1/speakers").json()
    assert [(p["name"], p["status"]) for p in people] == [("Sheila", "READY")]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_a_french_recording_comes_back_in_french_and_search_stems_french_plurals(
    embedded: TestClient, eval_dir: Path
) -> None:
    import jiwer

    clip = eval_dir / "fleurs" / "fleurs-fr-000.ogg"
    reference = (eval_dir / "fleurs" / "fleurs-fr-000.txt").read_text(encoding="utf-8")
    http = embedded
    with clip.open("rb") as audio:
        accepted = http.post(
            "/api/v1/process",
            files={"file": ("réunion.ogg", audio, "audio/ogg")},
            data={"language": "fr"},
        )
    assert accepted.status_code == 202, accepted.text
    meeting_id = accepted.json()["meeting_id"]
    _wait(http, accepted.json()["status_url"])
    document = http.get(f"/api/v1/meetings/{meeting_id}/transcript").json()
    assert document["language"] == "fr"
    normalise = jiwer.Compose([jiwer.ToLowerCase(), jiwer.RemovePunctuation(),
                               jiwer.RemoveMultipleSpaces(), jiwer.Strip()])  # fmt: skip
    wer = jiwer.wer(normalise(reference), normalise(document["text"]))
    assert wer <= 0.5, (wer, document["text"])  # French words, not an English paraphrase

    # A singular word of the transcript (6+ letters), searched for in the plural.
    words = re.findall(r"[^\W\d_]{6,}", document["text"].lower())
    singular = next(w for w in words if not w.endswith(("s", "x")))
    found = http.get("/api/v1/search", params={"q": singular + "s"})
    assert found.status_code == 200, found.text
    hits = [h for h in found.json()["results"] if h["meeting_id"] == meeting_id]
    assert hits, (singular, found.json())
    assert "<mark>" in hits[0]["snippet"]
    assert singular in hits[0]["snippet"].lower()
    assert http.get("/api/v1/search", params={"q": "zzzqqq"}).json() == {"results": []}
