"""The embedded diarization backend on real recordings (GE2E on CPU, no hub).

Quality gates (eval README conventions, pyannote.metrics): on ``sample-call`` two speakers
are found without being told and DER stays under 25 % strict / 10 % with a 0.5 s collar; on
the ten AMI clips the pooled strict DER stays under 30 %. Each recording is diarized once
per session (module fixtures) and the tests read the results.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from scribe_core.domain import Diarization, ProcessingOptions
from scribe_core.errors import BadInputError
from scribe_core.settings import PipelineSettings
from scribe_worker.stages.diarize import diarize
from scribe_worker.stages.diarize.clustering import (
    DEFAULT_CONFIG,
    ClusteringConfig,
    cluster_diarize,
    sliding_windows,
)
from scribe_worker.models.ge2e import ResemblyzerEmbedder
from scribe_worker.evaluation.metrics import der, load_rttm, pooled_der
from scribe_worker.models.residency import ModelResidency

SR = 16_000
pytestmark = pytest.mark.slow


def read(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32")
    assert rate == SR
    return audio


def seconds(path: Path) -> float:
    return float(sf.info(path).frames / SR)


@pytest.fixture(scope="module")
def ge2e() -> ResemblyzerEmbedder:
    return ResemblyzerEmbedder()


@pytest.fixture(scope="module")
def run(ge2e: ResemblyzerEmbedder) -> Callable[..., Diarization]:
    """Diarize a file once per (file, options) for the whole module."""
    cache: dict[tuple[Path, ProcessingOptions], Diarization] = {}

    def diarize_file(path: Path, options: ProcessingOptions | None = None) -> Diarization:
        key = (path, options or ProcessingOptions())
        if key not in cache:
            cache[key] = cluster_diarize(read(path), ge2e, key[1])
        return cache[key]

    return diarize_file


@pytest.fixture(scope="module")
def sample_result(run: Callable[..., Diarization], sample_call: Path) -> Diarization:
    return run(sample_call)


def assert_well_formed(d: Diarization, duration: float) -> None:
    """Invariants of every Diarization this backend returns."""
    assert d.duration == pytest.approx(duration)
    assert d.embedding_model == "resemblyzer-ge2e"
    assert list(d.turns) == sorted(d.turns, key=lambda t: (t.start, t.end, t.speaker))
    assert all(0.0 <= t.start < t.end <= duration + 1e-6 for t in d.turns)
    assert list(d.labels) == [f"SPEAKER_{i:02d}" for i in range(len(d.labels))]
    for label in d.labels:
        own = [t for t in d.turns if t.speaker == label]
        assert all(a.end <= b.start for a, b in zip(own, own[1:], strict=False)), label
    assert set(d.embeddings) == set(d.labels)
    for vector in d.embeddings.values():
        assert len(vector) == 256
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-4)


# -- quality -----------------------------------------------------------------------------------


def test_sample_call_two_speakers_within_der_target(
    sample_result: Diarization, eval_dir: Path, sample_call: Path
) -> None:
    assert_well_formed(sample_result, seconds(sample_call))
    assert len(sample_result.labels) == 2
    reference = load_rttm(eval_dir / "sample-call" / "sample.rttm")["sample"]
    strict, collar = der(reference, sample_result)
    assert strict <= 0.25
    assert collar <= 0.10


def test_sample_call_speaker_embeddings_tell_the_two_apart(sample_result: Diarization) -> None:
    first, second = (np.asarray(v) for v in sample_result.embeddings.values())
    assert float(first @ second) < 0.95


def test_ami_clips_pooled_der(run: Callable[..., Diarization], eval_dir: Path) -> None:
    folder = eval_dir / "ami-30s"
    references = load_rttm(folder / "reference.rttm")
    pairs = []
    for uri, reference in sorted(references.items()):
        result = run(folder / f"{uri}.wav")
        assert_well_formed(result, seconds(folder / f"{uri}.wav"))
        assert len(result.labels) <= 4
        pairs.append((reference, result))
    strict, collar = pooled_der(pairs)
    assert strict <= 0.30
    assert collar <= 0.25


def test_katie_steve_is_two_people(run: Callable[..., Diarization], eval_dir: Path) -> None:
    result = run(eval_dir / "katie-steve" / "katiesteve.wav")
    assert_well_formed(result, seconds(eval_dir / "katie-steve" / "katiesteve.wav"))
    assert len(result.labels) == 2
    # both talk for a while: neither label is a sliver
    assert min(result.speech_duration(label) for label in result.labels) > 5.0


def test_multilingual_clip_is_three_people(run: Callable[..., Diarization], eval_dir: Path) -> None:
    result = run(eval_dir / "multilingual" / "diarization_test.wav")
    assert len(result.labels) == 3
    # diarization_test.turns.txt: spk1, spk2 and spk3 each speak once, one after the other,
    # so the labels in time order never come back to an earlier speaker.
    order = [t.speaker for t in result.turns]
    blocks = [s for i, s in enumerate(order) if i == 0 or s != order[i - 1]]
    assert blocks == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_02"]


# -- speaker-count hints ---------------------------------------------------------------------


def test_num_speakers_is_honoured(run: Callable[..., Diarization], sample_call: Path) -> None:
    assert len(run(sample_call, ProcessingOptions(num_speakers=1)).labels) == 1
    assert len(run(sample_call, ProcessingOptions(num_speakers=2)).labels) == 2


def test_num_speakers_three_on_the_three_speaker_clip(
    run: Callable[..., Diarization], eval_dir: Path
) -> None:
    path = eval_dir / "multilingual" / "diarization_test.wav"
    result = run(path, ProcessingOptions(num_speakers=3))
    assert_well_formed(result, seconds(path))
    assert len(result.labels) == 3


def test_max_and_min_speakers_bound_the_estimate(
    run: Callable[..., Diarization], eval_dir: Path, sample_call: Path
) -> None:
    assert len(run(sample_call, ProcessingOptions(max_speakers=1)).labels) == 1
    multilingual = eval_dir / "multilingual" / "diarization_test.wav"
    assert len(run(multilingual, ProcessingOptions(max_speakers=2)).labels) <= 2
    katie_steve = eval_dir / "katie-steve" / "katiesteve.wav"
    bounded = run(katie_steve, ProcessingOptions(min_speakers=1, max_speakers=5))
    assert bounded.turns == run(katie_steve).turns  # the estimate (2) is inside the bounds


# -- no speech, little speech -----------------------------------------------------------------


@pytest.mark.parametrize(
    "audio",
    [
        np.zeros(10 * SR, dtype=np.float32),
        (np.random.default_rng(1).standard_normal(10 * SR) * 1e-3).astype(np.float32),
        np.zeros(0, dtype=np.float32),
    ],
    ids=["silence", "faint-noise", "empty"],
)
def test_no_speech_gives_no_turns(ge2e: ResemblyzerEmbedder, audio: np.ndarray) -> None:
    result = cluster_diarize(audio, ge2e)
    assert result.turns == ()
    assert dict(result.embeddings) == {}
    assert result.duration == pytest.approx(len(audio) / SR)
    assert result.embedding_model == "resemblyzer-ge2e"


def test_one_short_utterance_in_silence(ge2e: ResemblyzerEmbedder, sample_call: Path) -> None:
    # 0.8 s of Diane ("Oh, hello.") in the middle of 10 s of silence.
    audio = np.zeros(10 * SR, dtype=np.float32)
    audio[5 * SR : 5 * SR + int(0.8 * SR)] = read(sample_call)[int(8.4 * SR) : int(9.2 * SR)]
    result = cluster_diarize(audio, ge2e)
    assert_well_formed(result, 10.0)
    assert len(result.labels) == 1
    (turn,) = result.turns
    assert 4.7 < turn.start < 5.3
    assert 5.5 < turn.end < 6.2


def test_refuses_a_stereo_array(ge2e: ResemblyzerEmbedder) -> None:
    with pytest.raises(BadInputError, match="mono"):
        cluster_diarize(np.zeros((2, SR), dtype=np.float32), ge2e)


# -- the stage -------------------------------------------------------------------------------


def test_diarize_stage_loads_the_embedder_through_the_residency(
    eval_dir: Path, run: Callable[..., Diarization]
) -> None:
    path = eval_dir / "katie-steve" / "katiesteve.wav"
    residency = ModelResidency(device="cpu")
    settings = PipelineSettings(DIARIZATION_BACKEND="clustering", EMBEDDING_BACKEND="resemblyzer")
    result = diarize(read(path), ProcessingOptions(), settings, residency)
    assert residency.events == [("load", "diarize"), ("release", "diarize")]
    assert residency.resident is None
    assert residency.usage["diarize"].peak_rss_bytes > 0
    assert result.turns == run(path).turns


def test_unknown_backend_is_refused() -> None:
    settings = PipelineSettings().model_copy(update={"diarization_backend": "kmeans"})
    with pytest.raises(BadInputError, match="kmeans"):
        diarize(np.zeros(SR, dtype=np.float32), ProcessingOptions(), settings, ModelResidency())


# -- windows -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("length", "hop"), [(2.0, 0.75), (1.5, 0.2)])
def test_sliding_windows_cover_each_region(length: float, hop: float) -> None:
    regions = [(0.3, 7.05), (8.0, 9.2), (12.0, 12.3)]
    windows = sliding_windows(regions, length, hop, min_length=1.0, duration=20.0, widen=False)
    first_region = [w for w in windows if w[1] <= 7.05 + 1e-9]
    assert first_region[0][0] == pytest.approx(0.3)
    assert first_region[-1][1] == pytest.approx(7.05)
    assert all(e - s == pytest.approx(length) for s, e in first_region)
    starts = [s for s, _ in first_region]
    assert max(np.diff(starts)) <= hop + 1e-9
    assert (8.0, 9.2) in windows  # between min_length and length: the region itself
    assert not any(s >= 12.0 for s, _ in windows)  # too short, not widened
    widened = sliding_windows(regions, length, hop, min_length=1.0, duration=20.0)
    assert widened[-1] == pytest.approx((11.65, 12.65))


def test_config_vad_options_are_valid_vad_keywords() -> None:
    options = ClusteringConfig(vad_threshold=0.1).vad_options()
    assert options["neg_threshold"] == pytest.approx(0.01)
    assert DEFAULT_CONFIG.vad_options()["threshold"] == DEFAULT_CONFIG.vad_threshold
