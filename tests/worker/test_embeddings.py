"""GE2E embeddings (resemblyzer) on real speech: shapes, norms, timing, speaker separation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from scribe_core.errors import BadInputError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.embeddings import (
    EmbeddingInputError,
    ResemblyzerEmbedder,
    l2_normalise,
    load_embedder,
    seconds_to_frames,
)
from scribe_worker.stages.vad import detect_speech

SR = 16_000


def read(path: Path) -> np.ndarray:
    audio, rate = sf.read(path, dtype="float32")
    assert rate == SR
    assert audio.ndim == 1
    return audio


def speech_windows(audio: np.ndarray, length: float = 2.0) -> list[tuple[float, float]]:
    """Non-overlapping windows of ``length`` seconds inside VAD speech regions."""
    windows = []
    for start, end in detect_speech(audio):
        t = start
        while t + length <= end:
            windows.append((t, t + length))
            t += length
    return windows


@pytest.fixture(scope="module")
def ge2e() -> ResemblyzerEmbedder:
    return ResemblyzerEmbedder()


@pytest.fixture(scope="module")
def enrolment(eval_dir: Path, ge2e: ResemblyzerEmbedder) -> dict[str, np.ndarray]:
    """2 s window embeddings of each katie-steve enrolment recording (computed once)."""
    result = {}
    for name in ("katie", "steve"):
        audio = read(eval_dir / "katie-steve" / f"enrollment_audio_{name}.wav")
        windows = speech_windows(audio)
        assert len(windows) >= 5
        result[name] = ge2e.embed_windows(audio, windows)
    return result


@pytest.mark.slow
def test_window_embeddings_are_unit_vectors_of_256(
    ge2e: ResemblyzerEmbedder, enrolment: dict[str, np.ndarray]
) -> None:
    assert ge2e.name == "resemblyzer-ge2e"
    assert ge2e.dimension == 256
    for vectors in enrolment.values():
        assert vectors.dtype == np.float32
        assert vectors.shape[1] == 256
        assert np.all(np.isfinite(vectors))
        np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_same_speaker_windows_are_closer(enrolment: dict[str, np.ndarray]) -> None:
    katie, steve = enrolment["katie"], enrolment["steve"]
    within = [(v @ v.T)[np.triu_indices(len(v), 1)].mean() for v in (katie, steve)]
    between = (katie @ steve.T).mean()
    assert min(within) > between + 0.1
    # Leave-one-out: every window is nearer its own speaker's centroid than the other's.
    for own, other in ((katie, steve), (steve, katie)):
        other_centroid = l2_normalise(other.mean(axis=0))
        for i in range(len(own)):
            own_centroid = l2_normalise(np.delete(own, i, axis=0).mean(axis=0))
            assert own[i] @ own_centroid > own[i] @ other_centroid


@pytest.mark.slow
def test_conversation_turns_match_the_enrolled_voice(
    eval_dir: Path, ge2e: ResemblyzerEmbedder, enrolment: dict[str, np.ndarray]
) -> None:
    # Whole-utterance embeddings of the two enrolments, then windows of the conversation:
    # each conversation window must be clearly closer to one of the two people.
    katie = ge2e.embed(read(eval_dir / "katie-steve" / "enrollment_audio_katie.wav"))
    steve = ge2e.embed(read(eval_dir / "katie-steve" / "enrollment_audio_steve.wav"))
    assert katie.shape == (256,)
    assert float(np.linalg.norm(katie)) == pytest.approx(1.0, abs=1e-5)
    assert float(katie @ steve) < 0.8
    conversation = read(eval_dir / "katie-steve" / "katiesteve.wav")
    vectors = ge2e.embed_windows(conversation, speech_windows(conversation))
    votes = (vectors @ katie > vectors @ steve).astype(int)
    assert 0 < votes.sum() < len(votes)  # both people talk in the conversation


@pytest.mark.slow
def test_windows_keep_their_time(sample_call: Path, ge2e: ResemblyzerEmbedder) -> None:
    """A window of the whole call embeds like the same samples cut out: nothing shifted."""
    audio = read(sample_call)
    windows = [(8.3, 10.0), (14.5, 17.9), (22.0, 24.0)]
    in_place = ge2e.embed_windows(audio, windows)
    cut_out = np.stack(
        [
            ge2e.embed_windows(audio[int(s * SR) : int(e * SR)], [(0.0, e - s)])[0]
            for s, e in windows
        ]
    )
    assert np.all(np.sum(in_place * cut_out, axis=1) > 0.99)
    # Windows of different speakers differ: 8.3-10 s is Diane, 14.5-17.9 s Sheila.
    assert float(in_place[0] @ in_place[1]) < float(in_place[0] @ cut_out[0]) - 0.05


@pytest.mark.slow
def test_loudness_does_not_change_the_embedding(
    sample_call: Path, ge2e: ResemblyzerEmbedder
) -> None:
    audio = read(sample_call)
    windows = [(10.6, 14.6), (22.0, 27.0)]
    loud = ge2e.embed_windows(audio, windows)
    quiet = ge2e.embed_windows(audio * np.float32(0.05), windows)
    np.testing.assert_allclose(np.sum(loud * quiet, axis=1), 1.0, atol=1e-4)


@pytest.mark.slow
def test_embed_agrees_with_resemblyzer_embed_utterance(
    eval_dir: Path, ge2e: ResemblyzerEmbedder
) -> None:
    from resemblyzer import VoiceEncoder
    from resemblyzer.audio import normalize_volume

    audio = read(eval_dir / "katie-steve" / "enrollment_audio_steve.wav")
    ours = ge2e.embed(audio)
    reference = VoiceEncoder("cpu", verbose=False).embed_utterance(
        normalize_volume(audio, -30, increase_only=False)
    )
    assert float(ours @ reference) > 0.98


@pytest.mark.slow
def test_too_short_or_empty_input_is_refused(sample_call: Path, ge2e: ResemblyzerEmbedder) -> None:
    audio = read(sample_call)
    with pytest.raises(EmbeddingInputError, match="too short"):
        ge2e.embed(audio[: SR // 4])
    with pytest.raises(ValueError, match="holds no audio"):  # the protocol's ValueError
        ge2e.embed_windows(audio, [(40.0, 41.0)])
    with pytest.raises(BadInputError):
        ge2e.embed_windows(audio, [(5.0, 5.0)])
    assert ge2e.embed_windows(audio, []).shape == (0, 256)


def test_seconds_to_frames_uses_the_10_ms_hop() -> None:
    assert seconds_to_frames(1.0, 2.5) == (100, 250)
    assert seconds_to_frames(0.0, 0.001) == (0, 1)


def test_load_embedder_dispatches_on_the_backend() -> None:
    embedder = load_embedder(PipelineSettings(EMBEDDING_BACKEND="resemblyzer", DEVICE="cpu"))
    assert isinstance(embedder, ResemblyzerEmbedder)
    assert embedder.device == "cpu"
    settings = PipelineSettings().model_copy(update={"embedding_backend": "ivector"})
    with pytest.raises(BadInputError, match="ivector"):
        load_embedder(settings)
