"""End to end over HTTP on the production topology: the gateway process, a separate
``taskiq worker`` process, PostgreSQL, Redis streams and S3 (SeaweedFS), on the sample call.

One full run, then a run whose worker is killed mid-task and must be completed by another
worker. Each runs the real pipeline (the embedded CPU models, ~10–20 s on 2 cores).
"""

from __future__ import annotations

import urllib.request
import uuid
from pathlib import Path

import pytest
from e2e_support import (
    Api,
    Observation,
    Platform,
    check_progress,
    check_rename,
    check_sample_call_transcript,
    start_worker,
)
from sqlalchemy import select

from scribe_core.db import Meeting, create_engine

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def test_full_flow_over_http(platform: Platform, sample_call: Path) -> None:
    api = Api(platform.gateway_url)
    accepted = api.upload(sample_call)
    meeting_id = accepted["meeting_id"]
    seen = Observation(statuses=[str(api.status(accepted["status_url"])["status"])])
    assert seen.statuses == ["PENDING"], "no worker is running yet"

    worker = start_worker(platform.env, platform.workdir)
    try:
        api.poll(accepted["status_url"], {"COMPLETED", "FAILED"}, seen=seen)
    finally:
        exit_status = worker.stop(timeout=60)
    assert seen.final["status"] == "COMPLETED", (seen.final, worker.log())
    check_progress(seen)
    assert exit_status == 0, f"the worker did not stop cleanly on SIGTERM:\n{worker.log()}"

    document = check_sample_call_transcript(
        api.exports(meeting_id), sample_call.with_suffix(".stm")
    )
    detail = api.http.get(f"/api/v1/meetings/{meeting_id}").json()
    assert detail["status"] == "COMPLETED"
    assert detail["language"] == "en"
    assert detail["duration_seconds"] == pytest.approx(30, abs=1)
    assert {s["label"] for s in detail["speakers"]} == {s["label"] for s in document["speakers"]}

    # Objects: the upload and the four results under processed/{YYYYMMDD}/{meeting_id}/.
    uploads = platform.store.list_keys(f"uploads/{meeting_id}_")
    results = [k for k in platform.store.list_keys("processed/") if f"/{meeting_id}/" in k]
    assert uploads == [f"uploads/{meeting_id}_sample.wav"]
    assert sorted(k.rsplit("/", 1)[1] for k in results) == [
        "diarization.json", "diarization.rttm", "fusion.json", "transcription.json",
    ]  # fmt: skip
    rttm = platform.store.get_bytes(next(k for k in results if k.endswith(".rttm"))).decode()
    assert rttm.startswith(f"SPEAKER {meeting_id} 1 ")

    label = document["speakers"][0]["label"]
    check_rename(api, meeting_id, label, "Diane Smith")

    audio = api.http.get(f"/api/v1/meetings/{meeting_id}/audio")
    assert audio.status_code == 307
    ranged = urllib.request.Request(audio.headers["location"], headers={"Range": "bytes=44-143"})
    with urllib.request.urlopen(ranged, timeout=10) as response:
        assert response.status == 206
        assert response.read() == sample_call.read_bytes()[44:144]

    assert api.http.delete(f"/api/v1/meetings/{meeting_id}").status_code == 204
    assert api.http.get(f"/api/v1/meetings/{meeting_id}").status_code == 404
    assert api.http.get(accepted["status_url"]).status_code == 404
    assert platform.store.list_keys(f"uploads/{meeting_id}_") == []
    assert [k for k in platform.store.list_keys("processed/") if f"/{meeting_id}/" in k] == []
    api.close()


async def test_killed_worker_meeting_is_processed_again(
    platform: Platform, sample_call: Path
) -> None:
    api = Api(platform.gateway_url)
    first = start_worker(platform.env, platform.workdir, name="worker-killed")
    try:
        accepted = api.upload(sample_call)
        seen = Observation()
        while not any(stage in {"diarize", "identify", "transcribe"} for stage, _ in seen.stages):
            api.poll(accepted["status_url"], {"PROCESSING"}, timeout=300, seen=seen)
            assert seen.final["status"] == "PROCESSING"
        first.kill()  # SIGKILL in the middle of the pipeline: no clean-up, no acknowledgement
    finally:
        first.kill()
    interrupted = api.status(accepted["status_url"])
    assert interrupted["status"] == "PROCESSING", "nothing else touched it yet"

    second = start_worker(platform.env, platform.workdir, name="worker-second")
    try:
        done = api.poll(accepted["status_url"], {"COMPLETED", "FAILED"}, timeout=600)
    finally:
        second.stop()
    assert done.final["status"] == "COMPLETED", (done.final, second.log())
    detail = api.http.get(f"/api/v1/meetings/{accepted['meeting_id']}").json()
    assert detail["error"] is None
    assert len(detail["speakers"]) == 2
    api.close()

    engine = create_engine(platform.env["DATABASE_URL"])
    try:
        async with engine.connect() as conn:
            attempts = await conn.scalar(
                select(Meeting.attempts).where(Meeting.id == uuid.UUID(accepted["meeting_id"]))
            )
    finally:
        await engine.dispose()
    assert attempts == 2, "the killed attempt, then the one that completed"
