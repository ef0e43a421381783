"""Meetings endpoints against the running gateway: list, detail, status, transcripts in every
format, speaker rename, audio, delete, and one user never seeing another's data.

The pipeline does not run here (the end-to-end tests run it): a meeting is completed by
storing a fusion document built from the sample call's REFERENCE transcript (``sample.stm``),
as the worker would store its own. The non-audio case runs the real worker job, which fails
at the ``convert`` stage before any model is loaded.
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path

import httpx
import pytest
from gateway_support import Gateway, reference_document
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from taskiq import InMemoryBroker

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus, create_sessionmaker
from scribe_core.domain import FusionDocument
from scribe_core.errors import error_message
from scribe_core.settings import QueueSettings
from scribe_core.storage import results_prefix
from scribe_worker.jobs.meetings import JobOutcome, WorkerContext, process_meeting


def _upload(
    gateway: Gateway, headers: dict[str, str], path: Path, name: str | None = None
) -> dict[str, str]:
    with gateway.client(headers) as http, path.open("rb") as audio:
        response = http.post(
            "/api/v1/process", files={"file": (name or path.name, audio, "audio/wav")}
        )
    assert response.status_code == 202, response.text
    return dict(response.json())


async def _complete(
    db: AsyncEngine, gateway: Gateway, meeting_id: str, document: FusionDocument
) -> str:
    """Store ``document`` as the meeting's result and mark it COMPLETED, as the worker does."""
    async with create_sessionmaker(db)() as session:
        meeting = await session.get_one(Meeting, uuid.UUID(meeting_id))
        prefix = results_prefix(meeting.id, meeting.created_at)
        key = prefix + "fusion.json"
        gateway.store.put_bytes(key, json.dumps(document.to_dict()).encode(), "application/json")
        gateway.store.put_bytes(prefix + "diarization.rttm", b"", "text/plain")
        await session.execute(
            update(Meeting)
            .where(Meeting.id == meeting.id)
            .values(
                status=MeetingStatus.COMPLETED, stage="done", progress=1.0,
                result_keys={"fusion.json": key, "diarization.rttm": prefix + "diarization.rttm"},
                duration_seconds=document.duration, language=document.language,
            )
        )  # fmt: skip
        session.add_all(
            MeetingSpeaker(meeting_id=meeting.id, label=s.label) for s in document.speakers
        )
        await session.commit()
    return prefix


@pytest.fixture
async def completed(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> dict[str, str]:
    """A meeting of ``user`` with the sample call uploaded and a reference result stored."""
    accepted = _upload(gateway, user, sample_call)
    document = reference_document(sample_call.with_suffix(".stm"))
    accepted["prefix"] = await _complete(db, gateway, accepted["meeting_id"], document)
    return accepted


def _exports(http: httpx.Client, meeting_id: str) -> dict[str, str]:
    texts = {}
    for fmt in ("json", "srt", "vtt", "txt", "rttm"):
        response = http.get(f"/api/v1/meetings/{meeting_id}/transcript", params={"format": fmt})
        assert response.status_code == 200, response.text
        texts[fmt] = response.text
    return texts


def test_transcript_in_every_format(
    gateway: Gateway, user: dict[str, str], completed: dict[str, str]
) -> None:
    with gateway.client(user) as http:
        response = http.get(f"/api/v1/meetings/{completed['meeting_id']}/transcript?format=srt")
        assert response.headers["content-type"].startswith("application/x-subrip")
        texts = _exports(http, completed["meeting_id"])
        default = http.get(f"/api/v1/meetings/{completed['meeting_id']}/transcript")
        unknown = http.get(f"/api/v1/meetings/{completed['meeting_id']}/transcript?format=doc")
    document = json.loads(texts["json"])
    assert json.loads(default.text) == document
    assert unknown.status_code == 422
    assert {s["label"] for s in document["speakers"]} == {"SPEAKER_00", "SPEAKER_01"}
    assert "I didn't know you were there." in document["text"]
    assert "00:00:06,680 --> 00:00:07,160\nSPEAKER_00: Hello?" in texts["srt"]
    assert texts["vtt"].startswith("WEBVTT")
    assert "<v SPEAKER_01>Neither did I." in texts["vtt"]
    assert "SPEAKER_00: Oh, hello." in texts["txt"]
    assert texts["rttm"].startswith("SPEAKER sample 1 6.680 0.480 <NA> <NA> SPEAKER_00")


def test_rename_shows_in_every_export_and_can_be_undone(
    gateway: Gateway, user: dict[str, str], completed: dict[str, str]
) -> None:
    meeting_id = completed["meeting_id"]
    with gateway.client(user) as http:
        renamed = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_00", json={"name": "Diane"}
        )
        assert renamed.status_code == 200, renamed.text
        speakers = {s["label"]: s["display_name"] for s in renamed.json()["speakers"]}
        assert speakers == {"SPEAKER_00": "Diane", "SPEAKER_01": None}

        texts = _exports(http, meeting_id)
        assert "SPEAKER_00: " not in texts["srt"]
        assert "Diane: Hello?" in texts["srt"]
        assert "<v Diane>Oh, hello." in texts["vtt"]
        assert "Diane: I didn't know you were there." in texts["txt"]
        assert " Diane <NA> <NA>" in texts["rttm"]
        document = json.loads(texts["json"])
        assert {"label": "SPEAKER_00", "name": "Diane"} in [
            {"label": s["label"], "name": s["name"]} for s in document["speakers"]
        ]
        assert {s["speaker"] for s in document["segments"]} == {"Diane", "SPEAKER_01"}
        assert {s["speaker_label"] for s in document["segments"]} == {"SPEAKER_00", "SPEAKER_01"}

        restored = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_00", json={"name": None}
        )
        assert {s["label"]: s["display_name"] for s in restored.json()["speakers"]}[
            "SPEAKER_00"
        ] is None
        assert (
            "SPEAKER_00: Hello?"
            in http.get(f"/api/v1/meetings/{meeting_id}/transcript?format=srt").text
        )

        missing = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_09", json={"name": "X"}
        )
        assert missing.status_code == 404
        too_long = http.patch(
            f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_00", json={"name": "x" * 300}
        )
        assert too_long.status_code == 422


def test_audio_is_seekable(
    gateway: Gateway, user: dict[str, str], completed: dict[str, str], sample_call: Path
) -> None:
    with gateway.client(user) as http:
        response = http.get(f"/api/v1/meetings/{completed['meeting_id']}/audio")
    assert response.status_code == 307
    request = urllib.request.Request(
        response.headers["location"], headers={"Range": "bytes=100-1099"}
    )
    with urllib.request.urlopen(request, timeout=10) as presigned:
        assert presigned.status == 206
        assert presigned.read() == sample_call.read_bytes()[100:1100]


def test_delete_removes_the_row_and_every_object(
    gateway: Gateway, user: dict[str, str], completed: dict[str, str]
) -> None:
    meeting_id = completed["meeting_id"]
    assert gateway.store.list_keys(completed["prefix"]) != []
    assert gateway.store.list_keys(f"uploads/{meeting_id}_") != []
    with gateway.client(user) as http:
        assert http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 204
        assert http.get(f"/api/v1/meetings/{meeting_id}").status_code == 404
        assert http.get(completed["status_url"]).status_code == 404
        assert http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 404
    assert gateway.store.list_keys(completed["prefix"]) == []
    assert gateway.store.list_keys(f"uploads/{meeting_id}_") == []


def test_results_wait_for_completion(
    gateway: Gateway, user: dict[str, str], sample_call: Path
) -> None:
    accepted = _upload(gateway, user, sample_call)
    with gateway.client(user) as http:
        transcript = http.get(f"/api/v1/meetings/{accepted['meeting_id']}/transcript")
        rename = http.patch(
            f"/api/v1/meetings/{accepted['meeting_id']}/speakers/SPEAKER_00", json={"name": "A"}
        )
    assert transcript.status_code == rename.status_code == 409
    assert "PENDING" in transcript.json()["detail"]


def test_list_is_newest_first_and_paginated(gateway: Gateway, sample_call: Path) -> None:
    owner = gateway.new_user()
    ids = [_upload(gateway, owner, sample_call, f"call-{i}.wav")["meeting_id"] for i in range(3)]
    with gateway.client(owner) as http:
        page = http.get("/api/v1/meetings").json()
        assert page["total"] == 3
        assert [m["id"] for m in page["items"]] == ids[::-1]
        assert [m["title"] for m in page["items"]] == ["call-2", "call-1", "call-0"]
        second = http.get("/api/v1/meetings", params={"limit": 1, "offset": 1}).json()
        assert [m["id"] for m in second["items"]] == [ids[1]]
        assert (second["limit"], second["offset"], second["total"]) == (1, 1, 3)
        detail = http.get(f"/api/v1/meetings/{ids[0]}").json()
        assert detail["original_filename"] == "call-0.wav"
        assert detail["size_bytes"] == sample_call.stat().st_size
        assert detail["status"] == "PENDING"
        assert http.get("/api/v1/meetings", params={"limit": 0}).status_code == 422


def test_another_users_meeting_and_task_are_404(
    gateway: Gateway, other_user: dict[str, str], completed: dict[str, str]
) -> None:
    meeting_id, task = completed["meeting_id"], completed["status_url"]
    with gateway.client(other_user) as http:
        assert all(m["id"] != meeting_id for m in http.get("/api/v1/meetings").json()["items"])
        for method, path, body in (
            ("GET", task, None),
            ("GET", f"/api/v1/meetings/{meeting_id}", None),
            ("GET", f"/api/v1/meetings/{meeting_id}/transcript", None),
            ("GET", f"/api/v1/meetings/{meeting_id}/audio", None),
            ("PATCH", f"/api/v1/meetings/{meeting_id}/speakers/SPEAKER_00", {"name": "Eve"}),
            ("DELETE", f"/api/v1/meetings/{meeting_id}", None),
            ("GET", f"/api/v1/status/{uuid.uuid4()}", None),
            ("GET", f"/api/v1/meetings/{uuid.uuid4()}", None),
        ):
            response = http.request(method, path, json=body)
            assert response.status_code == 404, (method, path, response.text)
            assert response.json()["error"] in {"NotFoundError", "ObjectNotFoundError"}
        assert http.get("/api/v1/meetings/not-a-uuid").status_code == 422
    assert gateway.store.list_keys(completed["prefix"]) != [], "the owner's data is untouched"


async def test_non_audio_file_ends_failed_with_a_reason(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, tmp_path: Path
) -> None:
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/process",
            files={"file": ("minutes.bin", b"these are meeting minutes, not audio\n" * 50,
                            "application/octet-stream")},
        )  # fmt: skip
        assert response.status_code == 202
        accepted = response.json()

        # The real worker job, in this process: it fails at `convert`, before any model loads.
        work_dir = tmp_path / "work"
        work_dir.mkdir()
        context = WorkerContext(
            sessions=create_sessionmaker(db),
            store=gateway.store,
            broker=InMemoryBroker(),
            queue=QueueSettings(IO_RETRY_ATTEMPTS=2),
            work_dir=work_dir,
        )
        meeting_id = uuid.UUID(accepted["meeting_id"])
        assert await process_meeting(context, meeting_id) is JobOutcome.FAILED
        assert list(work_dir.iterdir()) == [], "the task's temporary files are removed"

        status = http.get(accepted["status_url"]).json()
        assert status["status"] == "FAILED"
        assert status["stage"] == "convert"
        assert status["error_code"] == "audio_undecodable"
        assert status["error"] == error_message("audio_undecodable")
        assert "/" not in status["error"]
        assert "Invalid data" not in status["error"]
        detail = http.get(f"/api/v1/meetings/{meeting_id}").json()
        listed = [m for m in http.get("/api/v1/meetings").json()["items"]
                  if m["id"] == str(meeting_id)]  # fmt: skip
        assert len(listed) == 1
        for shown in (detail, *listed):
            assert (shown["error_code"], shown["error"]) == (status["error_code"], status["error"])
        assert status["completed_at"] is not None

        # A redelivered message for a finished meeting does nothing.
        assert await process_meeting(context, meeting_id) is JobOutcome.SKIPPED
        assert http.get(accepted["status_url"]).json()["error"] == status["error"]

    async with create_sessionmaker(db)() as session:
        attempts = await session.scalar(select(Meeting.attempts).where(Meeting.id == meeting_id))
    assert attempts == 1, "undecodable audio is never retried"
