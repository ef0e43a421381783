"""The status event stream end to end on the embedded default (``scribe serve`` alone: SQLite,
in-process broker, local store, the real pipeline on the sample call), driven with an API key
as an integration would: create the key, upload with ``Idempotency-Key`` and
``output_format``, follow ``/status/{task_id}/events`` until COMPLETED, fetch ``result_url``."""

from __future__ import annotations

import json
import signal
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_support import PIPELINE_STAGES, Api, Service, subprocess_env, wait_http

from scribe_core.testing import free_ports

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def read_events(http: httpx.Client, path: str) -> list[tuple[str, dict[str, Any]]]:
    """Every ``(event, data)`` of a ``text/event-stream`` until the server closes it."""
    events: list[tuple[str, dict[str, Any]]] = []
    fields: dict[str, str] = {}
    with http.stream("GET", path, timeout=httpx.Timeout(60, read=120)) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith(":"):
                continue
            if line:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")
            elif fields:
                events.append((fields.get("event", "message"), json.loads(fields["data"])))
                fields = {}
    return events


def test_event_stream_follows_a_real_job_to_completed(tmp_path: Path, sample_call: Path) -> None:
    (port,) = free_ports(1)
    serve = Service(
        "serve",
        [str(Path(sys.executable).with_name("scribe")), "serve", "--host", "127.0.0.1",
         "--port", str(port)],
        subprocess_env(SCRIBE_DATA_DIR=str(tmp_path / "volumes")),
        tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_http(serve, url + "/ready")
        session = Api(url)
        created = session.http.post(
            "/api/v1/api-keys",
            json={"name": "e2e", "scopes": ["meetings:read", "meetings:write"]},
        )
        assert created.status_code == 201, created.text
        key = {"X-API-Key": created.json()["key"]}
        idem = {"Idempotency-Key": str(uuid.uuid4())}
        with httpx.Client(base_url=url, headers=key, timeout=60) as http:
            answers = []
            for _ in range(2):
                with sample_call.open("rb") as audio:
                    answers.append(
                        http.post(
                            "/api/v1/process", headers=idem, data={"output_format": "vtt"},
                            files={"file": (sample_call.name, audio, "audio/wav")},
                        )
                    )  # fmt: skip
            assert [a.status_code for a in answers] == [202, 202], answers[0].text
            accepted = answers[0].json()
            assert answers[1].json() == accepted
            assert http.get("/api/v1/meetings").json()["total"] == 1

            events = read_events(http, f"/api/v1/status/{accepted['task_id']}/events")
            names = [name for name, _ in events]
            assert names[-1] == "final", names
            assert set(names[:-1]) == {"status"}, names
            statuses = [data["status"] for name, data in events if name == "status"]
            distinct = [s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s]
            assert distinct in (["PENDING", "PROCESSING", "COMPLETED"],
                                ["PROCESSING", "COMPLETED"]), distinct  # fmt: skip
            running = [data for name, data in events if data.get("status") == "PROCESSING"]
            stages = [d["stage"] for d in running if d["stage"] in PIPELINE_STAGES]
            order = [PIPELINE_STAGES.index(s) for s in stages]
            assert len(set(stages)) >= 3, stages
            assert order == sorted(order), f"stages out of order: {stages}"
            progress = [d["progress"] for d in running]
            assert progress == sorted(progress), progress
            assert any(d["eta_seconds"] is not None and d["eta_seconds"] >= 0 for d in running)

            final = events[-1][1]
            assert final["status"] == "COMPLETED", (final, serve.log())
            assert final["result_url"] == (
                f"/api/v1/meetings/{accepted['meeting_id']}/transcript?format=vtt"
            )
            vtt = http.get(final["result_url"])
            assert vtt.status_code == 200
            assert vtt.text.startswith("WEBVTT")
            assert http.get(final["links"]["transcript"]["json"]).json()["speakers"]
        session.close()
    finally:
        assert serve.stop() in (0, -signal.SIGTERM), serve.log()
