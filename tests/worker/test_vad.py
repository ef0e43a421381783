"""Silero VAD (as shipped in faster-whisper) on real speech and on generated silence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from scribe_core.errors import BadInputError
from scribe_worker.evaluation.metrics import load_rttm
from scribe_worker.stages.vad import VAD_FRAME_SECONDS, detect_speech, speech_probabilities

SR = 16_000


def overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    """Seconds shared by two sets of disjoint intervals."""
    return sum(max(0.0, min(e1, e2) - max(s1, s2)) for s1, e1 in a for s2, e2 in b)


def union(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


@pytest.fixture(scope="module")
def call(sample_call: Path) -> np.ndarray:
    audio, rate = sf.read(sample_call, dtype="float32")
    assert rate == SR
    return audio


@pytest.fixture(scope="module")
def reference_speech(eval_dir: Path) -> list[tuple[float, float]]:
    turns = load_rttm(eval_dir / "sample-call" / "sample.rttm")["sample"].turns
    return union([(t.start, t.end) for t in turns])


def test_finds_the_speech_of_the_sample_call(
    call: np.ndarray, reference_speech: list[tuple[float, float]]
) -> None:
    regions = detect_speech(call)
    assert regions, "no speech found in a 30 s phone call"
    assert all(0.0 <= s < e <= len(call) / SR for s, e in regions)
    assert all(e1 <= s2 for (_, e1), (s2, _) in zip(regions, regions[1:], strict=False))
    found = sum(e - s for s, e in regions)
    truth = sum(e - s for s, e in reference_speech)
    shared = overlap(regions, reference_speech)
    assert shared / truth > 0.9  # recall of the annotated speech
    assert shared / found > 0.9  # precision: little speech where nobody talks
    assert regions[0][0] > 6.0  # the call starts with 6.7 s of ringing and silence


def test_options_change_the_regions(call: np.ndarray) -> None:
    tight = detect_speech(call, speech_pad_ms=0, min_silence_duration_ms=100)
    loose = detect_speech(call, speech_pad_ms=300, min_silence_duration_ms=1000)
    assert sum(e - s for s, e in loose) > sum(e - s for s, e in tight)
    assert len(loose) <= len(tight)


def test_speech_probabilities_per_32_ms_frame(
    call: np.ndarray, reference_speech: list[tuple[float, float]]
) -> None:
    probabilities = speech_probabilities(call)
    assert probabilities.shape == (int(np.ceil((len(call) + 1) / 512)),)
    assert np.all((probabilities >= 0) & (probabilities <= 1))
    times = (np.arange(len(probabilities)) + 0.5) * VAD_FRAME_SECONDS
    inside = np.zeros(len(times), dtype=bool)
    for start, end in reference_speech:
        inside |= (times > start + 0.2) & (times < end - 0.2)
    assert probabilities[inside].mean() > 0.6
    assert probabilities[times < 6.0].mean() < 0.2


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(5 * SR, dtype=np.float32),
        (np.random.default_rng(0).standard_normal(5 * SR) * 1e-3).astype(np.float32),
        np.zeros(0, dtype=np.float32),
    ],
    ids=["digital-silence", "noise-60dBFS", "empty"],
)
def test_no_speech_in_silence(audio: np.ndarray) -> None:
    assert detect_speech(audio) == []


def test_empty_probabilities() -> None:
    assert speech_probabilities(np.zeros(0, dtype=np.float32)).shape == (0,)


def test_refuses_other_sample_rates_shapes_and_options(call: np.ndarray) -> None:
    with pytest.raises(BadInputError, match="16000 Hz"):
        detect_speech(call, sample_rate=8000)
    with pytest.raises(BadInputError, match="mono"):
        detect_speech(np.stack([call, call]))
    with pytest.raises(BadInputError, match="unknown VAD option"):
        detect_speech(call, loudness=3)
