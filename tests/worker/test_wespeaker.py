"""WeSpeakerEmbedder on real audio with a randomly initialised WeSpeaker ResNet34 checkpoint.

The checkpoint is the real pyannote.audio architecture saved as pyannote saves it
(``pyannote_models.build_embedding_checkpoint``), loaded through ``Model.from_pretrained``.
Random weights make the embeddings meaningless as voiceprints, so the tests check shapes,
norms, determinism, batching and the errors.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import pytest
from pyannote_models import build_embedding_checkpoint

from scribe_core.errors import BadInputError, ModelLoadError
from scribe_worker.models.embeddings import l2_normalise
from scribe_worker.models.wespeaker import WeSpeakerEmbedder
from scribe_worker.stages.convert import load_audio

SR = 16_000


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_embedding_checkpoint(tmp_path_factory.mktemp("resnet34") / "pytorch_model.bin")


@pytest.fixture(scope="module")
def embedder(checkpoint: Path) -> WeSpeakerEmbedder:
    return WeSpeakerEmbedder(checkpoint, device="cpu")


@pytest.fixture(scope="module")
def waveform(sample_call: Path) -> np.ndarray:
    return load_audio(sample_call)


def test_loads_from_file_directory_and_module_with_one_name(
    checkpoint: Path, embedder: WeSpeakerEmbedder
) -> None:
    assert re.fullmatch(r"WeSpeakerResNet34:[0-9a-f]{16}", embedder.name)
    assert embedder.dimension == 256
    from_dir = WeSpeakerEmbedder(checkpoint.parent)
    from_module = WeSpeakerEmbedder(from_dir._model)
    assert from_dir.name == embedder.name == from_module.name


def test_other_weights_get_another_name(embedder: WeSpeakerEmbedder, tmp_path: Path) -> None:
    other = WeSpeakerEmbedder(build_embedding_checkpoint(tmp_path / "m.bin", seed=1))
    assert other.name != embedder.name


@pytest.mark.slow
def test_embed_windows_shape_norm_and_determinism(
    embedder: WeSpeakerEmbedder, waveform: np.ndarray
) -> None:
    windows = [(0.0, 1.5), (1.5, 3.0), (10.0, 12.5), (28.5, 31.0)]
    first = embedder.embed_windows(waveform, windows)
    assert first.shape == (len(windows), 256)
    assert first.dtype == np.float32
    assert np.all(np.isfinite(first))
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, embedder.embed_windows(waveform, windows))
    # different audio gives different embeddings, even with random weights
    assert not np.allclose(first[0], first[2], atol=1e-4)


@pytest.mark.slow
def test_batching_does_not_change_embeddings(checkpoint: Path, waveform: np.ndarray) -> None:
    windows = [(0.0, 1.5), (2.0, 3.5), (4.0, 5.5), (6.0, 8.0)]
    batched = WeSpeakerEmbedder(checkpoint, batch_size=8).embed_windows(waveform, windows)
    single = WeSpeakerEmbedder(checkpoint, batch_size=1).embed_windows(waveform, windows)
    np.testing.assert_allclose(batched, single, atol=1e-4)


@pytest.mark.slow
def test_short_window_is_widened_to_half_a_second(
    embedder: WeSpeakerEmbedder, waveform: np.ndarray
) -> None:
    short = embedder.embed_windows(waveform, [(5.2, 5.3)])
    widened = embedder.embed_windows(waveform, [(5.0, 5.5)])
    np.testing.assert_allclose(short, widened, atol=1e-6)


@pytest.mark.slow
def test_embed_averages_chunks_of_a_long_utterance(
    embedder: WeSpeakerEmbedder, waveform: np.ndarray
) -> None:
    whole = embedder.embed(waveform[: 21 * SR])  # 21 s: two chunks of 10.5 s
    assert whole.shape == (256,)
    assert np.linalg.norm(whole) == pytest.approx(1.0, abs=1e-5)
    chunks = embedder.embed_windows(waveform, [(0.0, 10.5), (10.5, 21.0)])
    np.testing.assert_allclose(whole, l2_normalise(chunks.sum(axis=0)), atol=1e-5)
    short = embedder.embed(waveform[: 3 * SR])  # one pass
    np.testing.assert_allclose(short, embedder.embed_windows(waveform, [(0.0, 3.0)])[0], atol=1e-5)


def test_too_short_or_outside_audio_is_a_bad_input(
    embedder: WeSpeakerEmbedder, waveform: np.ndarray
) -> None:
    with pytest.raises(BadInputError, match="too short"):
        embedder.embed(waveform[: SR // 4])
    with pytest.raises(ValueError, match="too short"):
        embedder.embed_windows(waveform[: SR // 4], [(0.0, 0.25)])
    with pytest.raises(BadInputError, match="holds no audio"):
        embedder.embed_windows(waveform, [(40.0, 41.0)])


def test_missing_local_checkpoint_is_a_model_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such file"):
        WeSpeakerEmbedder(tmp_path / "missing" / "pytorch_model.bin")


def test_uncached_hub_model_offline_is_a_model_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="MODELS_OFFLINE"):
        WeSpeakerEmbedder(
            "pyannote/wespeaker-voxceleb-resnet34-LM", cache_dir=tmp_path, offline=True
        )


def test_a_checkpoint_that_is_not_a_model_is_a_model_load_error(tmp_path: Path) -> None:
    bogus = tmp_path / "pytorch_model.bin"
    bogus.write_bytes(b"not a checkpoint")
    with pytest.raises(ModelLoadError, match="cannot load WeSpeaker model"):
        WeSpeakerEmbedder(bogus)


def test_hub_access_is_offline_inside_and_restored_after(monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    from scribe_worker.models.wespeaker import hub_access

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setenv("PYANNOTE_METRICS_ENABLED", "1")
    with hub_access(offline=True):
        assert constants.is_offline_mode()
        assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert not constants.is_offline_mode()
    assert "HF_HUB_OFFLINE" not in os.environ
    assert os.environ["PYANNOTE_METRICS_ENABLED"] == "0"  # telemetry stays off


def test_load_embedder_builds_wespeaker_from_the_settings(checkpoint: Path) -> None:
    from scribe_core.settings import PipelineSettings
    from scribe_worker.models.loader import load_embedder

    settings = PipelineSettings(
        EMBEDDING_BACKEND="wespeaker", WESPEAKER_MODEL=str(checkpoint), DEVICE="cpu"
    )
    embedder = load_embedder(settings)
    assert isinstance(embedder, WeSpeakerEmbedder)
    assert embedder.name == WeSpeakerEmbedder(checkpoint).name
    assert embedder.dimension == 256


def test_load_embedder_refuses_an_unknown_backend() -> None:
    from scribe_core.settings import PipelineSettings
    from scribe_worker.models.loader import load_embedder

    settings = PipelineSettings(DEVICE="cpu").model_copy(update={"embedding_backend": "ivector"})
    with pytest.raises(BadInputError, match="unknown embedding backend 'ivector'"):
        load_embedder(settings)
    with pytest.raises(ValueError, match="campplus"):  # the setting itself is validated
        PipelineSettings(EMBEDDING_BACKEND="resemblyzer")
