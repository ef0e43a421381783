"""The embedded diarization backend: VAD, window embeddings, agglomerative clustering.

No GPU, no model hub: Silero VAD ships inside faster-whisper and the GE2E speaker encoder
inside resemblyzer. The algorithm is the classic clustering-based pipeline (see Park et
al., "A Review of Speaker Diarization: Recent Advances with Deep Learning", Computer Speech
& Language 2022, section 3; GE2E d-vectors as in Wang et al., "Speaker Diarization with
LSTM", ICASSP 2018), in six steps:

1. **Speech detection**: Silero VAD regions (:func:`scribe_worker.stages.vad.detect_speech`) at
   threshold 0.35: the speech that will be labelled.
2. **Clustering windows**: 2 s windows every 0.75 s (at most) inside the *confident* speech
   regions (Silero threshold 0.5); a region of 1 to 2 s is one window, shorter ones only get
   labelled in step 5. Long windows of clean speech give stable GE2E embeddings; each
   window is loudness-normalised before it is embedded.
3. **Agglomerative clustering** (average linkage on cosine distance, SciPy), cut at a
   calibrated distance, which estimates the number of speakers. A cluster with less than
   3.5 s of speech, or under 15 % of the clustered speech, is folded into its nearest cluster
   unless its centroid is clearly distinct (cosine similarity below 0.7 to every other
   centroid): a brief but different voice survives, stray windows of a known voice (a
   laugh, a cough, a voice drifting with the room) do not. ``num_speakers`` cuts the tree
   at exactly that many clusters; ``min_speakers``/``max_speakers`` bound the estimate.
4. **Centroids**: the L2-normalised mean of each cluster's window embeddings; they become
   ``Diarization.embeddings``.
5. **Resegmentation by nearest centroid**: 1.5 s windows every 0.2 s cover all speech;
   every 10 ms frame takes the speaker whose centroid is most similar to the windows
   around it (cosine similarities averaged with triangular weights). Turn boundaries land
   at 0.2 s resolution instead of the clustering hop, and short speech regions get a
   speaker too.
6. **Turns**: runs of one speaker; pauses of up to 1 s between two turns of the same
   speaker are bridged; turns shorter than 0.5 s are absorbed by an adjacent turn (or
   dropped when they stand alone: VAD blips). Labels are ``SPEAKER_00``, ``SPEAKER_01``...
   in order of first appearance. Overlapped speech is not detected: at most one speaker
   per instant.

The defaults in :data:`DEFAULT_CONFIG` come from parameter sweeps on the evaluation set
(sample-call, the ten AMI 30 s clips, katie-steve and the 3-speaker multilingual clip),
one configuration for all clips, chosen where the result stays flat when each parameter
moves; the clustering window length is the exception (1.75 s over-splits the AMI meetings,
2.25 s merges the two similar voices of the phone call). Measured with them (strict /
0.5 s collar DER, pyannote.metrics): sample-call 17.3 % / 2.9 % with 2 speakers found; the
ten AMI clips pooled 27.2 % / 17.2 %, of which about 12 points are overlapped speech that
one speaker per instant cannot cover. They are calibrated for the GE2E embedder
(``resemblyzer-ge2e``); another embedder has another cosine scale and needs its own
``distance_threshold``.

Cost: Silero runs twice (about 1.5 % of real time each on one core), GE2E embeds about
1.3 windows per second of speech for clustering and 5 per second for assignment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import (
    SAMPLE_RATE,
    Diarization,
    ProcessingOptions,
    SpeakerTurn,
    sort_turns,
)
from scribe_core.errors import BadInputError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.embeddings import SpeakerEmbedder, l2_normalise
from scribe_worker.models.loader import load_embedder
from scribe_worker.models.residency import ModelResidency
from scribe_worker.stages.vad import detect_speech

FRAME_SECONDS = 0.01
"""Resolution (seconds) of the frame-level speaker assignment and of the output turns."""

MAX_CLUSTER_WINDOWS = 4000
"""Upper bound on the windows clustered (the linkage needs O(n²) memory: 4000 windows take
64 MB); on long recordings the clustering hop grows to stay under it."""

Window = tuple[float, float]


@dataclass(frozen=True)
class ClusteringConfig:
    """Parameters of the embedded diarization backend (times in seconds).

    Attributes:
        vad_threshold: Silero speech probability above which a 32 ms frame is speech
            (hysteresis down to ``vad_threshold - 0.15``): the speech that gets labelled.
        vad_min_silence: Pauses shorter than this do not end a speech region.
        vad_speech_pad: Padding added on each side of a speech region.
        vad_min_speech: Speech regions shorter than this are dropped.
        cluster_vad_threshold: Stricter Silero threshold for the speech the speaker models
            (clustering windows) are built from: confident speech gives cleaner embeddings,
            while the looser ``vad_threshold`` decides what is labelled.
        cluster_window: Length of the windows that are clustered (the most sensitive
            parameter, see the module docstring).
        cluster_hop: Hop between clustering windows (at most; windows are spread evenly).
        cluster_min_window: Speech regions shorter than this give no clustering window.
        distance_threshold: Average-linkage cosine distance at which the dendrogram is cut
            (GE2E calibration).
        min_speaker_speech: A cluster covering less speech than this is folded into its
            nearest cluster unless it is distinct (see ``distinct_similarity``).
        min_speaker_fraction: Likewise for a cluster covering less than this fraction of
            the clustered speech (a voice drifting with the room or the microphone).
        distinct_similarity: A small cluster whose centroid's cosine similarity to every
            other centroid is below this is kept as a speaker of its own.
        max_speakers: Upper bound on the estimated number of speakers when the user gives
            none.
        assign_window: Length of the windows that assign frames to speakers.
        assign_hop: Hop between assignment windows (at most).
        assign_min_window: Shorter speech regions are widened (centred) to this length for
            their assignment window.
        bridge_gap: Pauses up to this long between two turns of the same speaker are
            bridged.
        min_turn: Turns shorter than this are absorbed by an adjacent turn, or dropped when
            no turn touches them.
    """

    vad_threshold: float = 0.35
    vad_min_silence: float = 0.2
    vad_speech_pad: float = 0.06
    vad_min_speech: float = 0.1
    cluster_vad_threshold: float = 0.5
    cluster_window: float = 2.0
    cluster_hop: float = 0.75
    cluster_min_window: float = 1.0
    distance_threshold: float = 0.275
    min_speaker_speech: float = 3.5
    min_speaker_fraction: float = 0.15
    distinct_similarity: float = 0.7
    max_speakers: int = 10
    assign_window: float = 1.5
    assign_hop: float = 0.2
    assign_min_window: float = 0.5
    bridge_gap: float = 1.0
    min_turn: float = 0.5

    def vad_options(self, threshold: float | None = None) -> dict[str, Any]:
        """Keyword arguments for :func:`scribe_worker.stages.vad.detect_speech`.

        Args:
            threshold: Speech threshold to use instead of ``vad_threshold`` (e.g.
                ``cluster_vad_threshold``).
        """
        threshold = self.vad_threshold if threshold is None else threshold
        return {
            "threshold": threshold,
            "neg_threshold": max(threshold - 0.15, 0.01),
            "min_silence_duration_ms": round(self.vad_min_silence * 1000),
            "speech_pad_ms": round(self.vad_speech_pad * 1000),
            "min_speech_duration_ms": round(self.vad_min_speech * 1000),
        }

    def as_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-ready mapping (for run metadata)."""
        return asdict(self)


DEFAULT_CONFIG = ClusteringConfig()
"""The configuration the backend runs with (calibrated for ``resemblyzer-ge2e``)."""


# -- the stage ----------------------------------------------------------------------------------


def diarize_clustering(
    waveform: npt.NDArray[np.float32],
    options: ProcessingOptions,
    settings: PipelineSettings,
    residency: ModelResidency,
    config: ClusteringConfig = DEFAULT_CONFIG,
) -> Diarization:
    """The ``clustering`` diarization backend as a pipeline stage.

    The speaker embedder named by ``settings.embedding_backend`` is loaded through
    ``residency.load("diarize", ...)`` on ``residency.device`` and released afterwards.

    Args:
        waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
        options: Speaker-count hints.
        settings: Reads ``embedding_backend`` (and the embedder's model settings).
        residency: Loads, measures and releases the embedder.
        config: Algorithm parameters.

    Returns:
        See :func:`cluster_diarize`.

    Raises:
        ModelLoadError: The embedder cannot be loaded.
        BadInputError: The waveform is not 1-D.
    """
    with residency.load("diarize", lambda: load_embedder(settings, residency.device)) as model:
        return cluster_diarize(waveform, model, options, config)


def cluster_diarize(
    waveform: npt.ArrayLike,
    embedder: SpeakerEmbedder,
    options: ProcessingOptions | None = None,
    config: ClusteringConfig = DEFAULT_CONFIG,
) -> Diarization:
    """Diarize a waveform with VAD, window embeddings and agglomerative clustering.

    See the module docstring for the algorithm.

    Args:
        waveform: Mono float32 samples at 16 kHz in [-1, 1], shape ``(N,)``.
        embedder: Speaker embedder (GE2E by default).
        options: ``num_speakers`` forces the number of clusters (at most one per
            clustering window); ``min_speakers``/``max_speakers`` bound the estimate.
        config: Algorithm parameters.

    Returns:
        Turns sorted by start time, labelled ``SPEAKER_00``... in order of first
        appearance, no two turns of one speaker overlapping; one unit-norm centroid
        embedding per speaker label; ``duration`` in seconds; ``embedding_model`` set to
        ``embedder.name``. No turns (and no embeddings) when no speech is found.

    Raises:
        BadInputError: The waveform is not 1-D.
    """
    options = options or ProcessingOptions()
    audio = np.asarray(waveform, dtype=np.float32)
    if audio.ndim != 1:
        raise BadInputError(f"diarization needs a mono waveform (N,), got shape {audio.shape}")
    duration = audio.size / SAMPLE_RATE
    empty = Diarization(turns=(), duration=duration, embedding_model=embedder.name)
    regions = detect_speech(audio, SAMPLE_RATE, **config.vad_options())
    if not regions:
        return empty

    # 2. clustering windows, in confident speech
    confident = detect_speech(
        audio, SAMPLE_RATE, **config.vad_options(config.cluster_vad_threshold)
    )
    confident = confident or regions
    speech = sum(end - start for start, end in confident)
    hop = max(config.cluster_hop, speech / MAX_CLUSTER_WINDOWS)
    windows = sliding_windows(
        confident, config.cluster_window, hop, config.cluster_min_window, duration, widen=False
    )
    if not windows:  # only short bursts of speech: cluster those
        windows = sliding_windows(
            confident, config.cluster_window, hop, config.assign_min_window, duration
        )
    embeddings = np.asarray(embedder.embed_windows(audio, windows), dtype=np.float32)

    # 3-4. clusters and their centroids
    labels = cluster_windows(embeddings, windows, options, config)
    centroids = _centroids(embeddings, labels)

    # 5. frame-level assignment with shorter windows
    num_frames = math.ceil(duration / FRAME_SECONDS)
    speech_mask = np.zeros(num_frames, dtype=bool)
    for start, end in regions:
        speech_mask[_frame(start) : _frame(end)] = True
    if len(centroids) == 1:
        frame_labels = np.zeros(num_frames, dtype=np.int64)
    else:
        assign = sliding_windows(
            regions, config.assign_window, config.assign_hop, config.assign_min_window, duration
        )
        scores = np.asarray(embedder.embed_windows(audio, assign)) @ centroids.T
        frame_labels = _frame_argmax(assign, scores, num_frames)

    # 6. turns
    turns = _runs(frame_labels, speech_mask)
    turns = _absorb_short_turns(_bridge(turns, config.bridge_gap), config)
    return _labelled(turns, centroids, duration, embedder.name)


# -- windows --------------------------------------------------------------------------------


def sliding_windows(
    regions: Sequence[Window],
    length: float,
    hop: float,
    min_length: float,
    duration: float,
    *,
    widen: bool = True,
) -> list[Window]:
    """Windows of ``length`` seconds, at most ``hop`` apart, inside each speech region.

    A region longer than ``length`` gets ``ceil((L - length) / hop) + 1`` windows spread
    evenly from its start to its end, so both ends are covered. A region of ``min_length``
    to ``length`` seconds is one window. A shorter region is widened symmetrically to
    ``min_length`` (within ``[0, duration]``) when ``widen``, else skipped.

    Args:
        regions: Speech regions ``(start, end)`` in seconds.
        length: Window length in seconds.
        hop: Largest hop between window starts in seconds.
        min_length: Shortest window in seconds.
        duration: Audio duration in seconds.
        widen: Whether short regions are widened or skipped.

    Returns:
        ``(start, end)`` windows in seconds, in region order.

    Raises:
        BadInputError: ``length`` or ``hop`` is not positive.
    """
    if length <= 0 or hop <= 0:
        raise BadInputError(f"window length and hop must be positive, got {length}, {hop}")
    windows: list[Window] = []
    for start, end in regions:
        size = end - start
        if size > length:
            count = math.ceil((size - length) / hop - 1e-9) + 1
            windows += [
                (float(s), float(s) + length) for s in np.linspace(start, end - length, count)
            ]
        elif size >= min_length:
            windows.append((start, end))
        elif widen:
            width = min(min_length, duration)
            first = min(max(0.0, (start + end - width) / 2), max(0.0, duration - width))
            windows.append((first, first + width))
    return windows


def _frame(seconds: float) -> int:
    return int(round(seconds / FRAME_SECONDS))


def _coverage(windows: Sequence[Window]) -> float:
    """Seconds covered by the union of ``windows``."""
    total, current_start, current_end = 0.0, None, 0.0
    for start, end in sorted(windows):
        if current_start is not None and start <= current_end:
            current_end = max(current_end, end)
            continue
        if current_start is not None:
            total += current_end - current_start
        current_start, current_end = start, end
    if current_start is not None:
        total += current_end - current_start
    return total


# -- clustering -----------------------------------------------------------------------------


def cluster_windows(
    embeddings: npt.NDArray[np.float32],
    windows: Sequence[Window],
    options: ProcessingOptions,
    config: ClusteringConfig = DEFAULT_CONFIG,
) -> npt.NDArray[np.int64]:
    """Cluster window embeddings into speakers.

    Average-linkage agglomerative clustering on cosine distance (``scipy.cluster.hierarchy``),
    cut at ``config.distance_threshold``; small, non-distinct clusters are then folded into
    their nearest cluster (see :class:`ClusteringConfig`) and the count is clamped to
    ``[min_speakers, max_speakers]`` by re-cutting the dendrogram. ``num_speakers`` cuts it
    at exactly that many clusters (fewer only when there are fewer windows).

    Args:
        embeddings: Unit-norm window embeddings, shape ``(n, D)``.
        windows: The ``n`` windows ``(start, end)`` in seconds (for speech coverage).
        options: Speaker-count hints.
        config: Threshold and small-cluster rule.

    Returns:
        Cluster index per window, shape ``(n,)``, values ``0..K-1``.
    """
    n = len(embeddings)
    if n <= 1:
        return np.zeros(n, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings.astype(np.float64), method="average", metric="cosine")

    def cut(k: int) -> npt.NDArray[np.int64]:
        return _compact(fcluster(tree, min(k, n), criterion="maxclust"))

    if options.num_speakers is not None:
        return cut(options.num_speakers)
    lowest = options.min_speakers or 1
    highest = options.max_speakers or config.max_speakers
    labels = _compact(fcluster(tree, config.distance_threshold, criterion="distance"))
    labels = _fold_small_clusters(embeddings, windows, labels, lowest, config)
    count = int(labels.max()) + 1
    if count < lowest:
        return cut(lowest)
    if count > highest:
        return cut(highest)
    return labels


def _compact(labels: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Renumber labels ``0..K-1`` (order of the sorted original values)."""
    return np.unique(np.asarray(labels), return_inverse=True)[1].astype(np.int64)


def _centroids(
    embeddings: npt.NDArray[np.float32], labels: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """Unit-norm mean embedding of each cluster, shape ``(K, D)``."""
    count = int(labels.max()) + 1
    return l2_normalise(np.stack([embeddings[labels == k].mean(axis=0) for k in range(count)]))


def _fold_small_clusters(
    embeddings: npt.NDArray[np.float32],
    windows: Sequence[Window],
    labels: npt.NDArray[np.int64],
    lowest: int,
    config: ClusteringConfig,
) -> npt.NDArray[np.int64]:
    """Fold clusters with too little speech into their neighbours.

    Too little: under ``min_speaker_speech`` seconds or under ``min_speaker_fraction`` of
    all clustered speech.

    Smallest first, while more than ``lowest`` clusters remain; each window of the folded
    cluster moves to its most similar remaining centroid. A small cluster whose centroid
    stays below ``distinct_similarity`` to every other centroid is kept.
    """
    labels = labels.copy()
    while int(labels.max()) + 1 > lowest:
        count = int(labels.max()) + 1
        centroids = _centroids(embeddings, labels)
        similarity = centroids @ centroids.T
        np.fill_diagonal(similarity, -np.inf)
        speech = [
            _coverage([w for w, k in zip(windows, labels, strict=True) if k == c])
            for c in range(count)
        ]
        enough = max(config.min_speaker_speech, config.min_speaker_fraction * sum(speech))
        small = [
            c
            for c in range(count)
            if speech[c] < enough and similarity[c].max() >= config.distinct_similarity
        ]
        if not small:
            break
        folded = min(small, key=lambda c: speech[c])
        others = [c for c in range(count) if c != folded]
        members = labels == folded
        nearest = (embeddings[members] @ centroids[others].T).argmax(axis=1)
        labels[members] = np.asarray(others)[nearest]
        labels = _compact(labels)
    return labels


# -- frames and turns -------------------------------------------------------------------------


def _frame_argmax(
    windows: Sequence[Window], scores: npt.NDArray[np.floating], num_frames: int
) -> npt.NDArray[np.int64]:
    """Best speaker per 10 ms frame from window scores.

    Each window spreads its ``(K,)`` cosine similarities over its frames with triangular
    (Bartlett) weights, so a frame trusts the windows centred on it most.
    """
    total = np.zeros((num_frames, scores.shape[1]))
    weight = np.zeros(num_frames)
    for (start, end), score in zip(windows, scores, strict=True):
        first, stop = _frame(start), min(_frame(end), num_frames)
        if stop <= first:
            continue
        taper = np.bartlett(stop - first + 2)[1:-1]
        total[first:stop] += taper[:, None] * score[None, :]
        weight[first:stop] += taper
    total /= np.maximum(weight, 1e-12)[:, None]
    best: npt.NDArray[np.int64] = total.argmax(axis=1).astype(np.int64)
    return best


def _runs(
    frame_labels: npt.NDArray[np.int64], speech: npt.NDArray[np.bool_]
) -> list[tuple[float, float, int]]:
    """Maximal runs of one speaker label over speech frames, as ``(start, end, k)``."""
    labels = np.where(speech, frame_labels, -1)
    edges = np.flatnonzero(np.diff(labels)) + 1
    bounds = np.concatenate([[0], edges, [len(labels)]])
    return [
        (first * FRAME_SECONDS, stop * FRAME_SECONDS, int(labels[first]))
        for first, stop in zip(bounds[:-1], bounds[1:], strict=True)
        if labels[first] >= 0
    ]


def _bridge(
    turns: Sequence[tuple[float, float, int]], gap: float
) -> list[tuple[float, float, int]]:
    """Merge consecutive turns of one speaker separated by at most ``gap`` seconds."""
    merged: list[tuple[float, float, int]] = []
    for start, end, k in sorted(turns):
        if merged and merged[-1][2] == k and start - merged[-1][1] <= gap + 1e-9:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end), k)
        else:
            merged.append((start, end, k))
    return merged


def _absorb_short_turns(
    turns: list[tuple[float, float, int]], config: ClusteringConfig
) -> list[tuple[float, float, int]]:
    """Absorb turns under ``min_turn`` into the longer touching neighbour, or drop them."""
    tolerance = FRAME_SECONDS / 2
    while len(turns) > 1:
        short = [i for i, (s, e, _) in enumerate(turns) if e - s < config.min_turn]
        if not short:
            break
        i = min(short, key=lambda j: turns[j][1] - turns[j][0])
        start, end, _ = turns[i]
        touching = [
            j
            for j in (i - 1, i + 1)
            if 0 <= j < len(turns)
            and (abs(turns[j][1] - start) < tolerance or abs(turns[j][0] - end) < tolerance)
        ]
        if touching:
            j = max(touching, key=lambda j: turns[j][1] - turns[j][0])
            s, e, k = turns[j]
            turns[j] = (min(s, start), max(e, end), k)
        del turns[i]
        turns = _bridge(turns, config.bridge_gap)
    return turns


def _labelled(
    turns: Sequence[tuple[float, float, int]],
    centroids: npt.NDArray[np.float32],
    duration: float,
    embedding_model: str,
) -> Diarization:
    """Name clusters ``SPEAKER_00``... by first appearance and build the Diarization."""
    names: dict[int, str] = {}
    for _, _, k in sorted(turns):
        names.setdefault(k, f"SPEAKER_{len(names):02d}")
    return Diarization(
        turns=sort_turns(
            [SpeakerTurn(round(float(s), 3), round(float(e), 3), names[k]) for s, e, k in turns]
        ),
        embeddings={name: tuple(float(x) for x in centroids[k]) for k, name in names.items()},
        duration=duration,
        embedding_model=embedding_model,
    )
