"""The worker side of the voice bank: enrolment (``speakers.enroll``) and the Qdrant-backed
:class:`~scribe_worker.stages.identify.VoiceprintSource` of a meeting's owner.

One recording becomes one voiceprint through
:func:`scribe_worker.stages.enrolment.enrolment_embedding`. A refused recording or a failed
job leaves a stable ``error_code`` and a sentence on the person (never a path or a library's
message: those go to the log).
"""

from __future__ import annotations

import gc
import logging
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import anyio.to_thread
import numpy as np

from scribe_core.db import Person, PersonStatus
from scribe_core.errors import (
    AudioDecodeError,
    BadInputError,
    ErrorCode,
    Failure,
    ScribeError,
    describe_failure,
    failure,
)
from scribe_core.settings import PipelineSettings, VoiceBankSettings, get_pipeline_settings
from scribe_core.storage import ObjectNotFoundError, ObjectStore
from scribe_core.voiceprints import UPLOAD_SOURCE, VoiceprintStore
from scribe_core.webhooks import person_event, record_event
from scribe_worker.jobs.webhooks import public_base_url
from scribe_worker.jobs.workdirs import task_dir
from scribe_worker.models.embeddings import Float32Array, SpeakerEmbedder
from scribe_worker.stages.enrolment import enrolment_file_embedding

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from scribe_worker.jobs.meetings import WorkerContext

logger = logging.getLogger(__name__)


# -- identification from Qdrant -----------------------------------------------------------


class QdrantVoiceBank:
    """The voiceprints of one user's voice bank in the embedder's Qdrant collection.

    A :class:`~scribe_worker.stages.identify.VoiceprintSource`. Only points whose payload names
    ``owner_id`` are read, so a meeting is never matched against another user's voice bank.

    Args:
        store: The voiceprint store.
        owner_id: The meeting's owner.
    """

    def __init__(self, store: VoiceprintStore, owner_id: uuid.UUID) -> None:
        self.store = store
        self.owner_id = owner_id

    def __len__(self) -> int:
        """Samples of the owner in any space (0: the identify stage loads no model)."""
        return self.store.count(self.owner_id)

    def voiceprints(self, embedder: SpeakerEmbedder) -> dict[str, Float32Array]:
        """Name → unit-norm ``(D,)`` voiceprint: normalised mean of each person's samples in
        ``embedder``'s collection (``embedder.name`` and ``embedder.dimension``)."""
        prints = self.store.voiceprints(
            model=embedder.name, dimension=embedder.dimension, owner_id=self.owner_id
        )
        return {p.name: p.vector for p in prints.values()}


# -- the speakers.enroll job --------------------------------------------------------------


@dataclass(frozen=True)
class _Embedded:
    key: str
    vector: Float32Array | None
    refusal: Failure | None


_KEY_PREFIX = re.compile(r"^[0-9a-f]{8}_")


def sample_name(key: str) -> str:
    """The file name a sample was uploaded under, from its object key
    (``voicebank/{owner}/{person}/{8 hex}_{safe name}`` → ``{safe name}``)."""
    return _KEY_PREFIX.sub("", PurePosixPath(key).name)


def _embed_samples(
    store: ObjectStore,
    keys: Sequence[str],
    settings: PipelineSettings,
    min_speech_seconds: float,
    work_dir: Path | None,
) -> tuple[str, int, list[_Embedded]]:
    """Download, check and embed each sample (in a worker thread); the embedder is released
    before returning. Returns ``(embedder name, dimension, results)``."""
    from scribe_worker.models.loader import load_embedder

    embedder = load_embedder(settings)
    results: list[_Embedded] = []
    try:
        with task_dir("scribe-enrol-", work_dir) as tmp:
            for index, key in enumerate(keys):
                path = tmp / f"{index}{PurePosixPath(key).suffix.lower()[:10]}"
                try:
                    store.download_file(key, path)
                    vector = enrolment_file_embedding(
                        path, embedder, min_speech_seconds, max_seconds=settings.max_audio_seconds
                    )
                except (AudioDecodeError, BadInputError, ObjectNotFoundError) as exc:
                    # the recording is at fault (or gone); other errors fail the whole job
                    refusal = (
                        failure(ErrorCode.UPLOAD_MISSING)
                        if isinstance(exc, ObjectNotFoundError)
                        else describe_failure(exc)
                    )
                    internal = f" [{exc.internal}]" if exc.internal else ""
                    logger.info(
                        "enrolment sample refused (%s): %s%s", refusal.code, exc.detail, internal
                    )
                    results.append(_Embedded(key, None, refusal))
                    continue
                results.append(_Embedded(key, vector, None))
        return embedder.name, embedder.dimension, results
    finally:
        del embedder
        gc.collect()


async def enroll_person(
    context: WorkerContext,
    person_id: uuid.UUID,
    voice_bank: VoiceBankSettings | None = None,
) -> PersonStatus | None:
    """Body of ``speakers.enroll``: embed a person's pending samples and store them in Qdrant.

    Each pending recording is decoded, checked for speech and embedded
    (:func:`enrolment_file_embedding`); usable samples become points of the embedder's
    collection, refused ones are deleted from the object store and their reasons kept in
    ``error`` (``"<file name>: <sentence>"``, ``; ``-separated) with the first one's code in
    ``error_code``. The person ends READY when it has at least one sample in that collection,
    FAILED otherwise (PENDING while more samples were added meanwhile). When the job itself
    fails (the model cannot be loaded, the object store is down, a bug) the person is FAILED
    with that reason's code and sentence and keeps its pending samples, which the next
    enrolment of that person embeds again.

    Args:
        context: The worker's clients; ``voiceprint_store`` must be set.
        person_id: The ``people`` row.
        voice_bank: Gives ``ENROLMENT_MIN_SPEECH_SECONDS``; from the environment when ``None``.

    Returns:
        The person's new status, or ``None`` when it was deleted (its new points are removed).

    Raises:
        RuntimeError: The context has no voiceprint store.
    """
    vstore = context.voiceprint_store
    if vstore is None:
        raise RuntimeError("this worker has no voiceprint store (WorkerContext.voiceprint_store)")
    voice_bank = voice_bank or VoiceBankSettings()
    async with context.sessions() as session:
        person = await session.get(Person, person_id)
        if person is None:
            return None
        keys, owner_id, name = list(person.pending_keys), person.owner_id, person.name
    settings = context.pipeline_settings or get_pipeline_settings()
    try:
        async with context.lock:  # one model at a time per worker process
            model, dimension, results = await anyio.to_thread.run_sync(
                _embed_samples, context.store, keys, settings, voice_bank.min_speech_seconds,
                context.work_dir,
            )  # fmt: skip
    except Exception as exc:
        return await _fail_person(context, person_id, exc)
    good = [r for r in results if r.vector is not None]
    if good:
        await anyio.to_thread.run_sync(
            lambda: vstore.add_samples(
                model=model, owner_id=owner_id, person_id=person_id, name=name,
                vectors=np.stack([r.vector for r in good if r.vector is not None]),
                sources=[UPLOAD_SOURCE] * len(good),
            )
        )  # fmt: skip
    refused = [r for r in results if r.vector is None]
    if refused:
        await anyio.to_thread.run_sync(context.store.delete, [r.key for r in refused])
    count = await anyio.to_thread.run_sync(
        lambda: vstore.count(owner_id, person_id, model=model, dimension=dimension)
    )
    async with context.sessions() as session:
        person = await session.get(Person, person_id, with_for_update=True)
        if person is None:  # deleted while embedding
            await anyio.to_thread.run_sync(vstore.delete_person, owner_id, person_id)
            return None
        remaining = [k for k in person.pending_keys if k not in set(keys)]
        person.pending_keys = remaining
        person.num_samples = count
        refusals = [(sample_name(r.key), r.refusal) for r in refused if r.refusal is not None]
        person.error = "; ".join(f"{name}: {f.message}" for name, f in refusals)[:2000] or None
        person.error_code = refusals[0][1].code.value if refusals else None
        if remaining:
            person.status = PersonStatus.PENDING
        else:
            person.status = PersonStatus.READY if count else PersonStatus.FAILED
            await _notify(session, person)  # speaker.enrolled / speaker.failed (outbox)
        status = person.status
        await session.commit()
    logger.info(
        "enrolled %s (%s): %d sample(s) stored, %d refused",
        name, person_id, len(good), len(refused),
    )  # fmt: skip
    return status


async def _fail_person(
    context: WorkerContext, person_id: uuid.UUID, exc: Exception
) -> PersonStatus | None:
    """The enrolment job failed as a whole: FAILED with the reason's code and sentence
    (pending samples kept); the raw detail goes to the log only."""
    reason = describe_failure(exc)
    if isinstance(exc, ScribeError):
        internal = f" [{exc.internal}]" if exc.internal else ""
        logger.error("enrolment of %s failed (%s): %s%s", person_id, reason.code, exc.detail,
                     internal)  # fmt: skip
    else:
        logger.exception("enrolment of %s crashed", person_id)
    async with context.sessions() as session:
        person = await session.get(Person, person_id, with_for_update=True)
        if person is None:
            return None
        person.status = PersonStatus.FAILED
        person.error = reason.message
        person.error_code = reason.code.value
        await _notify(session, person)
        await session.commit()
    return PersonStatus.FAILED


async def _notify(session: AsyncSession, person: Person) -> None:
    """Queue the ``speaker.enrolled``/``speaker.failed`` webhook event of a person whose
    enrolment ended (outbox rows in the caller's transaction)."""
    event, data = person_event(person, public_base_url())
    await record_event(session, person.owner_id, event, data)


# -- re-embedding after an embedder change ----------------------------------------------------


def voicebank_prefix(owner_id: uuid.UUID, person_id: uuid.UUID) -> str:
    """Object-store prefix of a person's enrolment recordings."""
    return f"voicebank/{owner_id}/{person_id}/"


def _current_space(settings: PipelineSettings) -> tuple[str, int]:
    """``(name, dimension)`` of the configured embedder's space (loads and frees it)."""
    from scribe_worker.models.loader import load_embedder

    embedder = load_embedder(settings)
    try:
        return embedder.name, embedder.dimension
    finally:
        del embedder
        gc.collect()


async def reembed_voice_bank(context: WorkerContext) -> int:
    """Re-embed every person who has no voiceprint in the configured embedder's space.

    People enrolled under another embedder (e.g. GE2E before CAM++ became the default) keep
    their enrolment recordings in the object store (:func:`voicebank_prefix`); each such
    person gets those recordings queued again (``pending_keys``) and embedded by
    :func:`enroll_person`, so nobody has to enrol again. People whose only samples came from
    meetings (no stored recording) are left as they are and logged.

    Args:
        context: The worker's clients; nothing happens without a voiceprint store.

    Returns:
        How many people were re-embedded.
    """
    from sqlalchemy import select

    vstore = context.voiceprint_store
    if vstore is None:
        return 0
    async with context.sessions() as session:
        people = list((await session.execute(select(Person))).scalars())
        rows = [(p.id, p.owner_id, p.name) for p in people if not p.pending_keys]
    if not rows:
        return 0
    settings = context.pipeline_settings or get_pipeline_settings()
    async with context.lock:
        model, dimension = await anyio.to_thread.run_sync(_current_space, settings)
    done = 0
    for person_id, owner_id, name in rows:
        have = await anyio.to_thread.run_sync(
            partial(vstore.count, owner_id, person_id, model=model, dimension=dimension)
        )
        if have:
            continue
        keys = await anyio.to_thread.run_sync(
            context.store.list_keys, voicebank_prefix(owner_id, person_id)
        )
        if not keys:
            logger.warning(
                "%s (%s) has no voiceprint for %s and no stored recording to re-embed",
                name, person_id, model,
            )  # fmt: skip
            continue
        async with context.sessions() as session:
            person = await session.get(Person, person_id, with_for_update=True)
            if person is None:
                continue
            person.pending_keys = sorted(set(person.pending_keys) | set(keys))
            person.status = PersonStatus.PENDING
            await session.commit()
        logger.info("re-embedding %s (%s) for %s from %d recording(s)", name, person_id, model,
                    len(keys))  # fmt: skip
        await enroll_person(context, person_id)
        done += 1
    return done
