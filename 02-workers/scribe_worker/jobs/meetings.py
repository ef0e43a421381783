"""The ``meetings.process`` job and the sweeper that keeps meetings from being lost.

:func:`process_meeting` runs one meeting: it *claims* it (PENDING → PROCESSING in one
conditional UPDATE, so two deliveries of the same message never run it twice), downloads the
upload into a private temporary directory, runs the pipeline in a thread while a heartbeat
keeps its lease and the progress callback updates ``stage``/``progress``, stores
``transcription.json``, ``diarization.json``, ``diarization.rttm`` and ``fusion.json`` under
``processed/{YYYYMMDD}/{meeting_id}/`` and marks it COMPLETED with its speakers. The temporary
directory is removed whatever happens (:mod:`scribe_worker.jobs.workdirs`; one a killed worker
left is removed by the sweeper, like the partial uploads of a killed gateway).

A URL job (``audio_url``) first streams its recording into the object store
(:mod:`scribe_worker.jobs.fetch`, stage ``fetch``). Marking a meeting COMPLETED or FAILED also
queues its ``meeting.completed``/``meeting.failed`` webhook event in the same transaction
(:func:`notify_finished`; sent by :mod:`scribe_worker.jobs.webhooks`).

Failure rules (every reason is a stable ``error_code`` and one sentence from
:data:`scribe_core.errors.ERROR_MESSAGES` or the error's own ``detail``, never a path or
ffmpeg's text: those go to the log):
- undecodable audio (and every other :class:`~scribe_core.errors.ScribeError` of the
  pipeline) → FAILED with its code and reason, never retried;
- a storage or database hiccup → the step is retried with exponential backoff and jitter
  (tenacity); when the outage outlasts the retries the meeting goes back to PENDING and the
  sweeper queues it again;
- a redelivered task for a meeting that is COMPLETED, FAILED, deleted or processed under a
  live lease does nothing;
- a worker that dies stops renewing its lease: :func:`sweep` puts the meeting back in the
  queue (up to ``TASK_MAX_ATTEMPTS`` attempts, then FAILED), so no meeting hangs forever.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar

import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from taskiq import AsyncBroker
from tenacity import (
    AsyncRetrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from scribe_core.db import Meeting, MeetingSpeaker, MeetingStatus, utcnow
from scribe_core.db.models import SpeakerRejection
from scribe_core.domain import ProcessingOptions, diarization_to_dict, transcription_to_dict
from scribe_core.errors import ErrorCode, Failure, ScribeError, describe_failure, failure
from scribe_core.exporters import rttm_lines
from scribe_core.outbound import OutboundPolicy
from scribe_core.queue import kick_process_meeting
from scribe_core.search import backfill, index_meeting
from scribe_core.settings import (
    GatewaySettings,
    PipelineSettings,
    QueueSettings,
    StorageSettings,
    get_pipeline_settings,
)
from scribe_core.storage import ObjectNotFoundError, ObjectStore, StorageError, results_prefix
from scribe_core.webhooks import meeting_event, record_event
from scribe_worker.jobs.fetch import DownloadError, download_to_store
from scribe_worker.jobs.webhooks import public_base_url
from scribe_worker.jobs.workdirs import remove_orphan_task_dirs, task_dir

if TYPE_CHECKING:
    from scribe_core.voiceprints import VoiceprintStore
    from scribe_worker.pipeline import PipelineResult
    from scribe_worker.stages.identify import VoiceprintSource

logger = logging.getLogger(__name__)

T = TypeVar("T")

RESULT_FILES = ("transcription.json", "diarization.json", "diarization.rttm", "fusion.json")
"""Objects stored for every completed meeting, under ``processed/{YYYYMMDD}/{meeting_id}/``."""

RunPipeline = Callable[..., "PipelineResult"]


class JobOutcome(enum.StrEnum):
    """What :func:`process_meeting` did."""

    COMPLETED = "completed"
    FAILED = "failed"
    SKIPPED = "skipped"
    """Not claimable: already COMPLETED/FAILED, or under another worker's live lease."""
    GONE = "gone"
    """The meeting was deleted while it was processed; its results were removed."""
    REQUEUED = "requeued"
    """Storage or database kept failing; the meeting is PENDING again for the sweeper."""


def _default_run_pipeline(*args: Any, **kwargs: Any) -> PipelineResult:
    from scribe_worker.pipeline import run_pipeline

    return run_pipeline(*args, **kwargs)


@dataclass
class WorkerContext:
    """The long-lived clients of a worker process (created at ``WORKER_STARTUP``).

    Attributes:
        sessions: Session factory; every state change is its own short transaction.
        store: Object store with the uploads and results.
        broker: Broker used by the sweeper to queue meetings again.
        queue: Lease, sweep and retry settings.
        pipeline_settings: Models and backends (``None``: from the environment).
        voiceprint_store: The voice banks in Qdrant: ``speakers.enroll`` stores enrolment
            samples there, and each meeting is identified against its owner's voiceprints
            (``None``: no identification).
        run_pipeline: The pipeline entry point (:func:`scribe_worker.pipeline.run_pipeline`).
        work_dir: Parent folder of the per-task temporary directories (system default when
            ``None``).
        engine: The engine behind ``sessions`` when this context owns it (disposed on stop).
        in_process: The queue lives in this process (``scribe serve``): meetings a previous
            run left PENDING are queued again when the sweeper starts.
    """

    sessions: async_sessionmaker[AsyncSession]
    store: ObjectStore
    broker: AsyncBroker
    queue: QueueSettings = field(default_factory=QueueSettings)
    pipeline_settings: PipelineSettings | None = None
    voiceprint_store: VoiceprintStore | None = None
    run_pipeline: RunPipeline = _default_run_pipeline
    work_dir: Path | None = None
    engine: AsyncEngine | None = None
    in_process: bool = False

    def voiceprints(
        self, owner_id: uuid.UUID, exclude: frozenset[str] = frozenset()
    ) -> VoiceprintSource | None:
        """The voice bank of a meeting's owner (never another user's), or ``None``; without
        the people named in ``exclude`` (names rejected in the meeting: "not this person")."""
        if self.voiceprint_store is None:
            return None
        from scribe_worker.jobs.enrolment import QdrantVoiceBank
        from scribe_worker.stages.identify import WithoutNames

        bank = QdrantVoiceBank(self.voiceprint_store, owner_id)
        return WithoutNames(bank, exclude) if exclude else bank

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    """One pipeline at a time per process (the in-process broker runs tasks concurrently)."""

    @property
    def lease(self) -> timedelta:
        """How long a heartbeat keeps a PROCESSING meeting claimed."""
        return timedelta(seconds=self.queue.lease_seconds)


# -- retries -------------------------------------------------------------------------------


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a storage or database hiccup worth retrying.

    Transient: :class:`~scribe_core.storage.StorageError` (unreachable, 5xx, throttled, but
    not a missing object), lost or refused database connections, timeouts and other OS-level
    I/O errors. Not transient: a missing object, an integrity error, a bug.
    """
    if isinstance(exc, ObjectNotFoundError):
        return False
    if isinstance(exc, StorageError | OperationalError | InterfaceError):
        return True
    if isinstance(exc, DBAPIError):
        return bool(exc.connection_invalidated)
    return isinstance(exc, OSError)  # connection refused/reset, timeouts, a full disk


async def with_retries(context: WorkerContext, what: str, step: Callable[[], Awaitable[T]]) -> T:
    """Run ``step``, retrying transient failures with exponential backoff and jitter.

    Args:
        context: Gives ``IO_RETRY_ATTEMPTS`` and ``IO_RETRY_MAX_WAIT_SECONDS``.
        what: Name of the step, for the log.
        step: Zero-argument coroutine function.

    Raises:
        Exception: The last error once the attempts are used up, or any non-transient error
            at once.
    """

    def log(state: Any) -> None:
        logger.warning(
            "%s failed (attempt %d): %s; retrying", what, state.attempt_number,
            state.outcome.exception(),
        )  # fmt: skip

    retrying = AsyncRetrying(
        stop=stop_after_attempt(context.queue.io_retry_attempts),
        wait=wait_exponential_jitter(initial=0.5, max=context.queue.io_retry_max_wait_seconds),
        retry=retry_if_exception(is_transient),
        before_sleep=log,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await step()
    raise AssertionError("unreachable: tenacity re-raises the last error")  # pragma: no cover


# -- state transitions (each its own transaction) ------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A meeting claimed for processing: what the job needs, and the attempt that owns it."""

    meeting_id: uuid.UUID
    owner_id: uuid.UUID
    attempt: int
    upload_key: str
    options: ProcessingOptions
    results_prefix: str
    audio_url: str | None = None
    """A URL job's ``audio_url`` while its recording is not stored yet (fetch step)."""
    rejected_names: frozenset[str] = frozenset()
    """Names the user rejected in this meeting ("not this person"): identification leaves
    those people's voiceprints out."""


async def claim(context: WorkerContext, meeting_id: uuid.UUID) -> Claim | None:
    """Atomically take a PENDING meeting, or a PROCESSING one whose lease has expired.

    Returns:
        The claim, or ``None`` when the meeting is gone, finished, out of attempts, or under a
        live lease.
    """
    now = utcnow()
    claimable = or_(
        Meeting.status == MeetingStatus.PENDING,
        and_(
            Meeting.status == MeetingStatus.PROCESSING,
            or_(Meeting.heartbeat_at.is_(None), Meeting.heartbeat_at < now - context.lease),
        ),
    )
    async with context.sessions() as session:
        result = await session.execute(
            update(Meeting)
            .where(
                Meeting.id == meeting_id,
                claimable,
                Meeting.attempts < context.queue.max_attempts,
            )
            .values(
                status=MeetingStatus.PROCESSING,
                attempts=Meeting.attempts + 1,
                stage="download",
                progress=0.0,
                error=None,
                error_code=None,
                started_at=now,
                heartbeat_at=now,
                completed_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
            await session.rollback()
            return None
        meeting = await session.get_one(Meeting, meeting_id)
        rejected = await session.scalars(
            select(SpeakerRejection.person_name).where(SpeakerRejection.meeting_id == meeting_id)
        )
        rejected_names = frozenset(rejected)
        await session.commit()
    return Claim(
        meeting_id=meeting.id,
        owner_id=meeting.owner_id,
        attempt=meeting.attempts,
        upload_key=meeting.upload_key,
        options=meeting.options,
        results_prefix=results_prefix(meeting.id, meeting.created_at),
        audio_url=meeting.audio_url if meeting.size_bytes == 0 else None,
        rejected_names=rejected_names,
    )


def _owned(claim_: Claim) -> Any:
    """WHERE clause: the meeting is still PROCESSING under this claim's attempt."""
    return and_(
        Meeting.id == claim_.meeting_id,
        Meeting.status == MeetingStatus.PROCESSING,
        Meeting.attempts == claim_.attempt,
    )


async def _update_owned(
    context: WorkerContext, claim_: Claim, *, notify: bool = False, **values: Any
) -> bool:
    """Apply ``values`` if the claim still owns the meeting; returns whether it did. With
    ``notify``, the meeting's final webhook event is queued in the same transaction."""
    async with context.sessions() as session:
        result = await session.execute(
            update(Meeting)
            .where(_owned(claim_))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        done = getattr(result, "rowcount", 0) == 1
        if done and notify:
            await notify_finished(session, claim_.meeting_id)
        await session.commit()
    return done


async def _complete(
    context: WorkerContext, claim_: Claim, result: PipelineResult, keys: dict[str, str]
) -> bool:
    """Mark COMPLETED with the results and speakers; ``False`` if the claim was lost."""
    document = result.document
    async with context.sessions() as session:
        meeting = await session.scalar(select(Meeting).where(_owned(claim_)).with_for_update())
        if meeting is None:
            await session.rollback()
            return False
        meeting.status = MeetingStatus.COMPLETED
        meeting.stage = "done"
        meeting.progress = 1.0
        meeting.error = None
        meeting.error_code = None
        meeting.result_keys = keys
        meeting.duration_seconds = document.duration
        meeting.language = document.language
        meeting.processing_time = document.processing_time
        meeting.completed_at = utcnow()
        await session.execute(delete(MeetingSpeaker).where(MeetingSpeaker.meeting_id == meeting.id))
        session.add_all(
            MeetingSpeaker(
                meeting_id=meeting.id,
                label=s.label,
                display_name=s.name,
                similarity=s.similarity,
                match=s.match,
            )
            for s in document.speakers
        )
        await index_meeting(session, meeting, document)  # full-text search rows
        await notify_finished(session, meeting.id, meeting)
        await session.commit()
    return True


async def _fail(context: WorkerContext, claim_: Claim, reason: Failure) -> None:
    """Mark FAILED with ``reason``'s code and sentence (if the claim still owns the meeting)."""
    await with_retries(
        context,
        "mark meeting failed",
        partial(
            _update_owned, context, claim_,
            status=MeetingStatus.FAILED, error=reason.message[:2000],
            error_code=reason.code.value, completed_at=utcnow(), notify=True,
        ),
    )  # fmt: skip


async def _release(context: WorkerContext, claim_: Claim, exc: BaseException) -> None:
    """Put the meeting back to PENDING (not queued) so the sweeper sends it again."""
    logger.warning("meeting %s goes back to the queue: %s", claim_.meeting_id, _log_text(exc))
    note = failure(ErrorCode.RETRYING)
    try:
        await _update_owned(
            context, claim_,
            status=MeetingStatus.PENDING, stage=None, progress=0.0, enqueued_at=None,
            error=note.message, error_code=note.code.value,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - the lease expires and the sweeper takes over
        logger.exception("could not release meeting %s", claim_.meeting_id)


def _log_text(exc: BaseException) -> str:
    """What the server log says about ``exc``: its type, detail and raw ``internal`` detail
    (ffmpeg's stderr, a path), which the user never sees."""
    if isinstance(exc, ScribeError):
        internal = f" [{exc.internal}]" if exc.internal else ""
        return f"{type(exc).__name__} ({exc.code}): {exc.detail}{internal}"
    return f"{type(exc).__name__}: {exc}"


async def notify_finished(
    session: AsyncSession, meeting_id: uuid.UUID, meeting: Meeting | None = None
) -> None:
    """Queue the final webhook event of a COMPLETED or FAILED meeting (outbox rows in the
    caller's transaction: to the owner's subscribed webhooks and the job's ``callback_url``)."""
    meeting = meeting or await session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None:
        return
    event, data = meeting_event(meeting, public_base_url())
    await record_event(session, meeting.owner_id, event, data, callback_url=meeting.callback_url)


async def fetch_recording(context: WorkerContext, claimed: Claim, url: str) -> JobOutcome | None:
    """The fetch step of a URL job (:mod:`scribe_worker.jobs.fetch`): ``None`` once the
    recording at ``url`` is stored (``size_bytes`` and ``content_type`` recorded), else how
    the job ended (FAILED with a ``download_*`` code, or REQUEUED after a storage outage)."""
    await _update_owned(context, claimed, stage="fetch", heartbeat_at=utcnow())
    try:
        fetched = await download_to_store(
            url, context.store, claimed.upload_key,
            max_bytes=GatewaySettings().max_upload_bytes,
            part_size=StorageSettings().part_size,
            policy=OutboundPolicy.from_settings(),
        )  # fmt: skip
        await with_retries(
            context, "record the downloaded recording",
            partial(
                _update_owned, context, claimed,
                size_bytes=fetched.size, content_type=fetched.content_type, stage="download",
            ),
        )  # fmt: skip
    except DownloadError as exc:
        logger.warning("meeting %s: %s (%s)", claimed.meeting_id, exc.detail, exc.code)
        await _fail(context, claimed, describe_failure(exc))
        return JobOutcome.FAILED
    except Exception as exc:
        if not is_transient(exc):
            raise
        await _release(context, claimed, exc)
        return JobOutcome.REQUEUED
    return None


# -- the job -------------------------------------------------------------------------------


class _ProgressReporter:
    """Pipeline progress callback (called in the pipeline thread) → throttled DB updates.

    Built in the event loop, whose token it keeps: the pipeline thread is not one of AnyIO's
    worker threads (see :func:`_in_pipeline_thread`).
    """

    def __init__(self, context: WorkerContext, claim_: Claim) -> None:
        self.context = context
        self.claim = claim_
        self.last: tuple[str, float, float] = ("", -1.0, 0.0)
        self.token = anyio.lowlevel.current_token()

    def __call__(self, stage: str, progress: float) -> None:
        last_stage, last_progress, last_time = self.last
        now = time.monotonic()
        if stage == last_stage and progress - last_progress < 0.01 and now - last_time < 2.0:
            return
        self.last = (stage, progress, now)
        anyio.from_thread.run(self.report, stage, progress, token=self.token)

    async def report(self, stage: str, progress: float) -> None:
        """Record ``stage`` and ``progress`` (capped at 0.99 until COMPLETED); best effort."""
        try:
            await _update_owned(
                self.context, self.claim,
                stage=stage, progress=round(min(max(progress, 0.0), 0.99), 4),
                heartbeat_at=utcnow(),
            )  # fmt: skip
        except Exception:  # noqa: BLE001 - progress must never stop the pipeline
            logger.warning("could not record progress of %s", self.claim.meeting_id, exc_info=True)


@asynccontextmanager
async def _heartbeating(context: WorkerContext, claim_: Claim) -> AsyncIterator[None]:
    """Renew the claim's lease every quarter lease while the block runs."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(context.queue.lease_seconds / 4)
            try:
                await _update_owned(context, claim_, heartbeat_at=utcnow())
            except Exception:  # noqa: BLE001 - a missed beat is retried at the next interval
                logger.warning("heartbeat of %s failed", claim_.meeting_id, exc_info=True)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task])


def _render_results(result: PipelineResult, meeting_id: uuid.UUID) -> dict[str, bytes]:
    def dump(data: object) -> bytes:
        return json.dumps(data, ensure_ascii=False, indent=2).encode()

    return {
        "transcription.json": dump(transcription_to_dict(result.transcription)),
        "diarization.json": dump(diarization_to_dict(result.diarization)),
        "diarization.rttm": rttm_lines(result.diarization.turns, str(meeting_id)).encode(),
        "fusion.json": dump(result.document.to_dict()),
    }


_CONTENT_TYPES = {".json": "application/json", ".rttm": "text/plain"}


_PIPELINE_THREADS: dict[int, ThreadPoolExecutor] = {}
_PIPELINE_THREADS_LOCK = threading.Lock()


def _lower_thread_priority(nice: int) -> None:
    """Give the calling OS thread CPU niceness ``nice``, never a higher priority than it has
    (Linux: niceness is per thread, and the threads it starts later, e.g. torch's and
    CTranslate2's pools, inherit it)."""
    if nice <= 0 or sys.platform != "linux":
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, max(nice, os.getpriority(os.PRIO_PROCESS, thread)))
    except OSError as exc:  # a container may forbid it; running at normal priority is fine
        logger.info("could not lower the pipeline thread's priority: %s", exc)


def _in_pipeline_thread(run: Callable[[], PipelineResult], nice: int) -> PipelineResult:
    """Run ``run`` on the pipeline's own long-lived thread, at niceness ``nice``, and wait.

    Not on the shared thread pool: a thread's priority cannot be raised back without
    privileges, and the gateway of ``scribe serve`` uses that pool for its own requests.
    """
    with _PIPELINE_THREADS_LOCK:
        executor = _PIPELINE_THREADS.get(nice)
        if executor is None:
            executor = ThreadPoolExecutor(
                max_workers=1,
                thread_name_prefix="pipeline",
                initializer=_lower_thread_priority,
                initargs=(nice,),
            )
            _PIPELINE_THREADS[nice] = executor
    return executor.submit(run).result()


async def process_meeting(context: WorkerContext, meeting_id: uuid.UUID) -> JobOutcome:
    """Run the pipeline on one meeting (the body of the ``meetings.process`` task).

    Args:
        context: The worker's clients and settings.
        meeting_id: The meeting to process.

    Returns:
        What happened; see :class:`JobOutcome`. Expected failures never raise: they end the
        meeting FAILED (bad input) or PENDING for the sweeper (storage/database outage).
    """
    async with context.lock:
        claimed = await with_retries(context, "claim meeting", partial(claim, context, meeting_id))
        if claimed is None:
            logger.info("meeting %s is not claimable; nothing to do", meeting_id)
            return JobOutcome.SKIPPED
        logger.info("processing meeting %s (attempt %d)", meeting_id, claimed.attempt)
        async with _heartbeating(context, claimed):
            with task_dir("scribe-task-", context.work_dir) as tmp:
                return await _run(context, claimed, tmp)


async def _run(context: WorkerContext, claimed: Claim, tmp: Path) -> JobOutcome:
    store = context.store
    source = tmp / ("upload" + PurePosixPath(claimed.upload_key).suffix.lower()[:10])
    if claimed.audio_url is not None:  # a URL job: download the recording into the store
        outcome = await fetch_recording(context, claimed, claimed.audio_url)
        if outcome is not None:
            return outcome
    try:
        await with_retries(
            context, "download upload",
            partial(anyio.to_thread.run_sync, store.download_file, claimed.upload_key, source),
        )  # fmt: skip
    except ObjectNotFoundError as exc:
        logger.warning("meeting %s: upload missing: %s", claimed.meeting_id, _log_text(exc))
        await _fail(context, claimed, failure(ErrorCode.UPLOAD_MISSING))
        return JobOutcome.FAILED
    except Exception as exc:
        if not is_transient(exc):
            raise
        await _release(context, claimed, exc)
        return JobOutcome.REQUEUED

    reporter = _ProgressReporter(context, claimed)
    run: Callable[[], PipelineResult] = partial(
        context.run_pipeline,
        source,
        claimed.options,
        settings=context.pipeline_settings,
        voiceprints=context.voiceprints(claimed.owner_id, claimed.rejected_names),
        on_progress=reporter,
    )
    try:
        result = await anyio.to_thread.run_sync(
            _in_pipeline_thread,
            run,
            (context.pipeline_settings or get_pipeline_settings()).worker_nice,
        )
    except ScribeError as exc:
        reason = describe_failure(exc)
        log = logger.warning if exc.status_code < 500 else logger.error
        log("meeting %s failed (%s): %s", claimed.meeting_id, reason.code, _log_text(exc))
        await _fail(context, claimed, reason)
        return JobOutcome.FAILED
    except Exception as exc:
        stage = reporter.last[0] or "pipeline"
        logger.exception("pipeline crashed on meeting %s during %s", claimed.meeting_id, stage)
        await _fail(context, claimed, describe_failure(exc))
        return JobOutcome.FAILED

    await reporter.report("upload", 0.99)
    keys = {name: claimed.results_prefix + name for name in RESULT_FILES}
    try:
        for name, body in _render_results(result, claimed.meeting_id).items():
            content_type = _CONTENT_TYPES[PurePosixPath(name).suffix]
            await with_retries(
                context, f"store {name}",
                partial(anyio.to_thread.run_sync, store.put_bytes, keys[name], body, content_type),
            )  # fmt: skip
        completed = await with_retries(
            context, "mark meeting completed", partial(_complete, context, claimed, result, keys)
        )
    except Exception as exc:
        if not is_transient(exc):
            raise
        await _release(context, claimed, exc)
        return JobOutcome.REQUEUED

    if completed:
        logger.info(
            "meeting %s completed in %.1f s", claimed.meeting_id, result.document.processing_time
        )
        return JobOutcome.COMPLETED
    return await _after_lost_claim(context, claimed)


async def _after_lost_claim(context: WorkerContext, claimed: Claim) -> JobOutcome:
    """The claim was lost while processing: deleted meeting → remove its results."""
    async with context.sessions() as session:
        exists = await session.scalar(select(Meeting.id).where(Meeting.id == claimed.meeting_id))
    if exists is not None:
        logger.info("meeting %s was taken over by another attempt", claimed.meeting_id)
        return JobOutcome.SKIPPED
    await anyio.to_thread.run_sync(context.store.delete_prefix, claimed.results_prefix)
    logger.info("meeting %s was deleted while processed; results removed", claimed.meeting_id)
    return JobOutcome.GONE


# -- the sweeper ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepReport:
    """What one :func:`sweep` did (meeting ids)."""

    requeued: tuple[uuid.UUID, ...] = ()
    failed: tuple[uuid.UUID, ...] = ()


async def sweep(context: WorkerContext, *, requeue_all_pending: bool = False) -> SweepReport:
    """Queue again every meeting that would otherwise never finish.

    - PROCESSING with a heartbeat older than ``WORKER_LEASE_SECONDS`` (its worker died):
      back to PENDING and queued again, or FAILED once ``TASK_MAX_ATTEMPTS`` is used up;
    - PENDING never queued (the queue was down at upload) for longer than the lease, or
      queued longer ago than ``REQUEUE_PENDING_AFTER_SECONDS`` (a lost message): queued again;
      FAILED instead when its ``TASK_MAX_ATTEMPTS`` attempts are used up (no worker would
      claim it).

    Each change is a conditional UPDATE, so concurrent sweepers never queue a meeting twice.

    Args:
        context: The worker's clients.
        requeue_all_pending: Queue every PENDING meeting (``scribe serve`` at start-up: its
            in-process queue was lost with the previous process).
    """
    now = utcnow()
    lease_cutoff = now - context.lease
    stale = and_(Meeting.status == MeetingStatus.PROCESSING, Meeting.heartbeat_at < lease_cutoff)
    if requeue_all_pending:
        waiting = Meeting.status == MeetingStatus.PENDING
    else:
        requeue_cutoff = now - timedelta(seconds=context.queue.requeue_pending_after_seconds)
        waiting = and_(
            Meeting.status == MeetingStatus.PENDING,
            or_(
                and_(Meeting.enqueued_at.is_(None), Meeting.created_at < lease_cutoff),
                Meeting.enqueued_at < requeue_cutoff,
            ),
        )
    requeued: list[uuid.UUID] = []
    failed: list[uuid.UUID] = []
    async with context.sessions() as session:
        rows = (await session.execute(select(Meeting.id, Meeting.attempts).where(stale))).all()
        for meeting_id, attempts in rows:
            if attempts >= context.queue.max_attempts:
                note = failure(ErrorCode.TOO_MANY_ATTEMPTS)
                values: dict[str, Any] = {
                    "status": MeetingStatus.FAILED, "completed_at": now,
                    "error": note.message, "error_code": note.code.value,
                }  # fmt: skip
            else:
                note = failure(ErrorCode.WORKER_LOST)
                values = {
                    "status": MeetingStatus.PENDING, "stage": None, "progress": 0.0,
                    "enqueued_at": now, "error": note.message, "error_code": note.code.value,
                }  # fmt: skip
            result = await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting_id, stale)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                (failed if values["status"] is MeetingStatus.FAILED else requeued).append(
                    meeting_id
                )
        pending = (await session.execute(select(Meeting.id, Meeting.attempts).where(waiting))).all()
        for meeting_id, attempts in pending:
            done = attempts >= context.queue.max_attempts  # no worker would claim it
            note = failure(ErrorCode.TOO_MANY_ATTEMPTS)
            values = (
                {"status": MeetingStatus.FAILED, "completed_at": now,
                 "error": note.message, "error_code": note.code.value}
                if done else {"enqueued_at": now}
            )  # fmt: skip
            result = await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting_id, waiting)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) == 1:
                (failed if done else requeued).append(meeting_id)
        for meeting_id in failed:
            await notify_finished(session, meeting_id)
        await session.commit()

    for meeting_id in requeued:
        try:
            await kick_process_meeting(context.broker, meeting_id)
        except Exception:  # noqa: BLE001 - retried at the next sweep
            logger.exception("could not queue meeting %s again", meeting_id)
            async with context.sessions() as session:
                await session.execute(
                    update(Meeting).where(Meeting.id == meeting_id).values(enqueued_at=None)
                )
                await session.commit()
    if requeued or failed:
        logger.info("sweep: queued again %s, failed %s", requeued, failed)
    return SweepReport(tuple(requeued), tuple(failed))


@dataclass(frozen=True)
class LeftoversReport:
    """What one :func:`remove_leftovers` removed (counts only)."""

    incomplete_uploads: int = 0
    """Partial uploads: ``.part`` files of the local store, or aborted S3 multipart uploads."""
    task_dirs: int = 0
    """Task folders (``scribe-task-*``, ``scribe-enrol-*``) of tasks that died with their
    worker, each holding a copy of a user's recording."""


async def remove_leftovers(context: WorkerContext) -> LeftoversReport:
    """Remove what crashed processes left behind: partial uploads in the object store
    (:meth:`~scribe_core.storage.ObjectStore.remove_incomplete_uploads`) and orphaned task
    folders in ``context.work_dir`` (:func:`~scribe_worker.jobs.workdirs.remove_orphan_task_dirs`).
    Live uploads and the folders of running tasks (in any process) are kept.

    Returns:
        The counts removed (also logged, without names: they hold user data).
    """
    uploads = 0
    try:
        uploads = await anyio.to_thread.run_sync(context.store.remove_incomplete_uploads)
    except Exception as exc:  # noqa: BLE001 - tried again at the next sweep
        logger.warning("could not remove incomplete uploads: %s", _log_text(exc))
    folders = await anyio.to_thread.run_sync(remove_orphan_task_dirs, context.work_dir)
    if uploads or folders:  # a warning: something crashed (shown by ``scribe serve`` too)
        logger.warning(
            "removed %d incomplete upload(s) and %d orphaned task folder(s) left by a crash",
            uploads, folders,
        )  # fmt: skip
    return LeftoversReport(uploads, folders)


async def run_sweeper(context: WorkerContext) -> None:
    """Call :func:`sweep` and :func:`remove_leftovers` now and every
    ``SWEEP_INTERVAL_SECONDS`` until cancelled (the first sweep of an in-process queue
    re-queues every PENDING meeting)."""
    requeue_all_pending = context.in_process
    await backfill(context.sessions, context.store)  # search rows of older meetings; never raises
    while True:
        try:
            await sweep(context, requeue_all_pending=requeue_all_pending)
            requeue_all_pending = False
        except Exception:  # noqa: BLE001 - a failed sweep is tried again at the next interval
            logger.exception("sweep failed")
        try:
            await remove_leftovers(context)
        except Exception:  # noqa: BLE001 - tried again at the next interval
            logger.exception("removing leftovers failed")
        await asyncio.sleep(context.queue.sweep_interval_seconds)
