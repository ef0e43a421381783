"""The meeting pipeline: convert → diarize → identify → transcribe → fuse.

One model is resident at a time (:class:`~scribe_worker.models.residency.ModelResidency`): each
stage loads its model, infers, and releases it before the next stage loads. Per-stage wall
time and peak memory go into the fusion document's ``metadata["stages"]``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from scribe_core.domain import (
    Diarization,
    FusionDocument,
    ProcessingOptions,
    SpeakerIdentity,
    Transcription,
)
from scribe_core.settings import PipelineSettings, get_pipeline_settings
from scribe_worker.models.device import check_device
from scribe_worker.models.residency import ModelResidency
from scribe_worker.stages.convert import PcmWav, convert
from scribe_worker.stages.diarize import diarize
from scribe_worker.stages.fuse import fuse
from scribe_worker.stages.identify import VoiceprintSource, identify_and_embed
from scribe_worker.stages.transcribe import WhisperSession

ProgressCallback = Callable[[str, float], None]
"""Called with (stage name, overall progress in [0, 1]) as the pipeline advances."""

STAGES = ("convert", "diarize", "identify", "transcribe", "fuse")
"""Stage names, in execution order."""

_WEIGHTS = {"convert": 0.05, "diarize": 0.35, "identify": 0.10, "transcribe": 0.45, "fuse": 0.05}


def stage_fraction(stage: str, overall: float) -> float:
    """How much of ``stage`` is done, given the overall progress reported for it (0..1)."""
    before = sum(_WEIGHTS[s] for s in STAGES[: STAGES.index(stage)])
    return max(0.0, min(1.0, (overall - before) / _WEIGHTS[stage]))


@dataclass(frozen=True)
class PipelineResult:
    """Everything one run produced.

    Attributes:
        transcription: Output of ``transcribe`` (``transcription.json``).
        diarization: Output of ``diarize`` (``diarization.json`` / ``.rttm``).
        identities: Output of ``identify``, one per diarized speaker label.
        document: The fusion document (``fusion.json``), the final result.
    """

    transcription: Transcription
    diarization: Diarization
    identities: tuple[SpeakerIdentity, ...]
    document: FusionDocument


class _Progress:
    """Turns per-stage fractions into one overall fraction."""

    def __init__(self, callback: ProgressCallback | None) -> None:
        self.callback = callback
        self.done = 0.0

    def stage(self, name: str, fraction: float = 0.0) -> None:
        if self.callback is not None:
            self.callback(name, min(1.0, self.done + _WEIGHTS[name] * fraction))

    def finish(self, name: str) -> None:
        self.done += _WEIGHTS[name]
        if self.callback is not None:
            self.callback(name, min(1.0, self.done))


def run_pipeline(
    audio: Path,
    options: ProcessingOptions = ProcessingOptions(),
    *,
    settings: PipelineSettings | None = None,
    voiceprints: VoiceprintSource | None = None,
    on_progress: ProgressCallback | None = None,
) -> PipelineResult:
    """Process one recording end to end.

    Args:
        audio: Any file ffmpeg decodes (wav, flac, mp3, m4a, ogg/opus, webm, mp4...).
        options: Language and speaker-count hints.
        settings: Models and backends; the process settings (environment, ``.env``) when
            ``None``.
        voiceprints: Enrolled people to name speakers with; no identification when ``None``.
        on_progress: Receives ``(stage, overall_progress)`` as the run advances.

    Returns:
        The stage outputs and the fusion document. A silent or speech-free recording gives
        an empty transcript (no segments), not an error.

    Memory: the recording is converted to 16-bit PCM WAV in a temporary folder and every
    stage reads it in windows (:class:`~scribe_worker.stages.convert.PcmWav`), so the peak
    memory of a 3-hour recording stays close to that of a 5-minute one.

    Raises:
        AudioDecodeError: ``audio`` is missing, undecodable or holds no samples.
        AudioTooLongError: ``audio`` lasts longer than ``settings.max_audio_seconds``
            (found from its header before decoding).
        ModelLoadError: A configured model cannot be loaded.
    """
    settings = settings or get_pipeline_settings()
    device = check_device(settings)
    residency = ModelResidency(device=device)
    progress = _Progress(on_progress)
    started = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="scribe-") as tmp:
        progress.stage("convert")
        with residency.stage("convert"):
            converted = convert(
                audio, Path(tmp) / "audio.wav", max_seconds=settings.max_audio_seconds
            )
            waveform = PcmWav(converted.path)
        progress.finish("convert")
        return _analyse(
            waveform, converted.duration, options, settings, device, residency, progress,
            voiceprints, started,
        )  # fmt: skip


def _analyse(
    waveform: PcmWav,
    duration: float,
    options: ProcessingOptions,
    settings: PipelineSettings,
    device: str,
    residency: ModelResidency,
    progress: _Progress,
    voiceprints: VoiceprintSource | None,
    started: float,
) -> PipelineResult:
    """The stages after ``convert``, reading the converted WAV in windows."""
    progress.stage("diarize")
    diarization = diarize(
        waveform, options, settings, residency, on_progress=lambda f: progress.stage("diarize", f)
    )
    progress.finish("diarize")

    progress.stage("identify")
    identities, diarization = identify_and_embed(
        waveform, diarization, voiceprints, settings, residency
    )
    progress.finish("identify")

    progress.stage("transcribe")
    transcribed = residency.run(
        "transcribe",
        lambda: WhisperSession(settings, device, language=options.language),
        lambda session: session.transcribe(
            waveform, on_progress=lambda f: progress.stage("transcribe", f)
        ),
    )
    transcription = transcribed.transcription
    progress.finish("transcribe")

    progress.stage("fuse")
    with residency.stage("fuse"):
        document = fuse(transcription, diarization, identities)
    processing_time = time.perf_counter() - started
    document = replace(
        document,
        processing_time=processing_time,
        metadata=_metadata(
            settings, device, duration, processing_time, residency, transcribed.model
        ),
    )
    progress.finish("fuse")
    return PipelineResult(transcription, diarization, identities, document)


def _metadata(
    settings: PipelineSettings,
    device: str,
    duration: float,
    processing_time: float,
    residency: ModelResidency,
    whisper_model: str,
) -> dict[str, object]:
    """Facts about the run stored in ``fusion.json`` (``whisper_model``: the model that
    transcribed, after the English rule)."""
    return {
        "device": device,
        "diarization_pipeline": settings.pyannote_pipeline
        or "segmentation-3.0 + CAM++ + agglomerative clustering (shipped)",
        "embedding_backend": settings.embedding_backend,
        "whisper_model": whisper_model,
        "real_time_factor": round(processing_time / duration, 4) if duration else None,
        "stages": residency.metadata(),
    }
