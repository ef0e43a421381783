"""The ``convert`` stage: any container/codec → 16 kHz mono 16-bit PCM WAV, with ffmpeg.

ffmpeg runs with an argument list (never a shell), as whisperX ``whisperx/audio.py`` does; its
stderr goes into the error's ``internal`` detail (the server log, ``scribe --verbose``), while
the error's ``detail`` and ``code`` say in one sentence what is wrong with the file
(``audio_undecodable``, ``no_audio_stream``, ``audio_empty``). Accepted: whatever the
installed ffmpeg decodes — at least WAV, FLAC, MP3, M4A/AAC, Ogg/Opus, WebM and MP4 (first
audio track).

Long recordings: the duration is read from the container/stream header with ffprobe before
anything is decoded, and a recording longer than ``MAX_AUDIO_SECONDS`` is refused at once
(:class:`~scribe_core.errors.AudioTooLongError`); for a header that lies or has no duration,
ffmpeg's decoding is capped at the limit plus one second (``-t``), so decoding stops there
and the decoded length decides. The stages never hold the whole recording as float32: they
read the converted WAV in windows through :class:`PcmWav` (2 bytes per sample on disk, no
memory map, so only the window read is resident).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import (
    AudioDecodeError,
    AudioEmptyError,
    AudioTooLongError,
    NoAudioStreamError,
    ScribeError,
)

_MAX_REASON_CHARS = 400
_PROBE_TIMEOUT_SECONDS = 60

Float32Array = npt.NDArray[np.float32]


@dataclass(frozen=True)
class ConvertedAudio:
    """Output of :func:`convert`.

    Attributes:
        path: The 16 kHz mono PCM WAV file.
        duration: Duration in seconds.
        num_samples: Number of samples (``duration * 16000``).
    """

    path: Path
    duration: float
    num_samples: int


@runtime_checkable
class AudioSource(Protocol):
    """Mono 16 kHz audio read in windows (a converted WAV on disk, or an array in memory)."""

    @property
    def num_samples(self) -> int:
        """Number of samples N."""
        ...

    def read(self, start: int = 0, stop: int | None = None) -> Float32Array:
        """Samples ``[start, stop)`` (clipped to ``[0, N]``) as float32 in [-1, 1], shape
        ``(stop - start,)``; ``stop=None`` reads to the end."""
        ...


class ArrayAudio:
    """An in-memory waveform seen as an :class:`AudioSource`.

    Args:
        waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
    """

    def __init__(self, waveform: npt.ArrayLike) -> None:
        self.waveform: Float32Array = np.asarray(waveform, dtype=np.float32).reshape(-1)

    @property
    def num_samples(self) -> int:
        """Number of samples N."""
        return int(self.waveform.size)

    def read(self, start: int = 0, stop: int | None = None) -> Float32Array:
        """Samples ``[start, stop)``, a view of the array (no copy)."""
        start, stop = _clip(start, stop, self.num_samples)
        return self.waveform[start:stop]


class PcmWav:
    """A 16-bit mono PCM WAV (as written by :func:`convert`) read in windows from disk.

    Each :meth:`read` opens the file, seeks to the first sample and decodes only the samples
    asked for (int16 → float32 / 32768, the same values as :func:`read_wav`), so memory is
    that of the window, whatever the length of the file.

    Args:
        path: The WAV file.

    Raises:
        AudioDecodeError: The file is not 16-bit mono PCM WAV.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            with wave.open(str(self.path), "rb") as w:
                if w.getnchannels() != 1 or w.getsampwidth() != 2:
                    raise AudioDecodeError(f"{self.path.name} is not 16-bit mono PCM WAV")
                self.sample_rate = w.getframerate()
                self._num_samples = w.getnframes()
        except (wave.Error, EOFError) as exc:
            raise AudioDecodeError(f"cannot read {self.path.name} as WAV") from exc

    @property
    def num_samples(self) -> int:
        """Number of samples N."""
        return self._num_samples

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self._num_samples / self.sample_rate

    def read(self, start: int = 0, stop: int | None = None) -> Float32Array:
        """Samples ``[start, stop)`` (clipped to ``[0, N]``) as float32 in [-1, 1].

        Returns:
            Array of shape ``(stop - start,)``.
        """
        start, stop = _clip(start, stop, self._num_samples)
        if stop == start:
            return np.zeros(0, dtype=np.float32)
        with wave.open(str(self.path), "rb") as w:
            w.setpos(start)
            frames = w.readframes(stop - start)
        samples: Float32Array = np.frombuffer(frames, dtype="<i2").astype(np.float32)
        samples /= np.float32(32768.0)
        return samples


def as_audio_source(audio: AudioSource | npt.ArrayLike) -> AudioSource:
    """``audio`` itself when it is an :class:`AudioSource`, else an :class:`ArrayAudio`."""
    if isinstance(audio, AudioSource):
        return audio
    return ArrayAudio(audio)


def _clip(start: int, stop: int | None, size: int) -> tuple[int, int]:
    start = min(max(0, int(start)), size)
    stop = size if stop is None else min(max(start, int(stop)), size)
    return start, stop


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:  # the server's fault, not the file's
        raise ScribeError(
            "ffmpeg is not installed (install it, e.g. apt-get install ffmpeg)",
            503,
            code="processing_failed",
        )
    return exe


def _reason(stderr: bytes) -> str:
    """The last meaningful lines of ffmpeg's stderr, shortened."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    text = " | ".join(lines[-3:]) or "no output from ffmpeg"
    return text[-_MAX_REASON_CHARS:]


def _decode_error(stderr: bytes) -> AudioDecodeError:
    """The error for a failed ffmpeg run: :class:`NoAudioStreamError` when the file has no
    audio stream to map (``-map 0:a:0`` matches nothing), else :class:`AudioDecodeError`;
    ffmpeg's own reason goes to ``internal`` only."""
    reason = _reason(stderr)
    if "matches no streams" in reason or "does not contain any stream" in reason:
        return NoAudioStreamError(internal=f"ffmpeg: {reason}")
    return AudioDecodeError(internal=f"ffmpeg: {reason}")


def format_hours(seconds: float) -> str:
    """A duration for people: ``"8 h"``, ``"2 h 30 min"``, ``"45 min"``, ``"1 min 1 s"``,
    ``"30 s"`` (seconds shown under an hour only)."""
    if seconds >= 3600:
        hours, minutes = divmod(round(seconds / 60), 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    minutes, rest = divmod(round(seconds), 60)
    if not minutes:
        return f"{rest} s"
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def too_long(duration: float, max_seconds: float) -> AudioTooLongError:
    """The error for a recording of ``duration`` seconds over the ``max_seconds`` limit."""
    return AudioTooLongError(
        f"the recording lasts {format_hours(duration)}, longer than the limit of "
        f"{format_hours(max_seconds)} (MAX_AUDIO_SECONDS)"
    )


def probe_duration(source: Path) -> float | None:
    """Duration of a recording from its container/stream header, without decoding it.

    Runs ``ffprobe`` on the first audio stream and the container; the longer of the two
    durations the header states is returned.

    Args:
        source: Any file ffmpeg can open.

    Returns:
        Seconds, or ``None`` when ffprobe is missing, fails, or the header states no
        duration (raw streams, some WebM/Ogg files): the decoded length decides then.
    """
    exe = shutil.which("ffprobe")
    if exe is None:
        return None
    cmd = [
        exe, "-v", "error", "-select_streams", "a:0",
        "-show_entries", "format=duration:stream=duration", "-of", "json", str(source),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False, timeout=_PROBE_TIMEOUT_SECONDS)
        info = json.loads(proc.stdout or b"{}") if proc.returncode == 0 else {}
    except (subprocess.TimeoutExpired, ValueError):
        return None
    values = [info.get("format", {}).get("duration")]
    values += [stream.get("duration") for stream in info.get("streams", [])]
    durations = []
    for value in values:
        try:
            durations.append(float(value))
        except (TypeError, ValueError):
            continue
    finite = [d for d in durations if np.isfinite(d) and d >= 0]
    return max(finite) if finite else None


def check_duration(source: Path, max_seconds: float | None) -> float | None:
    """Refuse ``source`` when its header says it lasts longer than ``max_seconds``.

    Returns:
        The probed duration in seconds (``None`` when unknown or ``max_seconds`` is ``None``).

    Raises:
        AudioTooLongError: The header's duration exceeds ``max_seconds``.
    """
    if max_seconds is None:
        return None
    duration = probe_duration(source)
    if duration is not None and duration > max_seconds:
        raise too_long(duration, max_seconds)
    return duration


def _cap(max_seconds: float | None) -> list[str]:
    """ffmpeg output option that stops decoding one second past the limit."""
    return [] if max_seconds is None else ["-t", f"{max_seconds + 1:g}"]


def convert(
    source: Path,
    destination: Path,
    *,
    sample_rate: int = SAMPLE_RATE,
    max_seconds: float | None = None,
) -> ConvertedAudio:
    """Decode ``source`` and write it as mono 16-bit PCM WAV at ``sample_rate``.

    Args:
        source: Any audio or video file ffmpeg can decode.
        destination: The WAV file to write (overwritten; parent directories created).
        sample_rate: Output sample rate in Hz (16000 for every model of the pipeline).
        max_seconds: Longest accepted recording (``MAX_AUDIO_SECONDS``); ``None`` for no
            limit. Checked on the header before decoding (:func:`check_duration`), and
            decoding is capped at ``max_seconds + 1`` for headers that lie.

    Returns:
        The written file with its duration.

    Raises:
        AudioDecodeError: ``source`` is missing or is not decodable audio (ffmpeg's reason
            in ``internal``); :class:`~scribe_core.errors.NoAudioStreamError` when it has no
            audio stream, :class:`~scribe_core.errors.AudioEmptyError` when it holds zero
            samples.
        AudioTooLongError: ``source`` is longer than ``max_seconds`` (the WAV is removed).
    """
    if not source.is_file():
        raise AudioDecodeError(f"no such file: {source.name}")
    if source.stat().st_size == 0:
        raise AudioEmptyError(internal=f"{source.name} is 0 bytes long")
    check_duration(source, max_seconds)
    destination.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", str(source),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le", *_cap(max_seconds), "-f", "wav",
        str(destination),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        destination.unlink(missing_ok=True)
        raise _decode_error(proc.stderr)
    with wave.open(str(destination), "rb") as w:
        num_samples = w.getnframes()
    if num_samples == 0:
        destination.unlink(missing_ok=True)
        raise AudioEmptyError(internal=f"{source.name}: ffmpeg decoded zero samples")
    if max_seconds is not None and num_samples / sample_rate > max_seconds:
        destination.unlink(missing_ok=True)
        raise too_long(num_samples / sample_rate, max_seconds)
    return ConvertedAudio(destination, num_samples / sample_rate, num_samples)


def read_wav(path: Path) -> Float32Array:
    """Read a whole 16-bit PCM mono WAV (as written by :func:`convert`) as float32 in [-1, 1].

    For short files (enrolments, tests); the pipeline reads windows through :class:`PcmWav`.

    Returns:
        Array of shape ``(num_samples,)``.

    Raises:
        AudioDecodeError: The file is not 16-bit mono PCM WAV.
    """
    return PcmWav(path).read()


def load_audio(
    source: Path, *, sample_rate: int = SAMPLE_RATE, max_seconds: float | None = None
) -> Float32Array:
    """Decode any audio file straight to a float32 mono waveform at ``sample_rate``.

    Uses the same ffmpeg invocation as :func:`convert`, piping raw PCM instead of a file.

    Args:
        source: Any audio or video file ffmpeg can decode.
        sample_rate: Output sample rate in Hz.
        max_seconds: Longest accepted recording, as in :func:`convert`; ``None`` for no limit.

    Returns:
        Array of shape ``(num_samples,)``, values in [-1, 1].

    Raises:
        AudioDecodeError: As :func:`convert`.
        AudioTooLongError: ``source`` is longer than ``max_seconds``.
    """
    if not source.is_file():
        raise AudioDecodeError(f"no such file: {source.name}")
    check_duration(source, max_seconds)
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", str(source), "-map", "0:a:0", "-vn",
        "-ac", "1", "-ar", str(sample_rate), *_cap(max_seconds), "-f", "s16le", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise _decode_error(proc.stderr)
    if not proc.stdout:
        raise AudioEmptyError(internal=f"{source.name}: ffmpeg decoded zero samples")
    num_samples = len(proc.stdout) // 2
    if max_seconds is not None and num_samples / sample_rate > max_seconds:
        raise too_long(num_samples / sample_rate, max_seconds)
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0
