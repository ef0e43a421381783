"""The ``convert`` stage: any container/codec → 16 kHz mono 16-bit PCM WAV, with ffmpeg.

ffmpeg runs with an argument list (never a shell) and its stderr goes into the error
message, as whisperX ``whisperx/audio.py`` does. Accepted: whatever the installed ffmpeg
decodes — at least WAV, FLAC, MP3, M4A/AAC, Ogg/Opus, WebM and MP4 (first audio track).
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import AudioDecodeError

_MAX_REASON_CHARS = 400


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


def _ffmpeg() -> str:
    exe = shutil.which("ffmpeg")
    if exe is None:
        raise AudioDecodeError("ffmpeg is not installed (install it, e.g. apt-get install ffmpeg)")
    return exe


def _reason(stderr: bytes) -> str:
    """The last meaningful lines of ffmpeg's stderr, shortened."""
    lines = [ln.strip() for ln in stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
    text = " | ".join(lines[-3:]) or "no output from ffmpeg"
    return text[-_MAX_REASON_CHARS:]


def convert(source: Path, destination: Path, *, sample_rate: int = SAMPLE_RATE) -> ConvertedAudio:
    """Decode ``source`` and write it as mono 16-bit PCM WAV at ``sample_rate``.

    Args:
        source: Any audio or video file ffmpeg can decode.
        destination: The WAV file to write (overwritten; parent directories created).
        sample_rate: Output sample rate in Hz (16000 for every model of the pipeline).

    Returns:
        The written file with its duration.

    Raises:
        AudioDecodeError: ``source`` is missing, is not decodable audio (the message holds
            ffmpeg's reason), has no audio stream, or holds zero samples.
    """
    if not source.is_file():
        raise AudioDecodeError(f"no such file: {source}")
    if source.stat().st_size == 0:
        raise AudioDecodeError(f"{source.name} is empty (0 bytes)")
    destination.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", str(source),
        "-map", "0:a:0", "-vn", "-sn", "-dn",
        "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le", "-f", "wav",
        str(destination),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        destination.unlink(missing_ok=True)
        raise AudioDecodeError(f"cannot decode {source.name} as audio: {_reason(proc.stderr)}")
    with wave.open(str(destination), "rb") as w:
        num_samples = w.getnframes()
    if num_samples == 0:
        destination.unlink(missing_ok=True)
        raise AudioDecodeError(f"{source.name} holds no audio samples (zero length)")
    return ConvertedAudio(destination, num_samples / sample_rate, num_samples)


def read_wav(path: Path) -> npt.NDArray[np.float32]:
    """Read a 16-bit PCM mono WAV (as written by :func:`convert`) as float32 in [-1, 1].

    Returns:
        Array of shape ``(num_samples,)``.

    Raises:
        AudioDecodeError: The file is not 16-bit mono PCM WAV.
    """
    try:
        with wave.open(str(path), "rb") as w:
            if w.getnchannels() != 1 or w.getsampwidth() != 2:
                raise AudioDecodeError(f"{path.name} is not 16-bit mono PCM WAV")
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioDecodeError(f"cannot read {path.name} as WAV: {exc}") from exc
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def load_audio(source: Path, *, sample_rate: int = SAMPLE_RATE) -> npt.NDArray[np.float32]:
    """Decode any audio file straight to a float32 mono waveform at ``sample_rate``.

    Uses the same ffmpeg invocation as :func:`convert`, piping raw PCM instead of a file.

    Returns:
        Array of shape ``(num_samples,)``, values in [-1, 1].

    Raises:
        AudioDecodeError: As :func:`convert`.
    """
    if not source.is_file():
        raise AudioDecodeError(f"no such file: {source}")
    cmd = [
        _ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-i", str(source), "-map", "0:a:0", "-vn",
        "-ac", "1", "-ar", str(sample_rate), "-f", "s16le", "-",
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise AudioDecodeError(f"cannot decode {source.name} as audio: {_reason(proc.stderr)}")
    if not proc.stdout:
        raise AudioDecodeError(f"{source.name} holds no audio samples (zero length)")
    return np.frombuffer(proc.stdout, dtype="<i2").astype(np.float32) / 32768.0
