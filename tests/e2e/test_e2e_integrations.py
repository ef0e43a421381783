"""End to end on the embedded default (``scribe serve`` alone, real pipeline): the integration
recipe of the README, driven with an API key.

Create a key → register a webhook to a receiver on 127.0.0.1 → ``POST /api/v1/process`` with
``{"audio_url": "http://127.0.0.1:<port>/sample.wav", "callback_url": …}`` → the receiver gets
``meeting.completed`` (verified with ``standardwebhooks``) on both the webhook and the
callback → the transcript is downloaded with the key from the event's link. Then a URL that
redirects to 169.254.169.254 and a file over ``MAX_UPLOAD_BYTES`` end FAILED with their codes,
announced by ``meeting.failed``, and leave nothing in the store.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import (
    Api,
    Service,
    check_sample_call_transcript,
    iter_files,
    subprocess_env,
    wait_http,
)
from standardwebhooks import Webhook

from scribe_core.testing import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

MAX_UPLOAD_BYTES = 2 * 1024 * 1024


class Outside:
    """The user's side on 127.0.0.1: files to fetch (``GET /sample.wav``, ``/big.wav``,
    ``/to-metadata``) and a receiver recording every ``POST`` (path, headers, body)."""

    def __init__(self, sample: bytes) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        outside = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/sample.wav":
                    self._answer(200, sample, {"Content-Type": "audio/wav"})
                elif self.path == "/big.wav":
                    self._answer(200, b"\0" * (MAX_UPLOAD_BYTES + 1), {"Content-Type": "audio/wav"})
                elif self.path == "/to-metadata":
                    self._answer(302, b"", {"Location": "http://169.254.169.254/latest/meta-data/"})
                else:
                    self._answer(404, b"", {})

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                outside.posts.append((self.path, headers, body))
                self._answer(204, b"", {})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def events(self, path: str, secret: str) -> list[dict[str, Any]]:
        """The events POSTed to ``path``, each verified with ``secret`` (raises otherwise)."""
        return [
            Webhook(secret).verify(body, headers) for p, headers, body in self.posts if p == path
        ]


def wait_for(what: Callable[[], Any], service: Service, timeout: float = 600) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        if not service.alive():
            raise RuntimeError(f"serve exited:\n{service.log()}")
        time.sleep(0.3)
    raise AssertionError(f"timed out:\n{service.log()}")


@pytest.fixture
def outside(sample_call: Path) -> Iterator[Outside]:
    running = Outside(sample_call.read_bytes())
    try:
        yield running
    finally:
        running.httpd.shutdown()
        running.httpd.server_close()


def test_the_integration_recipe_runs_on_scribe_serve(
    tmp_path: Path, sample_call: Path, eval_dir: Path, outside: Outside
) -> None:
    jfk = eval_dir / "jfk" / "jfk.flac"
    data_dir = tmp_path / "volumes"
    (port,) = free_ports(1)
    scribe = str(Path(sys.executable).with_name("scribe"))
    serve = Service(
        "serve",
        [scribe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        subprocess_env(SCRIBE_DATA_DIR=str(data_dir), MAX_UPLOAD_BYTES=str(MAX_UPLOAD_BYTES),
                       WEBHOOK_POLL_INTERVAL_SECONDS="0.5"),
        tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(serve, url + "/ready")
        signed_in = Api(url)
        created = signed_in.http.post(
            "/api/v1/api-keys",
            json={
                "name": "n8n",
                "scopes": ["meetings:read", "meetings:write", "speakers:write", "webhooks:manage"],
            },
        )
        assert created.status_code == 201, created.text
        signed_in.close()
        key = created.json()["key"]
        http = httpx.Client(base_url=url, headers={"X-API-Key": key}, timeout=60)

        hook = http.post("/api/v1/webhooks", json={
            "url": f"{outside.url}/hooks/n8n", "events": ["meeting.completed", "meeting.failed"],
        })  # fmt: skip
        assert hook.status_code == 201, hook.text
        secret = hook.json()["secret"]
        callback_secret = http.get("/api/v1/webhooks/callback-secret").json()["secret"]

        accepted = http.post("/api/v1/process", json={
            "audio_url": f"{outside.url}/sample.wav", "language": "en", "output_format": "vtt",
            "callback_url": f"{outside.url}/hooks/job",
        })  # fmt: skip
        assert accepted.status_code == 202, accepted.text
        meeting_id = accepted.json()["meeting_id"]

        wait_for(lambda: outside.events("/hooks/job", callback_secret), serve)
        (event,) = wait_for(lambda: outside.events("/hooks/n8n", secret), serve)
        assert event["type"] == "meeting.completed", (event, serve.log())
        assert event["data"]["meeting_id"] == meeting_id
        assert outside.events("/hooks/job", callback_secret) == [event]
        transcript = event["data"]["links"]["transcript"]
        assert transcript == f"{url}/api/v1/meetings/{meeting_id}/transcript?format=vtt"
        vtt = http.get(transcript)
        assert vtt.status_code == 200
        transcripts = f"/api/v1/meetings/{meeting_id}/transcript"
        texts = {
            f: http.get(transcripts, params={"format": f}).text for f in ("json", "srt", "vtt")
        }
        assert texts["vtt"] == vtt.text
        check_sample_call_transcript(texts, sample_call.with_suffix(".stm"))
        status = http.get(accepted.json()["status_url"]).json()
        assert status["status"] == "COMPLETED"

        (logged,) = [d for d in http.get(f"/api/v1/webhooks/{hook.json()['id']}/deliveries").json()
                     if d["event_type"] == "meeting.completed"]  # fmt: skip
        assert logged["status"] == "SUCCEEDED"
        assert [a["status_code"] for a in logged["attempt_log"]] == [204]

        # Refused and oversized URLs: FAILED with a code, announced, nothing stored.
        stored_before = sorted(p.name for p in iter_files(data_dir / "storage"))
        failed = {}
        for path in ("to-metadata", "big.wav"):
            job = http.post("/api/v1/process", json={"audio_url": f"{outside.url}/{path}"})
            assert job.status_code == 202, job.text
            failed[job.json()["meeting_id"]] = job.json()["status_url"]

        def failed_events() -> list[dict[str, Any]]:
            events = outside.events("/hooks/n8n", secret)
            return [e for e in events if e["type"] == "meeting.failed"]

        wait_for(lambda: len(failed_events()) >= 2, serve)
        codes = {e["data"]["meeting_id"]: e["data"]["error_code"] for e in failed_events()}
        assert sorted(codes.values()) == ["download_refused", "download_too_large"]
        for meeting, status_url in failed.items():
            status = http.get(status_url).json()
            assert status["status"] == "FAILED"
            assert status["error_code"] == codes[meeting]
            assert status["error"], status
        assert sorted(p.name for p in iter_files(data_dir / "storage")) == stored_before

        # Voice bank enrolments are announced too: one READY, one FAILED (no speech).
        voices = http.post("/api/v1/webhooks", json={
            "url": f"{outside.url}/hooks/voices", "events": ["speaker.enrolled", "speaker.failed"],
        })  # fmt: skip
        assert voices.status_code == 201, voices.text
        silence = tmp_path / "silence.wav"
        with wave.open(str(silence), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16000)
            out.writeframes(b"\0\0" * 16000 * 5)
        people = {}
        for name, audio in (("JFK", jfk), ("Nobody", silence)):
            sample = ("file", (audio.name, audio.read_bytes(), "audio/wav"))
            answer = http.post("/api/v1/speakers", data={"name": name}, files=[sample])
            assert answer.status_code == 202, answer.text
            people[answer.json()["id"]] = name
        speaker_events = wait_for(
            lambda: (
                len(found := outside.events("/hooks/voices", voices.json()["secret"])) >= 2
                and found
            ),
            serve,
        )
        outcome = {people[e["data"]["person_id"]]: (e["type"], e["data"].get("error_code"))
                   for e in speaker_events}  # fmt: skip
        assert outcome == {"JFK": ("speaker.enrolled", None),
                           "Nobody": ("speaker.failed", "too_little_speech")}, outcome  # fmt: skip
        http.close()
    finally:
        assert serve.stop() in (0, -signal.SIGTERM), serve.log()
