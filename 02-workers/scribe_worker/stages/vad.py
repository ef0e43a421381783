"""Voice activity detection (VAD): where in a waveform someone is speaking.

Uses Silero VAD (Silero Team, "Silero VAD: pre-trained enterprise-grade Voice Activity
Detector", https://github.com/snakers4/silero-vad) in the ONNX form that ships inside
faster-whisper (``faster_whisper/assets/silero_vad_v6.onnx``), through faster-whisper's own
``get_speech_timestamps`` / ``VadOptions`` port of Silero's post-processing. No download, no
torch: the model runs on onnxruntime, one 32 ms frame (512 samples at 16 kHz) at a time.

faster-whisper's ``VadOptions`` defaults (2 s minimum silence, 400 ms padding) suit ASR
chunking; diarization needs tighter regions, so :data:`DIARIZATION_VAD` holds the defaults
used here (tuned on the evaluation set, see :mod:`scribe_worker.stages.diarize.clustering`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import BadInputError

VAD_FRAME_SAMPLES = 512
"""Samples per Silero VAD frame at 16 kHz (32 ms)."""

VAD_FRAME_SECONDS = VAD_FRAME_SAMPLES / SAMPLE_RATE
"""Duration of one Silero VAD frame in seconds (0.032 s)."""

DIARIZATION_VAD: dict[str, Any] = {
    "threshold": 0.35,
    "neg_threshold": 0.2,
    "min_speech_duration_ms": 100,
    "min_silence_duration_ms": 200,
    "speech_pad_ms": 60,
}
"""``VadOptions`` used by :func:`detect_speech` unless overridden (the speech the clustering
backend labels): speech from probability 0.35 with hysteresis down to 0.2, speech shorter
than 100 ms dropped, pauses shorter than 200 ms bridged, 60 ms of padding on each side."""


def _check(waveform: npt.ArrayLike, sample_rate: int) -> npt.NDArray[np.float32]:
    if sample_rate != SAMPLE_RATE:
        raise BadInputError(
            f"VAD needs {SAMPLE_RATE} Hz audio, got {sample_rate} Hz (resample it first)"
        )
    audio = np.asarray(waveform, dtype=np.float32)
    if audio.ndim != 1:
        raise BadInputError(f"VAD needs a mono waveform of shape (N,), got shape {audio.shape}")
    return audio


def speech_probabilities(
    waveform: npt.ArrayLike, sample_rate: int = SAMPLE_RATE
) -> npt.NDArray[np.float32]:
    """Silero VAD speech probability of every 32 ms frame.

    Args:
        waveform: Mono float32 samples in [-1, 1], shape ``(N,)``.
        sample_rate: Sample rate in Hz; must be 16000.

    Returns:
        Array of shape ``(ceil((N + 1) / 512),)``: frame ``i`` covers samples
        ``[512 i, 512 (i + 1))``, i.e. seconds ``[0.032 i, 0.032 (i + 1))``. Empty input
        gives an empty array.

    Raises:
        BadInputError: The sample rate is not 16 kHz or the waveform is not 1-D.
    """
    audio = _check(waveform, sample_rate)
    if audio.size == 0:
        return np.zeros(0, dtype=np.float32)
    from faster_whisper.vad import get_vad_model

    padded = np.pad(audio, (0, VAD_FRAME_SAMPLES - audio.size % VAD_FRAME_SAMPLES))
    probs = np.asarray(get_vad_model()(padded), dtype=np.float32)
    return probs.reshape(-1)


def detect_speech(
    waveform: npt.ArrayLike, sample_rate: int = SAMPLE_RATE, **options: Any
) -> list[tuple[float, float]]:
    """Speech regions of a waveform.

    Args:
        waveform: Mono float32 samples in [-1, 1], shape ``(N,)``.
        sample_rate: Sample rate in Hz; must be 16000.
        **options: Fields of ``faster_whisper.vad.VadOptions`` (``threshold``,
            ``neg_threshold``, ``min_speech_duration_ms``, ``min_silence_duration_ms``,
            ``speech_pad_ms``, ``max_speech_duration_s``) overriding :data:`DIARIZATION_VAD`.

    Returns:
        Disjoint ``(start, end)`` regions in seconds, sorted; ``[]`` for empty or silent
        audio.

    Raises:
        BadInputError: The sample rate is not 16 kHz, the waveform is not 1-D, or an option
            is not a ``VadOptions`` field.
    """
    audio = _check(waveform, sample_rate)
    if audio.size == 0 or not np.any(audio):
        return []
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    try:
        vad_options = VadOptions(**{**DIARIZATION_VAD, **options})
    except TypeError as exc:
        raise BadInputError(f"unknown VAD option: {exc}") from exc
    chunks = get_speech_timestamps(audio, vad_options, sampling_rate=sample_rate)
    return [
        (chunk["start"] / sample_rate, chunk["end"] / sample_rate)
        for chunk in chunks
        if chunk["end"] > chunk["start"]
    ]
