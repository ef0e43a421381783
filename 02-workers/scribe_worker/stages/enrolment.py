"""Enrolment embedding: one unit-norm voiceprint from one recording of a person.

Shared by the API's ``speakers.enroll`` task (:mod:`scribe_worker.jobs.enrolment`),
``scribe enroll`` (and, through it, ``manage.sh enroll``) and the folder voice bank of
:mod:`scribe_worker.stages.identify`: decode to 16 kHz mono with ffmpeg
(:func:`scribe_worker.stages.convert.load_audio`), refuse it when Silero VAD finds less than
``ENROLMENT_MIN_SPEECH_SECONDS`` of speech, then embed the whole recording with the
identification stage's speaker embedder (``embedder.embed``), so every voice bank lives in
the space the threshold was calibrated in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from scribe_core.errors import BadInputError
from scribe_worker.models.embeddings import Float32Array, SpeakerEmbedder, l2_normalise


class TooLittleSpeechError(BadInputError):
    """An enrolment recording holds less speech than ``ENROLMENT_MIN_SPEECH_SECONDS``
    (HTTP 400, code ``too_little_speech``)."""

    code = "too_little_speech"


def speech_seconds(waveform: Float32Array) -> float:
    """Seconds of speech Silero VAD finds in a 16 kHz mono waveform of shape ``(N,)``."""
    from scribe_worker.stages.vad import detect_speech

    return float(sum(end - start for start, end in detect_speech(waveform)))


def enrolment_embedding(
    waveform: Float32Array, embedder: SpeakerEmbedder, min_speech_seconds: float
) -> Float32Array:
    """The embedding of one enrolment recording.

    Args:
        waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
        embedder: The identification stage's embedder (its space is the collection's).
        min_speech_seconds: Least speech (VAD, seconds) accepted; 0 skips the VAD check.

    Returns:
        Unit-norm ``(D,)`` float32 vector of the whole recording (``embedder.embed``).

    Raises:
        TooLittleSpeechError: VAD finds less than ``min_speech_seconds`` of speech.
    """
    found = speech_seconds(waveform) if min_speech_seconds > 0 else 0.0
    if found < min_speech_seconds:
        raise TooLittleSpeechError(
            f"too little speech: {found:.1f} s detected, at least {min_speech_seconds:g} s needed"
        )
    try:
        return l2_normalise(np.asarray(embedder.embed(waveform), dtype=np.float32))
    except ValueError as exc:  # too short for the embedder's window
        raise TooLittleSpeechError(
            "the recording is too short to learn a voice from", internal=str(exc)
        ) from exc


def enrolment_file_embedding(
    path: Path,
    embedder: SpeakerEmbedder,
    min_speech_seconds: float,
    *,
    max_seconds: float | None = None,
) -> Float32Array:
    """:func:`enrolment_embedding` of a recording in any format ffmpeg decodes.

    Args:
        path: The recording.
        embedder: As :func:`enrolment_embedding`.
        min_speech_seconds: As :func:`enrolment_embedding`.
        max_seconds: Longest accepted recording in seconds; ``MAX_AUDIO_SECONDS`` of the
            process settings when ``None``. Checked on the header before decoding.

    Raises:
        AudioDecodeError: ffmpeg cannot decode the file, or it holds no audio.
        AudioTooLongError: The recording lasts longer than ``max_seconds``.
        TooLittleSpeechError: See :func:`enrolment_embedding`.
    """
    from scribe_core.settings import get_pipeline_settings
    from scribe_worker.stages.convert import load_audio

    limit = get_pipeline_settings().max_audio_seconds if max_seconds is None else max_seconds
    return enrolment_embedding(load_audio(path, max_seconds=limit), embedder, min_speech_seconds)
