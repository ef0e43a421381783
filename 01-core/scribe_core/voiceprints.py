"""The voiceprint store: enrolment samples of every user's voice bank, in Qdrant.

Layout (one collection per embedding space, so changing the embedder never mixes vectors):

- collection ``<prefix>__<embedder name>__<dimension>`` (cosine distance), e.g.
  ``voiceprints__campplus-zh-en-192__192``;
- one point per enrolment sample, payload ``{owner_id, person_id, name, source}`` where
  ``source`` is ``upload`` or ``meeting:<meeting id>:<speaker label>``;
- a person's voiceprint is the normalised mean of their normalised samples (the usual
  enrolment back-end of embedding systems, e.g. CAM++, Wang et al. Interspeech 2023);
- every read is filtered by ``owner_id``: a user's meetings are never matched against another
  user's voice bank.

Needs numpy and qdrant-client only (no torch), so the gateway can use it. The client is the
synchronous qdrant-client; async callers run the methods in a thread. Local mode (no
``QDRANT_URL``) allows one client per folder and process, so :func:`open_qdrant` shares one
client per location within a process.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from scribe_core.errors import BadInputError, ScribeError
from scribe_core.settings import VoiceBankSettings

if TYPE_CHECKING:
    from qdrant_client import QdrantClient
    from qdrant_client.http import models as qm

FloatArray = npt.NDArray[np.float32]

UPLOAD_SOURCE = "upload"
"""``source`` of a sample uploaded through ``POST /api/v1/speakers``."""

_SCROLL_PAGE = 256
_CLIENTS: dict[tuple[str, str], QdrantClient] = {}
_CLIENTS_LOCK = threading.Lock()


def meeting_source(meeting_id: uuid.UUID, label: str) -> str:
    """``source`` of a sample taken from a diarized speaker of a meeting."""
    return f"meeting:{meeting_id}:{label}"


def collection_name(prefix: str, model: str, dimension: int) -> str:
    """Name of the collection of one embedding space.

    Args:
        prefix: ``QDRANT_COLLECTION_PREFIX``.
        model: The embedder's stable name (``SpeakerEmbedder.name``).
        dimension: Its embedding length D.

    Returns:
        ``<prefix>__<model slug>__<dimension>``; the slug keeps ``[A-Za-z0-9._-]``.

    Raises:
        BadInputError: Empty model name or a dimension below 1.
    """
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", model).strip("-")
    if not slug or dimension < 1:
        raise BadInputError(f"invalid embedding space {model!r} / {dimension}")
    return f"{prefix}__{slug}__{dimension}"


def open_qdrant(settings: VoiceBankSettings | None = None) -> QdrantClient:
    """The process-wide Qdrant client for ``settings`` (one per server URL or local folder).

    Args:
        settings: ``QDRANT_URL``/``QDRANT_API_KEY`` for a server, else local mode in
            ``QDRANT_PATH``; from the environment when ``None``.

    Raises:
        ScribeError: (503) The local-mode folder is locked by another process.
    """
    from qdrant_client import QdrantClient

    settings = settings or VoiceBankSettings()
    key = ("url", settings.qdrant_url) if settings.qdrant_url else ("path", settings.local_location)
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            if settings.qdrant_url:
                api_key = settings.qdrant_api_key
                client = QdrantClient(
                    url=settings.qdrant_url,
                    api_key=api_key.get_secret_value() if api_key else None,
                    timeout=30,
                )
            elif settings.local_location == ":memory:":
                client = QdrantClient(location=":memory:")
            else:
                from pathlib import Path

                Path(settings.local_location).mkdir(parents=True, exist_ok=True)
                try:
                    client = QdrantClient(path=settings.local_location)
                except RuntimeError as exc:  # portalocker: another process holds the folder
                    raise ScribeError(
                        f"the local voice bank {settings.local_location} is in use by another "
                        f"process ({exc}); set QDRANT_URL to share a Qdrant server between "
                        "processes",
                        status_code=503,
                    ) from exc
            _CLIENTS[key] = client
    return client


@dataclass(frozen=True)
class Voiceprint:
    """One enrolled person's voiceprint in one embedding space.

    Attributes:
        person_id: Id of the ``people`` row.
        name: The person's name when the samples were stored.
        vector: Unit-norm ``(D,)`` float32 vector: normalised mean of the samples.
        num_samples: Samples it was averaged from.
    """

    person_id: uuid.UUID
    name: str
    vector: FloatArray
    num_samples: int


def _unit(x: npt.ArrayLike) -> FloatArray:
    array = np.asarray(x, dtype=np.float64)
    norm = np.linalg.norm(array, axis=-1, keepdims=True)
    unit: FloatArray = (array / np.maximum(norm, 1e-12)).astype(np.float32)
    return unit


def mean_voiceprint(samples: npt.ArrayLike) -> FloatArray:
    """A person's voiceprint: the L2-normalised mean of their L2-normalised sample embeddings.

    Args:
        samples: Sample embeddings, shape ``(num_samples, D)``.

    Returns:
        Unit-norm float32 vector of shape ``(D,)``.
    """
    return _unit(np.mean(_unit(samples), axis=0))


class VoiceprintStore:
    """Voice bank samples in Qdrant, one collection per embedding space.

    Args:
        client: A qdrant-client (server or local mode, see :func:`open_qdrant`), or a
            zero-argument function opening one on first use.
        prefix: Collection name prefix (``QDRANT_COLLECTION_PREFIX``).
    """

    def __init__(
        self, client: QdrantClient | Callable[[], QdrantClient], prefix: str = "voiceprints"
    ) -> None:
        self._client: QdrantClient | None = None
        self._open: Callable[[], QdrantClient] | None = None
        if callable(client) and not hasattr(client, "get_collections"):
            self._open = client
        else:
            self._client = client  # type: ignore[assignment]
        self.prefix = prefix
        self._lock = threading.RLock()  # local mode is not thread-safe

    @property
    def client(self) -> QdrantClient:
        """The qdrant-client, opened on first use when the store was given a factory."""
        if self._client is None:
            assert self._open is not None
            self._client = self._open()
        return self._client

    @classmethod
    def from_settings(cls, settings: VoiceBankSettings | None = None) -> VoiceprintStore:
        """The store the settings describe; the (shared, see :func:`open_qdrant`) client is
        opened on first use, so a process that never touches the voice bank never locks a
        local-mode folder."""
        settings = settings or VoiceBankSettings()
        return cls(lambda: open_qdrant(settings), settings.collection_prefix)

    def collection(self, model: str, dimension: int) -> str:
        """Collection name of an embedding space (see :func:`collection_name`)."""
        return collection_name(self.prefix, model, dimension)

    def collections(self) -> list[str]:
        """Every voiceprint collection of this prefix, sorted."""
        with self._lock:
            names = [c.name for c in self.client.get_collections().collections]
        return sorted(n for n in names if n.startswith(f"{self.prefix}__"))

    def _ensure(self, name: str, dimension: int) -> None:
        from qdrant_client.http import models as qm

        if not self.client.collection_exists(name):
            self.client.create_collection(
                name, vectors_config=qm.VectorParams(size=dimension, distance=qm.Distance.COSINE)
            )

    @staticmethod
    def _filter(owner_id: uuid.UUID, person_id: uuid.UUID | None = None) -> qm.Filter:
        from qdrant_client.http import models as qm

        must: list[qm.Condition] = [
            qm.FieldCondition(key="owner_id", match=qm.MatchValue(value=str(owner_id)))
        ]
        if person_id is not None:
            must.append(
                qm.FieldCondition(key="person_id", match=qm.MatchValue(value=str(person_id)))
            )
        return qm.Filter(must=must)

    def add_samples(
        self,
        *,
        model: str,
        owner_id: uuid.UUID,
        person_id: uuid.UUID,
        name: str,
        vectors: npt.ArrayLike,
        sources: Sequence[str],
    ) -> list[uuid.UUID]:
        """Store enrolment samples of one person.

        Args:
            model: Name of the embedder that produced ``vectors``.
            owner_id: The voice bank's user.
            person_id: The enrolled person.
            name: The person's name (kept in the payload for identification).
            vectors: Shape ``(N, D)`` (or ``(D,)`` for one sample); normalised here.
            sources: One ``source`` per vector (``upload`` or :func:`meeting_source`).

        Returns:
            The ids of the ``N`` new points.

        Raises:
            BadInputError: Vectors and sources differ in number, or a vector is empty.
        """
        from qdrant_client.http import models as qm

        matrix = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        if matrix.shape[0] != len(sources) or matrix.shape[1] == 0:
            raise BadInputError(
                f"{matrix.shape[0]} vectors of dimension {matrix.shape[1]} for "
                f"{len(sources)} sources"
            )
        ids = [uuid.uuid4() for _ in sources]
        points = [
            qm.PointStruct(
                id=str(point_id),
                vector=[float(x) for x in vector],
                payload={
                    "owner_id": str(owner_id),
                    "person_id": str(person_id),
                    "name": name,
                    "source": source,
                },
            )
            for point_id, vector, source in zip(ids, _unit(matrix), sources, strict=True)
        ]
        collection = self.collection(model, int(matrix.shape[1]))
        with self._lock:
            self._ensure(collection, int(matrix.shape[1]))
            self.client.upsert(collection, points=points, wait=True)
        return ids

    def voiceprints(
        self, *, model: str, dimension: int, owner_id: uuid.UUID
    ) -> dict[uuid.UUID, Voiceprint]:
        """The owner's voiceprints in one embedding space.

        Args:
            model: Embedder name.
            dimension: Embedding length D.
            owner_id: Whose voice bank; samples of other users are never read.

        Returns:
            Person id → :class:`Voiceprint` (normalised mean of that person's samples);
            empty when the space has no collection yet.
        """
        collection = self.collection(model, dimension)
        samples: dict[uuid.UUID, list[FloatArray]] = {}
        names: dict[uuid.UUID, str] = {}
        with self._lock:
            if not self.client.collection_exists(collection):
                return {}
            offset = None
            while True:
                points, offset = self.client.scroll(
                    collection,
                    scroll_filter=self._filter(owner_id),
                    limit=_SCROLL_PAGE,
                    offset=offset,
                    with_payload=True,
                    with_vectors=True,
                )
                for point in points:
                    payload = point.payload or {}
                    if payload.get("owner_id") != str(owner_id):  # belt and braces
                        continue
                    person = uuid.UUID(str(payload["person_id"]))
                    names[person] = str(payload.get("name", ""))
                    vector = point.vector
                    assert isinstance(vector, list)
                    samples.setdefault(person, []).append(np.asarray(vector, dtype=np.float32))
                if offset is None:
                    break
        return {
            person: Voiceprint(person, names[person], mean_voiceprint(vs), len(vs))
            for person, vs in samples.items()
        }

    def count(
        self,
        owner_id: uuid.UUID,
        person_id: uuid.UUID | None = None,
        *,
        model: str | None = None,
        dimension: int | None = None,
    ) -> int:
        """Samples of the owner (or of one person), in one space or in all of them."""
        names = (
            [self.collection(model, dimension)]
            if model is not None and dimension is not None
            else self.collections()
        )
        total = 0
        with self._lock:
            for name in names:
                if self.client.collection_exists(name):
                    total += self.client.count(
                        name, count_filter=self._filter(owner_id, person_id), exact=True
                    ).count
        return total

    def delete_person(self, owner_id: uuid.UUID, person_id: uuid.UUID) -> None:
        """Remove every sample of one person of ``owner_id``, in every embedding space."""
        from qdrant_client.http import models as qm

        selector = qm.FilterSelector(filter=self._filter(owner_id, person_id))
        with self._lock:
            for name in self.collections():
                self.client.delete(name, points_selector=selector, wait=True)
