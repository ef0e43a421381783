"""The meeting workspace's edits against a running gateway, on PostgreSQL + S3 + Redis AND on
the embedded default (SQLite file, local-directory store, in-process queue): a segment's text
or speaker, speakers merged, the title, renames as revisions, revert, the revision list,
"not this person" and re-processing; another user's meeting (404), bad bodies (4xx, never
500), concurrent edits (serialised, none lost) and edits surviving a restart.

The pipeline does not run here (tests/worker/test_reprocess.py re-processes for real): a
meeting is completed by storing a fusion document built from the sample call's REFERENCE
transcript, as the worker would store its own.
"""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import docx
import httpx
import pytest
from embedded_gateway import embedded_gateway
from gateway_support import JWT_SECRET, PART_SIZE, Gateway, ThreadedServer, reference_document
from sqlalchemy import func, insert, select, update
from taskiq import InMemoryBroker

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus, create_engine
from scribe_core.db.models import MeetingRevision, SpeakerRejection
from scribe_core.domain import FusionDocument, SpeakerIdentity, SpeakerTurn
from scribe_core.settings import AuthSettings, DatabaseSettings, QueueSettings
from scribe_core.storage import LocalStore, ObjectNotFoundError, ObjectStore, results_prefix
from scribe_core.tasks import PROCESS_MEETING
from scribe_core.testing import SeaweedS3, redis_server_url
from scribe_gateway.app import create_app
from scribe_gateway.meetings import editing
from scribe_gateway.platform import Platform

A, B = "SPEAKER_00", "SPEAKER_01"
THERE = 3
"""Index of the segment "I didn't know you were there." (SPEAKER_00, 8.916-9.798 s)."""
THERE_TEXT = "I didn't know you were there."
HERE_TEXT = "I did not know you were here."


@dataclass
class Backend:
    """A running gateway and handles on what is behind it."""

    name: str
    url: str
    store: ObjectStore
    database_url: str
    user: dict[str, str]
    other_user: dict[str, str]
    queued: Callable[[], list[str]]
    """Meeting ids of the ``meetings.process`` tasks sent so far."""
    restart: Callable[[], AbstractContextManager[str]]
    """A fresh gateway (new application, engine and store client) on the same database and
    store; yields its URL."""

    def client(self, headers: dict[str, str] | None = None, url: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=url or self.url, headers=headers or {}, timeout=60)


def _register(url: str) -> dict[str, str]:
    email, password = f"editor-{uuid.uuid4().hex[:10]}@example.org", "a-long-password"
    with httpx.Client(base_url=url, timeout=60) as http:
        assert http.post(
            "/api/v1/auth/register", json={"email": email, "password": password}
        ).status_code == 201  # fmt: skip
        token = http.post("/api/v1/auth/token", data={"username": email, "password": password})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


@contextmanager
def _postgres_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    gateway: Gateway = request.getfixturevalue("gateway")
    weed: SeaweedS3 = request.getfixturevalue("weed")

    @contextmanager
    def restart() -> Iterator[str]:
        platform = Platform.from_settings(
            auth=AuthSettings(JWT_SECRET=JWT_SECRET, ACCESS_TOKEN_EXPIRE_MINUTES=180),
            storage=weed.storage_settings().model_copy(update={"part_size": PART_SIZE}),
            database=DatabaseSettings(DATABASE_URL=gateway.database_url),
            queue=QueueSettings(REDIS_URL=redis_server_url(), TASKIQ_QUEUE=gateway.queue_name),
        )
        with ThreadedServer(create_app(platform)) as server:
            yield server.url

    yield Backend(
        "postgresql", gateway.url, gateway.store, gateway.database_url,
        request.getfixturevalue("user"), request.getfixturevalue("other_user"),
        gateway.queued_meeting_ids, restart,
    )  # fmt: skip


@contextmanager
def _sqlite_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    data_dir = tmp_path_factory.mktemp("editing-volumes")
    kicked: list[tuple[str, dict[str, Any]]] = []
    env = {"JWT_SECRET": JWT_SECRET}  # tokens outlive a restart, as with `scribe serve`

    def queued() -> list[str]:
        return [str(kwargs["meeting_id"]) for name, kwargs in kicked if name == PROCESS_MEETING]

    @contextmanager
    def restart() -> Iterator[str]:
        with embedded_gateway(data_dir, worker=False, kicked=kicked, env=env) as url:
            yield url

    with embedded_gateway(data_dir, worker=False, kicked=kicked, env=env) as url:
        yield Backend(
            "sqlite", url, LocalStore(data_dir / "storage"),
            f"sqlite:///{data_dir / 'scribe.db'}", _register(url), _register(url), queued,
            restart,
        )  # fmt: skip


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    """The gateway on PostgreSQL + S3 + Redis, then the embedded default's gateway."""
    if request.param == "postgresql":
        with _postgres_backend(request) as running:
            yield running
    else:
        with _sqlite_backend(tmp_path_factory) as running:
            yield running


# -- helpers ------------------------------------------------------------------------------


def _document(stm: Path, *, named: bool = False) -> FusionDocument:
    """The sample call's reference (see ``reference_document``) with one diarization turn per
    segment; with ``named``, ``SPEAKER_00`` was named "Diane" by the voice bank."""
    document = reference_document(stm)
    document = replace(
        document,
        turns=tuple(SpeakerTurn(u.start, u.end, u.speaker_label) for u in document.segments),
    )
    if named:
        document = replace(
            document,
            speakers=(SpeakerIdentity(A, "Diane", 0.8123, "confident"), SpeakerIdentity(B)),
            segments=tuple(
                replace(u, speaker="Diane") if u.speaker_label == A else u
                for u in document.segments
            ),
        )
    return document


@dataclass
class Uploaded:
    """A meeting of the backend's user."""

    id: str
    task_id: str
    prefix: str = ""
    fusion_key: str = ""
    document: FusionDocument | None = None


def _upload(backend: Backend, sample_call: Path) -> Uploaded:
    with backend.client(backend.user) as http, sample_call.open("rb") as audio:
        response = http.post("/api/v1/process", files={"file": ("sample.wav", audio, "audio/wav")})
    assert response.status_code == 202, response.text
    return Uploaded(response.json()["meeting_id"], response.json()["task_id"])


async def _complete(backend: Backend, meeting: Uploaded, document: FusionDocument) -> None:
    """Store ``document`` as the meeting's result and mark it COMPLETED, as the worker does."""
    engine = create_engine(backend.database_url)
    try:
        async with engine.begin() as connection:
            created_at = (
                await connection.execute(
                    select(Meeting.created_at).where(Meeting.id == uuid.UUID(meeting.id))
                )
            ).scalar_one()
            prefix = results_prefix(uuid.UUID(meeting.id), created_at)
            key = prefix + "fusion.json"
            body = json.dumps(document.to_dict(), ensure_ascii=False).encode()
            backend.store.put_bytes(key, body, "application/json")
            await connection.execute(
                update(Meeting)
                .where(Meeting.id == uuid.UUID(meeting.id))
                .values(
                    status=MeetingStatus.COMPLETED, stage="done", progress=1.0,
                    result_keys={"fusion.json": key}, duration_seconds=document.duration,
                    language=document.language, attempts=1,
                )
            )  # fmt: skip
            await connection.execute(
                insert(MeetingSpeaker),
                [
                    {"id": uuid.uuid4(), "meeting_id": uuid.UUID(meeting.id), "label": s.label,
                     "display_name": s.name, "similarity": s.similarity, "match": s.match}
                    for s in document.speakers
                ],
            )  # fmt: skip
    finally:
        await engine.dispose()
    meeting.prefix, meeting.fusion_key, meeting.document = prefix, key, document


async def _completed(backend: Backend, sample_call: Path, *, named: bool = False) -> Uploaded:
    meeting = _upload(backend, sample_call)
    await _complete(backend, meeting, _document(sample_call.with_suffix(".stm"), named=named))
    return meeting


async def _rows(backend: Backend, meeting_id: str) -> dict[str, Any]:
    """What the database holds about the meeting: its row, revisions, rejections, speakers."""
    engine = create_engine(backend.database_url)
    mid = uuid.UUID(meeting_id)
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(select(Meeting).where(Meeting.id == mid))).first()
            revisions = (
                await connection.execute(
                    select(MeetingRevision.number, MeetingRevision.summary,
                           MeetingRevision.document_key)
                    .where(MeetingRevision.meeting_id == mid)
                    .order_by(MeetingRevision.number)
                )
            ).all()  # fmt: skip
            rejections = (
                await connection.execute(
                    select(SpeakerRejection.person_name).where(SpeakerRejection.meeting_id == mid)
                )
            ).scalars()
            speakers = (
                await connection.execute(
                    select(MeetingSpeaker.label, MeetingSpeaker.display_name, MeetingSpeaker.match)
                    .where(MeetingSpeaker.meeting_id == mid)
                    .order_by(MeetingSpeaker.label)
                )
            ).all()
            return {
                "meeting": None if row is None else dict(row._mapping),
                "revisions": [tuple(r) for r in revisions],
                "rejections": sorted(rejections),
                "speakers": [tuple(s) for s in speakers],
            }
    finally:
        await engine.dispose()


def _transcript(http: httpx.Client, meeting_id: str, fmt: str = "json") -> httpx.Response:
    response = http.get(f"/api/v1/meetings/{meeting_id}/transcript", params={"format": fmt})
    assert response.status_code == 200, response.text
    return response


def _segments(http: httpx.Client, meeting_id: str) -> list[dict[str, Any]]:
    return list(_transcript(http, meeting_id).json()["segments"])


def _exists(store: ObjectStore, key: str) -> bool:
    try:
        store.get_bytes(key)
    except ObjectNotFoundError:
        return False
    return True


def _patch_segment(
    http: httpx.Client, meeting_id: str, index: int | str, body: Any
) -> httpx.Response:
    return http.patch(f"/api/v1/meetings/{meeting_id}/segments/{index}", json=body)


# -- segment edits ------------------------------------------------------------------------


async def test_a_text_edit_is_a_revision_that_every_export_shows(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    machine = backend.store.get_bytes(meeting.fusion_key)
    with backend.client(backend.user) as http:
        before = _segments(http, meeting.id)
        assert before[THERE]["text"] == THERE_TEXT
        edited = _patch_segment(http, meeting.id, THERE, {"text": f"  {HERE_TEXT} "})
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert body["revision"] == 1
        assert body["edited_at"] is not None
        assert {s["label"] for s in body["speakers"]} == {A, B}
        assert all(s["words"] for s in body["speakers"])  # statistics of the edited transcript

        after = _segments(http, meeting.id)
        assert after[THERE]["text"] == HERE_TEXT
        old_words = {w["word"].strip(): w for w in before[THERE]["words"]}
        new_words = {w["word"].strip(): w for w in after[THERE]["words"]}
        for unchanged in ("I", "know", "you", "were"):
            assert new_words[unchanged] == old_words[unchanged]
        assert (new_words["did"]["start"], new_words["not"]["end"]) == (
            old_words["didn't"]["start"], old_words["didn't"]["end"],
        )  # fmt: skip
        assert new_words["here."]["probability"] == 1.0
        assert (after[THERE]["start"], after[THERE]["end"]) == (
            before[THERE]["start"], before[THERE]["end"],
        )  # fmt: skip
        assert [s for i, s in enumerate(after) if i != THERE] == [
            s for i, s in enumerate(before) if i != THERE
        ]

        assert f"SPEAKER_00: {HERE_TEXT}" in _transcript(http, meeting.id, "srt").text
        assert f"SPEAKER_00: {HERE_TEXT}" in _transcript(http, meeting.id, "txt").text
        assert THERE_TEXT not in _transcript(http, meeting.id, "txt").text
        word = docx.Document(io.BytesIO(_transcript(http, meeting.id, "docx").content))
        text = "\n".join(p.text for p in word.paragraphs)
        assert HERE_TEXT in text
        assert THERE_TEXT not in text

        listing = http.get(f"/api/v1/meetings/{meeting.id}/revisions")
        assert listing.status_code == 200, listing.text
        items = listing.json()["items"]
        assert [(i["number"], i["summary"]) for i in items] == [(1, f"segment {THERE}: text")]
        assert listing.json()["current"] == 1

        again = _patch_segment(http, meeting.id, THERE, {"text": HERE_TEXT})  # no change
        assert again.status_code == 200
        assert again.json()["revision"] == 1

    # the machine result is never rewritten; the edit is an object of its own
    assert backend.store.get_bytes(meeting.fusion_key) == machine
    key = meeting.prefix + "revisions/0001.json"
    stored = json.loads(backend.store.get_bytes(key))
    assert stored["segments"][THERE]["text"] == HERE_TEXT
    rows = await _rows(backend, meeting.id)
    assert rows["revisions"] == [(1, f"segment {THERE}: text", key)]
    assert rows["meeting"]["revision"] == 1


async def test_a_segment_changes_speaker_and_bad_edits_are_refused(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    pending = _upload(backend, sample_call)
    with backend.client(backend.user) as http:
        words_before = {
            s["label"]: s["words"] for s in http.get(f"/api/v1/meetings/{meeting.id}").json()[
                "speakers"]
        }  # fmt: skip
        moved = _patch_segment(http, meeting.id, 1, {"speaker": A})  # Sheila's "Hello?"
        assert moved.status_code == 200, moved.text
        words_after = {s["label"]: s["words"] for s in moved.json()["speakers"]}
        assert words_after == {A: words_before[A] + 1, B: words_before[B] - 1}
        segment = _segments(http, meeting.id)[1]
        assert (segment["speaker_label"], segment["speaker"]) == (A, A)
        both = _patch_segment(http, meeting.id, 2, {"text": "Oh, hi.", "speaker": B})
        assert both.status_code == 200, both.text
        assert both.json()["revision"] == 2
        segment = _segments(http, meeting.id)[2]
        assert (segment["text"], segment["speaker_label"]) == ("Oh, hi.", B)

        refused = {
            "no field": (_patch_segment(http, meeting.id, 0, {}), 422),
            "nulls": (_patch_segment(http, meeting.id, 0, {"text": None, "speaker": None}), 422),
            "line break": (_patch_segment(http, meeting.id, 0, {"text": "Hello\nthere"}), 400),
            "NUL": (_patch_segment(http, meeting.id, 0, {"text": "Hel\x00lo"}), 400),
            "blank": (_patch_segment(http, meeting.id, 0, {"text": "   "}), 400),
            "too long": (_patch_segment(http, meeting.id, 0, {"text": "word " * 2001}), 422),
            "unknown label": (_patch_segment(http, meeting.id, 0, {"speaker": "SPEAKER_09"}), 400),
            "label type": (_patch_segment(http, meeting.id, 0, {"speaker": 5}), 422),
            "text type": (_patch_segment(http, meeting.id, 0, {"text": ["a"]}), 422),
            "not JSON": (
                http.patch(
                    f"/api/v1/meetings/{meeting.id}/segments/0",
                    content=b"text=hi",
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                ),
                422,
            ),
            "index out of range": (_patch_segment(http, meeting.id, 13, {"text": "Hi"}), 404),
            "huge index": (_patch_segment(http, meeting.id, 999_999, {"text": "Hi"}), 404),
            "negative index": (_patch_segment(http, meeting.id, -1, {"text": "Hi"}), 422),
            "index not a number": (_patch_segment(http, meeting.id, "first", {"text": "Hi"}), 422),
            "not completed": (_patch_segment(http, pending.id, 0, {"text": "Hi"}), 409),
            "no meeting": (_patch_segment(http, str(uuid.uuid4()), 0, {"text": "Hi"}), 404),
        }
        for case, (response, expected) in refused.items():
            assert response.status_code == expected, (case, response.text)
            assert response.json()["detail"], case
        assert refused["line break"][0].json()["code"] == "invalid_text"
        assert refused["unknown label"][0].json()["code"] == "unknown_speaker"
        assert "SPEAKER_00, SPEAKER_01" in refused["unknown label"][0].json()["detail"]
        assert "no segment 13" in refused["index out of range"][0].json()["detail"]
        assert http.get(f"/api/v1/meetings/{meeting.id}").json()["revision"] == 2
    summaries = [r[1] for r in (await _rows(backend, meeting.id))["revisions"]]
    assert summaries == ["segment 1: speaker SPEAKER_00", "segment 2: text, speaker SPEAKER_01"]


# -- speakers -----------------------------------------------------------------------------


async def test_merge_gives_everything_to_one_speaker(backend: Backend, sample_call: Path) -> None:
    meeting = await _completed(backend, sample_call)
    with backend.client(backend.user) as http:
        url = f"/api/v1/meetings/{meeting.id}/speakers/merge"
        merged = http.post(url, json={"from": [B], "into": A})
        assert merged.status_code == 200, merged.text
        assert [s["label"] for s in merged.json()["speakers"]] == [A]
        assert merged.json()["speakers"][0]["talk_share"] == 1.0
        document = _transcript(http, meeting.id).json()
        assert {s["speaker_label"] for s in document["segments"]} == {A}
        assert [s["label"] for s in document["speakers"]] == [A]
        assert {t["speaker_label"] for t in document["turns"]} == {A}
        rttm = _transcript(http, meeting.id, "rttm").text
        assert B not in rttm
        assert "SPEAKER_01: " not in _transcript(http, meeting.id, "srt").text

        refused = {
            "into itself": (http.post(url, json={"from": [A], "into": A}), 400),
            "gone label": (http.post(url, json={"from": [B], "into": A}), 400),
            "unknown into": (http.post(url, json={"from": [A], "into": "SPEAKER_05"}), 400),
            "empty from": (http.post(url, json={"from": [], "into": A}), 422),
            "python name": (http.post(url, json={"sources": [B], "into": A}), 422),
            "no into": (http.post(url, json={"from": [B]}), 422),
            "not a list": (http.post(url, json={"from": B, "into": A}), 422),
            "long label": (http.post(url, json={"from": ["S" * 65], "into": A}), 422),
        }
        for case, (response, expected) in refused.items():
            assert response.status_code == expected, (case, response.text)
        assert refused["gone label"][0].json()["code"] == "unknown_speaker"
        assert "into itself" in refused["into itself"][0].json()["detail"]
    rows = await _rows(backend, meeting.id)
    assert rows["speakers"] == [(A, None, "none")]
    assert [r[1] for r in rows["revisions"]] == [f"speakers {B} merged into {A}"]


async def test_renames_are_revisions_and_fusion_json_stays_as_the_worker_wrote_it(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    machine = backend.store.get_bytes(meeting.fusion_key)
    with backend.client(backend.user) as http:
        url = f"/api/v1/meetings/{meeting.id}/speakers/{A}"
        renamed = http.patch(url, json={"name": "Diane"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["revision"] == 1
        assert "Diane: Hello?" in _transcript(http, meeting.id, "srt").text
        assert http.patch(url, json={"name": " Diane "}).json()["revision"] == 1  # no change
        restored = http.patch(url, json={"name": None})
        assert restored.json()["revision"] == 2
        assert "SPEAKER_00: Hello?" in _transcript(http, meeting.id, "srt").text
    assert backend.store.get_bytes(meeting.fusion_key) == machine
    summaries = [r[1] for r in (await _rows(backend, meeting.id))["revisions"]]
    assert summaries == [f"speaker {A}: renamed to Diane", f"speaker {A}: name removed"]


async def test_not_this_person_then_revert_to_the_machine_result(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call, named=True)
    machine = json.loads(backend.store.get_bytes(meeting.fusion_key))
    with backend.client(backend.user) as http:
        detail = http.get(f"/api/v1/meetings/{meeting.id}").json()
        assert detail["speakers"][0]["display_name"] == "Diane"
        reject = f"/api/v1/meetings/{meeting.id}/speakers/{A}/reject"
        rejected = http.post(reject)
        assert rejected.status_code == 200, rejected.text
        speaker = rejected.json()["speakers"][0]
        assert (speaker["label"], speaker["display_name"], speaker["match"]) == (A, None, "none")
        assert speaker["similarity"] == pytest.approx(0.8123)
        assert "Diane: " not in _transcript(http, meeting.id, "txt").text
        assert "SPEAKER_00: Hello?" in _transcript(http, meeting.id, "txt").text

        again = http.post(reject)
        assert again.status_code == 409, again.text
        assert http.post(f"/api/v1/meetings/{meeting.id}/speakers/{B}/reject").status_code == 409
        missing = http.post(f"/api/v1/meetings/{meeting.id}/speakers/SPEAKER_07/reject")
        assert missing.status_code == 404

        # more edits, then back to what the machine wrote
        assert _patch_segment(http, meeting.id, THERE, {"text": HERE_TEXT}).status_code == 200
        merge = http.post(
            f"/api/v1/meetings/{meeting.id}/speakers/merge", json={"from": [B], "into": A}
        )
        assert merge.status_code == 200
        assert (await _rows(backend, meeting.id))["rejections"] == ["Diane"]
        listing = http.get(f"/api/v1/meetings/{meeting.id}/revisions").json()
        assert [i["number"] for i in listing["items"]] == [1, 2, 3]
        assert listing["current"] == 3

        reverted = http.post(f"/api/v1/meetings/{meeting.id}/revert")
        assert reverted.status_code == 200, reverted.text
        body = reverted.json()
        assert (body["revision"], body["edited_at"]) == (0, None)
        assert [(s["label"], s["display_name"], s["match"]) for s in body["speakers"]] == [
            (A, "Diane", "confident"), (B, None, "none"),
        ]  # fmt: skip
        assert _transcript(http, meeting.id).json() == machine
        assert http.get(f"/api/v1/meetings/{meeting.id}/revisions").json() == {
            "items": [], "current": 0,
        }  # fmt: skip
        assert http.post(f"/api/v1/meetings/{meeting.id}/revert").status_code == 200
        pending = _upload(backend, sample_call)
        assert http.post(f"/api/v1/meetings/{pending.id}/revert").status_code == 409
    rows = await _rows(backend, meeting.id)
    assert (rows["revisions"], rows["rejections"]) == ([], [])
    assert rows["speakers"] == [(A, "Diane", "confident"), (B, None, "none")]
    assert backend.store.list_keys(meeting.prefix + "revisions/") == []


async def test_title_is_metadata_only(backend: Backend, sample_call: Path) -> None:
    meeting = await _completed(backend, sample_call)
    pending = _upload(backend, sample_call)
    with backend.client(backend.user) as http:
        url = f"/api/v1/meetings/{meeting.id}"
        titled = http.patch(url, json={"title": "  Weekly   sync « équipe » "})
        assert titled.status_code == 200, titled.text
        assert titled.json()["title"] == "Weekly sync « équipe »"
        assert (titled.json()["revision"], titled.json()["edited_at"]) == (0, None)
        assert http.get(url).json()["title"] == "Weekly sync « équipe »"
        assert http.patch(f"/api/v1/meetings/{pending.id}", json={"title": "Later"}).json()[
            "title"] == "Later"  # fmt: skip
        for body, expected in (
            ({"title": "a\tb"}, 400), ({"title": "   "}, 400), ({"title": "x" * 256}, 422),
            ({"name": "x"}, 422), ({"title": None}, 422), ({}, 422),
        ):  # fmt: skip
            response = http.patch(url, json=body)
            assert response.status_code == expected, (body, response.text)
        assert http.get(f"/api/v1/meetings/{meeting.id}/revisions").json()["items"] == []


# -- re-processing ------------------------------------------------------------------------


async def test_reprocess_replaces_the_edits_and_queues_a_new_task(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call, named=True)
    url = f"/api/v1/meetings/{meeting.id}/reprocess"
    with backend.client(backend.user) as http:
        assert _patch_segment(http, meeting.id, THERE, {"text": HERE_TEXT}).status_code == 200
        assert http.post(f"/api/v1/meetings/{meeting.id}/speakers/{A}/reject").status_code == 200
        for body in (
            {"num_speakers": 0}, {"num_speakers": 65}, {"language": "french"},
            {"language": "f\x00"}, {"min_speakers": 5, "max_speakers": 2},
            {"num_speakers": 2, "min_speakers": 1},
        ):  # fmt: skip
            response = http.post(url, json=body)
            assert response.status_code == 400, (body, response.text)
        assert http.post(url, json={"num_speakers": "two"}).status_code == 422
        assert http.get(f"/api/v1/meetings/{meeting.id}").json()["revision"] == 2

        accepted = http.post(url, json={"language": "fr", "num_speakers": 2})
        assert accepted.status_code == 202, accepted.text
        body = accepted.json()
        assert body["meeting_id"] == meeting.id
        assert body["task_id"] != meeting.task_id
        assert body["status"] == "PENDING"
        assert accepted.headers["location"] == body["status_url"]
        status = http.get(body["status_url"])
        assert status.status_code == 200
        assert (status.json()["status"], status.json()["progress"]) == ("PENDING", 0.0)
        assert http.get(f"/api/v1/status/{meeting.task_id}").status_code == 404
        detail = http.get(f"/api/v1/meetings/{meeting.id}").json()
        assert (detail["status"], detail["revision"], detail["edited_at"]) == ("PENDING", 0, None)
        assert detail["speakers"] == []
        assert detail["options"] == {
            "language": "fr", "num_speakers": 2, "min_speakers": None, "max_speakers": None,
        }  # fmt: skip
        assert http.get(f"/api/v1/meetings/{meeting.id}/transcript").status_code == 409
        assert http.post(url, json={}).status_code == 409  # already PENDING
        assert http.post(f"/api/v1/meetings/{meeting.id}/revert").status_code == 409

    assert backend.queued().count(meeting.id) == 2  # the upload, then the re-process
    rows = await _rows(backend, meeting.id)
    row = rows["meeting"]
    assert (row["attempts"], row["result_keys"], row["stage"], row["error"]) == (0, {}, None, None)
    assert (row["started_at"], row["completed_at"], row["language"]) == (None, None, None)
    assert row["enqueued_at"] is not None
    assert (rows["revisions"], rows["speakers"]) == ([], [])
    assert rows["rejections"] == ["Diane"]  # "not this person" outlives the re-process
    assert not _exists(backend.store, meeting.fusion_key)
    assert backend.store.list_keys(meeting.prefix) == []
    assert backend.store.list_keys(row["upload_key"]) == [row["upload_key"]]

    # the options given replace the kept ones: bounds drop the exact count, `auto` detects
    await _complete(backend, meeting, _document(sample_call.with_suffix(".stm")))
    with backend.client(backend.user) as http:
        again = http.post(url, json={"min_speakers": 1, "max_speakers": 3})
        assert again.status_code == 202, again.text
        assert http.get(f"/api/v1/meetings/{meeting.id}").json()["options"] == {
            "language": "fr", "num_speakers": None, "min_speakers": 1, "max_speakers": 3,
        }  # fmt: skip
    await _complete(backend, meeting, _document(sample_call.with_suffix(".stm")))
    engine = create_engine(backend.database_url)
    try:
        async with engine.begin() as connection:  # a FAILED meeting may be processed again
            await connection.execute(
                update(Meeting).where(Meeting.id == uuid.UUID(meeting.id))
                .values(status=MeetingStatus.FAILED, error="x", error_code="processing_failed")
            )  # fmt: skip
    finally:
        await engine.dispose()
    with backend.client(backend.user) as http:
        empty_body = http.post(url)  # no body at all: every option kept
        assert empty_body.status_code == 202, empty_body.text
        await _complete(backend, meeting, _document(sample_call.with_suffix(".stm")))
        assert http.post(url, json={"language": "auto"}).status_code == 202
        assert http.get(f"/api/v1/meetings/{meeting.id}").json()["options"] == {
            "language": None, "num_speakers": None, "min_speakers": 1, "max_speakers": 3,
        }  # fmt: skip
    assert backend.queued().count(meeting.id) == 5


# -- ownership, scopes, concurrency, durability -------------------------------------------


async def test_another_users_meeting_is_404_on_every_edit_route(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call, named=True)
    base = f"/api/v1/meetings/{meeting.id}"
    with backend.client(backend.other_user) as http:
        answers = {
            "segment": _patch_segment(http, meeting.id, 0, {"text": "Mine now"}),
            "merge": http.post(f"{base}/speakers/merge", json={"from": [B], "into": A}),
            "rename": http.patch(f"{base}/speakers/{A}", json={"name": "Eve"}),
            "reject": http.post(f"{base}/speakers/{A}/reject"),
            "title": http.patch(base, json={"title": "Mine now"}),
            "revert": http.post(f"{base}/revert"),
            "revisions": http.get(f"{base}/revisions"),
            "reprocess": http.post(f"{base}/reprocess", json={}),
        }
    for route, response in answers.items():
        assert response.status_code == 404, (route, response.text)
        assert response.json()["code"] == "not_found", route
        assert "Diane" not in response.text
    rows = await _rows(backend, meeting.id)
    assert (rows["revisions"], rows["rejections"]) == ([], [])
    assert (rows["meeting"]["status"], rows["meeting"]["title"]) == (
        MeetingStatus.COMPLETED, "sample",
    )  # fmt: skip


async def test_a_read_only_key_reads_revisions_but_cannot_edit(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    with backend.client(backend.user) as http:
        created = http.post(
            "/api/v1/api-keys", json={"name": "reader", "scopes": ["meetings:read"]}
        )
        assert created.status_code == 201, created.text
    reader = {"X-API-Key": created.json()["key"]}
    with backend.client(reader) as http:
        assert http.get(f"/api/v1/meetings/{meeting.id}/revisions").status_code == 200
        refused = _patch_segment(http, meeting.id, 0, {"text": "Hi"})
        assert refused.status_code == 403, refused.text
        assert refused.json()["code"] == "insufficient_scope"
        assert http.post(f"/api/v1/meetings/{meeting.id}/reprocess").status_code == 403
    assert (await _rows(backend, meeting.id))["revisions"] == []


async def test_concurrent_edits_are_serialised_and_none_is_lost(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    assert meeting.document is not None
    texts = {i: f"Edit number {i} of segment {i}." for i in range(8)}
    async with httpx.AsyncClient(base_url=backend.url, headers=backend.user, timeout=120) as http:
        answers = await asyncio.gather(
            *(
                http.patch(f"/api/v1/meetings/{meeting.id}/segments/{i}", json={"text": text})
                for i, text in texts.items()
            ),
            http.patch(f"/api/v1/meetings/{meeting.id}/speakers/{B}", json={"name": "Sheila"}),
        )
    assert [a.status_code for a in answers] == [200] * 9, [a.text for a in answers]
    rows = await _rows(backend, meeting.id)
    assert [r[0] for r in rows["revisions"]] == list(range(1, 10))
    assert rows["meeting"]["revision"] == 9
    with backend.client(backend.user) as http:
        document = _transcript(http, meeting.id).json()
    for i, text in texts.items():
        assert document["segments"][i]["text"] == text
    assert document["segments"][8]["text"] == meeting.document.segments[8].text
    assert {s["name"] for s in document["speakers"]} == {None, "Sheila"}
    assert len(backend.store.list_keys(meeting.prefix + "revisions/")) == 9


async def test_edits_survive_a_restart_and_leave_with_the_meeting(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    with backend.client(backend.user) as http:
        assert _patch_segment(http, meeting.id, THERE, {"text": HERE_TEXT}).status_code == 200
        assert http.patch(
            f"/api/v1/meetings/{meeting.id}/speakers/{A}", json={"name": "Diane"}
        ).status_code == 200  # fmt: skip
    with backend.restart() as url, backend.client(backend.user, url=url) as http:
        detail = http.get(f"/api/v1/meetings/{meeting.id}")
        assert detail.status_code == 200, detail.text
        assert detail.json()["revision"] == 2
        assert f"Diane: {HERE_TEXT}" in _transcript(http, meeting.id, "txt").text
        listing = http.get(f"/api/v1/meetings/{meeting.id}/revisions").json()
        assert [i["summary"] for i in listing["items"]] == [
            f"segment {THERE}: text", f"speaker {A}: renamed to Diane",
        ]  # fmt: skip
    with backend.client(backend.user) as http:
        assert http.delete(f"/api/v1/meetings/{meeting.id}").status_code == 204
    assert backend.store.list_keys(meeting.prefix) == []
    engine = create_engine(backend.database_url)
    try:
        async with engine.connect() as connection:
            left = await connection.scalar(
                select(func.count())
                .select_from(MeetingRevision)
                .where(MeetingRevision.meeting_id == uuid.UUID(meeting.id))
            )
    finally:
        await engine.dispose()
    assert left == 0


async def test_a_delete_waits_for_an_edit_in_progress_and_leaves_no_revision_object(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)
    key = meeting.prefix + "revisions/0001.json"
    engine = create_engine(backend.database_url)
    try:
        async with (
            engine.connect() as connection,
            httpx.AsyncClient(base_url=backend.url, headers=backend.user, timeout=60) as http,
        ):
            # An edit in progress: the meeting's row locked (as MeetingRepository.lock does)
            # until its revision object is stored and committed.
            await connection.execute(
                update(Meeting)
                .where(Meeting.id == uuid.UUID(meeting.id))
                .values(revision=Meeting.revision)
            )
            deleting = asyncio.ensure_future(http.delete(f"/api/v1/meetings/{meeting.id}"))
            await asyncio.sleep(1.0)
            assert not deleting.done()  # the delete waits for the edit
            backend.store.put_bytes(key, b"{}", "application/json")
            await connection.commit()
            deleted = await deleting
    finally:
        await engine.dispose()
    assert deleted.status_code == 204, deleted.text
    assert backend.store.list_keys(meeting.prefix) == []  # the edit's object went too


async def test_the_cleanup_after_a_revert_spares_an_edit_made_since(
    backend: Backend, sample_call: Path
) -> None:
    """A revert deletes its revision objects after its commit; an edit made in that moment
    numbers itself 1 again and writes ``revisions/0001.json`` anew: the cleanup, run here as
    if it came late, must leave that object and delete only the numbers above it."""
    meeting = await _completed(backend, sample_call)
    with backend.client(backend.user) as http:
        for text in ("First edit.", "Second edit."):
            assert _patch_segment(http, meeting.id, THERE, {"text": text}).status_code == 200
        rows = await _rows(backend, meeting.id)
        replaced = {number: key for number, _, key in rows["revisions"]}
        assert http.post(f"/api/v1/meetings/{meeting.id}/revert").status_code == 200
        assert _patch_segment(http, meeting.id, THERE, {"text": HERE_TEXT}).status_code == 200
        backend.store.put_bytes(replaced[2], b"{}", "application/json")  # not deleted yet

        platform = Platform.from_settings(
            auth=AuthSettings(JWT_SECRET=JWT_SECRET),
            database=DatabaseSettings(DATABASE_URL=backend.database_url),
            store=backend.store,
            broker=InMemoryBroker(),
        )
        try:
            async with platform.sessions() as session:
                await editing.delete_replaced_revisions(
                    platform, session, rows["meeting"]["owner_id"], uuid.UUID(meeting.id),
                    replaced,
                )  # fmt: skip
        finally:
            await platform.engine.dispose()

        assert _exists(backend.store, replaced[1])  # the new edit's document
        assert not _exists(backend.store, replaced[2])
        assert _segments(http, meeting.id)[THERE]["text"] == HERE_TEXT


async def test_search_follows_edits_renames_the_title_revert_and_reprocess(
    backend: Backend, sample_call: Path
) -> None:
    meeting = await _completed(backend, sample_call)  # completed without search rows
    base = f"/api/v1/meetings/{meeting.id}"

    def found(http: httpx.Client, query: str) -> list[tuple[int, str, str]]:
        response = http.get("/api/v1/search", params={"q": query, "limit": 50})
        assert response.status_code == 200, response.text
        return [
            (hit["segment_index"], hit["speaker"], hit["title"])
            for hit in response.json()["results"]
            if hit["meeting_id"] == meeting.id
        ]

    with backend.client(backend.user) as http:
        zebra = "I did not know you were here with the zebra."
        assert _patch_segment(http, meeting.id, THERE, {"text": zebra}).status_code == 200
        assert found(http, "zebras") == [(THERE, A, "sample")]
        assert http.patch(f"{base}/speakers/{A}", json={"name": "Diane"}).status_code == 200
        assert http.patch(base, json={"title": "Zoo call"}).status_code == 200
        assert found(http, "zebras") == [(THERE, "Diane", "Zoo call")]
        merged = http.post(f"{base}/speakers/merge", json={"from": [A], "into": B})
        assert merged.status_code == 200, merged.text
        assert found(http, "zebras") == [(THERE, B, "Zoo call")]

        assert http.post(f"{base}/revert").status_code == 200
        assert found(http, "zebras") == []
        assert (THERE, A, "Zoo call") in found(http, "know")

        assert http.post(f"{base}/reprocess", json={}).status_code == 202
        assert found(http, "know") == []
