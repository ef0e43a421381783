"""The convert stage on real audio in every container the product accepts, and bad input."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from scribe_core.errors import AudioDecodeError
from scribe_worker.stages.convert import convert, load_audio, read_wav

SAMPLE_SECONDS = 30.0

# container -> ffmpeg encoding arguments (applied to the 30 s sample call)
ENCODINGS = {
    "flac": ["-c:a", "flac"],
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k"],
    "m4a": ["-c:a", "aac", "-b:a", "64k"],
    "ogg": ["-c:a", "libopus", "-b:a", "32k"],
    "webm": ["-c:a", "libopus", "-b:a", "32k"],
}


@pytest.fixture(scope="module")
def encoded(sample_call: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample call re-encoded into each container, plus an MP4 with a video track."""
    out = tmp_path_factory.mktemp("encoded")
    files = {}
    for ext, args in ENCODINGS.items():
        path = out / f"sample.{ext}"
        subprocess.run(
            ["ffmpeg", "-nostdin", "-loglevel", "error", "-i", str(sample_call), *args, str(path)],
            check=True,
        )
        files[ext] = path
    mp4 = out / "sample.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:r=5",
            "-i",
            str(sample_call),
            "-shortest",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            str(mp4),
        ],
        check=True,
    )
    files["mp4"] = mp4
    files["wav"] = sample_call
    return files


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3", "m4a", "ogg", "webm", "mp4"])
def test_every_container_becomes_16k_mono_pcm(
    encoded: dict[str, Path], ext: str, tmp_path: Path
) -> None:
    result = convert(encoded[ext], tmp_path / "out.wav")
    assert result.duration == pytest.approx(SAMPLE_SECONDS, abs=0.15)
    assert result.num_samples == pytest.approx(SAMPLE_SECONDS * 16000, abs=0.15 * 16000)
    waveform = read_wav(result.path)
    assert waveform.dtype == np.float32
    assert waveform.ndim == 1
    assert len(waveform) == result.num_samples
    assert 0.01 < float(np.sqrt(np.mean(waveform**2))) < 1.0  # real signal, not silence


def test_lossless_conversion_preserves_the_samples(sample_call: Path, tmp_path: Path) -> None:
    import soundfile as sf

    original, rate = sf.read(sample_call, dtype="float32")
    assert rate == 16000
    converted = read_wav(convert(sample_call, tmp_path / "x.wav").path)
    np.testing.assert_allclose(converted, original, atol=1e-4)
    np.testing.assert_allclose(load_audio(sample_call), original, atol=1e-4)


def test_fleurs_opus_and_jfk_flac_decode(eval_dir: Path) -> None:
    jfk = load_audio(eval_dir / "jfk" / "jfk.flac")
    assert len(jfk) / 16000 == pytest.approx(11.0, abs=0.1)
    for ogg in sorted((eval_dir / "fleurs").glob("*.ogg"))[:3]:
        assert len(load_audio(ogg)) > 16000


def test_text_file_is_refused_with_ffmpegs_reason(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.m4a"
    bogus.write_text("this is not audio\n" * 100)
    with pytest.raises(
        AudioDecodeError, match=r"cannot decode notes\.m4a as audio: .*Invalid data"
    ):
        convert(bogus, tmp_path / "out.wav")
    assert not (tmp_path / "out.wav").exists()


def test_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(AudioDecodeError, match="empty"):
        convert(empty, tmp_path / "out.wav")


def test_video_without_audio_track_is_refused(tmp_path: Path) -> None:
    video = tmp_path / "silent-film.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=64x64:r=5:d=1",
            "-c:v",
            "mpeg4",
            str(video),
        ],
        check=True,
    )
    with pytest.raises(AudioDecodeError, match="silent-film.mp4"):
        convert(video, tmp_path / "out.wav")


def test_zero_length_audio_is_refused(tmp_path: Path) -> None:
    zero = tmp_path / "zero.wav"
    import wave

    with wave.open(str(zero), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
    with pytest.raises(AudioDecodeError, match="zero length|no audio|cannot decode"):
        convert(zero, tmp_path / "out.wav")


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioDecodeError, match="no such file"):
        convert(tmp_path / "nope.wav", tmp_path / "out.wav")
