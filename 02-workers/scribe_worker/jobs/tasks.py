"""The Taskiq side of the worker: the broker, its start-up/shutdown events and the
``meetings.process`` and ``speakers.enroll`` tasks.

Run a worker (one per GPU, one task at a time)::

    taskiq worker scribe_worker.jobs.tasks:broker --workers 1 --max-async-tasks 1

``broker`` is built from the environment at import: a Redis stream with acknowledgements when
``REDIS_URL`` is set, the in-process broker otherwise. At ``WORKER_STARTUP`` the worker
creates its clients (taskiq ``docs/examples/state``), migrates the database when
``DATABASE_AUTO_MIGRATE`` is on, and starts the sweeper (:func:`scribe_worker.jobs.meetings.sweep`)
that re-queues meetings whose worker died and removes what a crashed process left behind
(partial uploads, task folders: :func:`scribe_worker.jobs.meetings.remove_leftovers`), at
start-up and then every ``SWEEP_INTERVAL_SECONDS``. ``scribe serve`` builds its own in-process
broker with :func:`build_broker` and shares its clients through :func:`attach_context`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import anyio.to_thread
from taskiq import AsyncBroker, Context, TaskiqDepends, TaskiqEvents, TaskiqState

from scribe_core.db import create_engine, create_sessionmaker
from scribe_core.db.migrate import upgrade
from scribe_core.queue import create_broker
from scribe_core.settings import (
    DatabaseSettings,
    QueueSettings,
    StorageSettings,
    get_pipeline_settings,
)
from scribe_core.storage import StorageError, create_store
from scribe_core.tasks import ENROLL_SPEAKER, PROCESS_MEETING, EnrollSpeaker, ProcessMeeting
from scribe_core.voiceprints import VoiceprintStore
from scribe_worker.jobs.enrolment import enroll_person, reembed_voice_bank
from scribe_worker.jobs.meetings import WorkerContext, process_meeting, run_sweeper
from scribe_worker.jobs.webhooks import run_dispatcher
from scribe_worker.models.device import check_device

logger = logging.getLogger(__name__)

_CONTEXT = "scribe_worker_context"
_SWEEPER = "scribe_worker_sweeper"
_REEMBED = "scribe_worker_reembed"
_WEBHOOKS = "scribe_worker_webhooks"


async def process_meeting_task(
    meeting_id: str, context: Annotated[Context, TaskiqDepends()]
) -> str:
    """``meetings.process``: run the pipeline on one meeting (payload: its id only).

    Returns:
        The :class:`~scribe_worker.jobs.meetings.JobOutcome` value (``completed``, ``failed`` …).
    """
    payload = ProcessMeeting.from_kwargs(meeting_id)
    worker: WorkerContext = getattr(context.state, _CONTEXT)
    outcome = await process_meeting(worker, payload.meeting_id)
    return outcome.value


async def enroll_speaker_task(person_id: str, context: Annotated[Context, TaskiqDepends()]) -> str:
    """``speakers.enroll``: embed a voice bank person's pending samples (payload: its id only).

    Returns:
        The person's new status (``READY``, ``FAILED``, ``PENDING``) or ``gone``.
    """
    payload = EnrollSpeaker.from_kwargs(person_id)
    worker: WorkerContext = getattr(context.state, _CONTEXT)
    status = await enroll_person(worker, payload.person_id)
    return "gone" if status is None else status.value


async def _startup(state: TaskiqState) -> None:
    """Create the worker's clients (unless a context was attached), then start the sweeper and
    the webhook sender (:func:`scribe_worker.jobs.webhooks.run_dispatcher`)."""
    worker: WorkerContext | None = getattr(state, _CONTEXT, None)
    if worker is None:
        # A standalone GPU worker says in one line which device it uses, and stops here
        # when REQUIRE_GPU is set and no usable GPU is there.
        check_device(get_pipeline_settings())
        worker = await _context_from_settings(state.broker)
        setattr(state, _CONTEXT, worker)
    setattr(state, _SWEEPER, asyncio.create_task(run_sweeper(worker)))
    setattr(state, _REEMBED, asyncio.create_task(_reembed(worker)))
    setattr(state, _WEBHOOKS, asyncio.create_task(run_dispatcher(worker.sessions)))
    logger.info("scribe worker ready: running %s tasks", PROCESS_MEETING)


async def _reembed(worker: WorkerContext) -> None:
    """Start-up task: re-embed people enrolled under another embedder (logged, never fatal)."""
    try:
        count = await reembed_voice_bank(worker)
        if count:
            logger.info("re-embedded %d voice bank people for the current embedder", count)
    except Exception:  # noqa: BLE001 - the worker keeps serving; the next start tries again
        logger.exception("re-embedding the voice bank failed")


async def _context_from_settings(broker: AsyncBroker) -> WorkerContext:
    database, storage = DatabaseSettings(), StorageSettings()
    engine = create_engine(database)
    if database.auto_migrate:
        await upgrade(engine)
    store = create_store(storage)
    if storage.create_bucket:
        try:
            await anyio.to_thread.run_sync(store.ensure_bucket)
        except StorageError as exc:
            logger.warning("object store not ready at start-up: %s", exc.detail)
    voiceprints = VoiceprintStore.from_settings()
    return WorkerContext(
        sessions=create_sessionmaker(engine),
        store=store,
        broker=broker,
        queue=QueueSettings(),
        voiceprint_store=voiceprints,
        engine=engine,
    )


async def _shutdown(state: TaskiqState) -> None:
    """Stop the sweeper and close the connections this worker opened."""
    for name in (_SWEEPER, _REEMBED, _WEBHOOKS):
        task: asyncio.Task[None] | None = getattr(state, name, None)
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
    worker: WorkerContext | None = getattr(state, _CONTEXT, None)
    if worker is not None and worker.engine is not None:
        await worker.engine.dispose()


def build_broker(queue: QueueSettings | None = None) -> AsyncBroker:
    """A broker with the ``meetings.process`` and ``speakers.enroll`` tasks and the worker
    events registered.

    Args:
        queue: Queue settings (``REDIS_URL`` selects Redis streams); from the environment when
            ``None``.
    """
    broker = create_broker(queue)
    broker.register_task(process_meeting_task, task_name=PROCESS_MEETING)
    broker.register_task(enroll_speaker_task, task_name=ENROLL_SPEAKER)
    broker.add_event_handler(TaskiqEvents.WORKER_STARTUP, _startup)
    broker.add_event_handler(TaskiqEvents.WORKER_SHUTDOWN, _shutdown)
    broker.state.broker = broker
    return broker


def attach_context(broker: AsyncBroker, context: WorkerContext) -> None:
    """Make ``broker``'s tasks use ``context`` (shared clients) instead of building their own
    at start-up; call before ``broker.startup()``."""
    setattr(broker.state, _CONTEXT, context)


broker = build_broker()
"""The broker the ``taskiq worker scribe_worker.jobs.tasks:broker`` command runs."""
