"""The `scribe` console script, run as a user runs it, on real recordings."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from scribe_core.exporters import FORMATS

SCRIBE = str(Path(sys.executable).with_name("scribe"))


def _scribe(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIBE, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def sample_run(
    sample_call: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`scribe process sample.wav --out DIR` once for the module (no voice bank)."""
    out = tmp_path_factory.mktemp("cli-out")
    empty_bank = tmp_path_factory.mktemp("empty-bank")
    return _scribe("process", sample_call, "--out", out, "--voice-bank", empty_bank), out


@pytest.mark.slow
def test_process_writes_every_format_and_prints_the_transcript(
    sample_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, out = sample_run
    assert proc.returncode == 0, proc.stderr
    assert {p.name for p in out.iterdir()} == {f"sample.{fmt}" for fmt in FORMATS}
    assert "This is Diane in New Jersey" in proc.stdout
    assert "real-time factor" in proc.stderr
    doc = json.loads((out / "sample.json").read_text())
    assert doc["language"] == "en"
    assert doc["duration"] == pytest.approx(30.0, abs=0.1)
    assert set(doc["metadata"]["stages"]) == {
        "convert",
        "diarize",
        "identify",
        "transcribe",
        "fuse",
    }
    for stage in doc["metadata"]["stages"].values():
        assert stage["peak_rss_bytes"] > 0


@pytest.mark.slow
def test_sample_call_two_speakers_and_the_introductions_apart(
    sample_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    _, out = sample_run
    doc = json.loads((out / "sample.json").read_text())
    assert len(doc["speakers"]) == 2
    assert all(s["name"] is None for s in doc["speakers"])  # empty voice bank: open set
    assert all(s["match"] == "none" for s in doc["speakers"])

    def speaker_of(phrase: str) -> str:
        hits = [s["speaker"] for s in doc["segments"] if phrase in s["text"].lower()]
        assert hits, f"{phrase!r} not transcribed"
        return str(hits[0])

    assert speaker_of("this is diane") != speaker_of("sheila")
    txt_lines = (out / "sample.txt").read_text().splitlines()
    assert len(txt_lines) == len(doc["segments"])
    assert all(line.startswith("[00:00:") for line in txt_lines)


def test_missing_file_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = _scribe("process", tmp_path / "nope.m4a")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "no such file" in proc.stderr


def test_undecodable_file_exits_1_with_a_sentence_and_ffmpegs_reason_when_verbose(
    tmp_path: Path,
) -> None:
    bogus = tmp_path / "meeting.mp3"
    bogus.write_bytes(b"\x00garbage" * 1000)
    proc = _scribe("process", bogus, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines()[-1] == (
        "scribe: error: The file could not be decoded as audio; it may be damaged or in a "
        "format the server cannot read."
    )
    assert "ffmpeg" not in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()

    verbose = _scribe("--verbose", "process", bogus, "--out", tmp_path / "out")
    assert verbose.returncode == 1
    assert "scribe: detail: ffmpeg: " in verbose.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--num-speakers", "0"], "positive integer"),
        (["--num-speakers", "2", "--max-speakers", "3"], "either --num-speakers"),
        (["--min-speakers", "3", "--max-speakers", "2"], "greater than max_speakers"),
        (["--format", "docx"], "unknown format"),
    ],
)
def test_bad_options_exit_2(sample_call: Path, args: list[str], message: str) -> None:
    proc = _scribe("process", sample_call, *args)
    assert proc.returncode == 2
    assert message in proc.stderr


def test_a_missing_diarization_pipeline_exits_1_with_the_reason(
    sample_call: Path, tmp_path: Path
) -> None:
    """``--diarization`` takes a pipeline reference (hub id or local directory)."""
    missing = tmp_path / "no-such-pipeline"
    proc = _scribe("process", sample_call, "--diarization", missing, "--out", tmp_path / "out")
    assert proc.returncode == 1
    assert f"pyannote pipeline directory '{missing}' does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_speech_free_file_gives_an_empty_transcript_and_exit_0(tmp_path: Path) -> None:
    quiet = tmp_path / "quiet.flac"
    rng = np.random.default_rng(0)
    sf.write(quiet, (rng.standard_normal(16000 * 8) * 1e-4).astype(np.float32), 16000)
    proc = _scribe("process", quiet, "--out", tmp_path / "out", "--format", "json,txt")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "out" / "quiet.json").read_text())
    assert doc["segments"] == []
    assert doc["text"] == ""
    assert (tmp_path / "out" / "quiet.txt").read_text() == ""
    assert "no speech" in proc.stdout


def test_scribe_is_on_path_of_the_venv() -> None:
    assert shutil.which(SCRIBE) is not None
