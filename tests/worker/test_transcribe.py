"""The transcribe stage with the bundled tiny.en CTranslate2 model on real clips."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jiwer
import numpy as np
import pytest

from scribe_core.errors import ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.stages.convert import load_audio
from scribe_worker.stages.transcribe import load_whisper, resolve_whisper_model, transcribe

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@pytest.fixture(scope="module")
def whisper() -> Iterator[Any]:
    return load_whisper(PipelineSettings(), "cpu")


@pytest.mark.slow
def test_jfk_flac_is_transcribed_with_timed_words(whisper: Any, eval_dir: Path) -> None:
    waveform = load_audio(eval_dir / "jfk" / "jfk.flac")
    seen: list[float] = []
    result = transcribe(whisper, waveform, on_progress=seen.append)
    assert result.language == "en"
    assert result.duration == pytest.approx(11.0, abs=0.1)
    hyp = " ".join(re.sub(r"[^\w\s']", " ", result.text.lower()).split())
    ref = " ".join(re.sub(r"[^\w\s']", " ", JFK.lower()).split())
    assert jiwer.wer(ref, hyp) <= 0.1
    previous_end = 0.0
    for segment in result.segments:
        assert segment.text == "".join(w.word for w in segment.words).strip()
        for word in segment.words:
            assert 0.0 <= word.start <= word.end <= result.duration + 0.05
            assert word.start >= previous_end - 0.05
            assert 0.0 <= word.probability <= 1.0
            previous_end = word.end
    assert seen
    assert all(0.0 <= f <= 1.0 for f in seen)
    assert seen == sorted(seen)


@pytest.mark.slow
def test_silence_gives_no_segments(whisper: Any) -> None:
    result = transcribe(whisper, np.zeros(16000 * 5, dtype=np.float32))
    assert result.segments == ()
    assert result.text == ""
    assert transcribe(whisper, np.zeros(0, dtype=np.float32)).segments == ()


@pytest.mark.slow
def test_forcing_french_on_an_english_only_model_falls_back_to_english(
    whisper: Any, eval_dir: Path
) -> None:
    waveform = load_audio(eval_dir / "jfk" / "jfk.flac")
    assert transcribe(whisper, waveform, language="fr").language == "en"


def test_model_resolution(tmp_path: Path) -> None:
    bundled = Path(resolve_whisper_model(""))
    assert (bundled / "model.bin").is_file()
    assert resolve_whisper_model("large-v3-turbo") == "large-v3-turbo"
    assert resolve_whisper_model(str(bundled)) == str(bundled)
    with pytest.raises(ModelLoadError, match="not a CTranslate2 Whisper model directory"):
        resolve_whisper_model(str(tmp_path))


def test_offline_hub_name_fails_with_a_clear_error() -> None:
    settings = PipelineSettings(WHISPER_MODEL="Systran/faster-whisper-nonexistent")
    with pytest.raises(ModelLoadError, match="cannot load Whisper model"):
        load_whisper(settings, "cpu")
