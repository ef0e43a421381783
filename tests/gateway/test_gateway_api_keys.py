"""API keys, scopes, ``Idempotency-Key``, ``output_format``/``result_url`` and the status event
stream, on the real gateway (PostgreSQL, Redis stream, SeaweedFS S3), without a worker: a
meeting's progress is written to its row as the worker would write it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import queue
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import Gateway, reference_document
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from test_gateway_meetings import _complete

from scribe_core.db import Meeting, MeetingStatus, create_sessionmaker
from scribe_core.db.models import ApiKey, IdempotencyRecord
from scribe_core.tasks import ENROLL_SPEAKER

ALL_SCOPES = ["meetings:read", "meetings:write", "speakers:read", "speakers:write",
              "webhooks:manage"]  # fmt: skip


@pytest.fixture(autouse=True)
def _drop_enrolment_messages(gateway: Gateway) -> Iterator[None]:
    """Remove the ``speakers.enroll`` messages a test sent (the meeting tests read the
    stream)."""
    yield
    for entry_id, fields in gateway.redis.xrange(gateway.queue_name):  # type: ignore[union-attr]
        if json.loads(fields[b"data"])["task_name"] == ENROLL_SPEAKER:
            gateway.redis.xdel(gateway.queue_name, entry_id)


def _new_key(
    gateway: Gateway, user: dict[str, str], scopes: list[str], **fields: object
) -> dict[str, Any]:
    with gateway.client(user) as http:
        response = http.post(
            "/api/v1/api-keys", json={"name": "n8n on the NAS", "scopes": scopes, **fields}
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


def _bearer(key: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {key['key']}"}


def _x_api_key(key: dict[str, Any]) -> dict[str, str]:
    return {"X-API-Key": key["key"]}


def _post_upload(
    http: httpx.Client, path: Path, headers: dict[str, str] | None = None,
    fields: dict[str, str] | None = None,
) -> httpx.Response:  # fmt: skip
    with path.open("rb") as audio:
        return http.post(
            "/api/v1/process", files={"file": (path.name, audio, "audio/wav")},
            data=fields or {}, headers=headers or {},
        )  # fmt: skip


async def _meetings_of(db: AsyncEngine, headers: dict[str, str], gateway: Gateway) -> int:
    with gateway.client(headers) as http:
        return int(http.get("/api/v1/meetings").json()["total"])


async def test_key_is_shown_once_stored_hashed_and_listed(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    created = _new_key(gateway, user, ["meetings:read", "meetings:read", "speakers:read"])
    key = created["key"]
    assert key.startswith("sms_live_")
    assert len(key) >= 9 + 43
    assert key.startswith(created["prefix"])
    assert len(created["prefix"]) < len(key)
    assert created["scopes"] == ["meetings:read", "speakers:read"]
    assert (created["expires_at"], created["last_used_at"]) == (None, None)

    async with create_sessionmaker(db)() as session:
        row = await session.get_one(ApiKey, uuid.UUID(created["id"]))
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in json.dumps([str(v) for v in vars(row).values()])

    with gateway.client(user) as http:
        listed = http.get("/api/v1/api-keys").json()
    mine = next(k for k in listed if k["id"] == created["id"])
    assert "key" not in mine
    assert key not in json.dumps(listed)
    assert mine["prefix"] == created["prefix"]
    assert mine["name"] == "n8n on the NAS"
    assert mine["last_used_at"] is None

    for headers in (_bearer(created), _x_api_key(created)):
        with gateway.client(headers) as http:
            response = http.get("/api/v1/meetings")
            assert response.status_code == 200, response.text
            assert http.get("/api/v1/auth/me").status_code == 200
    with gateway.client(user) as http:
        mine = next(k for k in http.get("/api/v1/api-keys").json() if k["id"] == created["id"])
    assert mine["last_used_at"] is not None


def test_a_key_acts_as_its_user_only(
    gateway: Gateway, user: dict[str, str], other_user: dict[str, str], sample_call: Path
) -> None:
    key = _new_key(gateway, user, ["meetings:read", "meetings:write"])
    with gateway.client(_x_api_key(key)) as http:
        accepted = _post_upload(http, sample_call).json()
        assert http.get(f"/api/v1/meetings/{accepted['meeting_id']}").status_code == 200
    with gateway.client(user) as http:
        assert http.get(f"/api/v1/meetings/{accepted['meeting_id']}").status_code == 200
    with gateway.client(other_user) as http:
        assert http.get(f"/api/v1/meetings/{accepted['meeting_id']}").status_code == 404
        # Nor can another user revoke it.
        assert http.delete(f"/api/v1/api-keys/{key['id']}").status_code == 404


def test_missing_scope_is_403_naming_the_scope(
    gateway: Gateway, user: dict[str, str], sample_call: Path
) -> None:
    reader = _new_key(gateway, user, ["meetings:read"])
    for headers in (_bearer(reader), _x_api_key(reader)):
        with gateway.client(headers) as http:
            assert http.get("/api/v1/meetings").status_code == 200
            refused = _post_upload(http, sample_call)
            assert refused.status_code == 403
            body = refused.json()
            assert body["code"] == "insufficient_scope"
            assert "meetings:write" in body["detail"]
            speakers = http.get("/api/v1/speakers")
            assert speakers.status_code == 403
            assert "speakers:read" in speakers.json()["detail"]
            deleted = http.delete(f"/api/v1/meetings/{uuid.uuid4()}")
            assert (deleted.status_code, deleted.json()["code"]) == (403, "insufficient_scope")
    voice = _new_key(gateway, user, ["speakers:read"])
    with gateway.client(_x_api_key(voice)) as http:
        assert http.get("/api/v1/speakers").status_code == 200
        assert http.get("/api/v1/meetings").status_code == 403
        enrol = http.post(
            "/api/v1/speakers", data={"name": "Nobody"},
            files={"file": ("a.wav", sample_call.read_bytes(), "audio/wav")},
        )  # fmt: skip
        assert enrol.status_code == 403
        assert "speakers:write" in enrol.json()["detail"]


def test_keys_are_managed_from_a_session_only(gateway: Gateway, user: dict[str, str]) -> None:
    key = _new_key(gateway, user, ALL_SCOPES)
    with gateway.client(_bearer(key)) as http:
        for response in (
            http.get("/api/v1/api-keys"),
            http.post("/api/v1/api-keys", json={"name": "x", "scopes": ["meetings:read"]}),
            http.delete(f"/api/v1/api-keys/{key['id']}"),
        ):
            assert response.status_code == 403, response.text
            assert response.json()["code"] == "api_key_not_allowed"
    with gateway.client() as http:
        assert http.get("/api/v1/api-keys").status_code == 401


def test_bad_key_requests_are_refused_with_a_reason(gateway: Gateway, user: dict[str, str]) -> None:
    with gateway.client(user) as http:
        unknown = http.post("/api/v1/api-keys", json={"name": "x", "scopes": ["meetings:admin"]})
        assert unknown.status_code == 422
        assert http.post("/api/v1/api-keys", json={"name": "x", "scopes": []}).status_code == 422
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        expired = http.post(
            "/api/v1/api-keys", json={"name": "x", "scopes": ["meetings:read"], "expires_at": past}
        )
        assert (expired.status_code, expired.json()["code"]) == (400, "bad_input")
        assert http.delete(f"/api/v1/api-keys/{uuid.uuid4()}").status_code == 404
    for headers in ({"X-API-Key": "sms_live_not-a-key"}, {"Authorization": "Bearer sms_live_x"}):
        with gateway.client(headers) as http:
            response = http.get("/api/v1/meetings")
            assert response.status_code == 401
            assert response.json()["code"] == "not_authenticated"


def test_revoked_key_is_refused_at_once(gateway: Gateway, user: dict[str, str]) -> None:
    key = _new_key(gateway, user, ["meetings:read"])
    with gateway.client(_x_api_key(key)) as http:
        assert http.get("/api/v1/meetings").status_code == 200
        with gateway.client(user) as owner:
            assert owner.delete(f"/api/v1/api-keys/{key['id']}").status_code == 204
            assert key["id"] not in {k["id"] for k in owner.get("/api/v1/api-keys").json()}
        assert http.get("/api/v1/meetings").status_code == 401
    with gateway.client(_bearer(key)) as http:
        assert http.get("/api/v1/meetings").status_code == 401


async def test_expired_key_is_refused(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine
) -> None:
    soon = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    key = _new_key(gateway, user, ["meetings:read"], expires_at=soon)
    assert key["expires_at"] is not None
    with gateway.client(_x_api_key(key)) as http:
        assert http.get("/api/v1/meetings").status_code == 200
        async with create_sessionmaker(db)() as session:
            await session.execute(
                update(ApiKey)
                .where(ApiKey.id == uuid.UUID(key["id"]))
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        response = http.get("/api/v1/meetings")
        assert response.status_code == 401
        assert "expired" in response.json()["detail"]


async def test_same_idempotency_key_twice_gives_one_meeting(
    gateway: Gateway, user: dict[str, str], other_user: dict[str, str], db: AsyncEngine,
    sample_call: Path,
) -> None:  # fmt: skip
    key = _new_key(gateway, user, ["meetings:read", "meetings:write", "speakers:write"])
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    before = await _meetings_of(db, user, gateway)
    with gateway.client(_x_api_key(key)) as http:
        first = _post_upload(http, sample_call, idem, {"title": "Weekly"})
        second = _post_upload(http, sample_call, idem, {"title": "Weekly"})
    assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
    assert second.json() == first.json()
    assert second.headers["Location"] == first.headers["Location"] == first.json()["status_url"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _meetings_of(db, user, gateway) == before + 1
    meeting_id = first.json()["meeting_id"]
    assert gateway.queued_meeting_ids().count(meeting_id) == 1
    assert len([k for k in gateway.store.list_keys("uploads/") if meeting_id in k]) == 1

    # The same key: another user's is another request; on another route it is refused.
    with gateway.client(other_user) as http:
        theirs = _post_upload(http, sample_call, idem)
        assert theirs.status_code == 202
        assert theirs.json()["meeting_id"] != meeting_id
    with gateway.client(_x_api_key(key)) as http:
        reused = http.post(
            "/api/v1/speakers", data={"name": "Diane"}, headers=idem,
            files={"file": ("a.wav", sample_call.read_bytes(), "audio/wav")},
        )  # fmt: skip
        assert (reused.status_code, reused.json()["code"]) == (422, "idempotency_key_reused")
        too_long = http.post(
            "/api/v1/process", headers={"Idempotency-Key": "x" * 256},
            files={"file": ("a.wav", b"RIFF", "audio/wav")},
        )  # fmt: skip
        assert too_long.status_code == 422


async def test_failed_request_does_not_use_up_its_idempotency_key(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    idem = {"Idempotency-Key": f"retry-{uuid.uuid4()}"}
    with gateway.client(user) as http:
        refused = _post_upload(http, sample_call, idem, {"num_speakers": "0"})
        assert refused.status_code == 400
        accepted = _post_upload(http, sample_call, idem)
        assert accepted.status_code == 202, accepted.text
        assert "Idempotent-Replayed" not in accepted.headers
    async with create_sessionmaker(db)() as session:
        record = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.key == idem["Idempotency-Key"])
        )
    assert record is not None
    assert record.status_code == 202
    assert record.response_body == accepted.json()


async def test_concurrent_retries_with_one_key_start_one_meeting(
    gateway: Gateway, db: AsyncEngine, sample_call: Path
) -> None:
    user = gateway.new_user()
    idem = {"Idempotency-Key": str(uuid.uuid4())}

    def send(_: int) -> httpx.Response:
        with gateway.client(user) as http:
            return _post_upload(http, sample_call, idem)

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(4)))
    codes = sorted(a.status_code for a in answers)
    assert set(codes) <= {202, 409}, [a.text for a in answers]
    accepted = {a.json()["meeting_id"] for a in answers if a.status_code == 202}
    assert len(accepted) == 1
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["code"] == "idempotency_request_in_progress"
    assert await _meetings_of(db, user, gateway) == 1


async def test_enrolment_honours_the_idempotency_key(gateway: Gateway, sample_call: Path) -> None:
    user = gateway.new_user()  # its own voice bank: the speakers tests list the shared user's
    idem = {"Idempotency-Key": str(uuid.uuid4())}
    name = f"Idem {uuid.uuid4().hex[:6]}"
    with gateway.client(user) as http:
        answers = [
            http.post(
                "/api/v1/speakers", data={"name": name}, headers=idem,
                files={"file": ("a.wav", sample_call.read_bytes(), "audio/wav")},
            )
            for _ in range(2)
        ]  # fmt: skip
        assert [a.status_code for a in answers] == [202, 202], answers[1].text
        assert answers[1].json() == answers[0].json()
        person_id = answers[0].json()["id"]
        people = [p for p in http.get("/api/v1/speakers").json() if p["name"] == name]
        assert [p["id"] for p in people] == [person_id]
        samples_idem = {"Idempotency-Key": str(uuid.uuid4())}
        added = [
            http.post(
                f"/api/v1/speakers/{person_id}/samples", headers=samples_idem,
                files={"file": ("b.wav", sample_call.read_bytes(), "audio/wav")},
            )
            for _ in range(2)
        ]  # fmt: skip
        assert [a.status_code for a in added] == [202, 202], added[0].text
        assert added[1].headers["Idempotent-Replayed"] == "true"
    stored = [k for k in gateway.store.list_keys("voicebank/") if person_id in k]
    assert len(stored) == 2, "one sample from the enrolment, one from the added samples"


async def test_output_format_gives_the_final_status_a_result_url(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    key = _new_key(gateway, user, ["meetings:read", "meetings:write"])
    with gateway.client(_bearer(key)) as http:
        bad = _post_upload(http, sample_call, fields={"output_format": "docx"})
        assert (bad.status_code, bad.json()["code"]) == (400, "bad_input")
        answer = _post_upload(http, sample_call, fields={"output_format": "SRT"})
        assert answer.status_code == 202, answer.text
        accepted = answer.json()
        pending = http.get(accepted["status_url"]).json()
        assert (pending["output_format"], pending["result_url"]) == ("srt", None)
        document = reference_document(sample_call.with_suffix(".stm"))
        await _complete(db, gateway, accepted["meeting_id"], document)
        final = http.get(accepted["status_url"]).json()
        url = f"/api/v1/meetings/{accepted['meeting_id']}/transcript?format=srt"
        assert final["result_url"] == url
        srt = http.get(final["result_url"])
        assert srt.status_code == 200
        assert srt.headers["content-type"].startswith("application/x-subrip")
        assert srt.text.startswith("1\n00:00:")


class EventReader:
    """Reads a ``text/event-stream`` in a thread; events arrive on :attr:`events` as
    ``(event, data, fields)`` and ``None`` when the stream ends."""

    def __init__(self, gateway: Gateway, path: str, headers: dict[str, str]) -> None:
        self.events: queue.Queue[tuple[str, dict[str, Any], dict[str, str]] | None] = queue.Queue()
        self.status_code = 0
        self.headers: httpx.Headers = httpx.Headers()
        self.comments = 0
        self._opened = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(gateway, path, headers), daemon=True
        )
        self._thread.start()
        assert self._opened.wait(30)

    def _run(self, gateway: Gateway, path: str, headers: dict[str, str]) -> None:
        try:
            with gateway.client(headers) as http, http.stream("GET", path) as response:
                self.status_code = response.status_code
                self.headers = response.headers
                self._opened.set()
                fields: dict[str, str] = {}
                for line in response.iter_lines():
                    if line.startswith(":"):
                        self.comments += 1
                    elif line:
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
                    elif fields:
                        data = json.loads(fields.get("data", "null"))
                        self.events.put((fields.get("event", "message"), data, fields))
                        fields = {}
        finally:
            self._opened.set()
            self.events.put(None)

    async def next(self) -> tuple[str, dict[str, Any], dict[str, str]] | None:
        """The next event (or ``None`` at the end), waiting up to 30 s."""
        return await asyncio.to_thread(self.events.get, True, 30)


async def _set(db: AsyncEngine, meeting_id: str, **values: object) -> None:
    async with create_sessionmaker(db)() as session:
        await session.execute(
            update(Meeting).where(Meeting.id == uuid.UUID(meeting_id)).values(**values)
        )
        await session.commit()


async def test_status_events_follow_the_stages_and_end_with_the_results(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    key = _new_key(gateway, user, ["meetings:read", "meetings:write"])
    with gateway.client(_x_api_key(key)) as http:
        accepted = _post_upload(http, sample_call, fields={"output_format": "vtt"}).json()
    path = f"/api/v1/status/{accepted['task_id']}/events"
    reader = EventReader(gateway, path, _x_api_key(key))
    assert reader.status_code == 200
    assert reader.headers["content-type"].startswith("text/event-stream")
    assert "no-transform" in reader.headers["cache-control"]

    first = await reader.next()
    assert first is not None
    event, data, fields = first
    assert (event, data["status"], data["progress"], data["eta_seconds"]) == (
        "status", "PENDING", 0.0, None,
    )  # fmt: skip
    assert fields["retry"] == "2000"
    assert fields["id"] == "1"

    started = datetime.now(UTC) - timedelta(seconds=10)
    steps = [("convert", 0.02), ("diarize", 0.3), ("transcribe", 0.5), ("fuse", 0.9)]
    for stage, progress in steps:
        await _set(db, accepted["meeting_id"], status=MeetingStatus.PROCESSING, stage=stage,
                   progress=progress, started_at=started)  # fmt: skip
        received = await reader.next()
        assert received is not None
        event, data, _ = received
        assert (event, data["status"], data["stage"], data["progress"]) == (
            "status", "PROCESSING", stage, progress,
        )  # fmt: skip
        if progress < 0.05:
            assert data["eta_seconds"] is None
        else:  # linear extrapolation of ~10 s elapsed
            expected = 10 * (1 - progress) / progress
            assert expected <= data["eta_seconds"] <= expected * 3 + 5

    document = reference_document(sample_call.with_suffix(".stm"))
    await _complete(db, gateway, accepted["meeting_id"], document)
    done = await reader.next()
    assert done is not None
    assert done[1]["status"] == "COMPLETED"
    final = await reader.next()
    assert final is not None
    event, data, _ = final
    meeting_id = accepted["meeting_id"]
    assert event == "final"
    assert data["status"] == "COMPLETED"
    assert data["error"] is None
    assert data["result_url"] == f"/api/v1/meetings/{meeting_id}/transcript?format=vtt"
    assert data["links"]["transcript"]["srt"].endswith("format=srt")
    assert await reader.next() is None, "the stream closes after the final event"
    with gateway.client(_x_api_key(key)) as http:
        assert http.get(data["result_url"]).text.startswith("WEBVTT")
        # A settled task's stream is its last status and the final event.
        replay = EventReader(gateway, path, _x_api_key(key))
        events = [await replay.next() for _ in range(3)]
    assert [e[0] if e else None for e in events] == ["status", "final", None]


async def test_status_events_end_with_the_failure_reason(
    gateway: Gateway, user: dict[str, str], db: AsyncEngine, sample_call: Path
) -> None:
    with gateway.client(user) as http:
        accepted = _post_upload(http, sample_call).json()
    reader = EventReader(gateway, f"/api/v1/status/{accepted['task_id']}/events", user)
    assert (await reader.next()) is not None
    await _set(db, accepted["meeting_id"], status=MeetingStatus.FAILED, stage="convert",
               error="the file holds no audio stream", error_code="no_audio")  # fmt: skip
    events = [await reader.next() for _ in range(3)]
    assert [e[0] if e else None for e in events] == ["status", "final", None]
    final = events[1]
    assert final is not None
    assert final[1]["status"] == "FAILED"
    assert final[1]["error_code"] == "no_audio"
    assert (final[1]["result_url"], final[1]["links"]) == (None, None)


def test_status_events_are_scoped_and_owned(
    gateway: Gateway, user: dict[str, str], other_user: dict[str, str], sample_call: Path
) -> None:
    with gateway.client(user) as http:
        accepted = _post_upload(http, sample_call).json()
    path = f"/api/v1/status/{accepted['task_id']}/events"
    writer = _new_key(gateway, user, ["meetings:write"])
    with gateway.client(_x_api_key(writer)) as http:
        refused = http.get(path)
        assert refused.status_code == 403
        assert "meetings:read" in refused.json()["detail"]
    with gateway.client(other_user) as http:
        assert http.get(path).status_code == 404
    with gateway.client() as http:
        assert http.get(path).status_code == 401


async def test_idempotency_records_of_a_user_expire(
    gateway: Gateway, db: AsyncEngine, sample_call: Path
) -> None:
    user = gateway.new_user()
    idem = {"Idempotency-Key": "nightly-upload"}
    with gateway.client(user) as http:
        first = _post_upload(http, sample_call, idem).json()
    async with create_sessionmaker(db)() as session:
        await session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == "nightly-upload", IdempotencyRecord.fingerprint != "")
            .values(created_at=func.now() - timedelta(hours=25))
        )
        await session.commit()
    with gateway.client(user) as http:
        second = _post_upload(http, sample_call, idem)
    assert second.status_code == 202
    assert second.json()["meeting_id"] != first["meeting_id"]
    assert await _meetings_of(db, user, gateway) == 2


def test_every_api_route_declares_its_scope(gateway: Gateway) -> None:
    """A route added without ``require_scope`` would let any key through: only the account
    routes and key management (refused to keys) go without one."""
    with gateway.client() as http:
        spec = http.get("/openapi.json").json()
    unscoped = sorted(
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if path.startswith("/api/v1/")
        and not path.startswith("/api/v1/auth/")
        and not any(scopes for requirement in operation.get("security", []) for scopes in
                    requirement.values())
    )  # fmt: skip
    assert unscoped == [
        "DELETE /api/v1/api-keys/{key_id}", "GET /api/v1/api-keys", "POST /api/v1/api-keys",
    ]  # fmt: skip
    process = spec["paths"]["/api/v1/process"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in process["parameters"]}
    events = spec["paths"]["/api/v1/status/{task_id}/events"]["get"]["responses"]["200"]
    titles = {s["title"] for s in events["content"]["text/event-stream"]["schema"]["oneOf"]}
    assert titles == {"StatusEvent", "FinalEvent"}
