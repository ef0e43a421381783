"""The voice bank endpoints on the real gateway (PostgreSQL, Redis stream, SeaweedFS S3),
without a worker: what is stored, what is queued, and who may see what. Embedding and
identification run in ``tests/e2e/test_e2e_voice_bank.py``."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from gateway_support import Gateway

from scribe_core.tasks import ENROLL_SPEAKER


@pytest.fixture(autouse=True)
def _drop_enrolment_messages(gateway: Gateway) -> Iterator[None]:
    """Remove the ``speakers.enroll`` messages a test sent, so the meeting tests only ever
    see ``meetings.process`` in the stream."""
    yield
    for entry_id, fields in gateway.redis.xrange(gateway.queue_name):  # type: ignore[union-attr]
        if json.loads(fields[b"data"])["task_name"] == ENROLL_SPEAKER:
            gateway.redis.xdel(gateway.queue_name, entry_id)


def _queued_enrolments(gateway: Gateway) -> list[dict[str, object]]:
    return [
        json.loads(fields[b"data"])
        for _, fields in gateway.redis.xrange(gateway.queue_name)  # type: ignore[union-attr]
        if json.loads(fields[b"data"])["task_name"] == ENROLL_SPEAKER
    ]


def test_enrol_stores_the_recordings_and_queues_ids_only(
    gateway: Gateway,
    user: dict[str, str],
    other_user: dict[str, str],
    sample_call: Path,
) -> None:
    audio = sample_call.read_bytes()
    with gateway.client(user) as http, gateway.client(other_user) as other:
        response = http.post(
            "/api/v1/speakers",
            data={"name": "  Diane   Smith "},
            files=[
                ("file", ("a.wav", audio, "audio/wav")),
                ("file", ("b.wav", audio, "audio/wav")),
            ],
        )
        assert response.status_code == 202, response.text
        person = response.json()
        assert person["name"] == "Diane Smith"
        assert (person["status"], person["num_samples"]) == ("PENDING", 0)

        keys = gateway.store.list_keys("voicebank/")
        mine = [k for k in keys if person["id"] in k]
        assert len(mine) == 2
        assert all(gateway.store.size(k) == len(audio) for k in mine)
        queued = [
            m for m in _queued_enrolments(gateway) if m["kwargs"] == {"person_id": person["id"]}
        ]
        assert len(queued) == 1, "one speakers.enroll message, with the person id only"

        assert [p["name"] for p in http.get("/api/v1/speakers").json()] == ["Diane Smith"]
        assert other.get("/api/v1/speakers").json() == []
        assert other.get(f"/api/v1/speakers/{person['id']}").status_code == 404
        assert other.delete(f"/api/v1/speakers/{person['id']}").status_code == 404

        duplicate = http.post(
            "/api/v1/speakers", data={"name": "Diane Smith"},
            files={"file": ("c.wav", audio, "audio/wav")},
        )  # fmt: skip
        assert duplicate.status_code == 409
        assert duplicate.json()["error"] == "ConflictError"

        more = http.post(
            f"/api/v1/speakers/{person['id']}/samples",
            files={"file": ("c.wav", audio, "audio/wav")},
        )
        assert more.status_code == 202
        assert len([k for k in gateway.store.list_keys("voicebank/") if person["id"] in k]) == 3

        assert http.delete(f"/api/v1/speakers/{person['id']}").status_code == 204
        assert not [k for k in gateway.store.list_keys("voicebank/") if person["id"] in k]
        assert http.get(f"/api/v1/speakers/{person['id']}").status_code == 404


@pytest.mark.parametrize(
    ("fields", "files", "status", "error"),
    [
        (
            {"name": "X"},
            [("file", ("notes.txt", b"hello", "text/plain"))],
            415,
            "UnsupportedMediaTypeError",
        ),
        ({"name": "X"}, [("file", ("empty.wav", b"", "audio/wav"))], 400, "BadInputError"),
        ({"name": "\x07bell"}, [("file", ("a.wav", b"RIFF", "audio/wav"))], 400, "BadInputError"),
    ],
)
def test_bad_enrolments_are_refused_and_leave_nothing(
    gateway: Gateway,
    user: dict[str, str],
    fields: dict[str, str],
    files: list[tuple[str, tuple[str, bytes, str]]],
    status: int,
    error: str,
) -> None:
    before = gateway.store.list_keys("voicebank/")
    with gateway.client(user) as http:
        response = http.post("/api/v1/speakers", data=fields, files=files)
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
        assert "X" not in [p["name"] for p in http.get("/api/v1/speakers").json()]
    assert gateway.store.list_keys("voicebank/") == before
    assert not _queued_enrolments(gateway)


def test_enrol_from_a_meeting_needs_a_completed_meeting(
    gateway: Gateway, user: dict[str, str], other_user: dict[str, str], sample_call: Path
) -> None:
    with gateway.client(user) as http, gateway.client(other_user) as other:
        meeting = http.post(
            "/api/v1/process", files={"file": ("call.wav", sample_call.read_bytes(), "audio/wav")}
        ).json()
        path = f"/api/v1/meetings/{meeting['meeting_id']}/speakers/SPEAKER_00/enroll"
        pending = http.post(path, json={"name": "Diane"})
        assert pending.status_code == 409, pending.text
        assert other.post(path, json={"name": "Diane"}).status_code == 404
        missing = f"/api/v1/meetings/{uuid.uuid4()}/speakers/SPEAKER_00/enroll"
        assert http.post(missing, json={"name": "Diane"}).status_code == 404
