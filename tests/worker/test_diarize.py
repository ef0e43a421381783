"""The ``diarize`` stage: pyannote.audio's ``SpeakerDiarization`` pipeline, one code path.

Two ways to give it weights, both without a model hub:

- the embedded default (``PYANNOTE_PIPELINE`` empty): segmentation-3.0 and CAM++ from the
  wheels, on the real recordings of ``../shared/eval`` (quality: DER against the reference
  RTTM, speaker counts, overlapped speech);
- a LOCAL pipeline directory in the hub layout (``pyannote_models.build_pipeline_dir``: the
  real community-1 architectures and configuration with random weights), the path a hub id
  or a downloaded pipeline takes through ``Pipeline.from_pretrained``. Its outputs are
  meaningless as diarization; those tests assert the invariants of our mapping.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from pyannote_models import build_embedding_checkpoint, build_pipeline_dir

from scribe_core.domain import Diarization, ProcessingOptions, SpeakerTurn
from scribe_core.errors import AudioDecodeError, ModelLoadError
from scribe_core.settings import PipelineSettings
from scribe_worker.evaluation.metrics import der, diarization_to_annotation, load_rttm
from scribe_worker.models.residency import ModelResidency
from scribe_worker.models.wespeaker import WeSpeakerEmbedder
from scribe_worker.stages.convert import ArrayAudio, load_audio
from scribe_worker.stages.diarize import (
    diarize,
    load_diarization_pipeline,
    min_cluster_size,
    shipped_pipeline,
    to_diarization,
)

SR = 16_000
LABEL = re.compile(r"^SPEAKER_\d{2}$")
SHIPPED = PipelineSettings()
"""The embedded default: ``PYANNOTE_PIPELINE`` empty, weights from the wheels."""


def assert_valid(diarization: Diarization, duration: float, dimension: int) -> None:
    """Invariants every Diarization from the stage satisfies."""
    turns = diarization.turns
    assert turns, "the pipeline found no speech at all"
    assert list(turns) == sorted(turns, key=lambda t: (t.start, t.end, t.speaker))
    for turn in (*turns, *diarization.exclusive_turns):
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
        assert len(vector) == dimension
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    assert diarization.duration == pytest.approx(duration)


def speech(turns: tuple[SpeakerTurn, ...]) -> object:
    """The union of the turns, as a pyannote ``Timeline``."""
    from pyannote.core import Segment, Timeline

    return Timeline([Segment(t.start, t.end) for t in turns]).support()


def assert_exclusive(diarization: Diarization) -> None:
    """``exclusive_turns``: one speaker at a time, inside the turns of the same speaker, and
    covering all the speech of ``turns``."""
    from pyannote.core import Segment, Timeline

    exclusive = diarization.exclusive_turns
    assert exclusive, "no exclusive turns"
    assert list(exclusive) == sorted(exclusive, key=lambda t: (t.start, t.end, t.speaker))
    assert all(a.end <= b.start + 1e-6 for a, b in zip(exclusive, exclusive[1:], strict=False))
    assert {t.speaker for t in exclusive} <= set(diarization.labels)
    for turn in exclusive:
        own = speech(tuple(t for t in diarization.turns if t.speaker == turn.speaker))
        inside = Timeline([Segment(turn.start, turn.end)]).crop(own).duration()
        assert inside == pytest.approx(turn.duration, abs=1e-3), turn
    everything = speech(diarization.turns).duration()
    assert speech(exclusive).duration() == pytest.approx(everything, abs=0.05)


# -- the embedded default on real recordings ------------------------------------------------


@pytest.fixture(scope="module")
def sample_run(sample_call: Path) -> tuple[Diarization, ModelResidency, list[float], float]:
    """The sample call with the shipped pipeline and no speaker count (computed once)."""
    waveform = load_audio(sample_call)
    residency = ModelResidency("cpu")
    progress: list[float] = []
    result = diarize(waveform, ProcessingOptions(), SHIPPED, residency, progress.append)
    return result, residency, progress, waveform.size / SR


@pytest.fixture(scope="module")
def ami_trn00(eval_dir: Path) -> tuple[Diarization, Diarization, float]:
    """AMI excerpt trn00 (3 speakers, 3 s of overlapped speech) with ``num_speakers=3``:
    (hypothesis, reference, duration)."""
    waveform = load_audio(eval_dir / "ami-30s" / "trn00.wav")
    reference = load_rttm(eval_dir / "ami-30s" / "reference.rttm")["trn00"]
    result = diarize(waveform, ProcessingOptions(num_speakers=3), SHIPPED, ModelResidency())
    return result, reference, waveform.size / SR


@pytest.mark.slow
def test_sample_call_two_speakers_and_low_der(
    sample_run: tuple[Diarization, ModelResidency, list[float], float], eval_dir: Path
) -> None:
    diarization, residency, _, duration = sample_run
    assert_valid(diarization, duration, dimension=192)
    assert diarization.labels == ("SPEAKER_00", "SPEAKER_01")
    reference = load_rttm(eval_dir / "sample-call" / "sample.rttm")["sample"]
    score = der(reference, diarization)
    assert score.strict < 0.10, score
    assert score.collar <= score.strict
    assert residency.events == [("load", "diarize"), ("release", "diarize")]
    assert residency.usage["diarize"].peak_rss_bytes > 0


@pytest.mark.slow
def test_shipped_centroids_are_cam_plus_plus_and_not_voiceprints(
    sample_run: tuple[Diarization, ModelResidency, list[float], float],
) -> None:
    """One 192-d centroid per speaker, marked ``#centroid``: identification re-embeds
    speakers instead of comparing chunk centroids with whole-recording voiceprints."""
    from scribe_worker.models.campplus import MODEL_NAME

    diarization, _, _, _ = sample_run
    assert set(diarization.embeddings) == set(diarization.labels)
    assert re.fullmatch(r"CAMPPlusModel:[0-9a-f]{16}#centroid", diarization.embedding_model)
    assert diarization.embedding_model != MODEL_NAME
    first, second = (np.asarray(v) for v in diarization.embeddings.values())
    assert float(first @ second) < 0.9  # two people, two directions


@pytest.mark.slow
def test_sample_call_exclusive_turns(
    sample_run: tuple[Diarization, ModelResidency, list[float], float],
) -> None:
    diarization, _, _, _ = sample_run
    assert_exclusive(diarization)
    assert {t.speaker for t in diarization.exclusive_turns} == set(diarization.labels)


@pytest.mark.slow
def test_progress_rises_from_0_to_near_1(
    sample_run: tuple[Diarization, ModelResidency, list[float], float],
) -> None:
    _, _, progress, _ = sample_run
    assert progress, "on_progress was never called"
    assert all(0.0 <= p <= 1.0 for p in progress), progress
    assert progress == sorted(progress), f"progress goes backwards: {progress}"
    assert progress[-1] >= 0.9


@pytest.mark.slow
def test_num_speakers_3_on_ami_gives_3_labels(
    ami_trn00: tuple[Diarization, Diarization, float],
) -> None:
    diarization, reference, duration = ami_trn00
    assert len(reference.labels) == 3
    assert_valid(diarization, duration, dimension=192)
    assert diarization.labels == ("SPEAKER_00", "SPEAKER_01", "SPEAKER_02")


@pytest.mark.slow
def test_ami_exclusive_turns_never_overlap(
    ami_trn00: tuple[Diarization, Diarization, float],
) -> None:
    diarization, _, _ = ami_trn00
    assert_exclusive(diarization)


@pytest.mark.slow
def test_ami_overlapped_speech_is_kept_where_people_talk_at_once(
    ami_trn00: tuple[Diarization, Diarization, float],
) -> None:
    """``turns`` keep the overlap (turns of different speakers overlap), and part of it
    lies where the reference has two people talking."""
    diarization, reference, _ = ami_trn00
    reference_overlap = diarization_to_annotation(reference).get_overlap()
    assert reference_overlap.duration() > 1.0  # the clip has overlapped speech
    found = diarization_to_annotation(diarization).get_overlap()
    assert found.duration() > 0.5
    assert found.crop(reference_overlap).duration() > 0.25
    # and the exclusive version has none of it
    assert diarization_to_annotation(
        Diarization(diarization.exclusive_turns)
    ).get_overlap().duration() == pytest.approx(0.0, abs=1e-6)


@pytest.mark.slow
def test_speech_free_audio_gives_no_turns() -> None:
    residency = ModelResidency()
    result = diarize(np.zeros(10 * SR, np.float32), ProcessingOptions(), SHIPPED, residency)
    assert result.turns == ()
    assert result.exclusive_turns == ()
    assert result.embeddings == {}
    assert result.duration == pytest.approx(10.0)
    assert residency.events == [("load", "diarize"), ("release", "diarize")]


def test_shipped_pipeline_is_built_from_the_settings() -> None:
    """The parameters the embedded default runs with (loading only, no inference)."""
    settings = PipelineSettings(DIARIZATION_SEGMENTATION_STEP=0.5, DIARIZATION_THRESHOLD=0.8)
    pipeline = shipped_pipeline(settings)
    assert pipeline.segmentation_step == 0.5
    parameters = pipeline.parameters(instantiated=True)
    assert parameters["clustering"]["method"] == "centroid"
    assert parameters["clustering"]["threshold"] == pytest.approx(0.8)
    assert parameters["clustering"]["min_cluster_size"] == min_cluster_size(0.5) == 3
    assert parameters["segmentation"]["min_duration_off"] == 0.0
    # the loader selects it for an empty PYANNOTE_PIPELINE
    loaded = load_diarization_pipeline(PipelineSettings(PYANNOTE_PIPELINE="  "), "cpu")
    assert type(loaded) is type(pipeline)
    assert loaded.segmentation_step == SHIPPED.diarization_segmentation_step


def test_min_cluster_size_keeps_pyannote_3_1_presence() -> None:
    assert min_cluster_size(0.1) == 12  # pyannote/speaker-diarization-3.1 itself
    assert min_cluster_size(0.25) == 5
    assert min_cluster_size(0.2) == 6
    assert min_cluster_size(1.0) == 2
    assert min_cluster_size(0.01) == 120


def test_a_missing_segmentation_checkpoint_is_a_model_load_error(tmp_path: Path) -> None:
    settings = PipelineSettings(SEGMENTATION_MODEL=str(tmp_path / "segmentation.bin"))
    with pytest.raises(ModelLoadError, match="does not exist"):
        shipped_pipeline(settings)
    broken = tmp_path / "broken.bin"
    broken.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match="cannot load the segmentation model"):
        shipped_pipeline(PipelineSettings(SEGMENTATION_MODEL=str(broken)))


# -- a local pipeline directory (hub layout, random weights) --------------------------------


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
    result = diarize(waveform, ProcessingOptions(num_speakers=2), settings, residency)
    return result, residency


def test_local_directory_loads_the_community_1_pipeline(
    pipeline_dir: Path, settings: PipelineSettings
) -> None:
    """Not the shipped pipeline: VBx clustering with the directory's PLDA, as on the hub."""
    pipeline = load_diarization_pipeline(settings, "cpu")
    assert type(pipeline.clustering).__name__ == "VBxClustering"
    assert pipeline.segmentation_step == 0.5
    # the config.yaml path itself is accepted too
    by_file = PipelineSettings(PYANNOTE_PIPELINE=str(pipeline_dir / "config.yaml"))
    assert type(load_diarization_pipeline(by_file, "cpu").clustering).__name__ == "VBxClustering"


@pytest.mark.slow
def test_local_pipeline_gives_valid_turns_and_embeddings(
    two_speakers: tuple[Diarization, ModelResidency], waveform: np.ndarray
) -> None:
    diarization, residency = two_speakers
    assert_valid(diarization, waveform.size / SR, dimension=256)
    assert diarization.embeddings, "no valid speaker embedding came out of the pipeline"
    assert residency.events == [("load", "diarize"), ("release", "diarize")]
    assert residency.usage["diarize"].peak_rss_bytes > 0


@pytest.mark.slow
def test_num_speakers_is_honoured(two_speakers: tuple[Diarization, ModelResidency]) -> None:
    diarization, _ = two_speakers
    assert len(diarization.labels) == 2


@pytest.mark.slow
def test_max_speakers_is_honoured(waveform: np.ndarray, settings: PipelineSettings) -> None:
    crop = waveform[: 10 * SR]
    result = diarize(crop, ProcessingOptions(max_speakers=1), settings, ModelResidency())
    assert_valid(result, 10.0, dimension=256)
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
    assert diarization.embedding_model != other.name + "#centroid"


def test_missing_pipeline_directory_is_a_model_load_error(tmp_path: Path) -> None:
    settings = PipelineSettings(PYANNOTE_PIPELINE=str(tmp_path / "no-such-pipeline"))
    with pytest.raises(ModelLoadError, match="does not exist"):
        diarize(np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency())


def test_uncached_hub_pipeline_offline_is_a_model_load_error(tmp_path: Path) -> None:
    settings = PipelineSettings(
        PYANNOTE_PIPELINE="pyannote/speaker-diarization-community-1",
        MODELS_OFFLINE=True,
        MODEL_CACHE_DIR=str(tmp_path),
    )
    with pytest.raises(ModelLoadError, match="MODELS_OFFLINE"):
        diarize(np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency())


def test_broken_pipeline_directory_is_a_model_load_error(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text(
        "pipeline:\n  name: pyannote.audio.pipelines.SpeakerDiarization\n"
        "  params:\n    segmentation: $model/segmentation\n    embedding: $model/embedding\n"
        "    plda: $model/plda\n",
        encoding="utf-8",
    )
    settings = PipelineSettings(PYANNOTE_PIPELINE=str(tmp_path))
    with pytest.raises(ModelLoadError, match="cannot load pyannote pipeline"):
        diarize(np.zeros(16_000, np.float32), ProcessingOptions(), settings, ModelResidency())


def test_empty_waveform_is_rejected_before_loading() -> None:
    residency = ModelResidency()
    with pytest.raises(AudioDecodeError):
        diarize(np.zeros(0, np.float32), ProcessingOptions(), SHIPPED, residency)
    assert residency.events == []


# -- mapping pyannote's output --------------------------------------------------------------


def test_output_mapping_relabels_by_first_appearance_and_drops_invalid_embeddings() -> None:
    from pyannote.audio.pipelines.speaker_diarization import DiarizeOutput
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    annotation[Segment(5.0, 9.0)] = "SPEAKER_00"  # appears second
    annotation[Segment(1.0, 4.0)] = "SPEAKER_01"  # appears first
    annotation[Segment(8.0, 12.5)] = "SPEAKER_02"  # overlaps SPEAKER_00, ends past the audio
    exclusive = Annotation()
    exclusive[Segment(1.0, 4.0)] = "SPEAKER_01"
    exclusive[Segment(5.0, 8.5)] = "SPEAKER_00"
    exclusive[Segment(8.5, 12.5)] = "SPEAKER_02"
    centroids = np.array([[3.0, 4.0], [0.0, 0.0], [np.nan, 1.0]])  # labels() order: 00, 01, 02
    output = DiarizeOutput(annotation, exclusive, centroids)

    result = to_diarization(output, duration=12.0, embedding_model="M:1")

    assert [(t.start, t.end, t.speaker) for t in result.turns] == [
        (1.0, 4.0, "SPEAKER_00"),
        (5.0, 9.0, "SPEAKER_01"),
        (8.0, 12.0, "SPEAKER_02"),
    ]
    # the same relabelling in the exclusive turns, clipped alike
    assert [(t.start, t.end, t.speaker) for t in result.exclusive_turns] == [
        (1.0, 4.0, "SPEAKER_00"),
        (5.0, 8.5, "SPEAKER_01"),
        (8.5, 12.0, "SPEAKER_02"),
    ]
    assert result.embeddings == {"SPEAKER_01": (0.6, 0.8)}  # zero and NaN centroids dropped
    assert result.embedding_model == "M:1"
    assert result.duration == 12.0


def test_a_bare_annotation_maps_without_exclusive_turns() -> None:
    """A legacy pipeline returns an ``Annotation``: turns only."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    annotation[Segment(2.0, 3.0)] = "B"
    annotation[Segment(0.5, 1.5)] = "A"
    annotation[Segment(3.5, 5.0)] = "C"  # starts after the audio ends: dropped
    result = to_diarization(annotation, duration=3.2)
    assert [(t.start, t.end, t.speaker) for t in result.turns] == [
        (0.5, 1.5, "SPEAKER_00"),
        (2.0, 3.0, "SPEAKER_01"),
    ]
    assert result.exclusive_turns == ()
    assert result.embeddings == {}


# -- reading the recording in blocks, never whole --------------------------------------------


@pytest.mark.slow
def test_blockwise_segmentation_equals_one_slide_over_the_whole_waveform(
    eval_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two minutes of AMI slid in blocks of 4 chunks (6 blocks, the last one with pyannote's
    padded last chunk) give the very scores of one slide over the whole waveform."""
    import torch
    from pyannote.audio.core.inference import Inference

    from scribe_worker.stages import diarize as stage

    clips = sorted((eval_dir / "ami-30s").glob("trn*.wav"))[:4]
    wav = np.concatenate([load_audio(clip) for clip in clips])[: 117 * SR + 123]
    inference = shipped_pipeline(SHIPPED)._segmentation
    inference.batch_size = 4
    whole = Inference.slide(inference, torch.from_numpy(wav)[None], SR, None)

    monkeypatch.setattr(stage, "SLIDE_BLOCK_SECONDS", 4 * inference.step)
    reads: list[int] = []
    source = ArrayAudio(wav)
    original_read = source.read

    def counting_read(start: int = 0, stop: int | None = None) -> np.ndarray:
        reads.append((stop if stop is not None else wav.size) - start)
        return original_read(start, stop)

    source.read = counting_read  # type: ignore[method-assign]
    progress: list[tuple[int, int]] = []
    blocks = stage.blockwise_slide(
        inference,
        stage.LazyWaveform(source),
        SR,
        lambda completed, total: progress.append((completed, total)),
    )
    assert blocks.data.shape == whole.data.shape == (23, 589, 3)
    np.testing.assert_allclose(blocks.data, whole.data, atol=1e-6)
    assert blocks.sliding_window.step == whole.sliding_window.step
    assert len(reads) == 6
    assert max(reads) < wav.size / 3, "never the whole waveform at once"
    assert progress[-1] == (23, 23)


@pytest.mark.slow
def test_diarizing_the_converted_wav_equals_diarizing_the_array(
    sample_call: Path,
    tmp_path: Path,
    sample_run: tuple[Diarization, ModelResidency, list[float], float],
) -> None:
    """The pipeline reads the converted WAV chunk by chunk (``PcmWav``): same result as the
    whole waveform in memory."""
    from scribe_worker.stages.convert import PcmWav, convert

    in_memory = sample_run[0]
    on_disk = diarize(
        PcmWav(convert(sample_call, tmp_path / "x.wav").path),
        ProcessingOptions(),
        SHIPPED,
        ModelResidency(),
    )
    assert on_disk.turns == in_memory.turns
    assert on_disk.exclusive_turns == in_memory.exclusive_turns
    assert on_disk.embeddings.keys() == in_memory.embeddings.keys()
    for label, vector in on_disk.embeddings.items():
        np.testing.assert_allclose(vector, in_memory.embeddings[label], atol=1e-5)


def test_compact_reconstruct_equals_pyannotes_reconstruct() -> None:
    """float32 clustered segmentation, same discrete diarization as pyannote's float64 one."""
    from pyannote.audio.pipelines import SpeakerDiarization
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    from scribe_worker.stages.diarize import compact_reconstruct

    pipeline = shipped_pipeline(SHIPPED)
    rng = np.random.default_rng(0)
    scores = (rng.random((40, 589, 3)) > 0.6).astype(np.float32)
    chunks = SlidingWindow(start=0.0, duration=10.0, step=5.0)
    frames = pipeline._segmentation.model.receptive_field
    count = pipeline.speaker_count(SlidingWindowFeature(scores, chunks), frames)
    clusters = rng.integers(-2, 5, size=(40, 3))
    clusters[clusters == -1] = 0
    expected = SpeakerDiarization.reconstruct(
        pipeline, SlidingWindowFeature(scores.copy(), chunks), clusters, count
    )
    actual = compact_reconstruct(
        pipeline, SlidingWindowFeature(scores.copy(), chunks), clusters, count
    )
    assert actual.data.shape == expected.data.shape
    assert actual.data.any()
    np.testing.assert_array_equal(actual.data, expected.data)
    for field in ("start", "duration", "step"):
        assert getattr(actual.sliding_window, field) == getattr(expected.sliding_window, field)
