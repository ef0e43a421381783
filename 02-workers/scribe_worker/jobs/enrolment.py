"""The worker side of the voice bank: enrolment (``speakers.enroll``) and the Qdrant-backed
:class:`~scribe_worker.stages.identify.VoiceprintSource` of a meeting's owner.

One recording becomes one voiceprint through
:func:`scribe_worker.stages.enrolment.enrolment_embedding`.
"""

from __future__ import annotations

import gc
import logging
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import anyio.to_thread
import numpy as np

from scribe_core.db import Person, PersonStatus
from scribe_core.errors import ScribeError
from scribe_core.settings import PipelineSettings, VoiceBankSettings, get_pipeline_settings
from scribe_core.storage import ObjectStore
from scribe_core.voiceprints import UPLOAD_SOURCE, VoiceprintStore
from scribe_worker.models.embeddings import Float32Array, SpeakerEmbedder
from scribe_worker.stages.enrolment import enrolment_file_embedding

if TYPE_CHECKING:
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
    reason: str | None


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
        with tempfile.TemporaryDirectory(prefix="scribe-enrol-", dir=work_dir) as tmp:
            for index, key in enumerate(keys):
                filename = PurePosixPath(key).name
                path = Path(tmp) / f"{index}{PurePosixPath(key).suffix.lower()[:10]}"
                try:
                    store.download_file(key, path)
                    vector = enrolment_file_embedding(path, embedder, min_speech_seconds)
                except ScribeError as exc:
                    results.append(_Embedded(key, None, f"{filename}: {exc.detail}"))
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
    ``error``. The person ends READY when it has at least one sample in that collection,
    FAILED otherwise (PENDING while more samples were added meanwhile).

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
    async with context.lock:  # one model at a time per worker process
        model, dimension, results = await anyio.to_thread.run_sync(
            _embed_samples, context.store, keys, settings, voice_bank.min_speech_seconds,
            context.work_dir,
        )  # fmt: skip
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
        person.error = "; ".join(str(r.reason) for r in refused)[:2000] or None
        if remaining:
            person.status = PersonStatus.PENDING
        else:
            person.status = PersonStatus.READY if count else PersonStatus.FAILED
        status = person.status
        await session.commit()
    logger.info(
        "enrolled %s (%s): %d sample(s) stored, %d refused",
        name, person_id, len(good), len(refused),
    )  # fmt: skip
    return status


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
