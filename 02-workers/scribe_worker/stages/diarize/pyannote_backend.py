"""The production diarization backend: a pyannote.audio 4 speaker diarization pipeline.

Default pipeline: ``pyannote/speaker-diarization-community-1`` (gated on the Hugging Face
hub, needs ``HF_TOKEN``): powerset segmentation-3.0 on 10 s chunks (Plaquet & Bredin,
Interspeech 2023), WeSpeaker ResNet34 embeddings of each (chunk, local speaker) with
overlapped speech excluded, VBx clustering in a PLDA space (Landini et al., CSL 2022).
``PYANNOTE_PIPELINE`` may also name ``pyannote/speaker-diarization-3.1`` or a LOCAL
pipeline directory with the hub layout (``config.yaml``, ``segmentation/``,
``embedding/``, ``plda/``), which is how the worker runs offline.

Which output is used: pyannote 4 returns ``speaker_diarization`` (turns may overlap where
two people talk at once) and ``exclusive_speaker_diarization`` (at most one speaker at a
time, meant for aligning words). The regular one becomes the turns here, because
:class:`~scribe_core.domain.Diarization` represents overlapped speech and DER is scored with
overlap; the fuse stage already gives each word to the speaker whose turn overlaps it most,
so it does not need the exclusive version. ``speaker_embeddings`` (one VBx centroid per
speaker, in the space of the pipeline's embedding model) become ``Diarization.embeddings``.

torch and pyannote.audio are imported inside functions only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import (
    SAMPLE_RATE,
    Diarization,
    ProcessingOptions,
    SpeakerTurn,
    sort_turns,
)
from scribe_core.errors import AudioDecodeError, ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.residency import ModelResidency
from scribe_worker.models.wespeaker import (
    embedding_model_name,
    hub_access,
    looks_like_path,
    model_load_error,
)

if TYPE_CHECKING:
    from pyannote.audio import Pipeline

MIN_EMBEDDING_NORM = 1e-6
"""Speaker embeddings with a smaller norm (pyannote pads missing centroids with zeros) or
with NaNs are left out of ``Diarization.embeddings``."""


def load_pyannote_pipeline(settings: PipelineSettings, device: str = "cpu") -> Pipeline:
    """Load the speaker diarization pipeline named by ``settings.pyannote_pipeline``.

    Calls ``pyannote.audio.Pipeline.from_pretrained(checkpoint, token=..., cache_dir=...)``
    (pyannote.audio 4.0.7 signature: ``checkpoint`` is a hub id, a local directory holding
    ``config.yaml``, or the path of a ``config.yaml``), with telemetry off and, when
    ``settings.models_offline``, the hub client restricted to its local cache.

    Args:
        settings: Reads ``pyannote_pipeline``, ``hf_token``, ``model_cache_dir`` and
            ``models_offline``.
        device: torch device the pipeline is moved to (``"cpu"``, ``"cuda"``).

    Returns:
        The instantiated pipeline (hyper-parameters from its ``config.yaml``) on ``device``.

    Raises:
        ModelLoadError: The local directory does not exist; the hub pipeline is gated and
            the token missing or not granted; it is not cached while offline; its
            ``config.yaml`` or model files are broken; or ``device`` is unusable.
    """
    reference = settings.pyannote_pipeline
    path = Path(reference).expanduser()
    if path.exists():
        checkpoint = str(path)
    elif looks_like_path(reference):
        raise ModelLoadError(
            f"pyannote pipeline directory {reference!r} does not exist (PYANNOTE_PIPELINE "
            "must be a hub id or a directory with config.yaml, segmentation/, embedding/)"
        )
    else:
        checkpoint = reference
    with hub_access(settings.models_offline):
        try:
            import torch
            from pyannote.audio import Pipeline

            pipeline = Pipeline.from_pretrained(
                checkpoint, token=settings.hf_token, cache_dir=settings.model_cache_dir
            )
        except ModelLoadError:
            raise
        except Exception as exc:  # hub errors (gated, offline, missing), broken config/files
            raise model_load_error("pyannote pipeline", reference, exc) from exc
    if pipeline is None:
        raise model_load_error("pyannote pipeline", reference, None)
    try:
        pipeline.to(torch.device(device))
    except (RuntimeError, AssertionError) as exc:
        raise ModelLoadError(f"cannot move pyannote pipeline to {device}: {exc}") from exc
    return pipeline


def pipeline_embedding_model(pipeline: Any) -> str:
    """Name of the embedding space of a loaded pipeline's speaker embeddings.

    ``"<class>:<weights fingerprint>"`` of its embedding model (see
    :func:`scribe_worker.models.wespeaker.embedding_model_name`), the same name a
    :class:`~scribe_worker.models.wespeaker.WeSpeakerEmbedder` with the same weights carries; empty
    when the pipeline has no pyannote.audio embedding model (e.g. a SpeechBrain one).
    """
    import torch

    model = getattr(getattr(pipeline, "_embedding", None), "model_", None)
    return embedding_model_name(model) if isinstance(model, torch.nn.Module) else ""


def diarize_pyannote(
    waveform: npt.NDArray[np.float32],
    options: ProcessingOptions,
    settings: PipelineSettings,
    residency: ModelResidency,
) -> Diarization:
    """Diarize a waveform with the pyannote.audio pipeline.

    The pipeline is loaded by ``residency.run("diarize", ...)`` on ``residency.device`` and
    released before this returns. The waveform is passed in memory as
    ``{"waveform": (1, N) tensor, "sample_rate": 16000}`` (no file decoding, no torchcodec).

    Args:
        waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
        options: ``num_speakers`` / ``min_speakers`` / ``max_speakers`` are passed on to the
            pipeline (its VBx clustering falls back to k-means when the count it finds is
            outside the bounds).
        settings: Which pipeline, token, cache and offline mode.
        residency: Loads and releases the model, and measures the stage.

    Returns:
        Turns from the pipeline's regular (overlap-aware) output, relabelled
        ``SPEAKER_00``, ``SPEAKER_01``... in order of first appearance, sorted and clipped
        to ``[0, duration]``; one unit-norm embedding per speaker (VBx centroid) when the
        pipeline produced a valid one; ``embedding_model`` naming the pipeline's embedding
        model and weights.

    Raises:
        AudioDecodeError: ``waveform`` holds no samples.
        ModelLoadError: The pipeline cannot be loaded (see :func:`load_pyannote_pipeline`).
    """
    wav = np.ascontiguousarray(waveform, dtype=np.float32).reshape(-1)
    if wav.size == 0:
        raise AudioDecodeError("the waveform holds no samples: nothing to diarize")
    duration = wav.size / SAMPLE_RATE
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

    audio = {"waveform": torch.from_numpy(wav)[None, :], "sample_rate": SAMPLE_RATE}

    def infer(pipeline: Pipeline) -> tuple[Any, str]:
        return pipeline(audio, **kwargs), pipeline_embedding_model(pipeline)

    output, embedding_model = residency.run(
        "diarize", lambda: load_pyannote_pipeline(settings, residency.device), infer
    )
    return to_diarization(output, duration, embedding_model)


def to_diarization(output: Any, duration: float, embedding_model: str = "") -> Diarization:
    """Map a pyannote.audio pipeline output to a :class:`~scribe_core.domain.Diarization`.

    Args:
        output: A pyannote 4 ``DiarizeOutput`` (``speaker_diarization``,
            ``speaker_embeddings`` as a ``(num_speakers, D)`` array in
            ``speaker_diarization.labels()`` order) or, from a legacy pipeline, a bare
            ``pyannote.core.Annotation``.
        duration: Duration of the audio in seconds; turns are clipped to it.
        embedding_model: Name of the embedding space of ``speaker_embeddings``.

    Returns:
        The diarization with labels ``SPEAKER_nn`` in order of first appearance.
    """
    annotation = getattr(output, "speaker_diarization", output)
    centroids = getattr(output, "speaker_embeddings", None)
    tracks = sorted(
        (
            (segment.start, segment.end, label)
            for segment, _, label in annotation.itertracks(yield_label=True)
        ),
        key=lambda t: (t[0], t[1]),
    )
    relabel: dict[Any, str] = {}
    turns: list[SpeakerTurn] = []
    for start, end, label in tracks:
        start, end = max(0.0, float(start)), min(duration, float(end))
        if end <= start:
            continue
        speaker = relabel.setdefault(label, f"SPEAKER_{len(relabel):02d}")
        turns.append(SpeakerTurn(start, end, speaker))

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
    )
