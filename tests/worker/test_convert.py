"""The convert stage on real audio in every container the product accepts, and bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from scribe_core.errors import (
    AudioDecodeError,
    AudioEmptyError,
    AudioTooLongError,
    NoAudioStreamError,
)
from scribe_core.settings import PipelineSettings
from scribe_worker.stages.convert import (
    ArrayAudio,
    PcmWav,
    convert,
    load_audio,
    probe_duration,
    read_wav,
)

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


def _assert_user_sentence(exc: AudioDecodeError) -> None:
    """The detail users see is a sentence: no path, no address, nothing of ffmpeg's."""
    assert "/" not in exc.detail
    assert "0x" not in exc.detail
    assert "ffmpeg" not in exc.detail.lower()
    assert "stream map" not in exc.detail.lower()
    assert exc.detail.endswith(".")


def test_text_file_is_refused_with_a_sentence_and_ffmpegs_reason_for_the_log(
    tmp_path: Path,
) -> None:
    bogus = tmp_path / "notes.m4a"
    bogus.write_text("this is not audio\n" * 100)
    for decode in (lambda: convert(bogus, tmp_path / "out.wav"), lambda: load_audio(bogus)):
        with pytest.raises(AudioDecodeError) as caught:
            decode()
        assert type(caught.value) is AudioDecodeError
        assert caught.value.code == "audio_undecodable"
        _assert_user_sentence(caught.value)
        assert "Invalid data" in (caught.value.internal or "")
    assert not (tmp_path / "out.wav").exists()


def test_empty_file_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(AudioEmptyError, match="empty") as caught:
        convert(empty, tmp_path / "out.wav")
    assert caught.value.code == "audio_empty"


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
    for decode in (lambda: convert(video, tmp_path / "out.wav"), lambda: load_audio(video)):
        with pytest.raises(NoAudioStreamError) as caught:
            decode()
        assert caught.value.code == "no_audio_stream"
        assert caught.value.status_code == 415
        _assert_user_sentence(caught.value)
        assert "matches no streams" in (caught.value.internal or "")


def test_zero_length_audio_is_refused(tmp_path: Path) -> None:
    zero = tmp_path / "zero.wav"
    import wave

    with wave.open(str(zero), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
    with pytest.raises(AudioEmptyError) as caught:
        convert(zero, tmp_path / "out.wav")
    assert caught.value.code == "audio_empty"
    _assert_user_sentence(caught.value)


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(AudioDecodeError, match="no such file"):
        convert(tmp_path / "nope.wav", tmp_path / "out.wav")


# -- the duration limit (MAX_AUDIO_SECONDS) and windowed reading -------------------------------


def _silence_flac(path: Path, seconds: int, *, header: bool = True) -> Path:
    """``seconds`` of digital silence as FLAC at 200 Hz (a 10-hour file is about 0.6 MB and is
    written in about a second). ``header=False`` writes it through a pipe, so the FLAC header
    states no duration and only decoding can tell how long it is."""
    cmd = [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
        "-i", "anullsrc=r=200:cl=mono", "-t", str(seconds), "-c:a", "flac",
    ]  # fmt: skip
    if header:
        subprocess.run([*cmd, str(path)], check=True)
    else:
        with path.open("wb") as out:
            subprocess.run([*cmd, "-f", "flac", "pipe:1"], check=True, stdout=out)
    return path


_REFUSE_IN_FRESH_PROCESS = """
import json, resource, sys
from pathlib import Path
from scribe_core.errors import AudioTooLongError
from scribe_core.settings import PipelineSettings
from scribe_worker.pipeline import run_pipeline
try:
    run_pipeline(Path(sys.argv[1]), settings=PipelineSettings())
    outcome = {"error": None}
except AudioTooLongError as exc:
    outcome = {"error": exc.code, "detail": exc.detail, "status": exc.status_code}
# VmHWM: this process's own peak. ru_maxrss is not: Linux keeps it across execve, so a child
# of a large pytest process would report the parent's size.
status = Path("/proc/self/status")
lines = status.read_text().splitlines() if status.exists() else []
peak = [int(line.split()[1]) for line in lines if line.startswith("VmHWM:")]
kib = peak[0] if peak else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
outcome["peak_rss"] = kib * 1024
print(json.dumps(outcome))
"""


@pytest.mark.parametrize("hours", [10, 24])
def test_a_recording_over_the_limit_is_refused_before_decoding(tmp_path: Path, hours: int) -> None:
    """10 h and 24 h of silence (default limit 8 h) stop the pipeline at ``convert`` with
    ``audio_too_long``, in a fresh process whose peak RSS stays far under 1.5 GiB."""
    flac = _silence_flac(tmp_path / f"silence-{hours}h.flac", hours * 3600)
    env = {**os.environ, "MAX_AUDIO_SECONDS": "", "SCRIBE_ENV_FILE": ""}
    del env["MAX_AUDIO_SECONDS"]
    proc = subprocess.run(
        [sys.executable, "-c", _REFUSE_IN_FRESH_PROCESS, str(flac)],
        capture_output=True, text=True, check=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    outcome = json.loads(proc.stdout.strip().splitlines()[-1])
    assert outcome["error"] == "audio_too_long"
    assert outcome["status"] == 413
    assert outcome["detail"] == (
        f"the recording lasts {hours} h, longer than the limit of 8 h (MAX_AUDIO_SECONDS)"
    )
    assert str(tmp_path) not in outcome["detail"]
    assert outcome["peak_rss"] < 1.5 * 2**30


def test_the_limit_is_read_from_the_header_and_configurable(tmp_path: Path) -> None:
    flac = _silence_flac(tmp_path / "two-minutes.flac", 120)
    assert probe_duration(flac) == pytest.approx(120.0, abs=0.1)
    with pytest.raises(AudioTooLongError, match=r"lasts 2 min, longer than the limit of 1 min"):
        convert(flac, tmp_path / "out.wav", max_seconds=60)
    assert not (tmp_path / "out.wav").exists()
    with pytest.raises(AudioTooLongError, match="limit of 1 min"):
        load_audio(flac, max_seconds=60)
    assert convert(flac, tmp_path / "ok.wav", max_seconds=120).duration == pytest.approx(120.0)


def test_a_header_without_duration_is_capped_while_decoding(tmp_path: Path) -> None:
    """A FLAC written through a pipe has no duration in its header: ffprobe cannot tell, so
    decoding itself stops one second past the limit and the file is refused."""
    flac = _silence_flac(tmp_path / "piped.flac", 600, header=False)
    assert probe_duration(flac) is None
    with pytest.raises(AudioTooLongError, match=r"lasts 1 min 1 s, longer than the limit of 1 min"):
        convert(flac, tmp_path / "out.wav", max_seconds=60)
    assert not (tmp_path / "out.wav").exists()
    with pytest.raises(AudioTooLongError, match=r"lasts 1 min 1 s"):
        load_audio(flac, max_seconds=60)


def test_settings_default_limit_is_8_hours(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAX_AUDIO_SECONDS", raising=False)
    assert PipelineSettings().max_audio_seconds == 28800
    monkeypatch.setenv("MAX_AUDIO_SECONDS", "3600")
    assert PipelineSettings().max_audio_seconds == 3600


def test_pcm_wav_reads_windows_equal_to_the_whole_file(sample_call: Path, tmp_path: Path) -> None:
    converted = convert(sample_call, tmp_path / "x.wav")
    whole = read_wav(converted.path)
    audio = PcmWav(converted.path)
    assert audio.num_samples == whole.size == converted.num_samples
    for start, stop in [(0, 1), (12_345, 98_765), (whole.size - 10, whole.size + 500), (5, 5)]:
        window = audio.read(start, stop)
        assert window.dtype == np.float32
        np.testing.assert_array_equal(window, whole[start:stop])
    np.testing.assert_array_equal(ArrayAudio(whole).read(100, 200), whole[100:200])


def test_an_enrolment_sample_over_the_limit_is_refused_before_embedding(tmp_path: Path) -> None:
    from scribe_worker.stages.enrolment import enrolment_file_embedding

    class NeverCalled:
        name, dimension = "never", 1

        def embed(self, waveform: np.ndarray) -> np.ndarray:
            raise AssertionError("the recording must be refused before it is embedded")

        embed_windows = embed

    flac = _silence_flac(tmp_path / "ten-hours.flac", 10 * 3600)
    with pytest.raises(AudioTooLongError, match="lasts 10 h, longer than the limit of 8 h"):
        enrolment_file_embedding(flac, NeverCalled(), 0.0, max_seconds=8 * 3600)  # type: ignore[arg-type]
