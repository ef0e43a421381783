"""The pyannote.audio diarization backend through pyannote's real code path.

The pipeline directory is built locally (``pyannote_models.build_pipeline_dir``): the real
community-1 architectures and configuration with random weights, so no hub is needed. The
outputs are meaningless as diarization; the tests assert the invariants of our mapping.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from pyannote_models import build_embedding_checkpoint, build_pipeline_dir

from scribe_core.domain import Diarization, ProcessingOptions
from scribe_core.errors import AudioDecodeError, ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.residency import ModelResidency
from scribe_worker.models.wespeaker import WeSpeakerEmbedder
from scribe_worker.stages.convert import load_audio
from scribe_worker.stages.diarize import diarize as diarize_pyannote
from scribe_worker.stages.diarize import to_diarization

LABEL = re.compile(r"^SPEAKER_\d{2}$")


@pytest.fixture(scope="module")
def pipeline_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_pipeline_dir(tmp_path_factory.mktemp("pyannote-pipeline"))


@pytest.fixture(scope="module")
def settings(pipeline_dir: Path) -> PipelineSettings:
    return PipelineSettings(PYANNOTE_PIPELINE=str(pipeline_dir), MODELS_OFFLINE=True)


@pytest.fixture(scope="module")
def waveform(sample_call: Path) -> np.ndarray:
    return load_audio(sample_call)


@pytest.fixture(scope="module")
def two_speakers(
    waveform: np.ndarray, settings: PipelineSettings
) -> tuple[Diarization, ModelResidency]:
    residency = ModelResidency("cpu")
    result = diarize_pyannote(waveform, ProcessingOptions(num_speakers=2), settings, residency)
    return result, residency


def assert_valid(diarization: Diarization, duration: float) -> None:
    """Invariants every Diarization from the backend satisfies."""
    turns = diarization.turns
    assert turns, "the pipeline found no speech at all"
    assert list(turns) == sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
    for turn in turns:
        assert 0.0 <= turn.start < turn.end <= duration + 1e-6
        assert LABEL.match(turn.speaker)
    # labels numbered in order of first appearance: SPEAKER_00, SPEAKER_01, ...
    assert diarization.labels == tuple(f"SPEAKER_{i:02d}" for i in range(len(diarization.labels)))
    # turns of one speaker never overlap each other
    for label in diarization.labels:
        own = [t for t in turns if t.speaker == label]
        assert all(a.end <= b.start + 1e-9 for a, b in zip(own, own[1:], strict=False))
    assert set(diarization.embeddings) <= set(diarization.labels)
    for vector in diarization.embeddings.values():
        assert len(vector) == 256
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert diarization.duration == pytest.approx(duration)


@pytest.mark.slow
def test_sample_call_gives_valid_turns_and_embeddings(
    two_speakers: tuple[Diarization, ModelResidency], waveform: np.ndarray
) -> None:
    diarization, residency = two_speakers
    assert_valid(diarization, waveform.size / 16_000)
    assert diarization.embeddings, "no valid speaker embedding came out of the pipeline"
    assert residency.events == [("load", "diarize"), ("release", "diarize")]
    assert residency.usage["diarize"].peak_rss_bytes > 0


@pytest.mark.slow
def test_num_speakers_is_honoured(two_speakers: tuple[Diarization, ModelResidency]) -> None:
    diarization, _ = two_speakers
    assert len(diarization.labels) == 2


@pytest.mark.slow
def test_max_speakers_is_honoured(waveform: np.ndarray, settings: PipelineSettings) -> None:
    crop = waveform[: 10 * 16_000]
    result = diarize_pyannote(crop, ProcessingOptions(max_speakers=1), settings, ModelResidency())
    assert_valid(result, 10.0)
    assert result.labels == ("SPEAKER_00",)


@pytest.mark.slow
def test_embedding_model_names_the_centroid_space_of_the_pipeline_embedder(
    two_speakers: tuple[Diarization, ModelResidency], pipeline_dir: Path, tmp_path: Path
) -> None:
    """Centroids of chunk embeddings are marked ``#centroid``: identification never mistakes
    them for whole-recording voiceprints of the same model."""
    diarization, _ = two_speakers
    same = WeSpeakerEmbedder(pipeline_dir / "embedding" / "pytorch_model.bin")
    assert diarization.embedding_model == same.name + "#centroid"
    other = WeSpeakerEmbedder(build_embedding_checkpoint(tmp_path / "other.bin", seed=1))
    assert diarization.embedding_model != other.name


def test_missing_pipeline_directory_is_a_model_load_error(tmp_path: Path) -> None:
    settings = PipelineSettings(PYANNOTE_PIPELINE=str(tmp_path / "no-such-pipeline"))
    with pytest.raises(ModelLoadError, match="does not exist"):
        diarize_pyannote(
            np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency()
        )


def test_uncached_hub_pipeline_offline_is_a_model_load_error(tmp_path: Path) -> None:
    settings = PipelineSettings(
        PYANNOTE_PIPELINE="pyannote/speaker-diarization-community-1",
        MODELS_OFFLINE=True,
        MODEL_CACHE_DIR=str(tmp_path),
    )
    with pytest.raises(ModelLoadError, match="MODELS_OFFLINE"):
        diarize_pyannote(
            np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency()
        )


def test_broken_pipeline_directory_is_a_model_load_error(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n"
        "  params:\n    segmentation: $model/segmentation\n    embedding: $model/embedding\n"
        "    plda: $model/plda\n",
        encoding="utf-8",
    )
    settings = PipelineSettings(PYANNOTE_PIPELINE=str(tmp_path))
    with pytest.raises(ModelLoadError, match="cannot load pyannote pipeline"):
        diarize_pyannote(
            np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency()
        )


def test_empty_waveform_is_rejected_before_loading(settings: PipelineSettings) -> None:
    residency = ModelResidency()
    with pytest.raises(AudioDecodeError):
        diarize_pyannote(np.zeros(0, np.float32), ProcessingOptions(), settings, residency)
    assert residency.events == []


def test_output_mapping_relabels_by_first_appearance_and_drops_invalid_embeddings() -> None:
    from pyannote.audio.pipelines.speaker_diarization import DiarizeOutput
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    annotation[Segment(5.0, 9.0)] = "SPEAKER_00"  # appears second
    annotation[Segment(1.0, 4.0)] = "SPEAKER_01"  # appears first
    annotation[Segment(8.0, 12.5)] = "SPEAKER_02"  # overlaps SPEAKER_00, ends past the audio
    centroids = np.array([[3.0, 4.0], [0.0, 0.0], [np.nan, 1.0]])  # labels() order: 00, 01, 02
    output = DiarizeOutput(annotation, annotation, centroids)

    result = to_diarization(output, duration=12.0, embedding_model="M:1")

    assert [(t.start, t.end, t.speaker) for t in result.turns] == [
        (1.0, 4.0, "SPEAKER_00"),
        (5.0, 9.0, "SPEAKER_01"),
        (8.0, 12.0, "SPEAKER_02"),
    ]
    assert result.embeddings == {"SPEAKER_01": (0.6, 0.8)}  # zero and NaN centroids dropped
    assert result.embedding_model == "M:1"
