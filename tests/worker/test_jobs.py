"""The ``meetings.process`` job mechanics on real databases (PostgreSQL and SQLite) and a real
local object store: exclusive claims, the sweeper that re-queues abandoned or never-queued
meetings, retries of storage hiccups, and a meeting deleted while it is processed.

The pipeline itself is exercised by the end-to-end tests; here it runs for real only where
it fails fast (a non-audio upload stops at ``convert``). The deleted-while-processing test
replaces it by a function returning a result built from the sample call's REFERENCE
transcript, because the behaviour under test is what the job does after the pipeline.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
import pytest
from reference_results import reference_result
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taskiq import InMemoryBroker

from scribe_core import search
from scribe_core.db import (
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    Person,
    PersonStatus,
    User,
    utcnow,
)
from scribe_core.domain import (
    FusionDocument,
)
from scribe_core.errors import ModelLoadError, error_message
from scribe_core.settings import PipelineSettings, QueueSettings
from scribe_core.storage import LocalStore, StorageError, results_prefix
from scribe_core.tasks import PROCESS_MEETING
from scribe_worker.jobs.enrolment import enroll_person
from scribe_worker.jobs.meetings import (
    JobOutcome,
    LeftoversReport,
    WorkerContext,
    claim,
    process_meeting,
    remove_leftovers,
    run_sweeper,
    sweep,
)
from scribe_worker.jobs.workdirs import task_dir

LEASE = 30.0


class RecordingBroker(InMemoryBroker):
    """An in-process broker whose ``meetings.process`` task records the meeting ids."""

    def __init__(self) -> None:
        super().__init__(await_inplace=True)
        self.kicked: list[str] = []

        async def record(meeting_id: str) -> None:
            self.kicked.append(meeting_id)

        self.register_task(record, task_name=PROCESS_MEETING)


class FlakyStore(LocalStore):
    """A local store whose downloads fail ``failures`` times first (a storage hiccup)."""

    def __init__(self, root: Path, failures: int) -> None:
        super().__init__(root)
        self.failures = failures
        self.downloads = 0

    def download_file(self, key: str, path: Path) -> None:
        self.downloads += 1
        if self.downloads <= self.failures:
            raise StorageError("object store unreachable while trying to download: timeout")
        super().download_file(key, path)


def _context(
    sessions: async_sessionmaker[AsyncSession], store: LocalStore, tmp_path: Path, **kw: Any
) -> WorkerContext:
    work_dir = tmp_path / "work"
    work_dir.mkdir(exist_ok=True)
    queue = QueueSettings(
        WORKER_LEASE_SECONDS=LEASE, IO_RETRY_ATTEMPTS=3, IO_RETRY_MAX_WAIT_SECONDS=0.2
    )
    return WorkerContext(
        sessions=sessions, store=store, broker=RecordingBroker(), queue=queue,
        work_dir=work_dir, **kw,
    )  # fmt: skip


async def _meeting(
    sessions: async_sessionmaker[AsyncSession], store: LocalStore | None = None,
    body: bytes = b"not audio at all\n" * 64, **fields: Any,
) -> uuid.UUID:  # fmt: skip
    async with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.org", hashed_password="x")
        session.add(user)
        await session.flush()
        meeting_id = uuid.uuid4()
        values: dict[str, Any] = {
            "id": meeting_id, "owner_id": user.id, "title": "t", "original_filename": "t.wav",
            "content_type": "audio/wav", "size_bytes": len(body), "task_id": uuid.uuid4().hex,
            "upload_key": f"uploads/{meeting_id}_t.wav", "result_keys": {},
        }  # fmt: skip
        values.update(fields)
        session.add(Meeting(**values))
        await session.commit()
    if store is not None:
        store.put_bytes(values["upload_key"], body, "audio/wav")
    return meeting_id


async def _get(sessions: async_sessionmaker[AsyncSession], meeting_id: uuid.UUID) -> Meeting:
    async with sessions() as session:
        return await session.get_one(Meeting, meeting_id)


async def test_claims_are_exclusive(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    context = _context(sessions, LocalStore(tmp_path / "s"), tmp_path)
    pending = await _meeting(sessions)
    results = await asyncio.gather(*(claim(context, pending) for _ in range(4)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1, "one delivery runs the meeting, the duplicates do nothing"
    assert winners[0].attempt == 1
    assert await claim(context, pending) is None, "a live lease is respected"

    stale = await _meeting(
        sessions, status=MeetingStatus.PROCESSING, attempts=1,
        heartbeat_at=utcnow() - timedelta(seconds=LEASE + 5),
    )  # fmt: skip
    taken = await claim(context, stale)
    assert taken is not None
    assert taken.attempt == 2

    for status in (MeetingStatus.COMPLETED, MeetingStatus.FAILED):
        assert await claim(context, await _meeting(sessions, status=status)) is None
    exhausted = await _meeting(sessions, attempts=3)
    assert await claim(context, exhausted) is None
    assert await claim(context, uuid.uuid4()) is None


async def test_sweep_requeues_abandoned_and_unqueued_meetings(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    context = _context(sessions, LocalStore(tmp_path / "s"), tmp_path)
    long_ago = utcnow() - timedelta(hours=2)
    old_beat = utcnow() - timedelta(seconds=LEASE + 5)
    dead = await _meeting(
        sessions, status=MeetingStatus.PROCESSING, attempts=1, heartbeat_at=old_beat
    )
    doomed = await _meeting(
        sessions, status=MeetingStatus.PROCESSING, attempts=3, heartbeat_at=old_beat
    )
    alive = await _meeting(
        sessions, status=MeetingStatus.PROCESSING, attempts=1, heartbeat_at=utcnow()
    )
    never_queued = await _meeting(sessions, created_at=long_ago, enqueued_at=None)
    lost = await _meeting(sessions, created_at=long_ago, enqueued_at=long_ago)
    waiting = await _meeting(sessions, created_at=long_ago, enqueued_at=utcnow())
    just_uploaded = await _meeting(sessions, enqueued_at=None)

    report = await sweep(context)

    assert set(report.requeued) == {dead, never_queued, lost}
    assert report.failed == (doomed,)
    assert sorted(context.broker.kicked) == sorted(str(m) for m in report.requeued)  # type: ignore[attr-defined]
    requeued = await _get(sessions, dead)
    assert requeued.status is MeetingStatus.PENDING
    assert requeued.error_code == "worker_lost"
    assert "stopped responding" in (requeued.error or "")
    failed = await _get(sessions, doomed)
    assert failed.status is MeetingStatus.FAILED
    assert failed.error_code == "too_many_attempts"
    assert failed.error == error_message("too_many_attempts")
    assert (await _get(sessions, alive)).status is MeetingStatus.PROCESSING
    assert (await _get(sessions, never_queued)).enqueued_at is not None

    again = await sweep(context)
    assert again.requeued == again.failed == (), "nothing is queued twice"

    everything = await sweep(context, requeue_all_pending=True)
    assert {waiting, just_uploaded} <= set(everything.requeued)


async def test_storage_hiccup_is_retried_then_bad_audio_fails_without_retry(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    store = FlakyStore(tmp_path / "s", failures=2)
    context = _context(sessions, store, tmp_path)
    meeting_id = await _meeting(sessions, store)

    assert await process_meeting(context, meeting_id) is JobOutcome.FAILED
    assert store.downloads == 3, "two failed downloads, then one that worked"
    meeting = await _get(sessions, meeting_id)
    assert meeting.status is MeetingStatus.FAILED
    assert meeting.stage == "convert"
    assert meeting.attempts == 1
    assert (meeting.error_code, meeting.error) == (
        "audio_undecodable",
        error_message("audio_undecodable"),
    )
    assert list((tmp_path / "work").iterdir()) == []


async def test_lasting_storage_outage_requeues_the_meeting(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    store = FlakyStore(tmp_path / "s", failures=100)
    context = _context(sessions, store, tmp_path)
    meeting_id = await _meeting(sessions, store)

    assert await process_meeting(context, meeting_id) is JobOutcome.REQUEUED
    assert store.downloads == 3
    meeting = await _get(sessions, meeting_id)
    assert meeting.status is MeetingStatus.PENDING
    assert meeting.enqueued_at is None, "the sweeper will queue it again"
    assert (meeting.error_code, meeting.error) == ("retrying", error_message("retrying"))
    assert "timeout" not in (meeting.error or "")
    assert list((tmp_path / "work").iterdir()) == []


async def test_meeting_deleted_while_processing_leaves_no_results(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    store.ensure_bucket()
    meeting_id = await _meeting(sessions, store, body=sample_call.read_bytes())
    reference = reference_result(sample_call.with_suffix(".stm"))
    seen_input: list[Path] = []
    loop = anyio.lowlevel.current_token()  # the pipeline runs on its own thread

    def pipeline_then_delete(audio: Path, *_: Any, on_progress: Any, **__: Any) -> Any:
        seen_input.append(audio)
        assert audio.read_bytes() == sample_call.read_bytes()
        on_progress("transcribe", 0.5)
        anyio.from_thread.run(_delete, sessions, meeting_id, token=loop)  # deleted meanwhile
        return reference

    context = _context(sessions, store, tmp_path, run_pipeline=pipeline_then_delete)
    assert await process_meeting(context, meeting_id) is JobOutcome.GONE
    assert store.list_keys("processed/") == []
    assert not seen_input[0].exists()
    assert list((tmp_path / "work").iterdir()) == []


async def test_completed_meeting_gets_results_and_speakers(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    store.ensure_bucket()
    meeting_id = await _meeting(sessions, store, body=sample_call.read_bytes())
    reference = reference_result(sample_call.with_suffix(".stm"))
    progress: list[tuple[str, float]] = []

    def pipeline(audio: Path, *_: Any, on_progress: Any, **__: Any) -> Any:
        for stage, value in (("convert", 0.05), ("diarize", 0.4), ("transcribe", 0.9)):
            on_progress(stage, value)
            progress.append((stage, value))
        return reference

    context = _context(sessions, store, tmp_path, run_pipeline=pipeline)
    assert await process_meeting(context, meeting_id) is JobOutcome.COMPLETED
    meeting = await _get(sessions, meeting_id)
    prefix = results_prefix(meeting_id, meeting.created_at)
    assert meeting.status is MeetingStatus.COMPLETED
    assert (meeting.stage, meeting.progress) == ("done", 1.0)
    assert meeting.result_keys == {
        name: prefix + name
        for name in ("transcription.json", "diarization.json", "diarization.rttm", "fusion.json")
    }
    assert store.list_keys(prefix) == sorted(meeting.result_keys.values())
    stored = FusionDocument.from_dict(json.loads(store.get_bytes(prefix + "fusion.json")))
    assert stored.to_dict() == reference.document.to_dict()
    async with sessions() as session:
        labels = (await session.scalars(
            select(MeetingSpeaker.label).where(MeetingSpeaker.meeting_id == meeting_id)
        )).all()  # fmt: skip
    assert sorted(labels) == ["SPEAKER_00", "SPEAKER_01"]
    async with sessions() as session:  # indexed for search in the completing transaction
        hits = await search.search(session, meeting.owner_id, "originally chicago", 10)
    assert sorted(h.segment_index for h in hits) == [7, 8]  # Sheila's line and Diane's
    assert (await process_meeting(context, meeting_id)) is JobOutcome.SKIPPED


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
async def test_the_pipeline_runs_at_worker_nice_and_the_shared_threads_do_not(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    store.ensure_bucket()
    meeting_id = await _meeting(sessions, store, body=sample_call.read_bytes())
    reference = reference_result(sample_call.with_suffix(".stm"))
    seen: dict[str, int] = {}

    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def pipeline(*_: Any, **__: Any) -> Any:
        seen["pipeline"] = niceness()
        child = threading.Thread(target=lambda: seen.update(model_thread=niceness()))
        child.start()  # what torch / CTranslate2 pools do when the pipeline loads them
        child.join()
        return reference

    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    settings = PipelineSettings(WORKER_NICE=7)
    context = _context(sessions, store, tmp_path, run_pipeline=pipeline, pipeline_settings=settings)
    assert await process_meeting(context, meeting_id) is JobOutcome.COMPLETED
    shared = [await anyio.to_thread.run_sync(niceness) for _ in range(8)]
    assert seen == {"pipeline": max(base, 7), "model_thread": max(base, 7)}
    assert set(shared) == {base}, "the gateway's thread pool keeps its priority"


async def _delete(sessions: async_sessionmaker[AsyncSession], meeting_id: uuid.UUID) -> None:
    async with sessions() as session:
        await session.execute(delete(Meeting).where(Meeting.id == meeting_id))
        await session.commit()


# -- failure reasons -----------------------------------------------------------------------


def _video_without_audio(path: Path) -> bytes:
    """A real MP4 with one video stream (ffmpeg's test pattern) and no audio stream."""
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
         "-i", "testsrc=s=64x64:r=5:d=1", "-c:v", "mpeg4", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def _assert_clean(reason: str | None) -> None:
    """A reason users may see: a sentence without paths, addresses or ffmpeg's wording."""
    assert reason
    assert "/" not in reason
    assert "0x" not in reason
    for internal in ("ffmpeg", "stream map", "invalid data", "traceback", "error:"):
        assert internal not in reason.lower(), reason


@pytest.mark.parametrize(
    ("kind", "code"), [("video", "no_audio_stream"), ("text", "audio_undecodable")]
)
async def test_non_audio_upload_fails_with_a_code_and_a_sentence(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    kind: str,
    code: str,
) -> None:
    store = LocalStore(tmp_path / "s")
    body = _video_without_audio(tmp_path / "film.mp4") if kind == "video" else b"notes\n" * 99
    meeting_id = await _meeting(sessions, store, body=body, upload_key="uploads/x_film.mp4")
    context = _context(sessions, store, tmp_path)

    with caplog.at_level(logging.INFO, logger="scribe_worker"):
        assert await process_meeting(context, meeting_id) is JobOutcome.FAILED
    meeting = await _get(sessions, meeting_id)
    assert (meeting.status, meeting.error_code) == (MeetingStatus.FAILED, code)
    assert meeting.error == error_message(code)
    _assert_clean(meeting.error)
    # ffmpeg's own reason is in the server log, for the administrator.
    logged = caplog.text
    assert "matches no streams" in logged if kind == "video" else "Invalid data" in logged
    assert list((tmp_path / "work").iterdir()) == []


async def test_pipeline_crash_and_model_errors_keep_their_details_in_the_log(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = LocalStore(tmp_path / "s")

    def crash(audio: Path, *_: Any, on_progress: Any, **__: Any) -> Any:
        on_progress("diarize", 0.2)
        raise RuntimeError(f"CUDA error: illegal memory access at 0xdeadbeef reading {audio}")

    def no_model(audio: Path, *_: Any, **__: Any) -> Any:
        raise ModelLoadError(
            "cannot load Whisper model '/srv/models/large-v3': config.json missing"
        )

    for pipeline, code in ((crash, "processing_failed"), (no_model, "model_unavailable")):
        meeting_id = await _meeting(sessions, store)
        context = _context(sessions, store, tmp_path, run_pipeline=pipeline)
        with caplog.at_level(logging.INFO, logger="scribe_worker"):
            assert await process_meeting(context, meeting_id) is JobOutcome.FAILED
        meeting = await _get(sessions, meeting_id)
        assert (meeting.error_code, meeting.error) == (code, error_message(code))
        _assert_clean(meeting.error)
    assert "0xdeadbeef" in caplog.text
    assert "/srv/models/large-v3" in caplog.text


async def test_sweep_fails_a_pending_meeting_whose_attempts_are_used_up(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    context = _context(sessions, LocalStore(tmp_path / "s"), tmp_path)
    long_ago = utcnow() - timedelta(hours=2)
    exhausted = await _meeting(sessions, attempts=3, created_at=long_ago, enqueued_at=None)
    report = await sweep(context)
    assert report.failed == (exhausted,)
    assert context.broker.kicked == []  # type: ignore[attr-defined]
    meeting = await _get(sessions, exhausted)
    assert (meeting.status, meeting.error_code) == (MeetingStatus.FAILED, "too_many_attempts")


async def test_enrolment_whose_model_cannot_load_fails_the_person_with_a_code(
    sessions: async_sessionmaker[AsyncSession],
    tmp_path: Path,
    sample_call: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from scribe_core.settings import VoiceBankSettings
    from scribe_core.voiceprints import VoiceprintStore, open_qdrant

    store = LocalStore(tmp_path / "s")
    key = "voicebank/o/p/0123abcd_ann.wav"
    store.put_bytes(key, sample_call.read_bytes(), "audio/wav")
    async with sessions() as session:
        user = User(email=f"{uuid.uuid4().hex}@example.org", hashed_password="x")
        session.add(user)
        await session.flush()
        person = Person(owner_id=user.id, name="Ann", pending_keys=[key])
        session.add(person)
        await session.commit()
    missing = tmp_path / "models" / "campplus.pt"
    context = _context(
        sessions, store, tmp_path,
        pipeline_settings=PipelineSettings(CAMPPLUS_MODEL=str(missing)),
        voiceprint_store=VoiceprintStore(
            lambda: open_qdrant(VoiceBankSettings(QDRANT_PATH=":memory:"))
        ),
    )  # fmt: skip

    with caplog.at_level(logging.INFO, logger="scribe_worker"):
        assert await enroll_person(context, person.id) is PersonStatus.FAILED
    async with sessions() as session:
        failed = await session.get_one(Person, person.id)
    assert (failed.error_code, failed.error) == (
        "model_unavailable",
        error_message("model_unavailable"),
    )
    assert failed.pending_keys == [key], "the sample is kept for the next attempt"
    assert store.list_keys("voicebank/") == [key]
    assert str(missing) in caplog.text, "the path is in the server log, not in the reason"
    assert list((tmp_path / "work").iterdir()) == []


# -- leftovers of crashed processes ---------------------------------------------------------

_HOLD_LOCK = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
print("locked", flush=True)
sys.stdin.read()
"""


def _age(path: Path, seconds: float = 3600) -> None:
    """Make ``path`` look last changed ``seconds`` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


async def test_sweeper_removes_orphaned_task_folders_and_partial_uploads_not_live_ones(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    store.ensure_bucket()
    context = _context(sessions, store, tmp_path)
    work = tmp_path / "work"

    def folder(name: str, old: bool = True) -> Path:
        path = work / name
        path.mkdir()
        (path / "upload.wav").write_bytes(b"a copy of a user's recording")
        if old:
            _age(path)
        return path

    orphans = [folder("scribe-task-dead0001"), folder("scribe-enrol-dead0002")]
    young = folder("scribe-task-young003", old=False)  # maybe not locked yet by its task
    unrelated = folder("someone-elses-folder")
    held = folder("scribe-task-other004")  # a live task of another worker process
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(held)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "locked"

    incoming = store.root / ".incoming"
    incoming.mkdir()
    dead_part = incoming / "0123abcd.part"
    dead_part.write_bytes(b"half an upload")
    _age(dead_part)
    writer = store.start_upload("uploads/live.wav", "audio/wav")  # a live upload
    writer.write_part(b"first part")
    (live_part,) = set(incoming.glob("*.part")) - {dead_part}
    _age(live_part)

    try:
        with task_dir("scribe-task-", work) as live:
            _age(live)
            report = await remove_leftovers(context)
            assert report == LeftoversReport(incomplete_uploads=1, task_dirs=2)
            assert live.is_dir(), "the folder of a running task is kept"
        assert not live.exists()
        assert not any(p.exists() for p in orphans)
        assert young.is_dir()
        assert unrelated.is_dir()
        assert held.is_dir()
        assert not dead_part.exists()
        assert live_part.exists()

        writer.write_part(b", second part")
        writer.complete()
        assert store.get_bytes("uploads/live.wav") == b"first part, second part"
    finally:
        holder.communicate("")  # the other worker dies: its lock goes with it
    assert holder.returncode == 0

    # The sweeper's first round (start-up) removes the dead worker's folder.
    sweeper = asyncio.create_task(run_sweeper(context))
    try:
        for _ in range(100):
            if not held.exists():
                break
            await asyncio.sleep(0.1)
    finally:
        sweeper.cancel()
        await asyncio.wait([sweeper])
    assert not held.exists()
    assert young.is_dir()
    assert unrelated.is_dir()
    assert list(incoming.glob("*.part")) == []


async def test_a_recording_over_max_audio_seconds_fails_at_once_naming_the_limit(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    """10 hours of silence (a FLAC of about 0.6 MB) against the default 8-hour limit: the real
    pipeline stops at ``convert`` from the file header, before decoding anything."""
    flac = tmp_path / "ten-hours.flac"
    subprocess.run(
        ["ffmpeg", "-nostdin", "-loglevel", "error", "-f", "lavfi",
         "-i", "anullsrc=r=200:cl=mono", "-t", "36000", "-c:a", "flac", str(flac)],
        check=True,
    )  # fmt: skip
    store = LocalStore(tmp_path / "s")
    meeting_id = await _meeting(
        sessions, store, body=flac.read_bytes(), upload_key="uploads/x_ten-hours.flac"
    )
    settings = PipelineSettings(MAX_AUDIO_SECONDS=28800)
    context = _context(sessions, store, tmp_path, pipeline_settings=settings)

    assert await process_meeting(context, meeting_id) is JobOutcome.FAILED
    meeting = await _get(sessions, meeting_id)
    assert (meeting.status, meeting.error_code, meeting.stage) == (
        MeetingStatus.FAILED,
        "audio_too_long",
        "convert",
    )
    assert meeting.error == (
        "the recording lasts 10 h, longer than the limit of 8 h (MAX_AUDIO_SECONDS)"
    )
    assert meeting.attempts == 1
    assert list((tmp_path / "work").iterdir()) == []
