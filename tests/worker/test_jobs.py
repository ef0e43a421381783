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
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import anyio.from_thread
import pytest
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import InMemoryBroker

from scribe_core.db import (
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    User,
    create_engine,
    create_sessionmaker,
    utcnow,
)
from scribe_core.db.migrate import downgrade, upgrade
from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Utterance,
    Word,
)
from scribe_core.settings import QueueSettings
from scribe_core.storage import LocalStore, StorageError, results_prefix
from scribe_core.tasks import PROCESS_MEETING
from scribe_core.testing import postgres_server_url, require_server, temporary_database
from scribe_worker.jobs.meetings import JobOutcome, WorkerContext, claim, process_meeting, sweep
from scribe_worker.pipeline import PipelineResult

LEASE = 30.0


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    require_server(postgres_server_url(), "PostgreSQL")
    with temporary_database(postgres_server_url(), prefix="scribe_test_jobs") as url:
        yield url


@pytest.fixture(params=["postgresql", "sqlite"])
async def sessions(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    url = postgres_url if request.param == "postgresql" else f"sqlite:///{tmp_path / 'db.sqlite'}"
    engine: AsyncEngine = create_engine(url)
    await upgrade(engine)
    try:
        yield create_sessionmaker(engine)
    finally:
        await downgrade(engine)
        await engine.dispose()


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
    assert "stopped responding" in (requeued.error or "")
    failed = await _get(sessions, doomed)
    assert failed.status is MeetingStatus.FAILED
    assert "interrupted 3 times" in (failed.error or "")
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
    assert (meeting.error or "").startswith("will retry: could not download the recording")
    assert list((tmp_path / "work").iterdir()) == []


async def test_meeting_deleted_while_processing_leaves_no_results(
    sessions: async_sessionmaker[AsyncSession], tmp_path: Path, sample_call: Path
) -> None:
    store = LocalStore(tmp_path / "s")
    store.ensure_bucket()
    meeting_id = await _meeting(sessions, store, body=sample_call.read_bytes())
    reference = _reference_result(sample_call.with_suffix(".stm"))
    seen_input: list[Path] = []

    def pipeline_then_delete(audio: Path, *_: Any, on_progress: Any, **__: Any) -> Any:
        seen_input.append(audio)
        assert audio.read_bytes() == sample_call.read_bytes()
        on_progress("transcribe", 0.5)
        anyio.from_thread.run(_delete, sessions, meeting_id)  # the user deletes it meanwhile
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
    reference = _reference_result(sample_call.with_suffix(".stm"))
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
    assert (await process_meeting(context, meeting_id)) is JobOutcome.SKIPPED


async def _delete(sessions: async_sessionmaker[AsyncSession], meeting_id: uuid.UUID) -> None:
    async with sessions() as session:
        await session.execute(delete(Meeting).where(Meeting.id == meeting_id))
        await session.commit()


def _reference_result(stm: Path) -> PipelineResult:
    """A pipeline result made from a reference transcript (NIST STM), not from a model: one
    segment and one turn per line, words spread evenly over the line, speakers labelled
    ``SPEAKER_00``… in order of appearance."""
    labels: dict[str, str] = {}
    segments, turns, utterances = [], [], []
    for line in stm.read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        label = labels.setdefault(speaker, f"SPEAKER_{len(labels):02d}")
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(text)
        )
        segments.append(TranscriptSegment(t0, t1, " ".join(text), words))
        turns.append(SpeakerTurn(t0, t1, label))
        utterances.append(Utterance(t0, t1, " ".join(text), label, label, words))
    duration = turns[-1].end
    identities = tuple(SpeakerIdentity(label) for label in sorted(labels.values()))
    return PipelineResult(
        transcription=Transcription(tuple(segments), "en", 1.0, duration),
        diarization=Diarization(tuple(turns), duration=duration),
        identities=identities,
        document=FusionDocument(tuple(utterances), identities, "en", duration, processing_time=1.0),
    )
