"""Webhooks, URL jobs and per-job callbacks against the real servers of the gateway tests
(PostgreSQL, Redis, the SeaweedFS S3 server).

A real HTTP receiver on 127.0.0.1 (a threaded ``http.server``) records every delivery and the
test verifies each with the ``standardwebhooks`` library. Deliveries are sent by the worker's
own sender (``scribe_worker.jobs.webhooks.deliver_due``) and URL jobs are run by the worker's
own job (``process_meeting``) on the gateway's database and object store; only the pipeline is
replaced by a result built from the sample call's REFERENCE transcript (the behaviour under test
is the download before it and the events after it; ``tests/e2e/test_e2e_integrations.py`` runs
the real pipeline).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from gateway_support import Gateway
from reference_results import reference_result
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from standardwebhooks import Webhook
from taskiq import InMemoryBroker

from scribe_core.db import create_sessionmaker
from scribe_core.db.models import WebhookDelivery
from scribe_core.outbound import OutboundPolicy
from scribe_core.settings import QueueSettings, WebhookSettings
from scribe_worker.jobs.fetch import (
    DownloadRefusedError,
    DownloadTooLargeError,
    download_to_store,
)
from scribe_worker.jobs.meetings import JobOutcome, WorkerContext, process_meeting
from scribe_worker.jobs.webhooks import deliver_due
from scribe_worker.pipeline import PipelineResult

FAST = WebhookSettings(WEBHOOK_RETRY_SCHEDULE_SECONDS="0,0", WEBHOOK_TIMEOUT_SECONDS=5)  # type: ignore[call-arg]
"""Three attempts, retried at once (production: 5 attempts over an hour)."""
POLICY = OutboundPolicy(allow_private=True, connect_timeout=2, read_timeout=5)


# -- a receiver and an audio server on 127.0.0.1 ---------------------------------------------


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int


class Servers:
    """``POST /hook/<name>`` records the delivery and answers the next status planned for
    ``<name>`` (200 when none); ``GET /audio/sample.wav`` serves the sample call,
    ``/audio/big`` 3 MiB, ``/audio/to-metadata`` redirects to 169.254.169.254."""

    def __init__(self, audio: bytes) -> None:
        self.audio = audio
        self.deliveries: list[Delivery] = []
        self.plans: dict[str, list[int]] = {}
        self.lock = threading.Lock()
        servers = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                name = self.path.removeprefix("/hook/")
                with servers.lock:
                    plan = servers.plans.get(name, [])
                    status = plan.pop(0) if plan else 200
                    servers.deliveries.append(
                        Delivery(self.path, {k.lower(): v for k, v in self.headers.items()},
                                 body, status)
                    )  # fmt: skip
                self._answer(status, b"ok")

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/audio/sample.wav":
                    self._answer(200, servers.audio, {"Content-Type": "audio/wav"})
                elif self.path == "/audio/big":
                    self._answer(200, b"\0" * (3 * 1024 * 1024), {"Content-Type": "audio/wav"})
                elif self.path == "/audio/to-metadata":
                    self._answer(302, b"", {"Location": "http://169.254.169.254/latest/"})
                else:
                    self._answer(404, b"no such file")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def received(self, name: str) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if d.path == f"/hook/{name}"]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def servers(sample_call: Path) -> Iterator[Servers]:
    running = Servers(sample_call.read_bytes())
    try:
        yield running
    finally:
        running.close()


def verify(delivery: Delivery, secret: str) -> dict[str, Any]:
    """The event, once ``standardwebhooks`` has verified its signature (raises otherwise)."""
    event: dict[str, Any] = Webhook(secret).verify(delivery.body, delivery.headers)
    return event


@pytest.fixture
async def sessions(db: AsyncEngine) -> Any:
    return create_sessionmaker(db)


async def send_until(sessions: Any, done: Any, rounds: int = 10) -> None:
    """Run the worker's sender (as its loop does) until ``done()`` or ``rounds`` rounds."""
    async with httpx.AsyncClient(trust_env=False) as client:
        for _ in range(rounds):
            await deliver_due(sessions, client, POLICY, FAST)
            if done():
                return


def new_hook(http: httpx.Client, servers: Servers, events: list[str]) -> tuple[str, str, str]:
    """Register ``/hook/<random>``; returns (webhook id, secret, receiver name)."""
    name = uuid.uuid4().hex[:8]
    answer = http.post("/api/v1/webhooks", json={"url": f"{servers.url}/hook/{name}",
                                                  "events": events})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], answer.json()["secret"], name


# -- endpoints ---------------------------------------------------------------------------------


def test_webhooks_are_registered_listed_and_deleted_with_the_secret_shown_once(
    gateway: Gateway, user: dict[str, str], other_user: dict[str, str], servers: Servers
) -> None:
    with gateway.client(user) as http, gateway.client(other_user) as other:
        created = http.post(
            "/api/v1/webhooks",
            json={"url": f"{servers.url}/hook/x", "events": ["meeting.completed"],
                  "description": "n8n"},
        )  # fmt: skip
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["secret"].startswith("whsec_")
        assert Webhook(body["secret"])  # a valid Standard Webhooks secret
        hook_id = body["id"]
        listed = http.get("/api/v1/webhooks").json()
        assert [h["id"] for h in listed if h["id"] == hook_id] == [hook_id]
        assert all("secret" not in h for h in listed)
        one = http.get(f"/api/v1/webhooks/{hook_id}").json()
        assert one["events"] == ["meeting.completed"]
        assert "secret" not in one
        assert one["description"] == "n8n"

        assert other.get(f"/api/v1/webhooks/{hook_id}").status_code == 404
        assert other.delete(f"/api/v1/webhooks/{hook_id}").status_code == 404
        assert all(h["id"] != hook_id for h in other.get("/api/v1/webhooks").json())

        assert http.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
        assert http.get(f"/api/v1/webhooks/{hook_id}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"url": "ftp://example.org/x", "events": ["meeting.completed"]}, 400, "outbound_refused"),
        ({"url": "http://169.254.169.254/", "events": ["meeting.failed"]}, 400, "outbound_refused"),
        ({"url": "http://[fd00:ec2::254]/", "events": ["meeting.failed"]}, 400, "outbound_refused"),
        ({"url": "http://127.0.0.1:9/x", "events": ["meeting.done"]}, 422, None),
        ({"url": "http://127.0.0.1:9/x", "events": []}, 422, None),
    ],
)
def test_bad_webhooks_are_refused(
    gateway: Gateway, user: dict[str, str], body: dict[str, Any], status: int, code: str | None
) -> None:
    with gateway.client(user) as http:
        answer = http.post("/api/v1/webhooks", json=body)
    assert answer.status_code == status, answer.text
    if code:
        assert answer.json()["code"] == code


def test_webhook_routes_need_the_webhooks_manage_scope(
    gateway: Gateway, user: dict[str, str]
) -> None:
    with gateway.client(user) as http:
        keys = {}
        for scopes in (["meetings:read"], ["webhooks:manage"]):
            answer = http.post("/api/v1/api-keys", json={"name": "n8n", "scopes": scopes})
            assert answer.status_code == 201, answer.text
            keys[scopes[0]] = answer.json()["key"]
    with gateway.client({"X-API-Key": keys["meetings:read"]}) as http:
        refused = http.get("/api/v1/webhooks")
        assert refused.status_code == 403
        assert "webhooks:manage" in refused.json()["detail"]
    with gateway.client({"Authorization": f"Bearer {keys['webhooks:manage']}"}) as http:
        assert http.get("/api/v1/webhooks").status_code == 200
        assert http.get("/api/v1/meetings").status_code == 403


# -- deliveries --------------------------------------------------------------------------------


async def test_a_test_ping_is_delivered_signed_and_logged(
    gateway: Gateway, user: dict[str, str], servers: Servers, sessions: Any
) -> None:
    with gateway.client(user) as http:
        hook_id, secret, name = new_hook(http, servers, ["meeting.completed"])
        queued = http.post(f"/api/v1/webhooks/{hook_id}/test")
        assert queued.status_code == 202, queued.text
        assert queued.json()["status"] == "PENDING"
        assert servers.received(name) == [], "nothing is sent inside the request"

        await send_until(sessions, lambda: servers.received(name))
        (delivery,) = servers.received(name)
        event = verify(delivery, secret)
        assert event["type"] == "webhook.test"
        assert event["data"]["webhook_id"] == hook_id
        assert delivery.headers["webhook-id"] == queued.json()["message_id"]
        with pytest.raises(Exception, match="[Ss]ignature"):
            verify(delivery, "whsec_" + "A" * 32)  # another secret does not verify

        (logged,) = http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()
        assert logged["status"] == "SUCCEEDED"
        assert logged["attempts"] == 1
        assert logged["next_attempt_at"] is None
        (attempt,) = logged["attempt_log"]
        assert attempt["status_code"] == 200
        assert attempt["error"] is None
        assert attempt["duration_ms"] >= 0


async def test_a_receiver_failing_twice_gets_the_event_on_the_third_attempt(
    gateway: Gateway, user: dict[str, str], servers: Servers, sessions: Any
) -> None:
    with gateway.client(user) as http:
        hook_id, secret, name = new_hook(http, servers, ["meeting.completed"])
        servers.plans[name] = [500, 500, 200]
        assert http.post(f"/api/v1/webhooks/{hook_id}/test").status_code == 202
        await send_until(sessions, lambda: len(servers.received(name)) >= 3)

        received = servers.received(name)
        assert [d.answered for d in received] == [500, 500, 200]
        events = [verify(d, secret) for d in received]
        assert len({d.headers["webhook-id"] for d in received}) == 1, "same id on every attempt"
        assert len({json.dumps(e, sort_keys=True) for e in events}) == 1

        (logged,) = http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()
        assert logged["status"] == "SUCCEEDED"
        assert logged["attempts"] == 3
        log = logged["attempt_log"]
        assert [(a["attempt"], a["status_code"]) for a in log] == [(1, 500), (2, 500), (3, 200)]
        assert [a["error"] for a in log] == [
            "the receiver answered HTTP 500", "the receiver answered HTTP 500", None,
        ]  # fmt: skip

        # Redeliver: a new delivery with the same id and body.
        again = http.post(f"/api/v1/webhooks/{hook_id}/deliveries/{logged['id']}/redeliver")
        assert again.status_code == 202, again.text
        assert again.json()["message_id"] == logged["message_id"]
        await send_until(sessions, lambda: len(servers.received(name)) >= 4)
        assert verify(servers.received(name)[3], secret) == events[0]
        history = http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()
        assert [d["status"] for d in history] == ["SUCCEEDED", "SUCCEEDED"]


async def test_a_receiver_that_keeps_failing_ends_failed_after_the_schedule(
    gateway: Gateway, user: dict[str, str], servers: Servers, sessions: Any
) -> None:
    with gateway.client(user) as http:
        hook_id, _, name = new_hook(http, servers, ["meeting.failed"])
        servers.plans[name] = [503] * 10
        assert http.post(f"/api/v1/webhooks/{hook_id}/test").status_code == 202
        await send_until(sessions, lambda: len(servers.received(name)) >= 3)
        (logged,) = http.get(f"/api/v1/webhooks/{hook_id}/deliveries").json()
    assert logged["status"] == "FAILED"
    assert logged["attempts"] == 3
    assert [a["status_code"] for a in logged["attempt_log"]] == [503, 503, 503]
    assert len(servers.received(name)) == 3, "no attempt after the schedule"


# -- URL jobs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"audio_url": "ftp://example.org/a.wav"}, "only http"),
        ({"audio_url": "http://169.254.169.254/latest/meta-data/"}, "metadata"),
        ({"audio_url": "http://example.org/a.wav", "callback_url": "file:///etc/passwd"},
         "only http"),
        ({"audio_url": "http://example.org/a.wav", "speakers": 2}, "speakers"),
        ({"audio_url": "http://example.org/a.wav", "num_speakers": "2"}, "num_speakers"),
        ({"audio_url": "http://example.org/a.wav", "num_speakers": 2, "min_speakers": 1},
         "not both"),
        ({"audio_url": "http://example.org/a.wav", "output_format": "pdf"}, "output_format"),
        ({"audio_url": "http://example.org/a.wav", "language": "french"}, "language"),
        ({}, "audio_url"),
    ],
)  # fmt: skip
def test_bad_url_jobs_are_refused_before_anything_is_recorded(
    gateway: Gateway, user: dict[str, str], body: dict[str, Any], reason: str
) -> None:
    with gateway.client(user) as http:
        before = http.get("/api/v1/meetings").json()["total"]
        answer = http.post("/api/v1/process", json=body)
        assert answer.status_code == 400, answer.text
        assert reason in answer.json()["detail"]
        assert http.get("/api/v1/meetings").json()["total"] == before
        assert (
            http.post(
                "/api/v1/process",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ).status_code
            == 400
        )


@pytest.fixture
async def worker(
    gateway: Gateway, sessions: Any, sample_call: Path, tmp_path: Path
) -> tuple[WorkerContext, list[bytes]]:
    """The worker's job on the gateway's database and S3 store; its pipeline records the bytes
    it was given and returns the reference transcript."""
    seen: list[bytes] = []

    def pipeline(source: Path, *args: Any, **kwargs: Any) -> PipelineResult:
        seen.append(source.read_bytes())
        return reference_result(sample_call.with_suffix(".stm"))

    queue = QueueSettings(IO_RETRY_ATTEMPTS=2, IO_RETRY_MAX_WAIT_SECONDS=0.2)  # type: ignore[call-arg]
    return (
        WorkerContext(sessions=sessions, store=gateway.store, broker=InMemoryBroker(),
                      queue=queue, run_pipeline=pipeline, work_dir=tmp_path),
        seen,
    )  # fmt: skip


async def test_a_url_job_is_downloaded_processed_and_announced_to_webhook_and_callback(
    gateway: Gateway, user: dict[str, str], servers: Servers, sessions: Any,
    worker: tuple[WorkerContext, list[bytes]], sample_call: Path,
) -> None:  # fmt: skip
    context, seen = worker
    with gateway.client(user) as http:
        hook_id, secret, name = new_hook(http, servers, ["meeting.completed"])
        callback_name = uuid.uuid4().hex[:8]
        accepted = http.post(
            "/api/v1/process",
            json={"audio_url": f"{servers.url}/audio/sample.wav", "language": "en",
                  "num_speakers": 2, "output_format": "srt",
                  "callback_url": f"{servers.url}/hook/{callback_name}"},
        )  # fmt: skip
        assert accepted.status_code == 202, accepted.text
        meeting_id = accepted.json()["meeting_id"]
        assert meeting_id in gateway.queued_meeting_ids()
        status = http.get(accepted.json()["status_url"]).json()
        assert (status["status"], status["stage"]) == ("PENDING", "fetch")
        meeting = http.get(f"/api/v1/meetings/{meeting_id}").json()
        assert meeting["original_filename"] == "sample.wav"
        assert meeting["size_bytes"] == 0

        outcome = await process_meeting(context, uuid.UUID(meeting_id))
        assert outcome is JobOutcome.COMPLETED
        assert seen == [sample_call.read_bytes()], "the pipeline got the downloaded bytes"
        meeting = http.get(f"/api/v1/meetings/{meeting_id}").json()
        assert meeting["status"] == "COMPLETED"
        assert meeting["size_bytes"] == sample_call.stat().st_size
        assert meeting["content_type"] == "audio/wav"
        audio = http.get(f"/api/v1/meetings/{meeting_id}/audio", follow_redirects=True)
        assert audio.content == sample_call.read_bytes()

        await send_until(
            sessions, lambda: servers.received(name) and servers.received(callback_name)
        )
        callback_secret = http.get("/api/v1/webhooks/callback-secret").json()["secret"]
        (hooked,) = servers.received(name)
        (called,) = servers.received(callback_name)
        event = verify(hooked, secret)
        assert verify(called, callback_secret) == event, "the same event, another secret"
        with pytest.raises(Exception, match="[Ss]ignature"):
            verify(called, secret)
        assert event["type"] == "meeting.completed"
        data = event["data"]
        assert (data["meeting_id"], data["status"]) == (meeting_id, "COMPLETED")
        assert data["task_id"] == accepted.json()["task_id"]
        transcript = data["links"]["transcript"]
        assert transcript.endswith(f"/api/v1/meetings/{meeting_id}/transcript?format=srt")
        srt = http.get(transcript)
        assert srt.status_code == 200
        assert "SPEAKER_00" in srt.text


async def test_failed_downloads_end_failed_with_a_code_and_nothing_stored(
    gateway: Gateway, user: dict[str, str], servers: Servers, sessions: Any,
    worker: tuple[WorkerContext, list[bytes]], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    context, seen = worker
    monkeypatch.setenv("MAX_UPLOAD_BYTES", str(1024 * 1024))
    cases = {
        "to-metadata": ("download_refused", "cloud metadata"),
        "big": ("download_too_large", "1048576 bytes"),
        "missing": ("download_failed", "HTTP 404"),
    }
    with gateway.client(user) as http:
        hook_id, secret, name = new_hook(http, servers, ["meeting.failed"])
        for path, (code, words) in cases.items():
            accepted = http.post(
                "/api/v1/process", json={"audio_url": f"{servers.url}/audio/{path}"}
            )
            assert accepted.status_code == 202, accepted.text
            meeting_id = accepted.json()["meeting_id"]
            outcome = await process_meeting(context, uuid.UUID(meeting_id))
            assert outcome is JobOutcome.FAILED
            status = http.get(accepted.json()["status_url"]).json()
            assert (status["status"], status["error_code"]) == ("FAILED", code), status
            assert words in status["error"]
            assert "169.254" not in status["error"], "no internal address in the reason"
            assert gateway.store.list_keys(f"uploads/{meeting_id}") == [], "nothing stored"
        await send_until(sessions, lambda: len(servers.received(name)) >= 3)
        failed = [verify(d, secret) for d in servers.received(name)]
    assert seen == [], "the pipeline never ran"
    assert sorted(e["data"]["error_code"] for e in failed) == sorted(c for c, _ in cases.values())
    assert {e["type"] for e in failed} == {"meeting.failed"}
    assert all("transcript" not in e["data"]["links"] for e in failed)


async def test_download_to_store_is_cut_at_the_limit_on_s3(
    gateway: Gateway, servers: Servers
) -> None:
    key = f"uploads/{uuid.uuid4()}_big.wav"
    with pytest.raises(DownloadTooLargeError):
        await download_to_store(f"{servers.url}/audio/big", gateway.store, key,
                                max_bytes=(3 * 1024 * 1024) - 1, part_size=5 * 1024 * 1024,
                                policy=POLICY)  # fmt: skip
    assert gateway.store.list_keys(key) == []
    with pytest.raises(DownloadRefusedError):
        await download_to_store(f"{servers.url}/audio/to-metadata", gateway.store, key,
                                max_bytes=1 << 30, part_size=5 << 20, policy=POLICY)  # fmt: skip
    fetched = await download_to_store(f"{servers.url}/audio/big", gateway.store, key,
                                      max_bytes=3 * 1024 * 1024, part_size=5 * 1024 * 1024,
                                      policy=POLICY)  # fmt: skip
    assert fetched.size == gateway.store.size(key) == 3 * 1024 * 1024
    gateway.store.delete([key])


async def test_deleting_a_webhook_drops_its_pending_deliveries(
    gateway: Gateway, user: dict[str, str], servers: Servers, db: AsyncEngine
) -> None:
    with gateway.client(user) as http:
        hook_id, _, _ = new_hook(http, servers, ["meeting.completed"])
        assert http.post(f"/api/v1/webhooks/{hook_id}/test").status_code == 202
        assert http.delete(f"/api/v1/webhooks/{hook_id}").status_code == 204
    async with create_sessionmaker(db)() as session:
        left = await session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.endpoint_id == uuid.UUID(hook_id))
        )
        assert list(left) == []
