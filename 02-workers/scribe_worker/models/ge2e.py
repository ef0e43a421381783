"""GE2E speaker embeddings from the ``resemblyzer`` package (Wan et al., "Generalized End-to-End
Loss for Speaker Verification", ICASSP 2018); its 256-d weights ship in the wheel."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import ModelLoadError
from scribe_worker.models.embeddings import EmbeddingInputError, Float32Array, l2_normalise

MEL_HOP_SECONDS = 0.01
"""Hop of resemblyzer's mel frames in seconds (10 ms; 25 ms analysis window)."""

PARTIAL_FRAMES = 160
"""Frames (1.6 s) of one GE2E partial utterance, as in resemblyzer's ``partials_n_frames``."""

PARTIALS_PER_SECOND = 1.3
"""Partial utterances per second when a long stretch is split (resemblyzer's default rate)."""

MIN_UTTERANCE_SECONDS = 0.5
"""Shortest waveform :meth:`ResemblyzerEmbedder.embed` accepts, in seconds."""

LOUDNESS_TARGET_DBFS = -30.0
"""Loudness (dBFS, RMS) every window or utterance is scaled to before it is embedded. The GE2E
encoder reads a power mel spectrogram, so its input level matters; resemblyzer's
``preprocess_wav`` raises quiet files to -30 dBFS (``normalize_volume``). Here the gain is
applied per window, to the mel power (a waveform gain ``g`` scales mel power by ``g**2``),
so far and near talkers of one meeting are compared at the same level and no sample moves
in time. Per-window normalisation lowered the DER of the clustering backend on the
evaluation set (see :mod:`scribe_worker.stages.diarize.clustering`)."""

_TARGET_POWER = 10 ** (LOUDNESS_TARGET_DBFS / 10)
_MIN_POWER = 1e-10
"""Floor (-100 dBFS) of a window's mean power, so digital silence gets a finite gain."""


class ResemblyzerEmbedder:
    """GE2E speaker embeddings from the ``resemblyzer`` package (weights ship in the wheel).

    The encoder (Wan et al., "Generalized End-to-End Loss for Speaker Verification", ICASSP
    2018; resemblyzer's 3-layer LSTM, 40 mel channels, 256-d output) reads power mel frames
    of 25 ms every 10 ms. Unlike ``resemblyzer.preprocess_wav``, nothing is trimmed: the mel
    frames of the whole waveform are computed once with ``resemblyzer.audio.
    wav_to_mel_spectrogram`` and each window reads its own frames, so window times stay
    exact. Windows of different lengths are forwarded together as one packed batch.

    Each window is loudness-normalised to :data:`LOUDNESS_TARGET_DBFS` (a gain on its mel
    power). A window up to 1.6 s (160 frames) is one LSTM pass; a longer one is split into
    1.6 s partials at 1.3 partials per second and their embeddings averaged, as
    resemblyzer's ``embed_utterance`` does.

    Args:
        device: torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
        batch_size: Windows (or partials) per forward pass.

    Raises:
        ModelLoadError: resemblyzer or its weights cannot be loaded.
    """

    name = "resemblyzer-ge2e"
    dimension = 256

    def __init__(self, device: str = "cpu", batch_size: int = 64) -> None:
        try:
            from resemblyzer import VoiceEncoder

            self._encoder = VoiceEncoder(device=device, verbose=False).eval()
        except Exception as exc:  # ImportError, missing weights, bad device
            raise ModelLoadError(f"cannot load the resemblyzer GE2E encoder: {exc}") from exc
        self.device = device
        self.batch_size = batch_size

    # -- features ---------------------------------------------------------------------------

    @staticmethod
    def mel_frames(waveform: npt.ArrayLike) -> Float32Array:
        """Power mel frames of a whole waveform, as the GE2E encoder reads them.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.

        Returns:
            Array of shape ``(N // 160 + 1, 40)``: 25 ms frames every 10 ms, frame ``i``
            centred on ``i * 0.01`` s (``resemblyzer.audio.wav_to_mel_spectrogram``).
        """
        from resemblyzer import audio

        wav = np.asarray(waveform, dtype=np.float32)
        return np.asarray(audio.wav_to_mel_spectrogram(wav), dtype=np.float32)

    @staticmethod
    def loudness_gain(samples: npt.ArrayLike) -> float:
        """Factor on mel power that brings ``samples`` to :data:`LOUDNESS_TARGET_DBFS` RMS."""
        x = np.asarray(samples, dtype=np.float64)
        power = float(np.mean(np.square(x))) if x.size else 0.0
        return _TARGET_POWER / max(power, _MIN_POWER)

    def embed_frame_ranges(
        self,
        mel: Float32Array,
        ranges: Sequence[tuple[int, int]],
        gains: Sequence[float] | None = None,
    ) -> Float32Array:
        """Embed ``[first, stop)`` frame ranges of a mel spectrogram from :meth:`mel_frames`.

        Args:
            mel: Mel frames, shape ``(T, 40)``.
            ranges: Frame ranges; parts beyond ``mel`` are cut off.
            gains: One factor per range multiplying its mel power (see
                :meth:`loudness_gain`); 1 when ``None``.

        Returns:
            Array of shape ``(len(ranges), 256)``, each row L2-normalised.

        Raises:
            EmbeddingInputError: A range holds no frame of ``mel``.
        """
        if gains is not None and len(gains) != len(ranges):
            raise EmbeddingInputError(f"{len(gains)} gains for {len(ranges)} frame ranges")
        pieces: list[tuple[int, int, int, float]] = []  # (window, first, stop, gain)
        for index, (first, stop) in enumerate(ranges):
            first, stop = max(0, int(first)), min(len(mel), int(stop))
            if stop <= first:
                raise EmbeddingInputError(
                    f"window {index} holds no audio (frames {first}..{stop} of {len(mel)})"
                )
            gain = 1.0 if gains is None else float(gains[index])
            pieces += [(index, a, b, gain) for a, b in _partials(first, stop)]
        sums = np.zeros((len(ranges), self.dimension), dtype=np.float64)
        for at in range(0, len(pieces), self.batch_size):
            batch = pieces[at : at + self.batch_size]
            frames = [mel[a:b] * np.float32(gain) for _, a, b, gain in batch]
            np.add.at(sums, np.array([index for index, *_ in batch]), self._forward(frames))
        return l2_normalise(sums)

    def _forward(self, pieces: Sequence[Float32Array]) -> Float32Array:
        """GE2E embeddings (L2-normalised) of mel pieces of any lengths, as one packed batch."""
        import torch
        from torch.nn.utils.rnn import pack_padded_sequence, pad_sequence

        encoder = self._encoder
        with torch.inference_mode():
            seqs = [torch.from_numpy(np.ascontiguousarray(x)) for x in pieces]
            lengths = torch.tensor([len(x) for x in seqs])
            padded = pad_sequence(seqs, batch_first=True).to(encoder.device)
            packed = pack_padded_sequence(padded, lengths, batch_first=True, enforce_sorted=False)
            _, (hidden, _) = encoder.lstm(packed)
            raw = encoder.relu(encoder.linear(hidden[-1]))
            return l2_normalise(raw.cpu().numpy())

    # -- SpeakerEmbedder --------------------------------------------------------------------

    def embed_windows(
        self, waveform: Float32Array, windows: Sequence[tuple[float, float]]
    ) -> Float32Array:
        """Embed each ``(start, end)`` window (seconds) of ``waveform``.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
            windows: Windows in seconds; each must overlap the waveform.

        Returns:
            Array of shape ``(len(windows), 256)``, each row L2-normalised.

        Raises:
            EmbeddingInputError: A window is empty (``end <= start``) or lies outside the
                waveform.
        """
        if not windows:
            return np.zeros((0, self.dimension), dtype=np.float32)
        for index, (start, end) in enumerate(windows):
            if not end > start:
                raise EmbeddingInputError(f"window {index} ({start}, {end}) is empty")
        wav = np.asarray(waveform, dtype=np.float32)
        mel = self.mel_frames(wav)
        gains = [
            self.loudness_gain(wav[max(0, int(s * SAMPLE_RATE)) : max(0, int(e * SAMPLE_RATE))])
            for s, e in windows
        ]
        ranges = [seconds_to_frames(s, e) for s, e in windows]
        return self.embed_frame_ranges(mel, ranges, gains)

    def embed(self, waveform: Float32Array) -> Float32Array:
        """Embed a whole utterance: the normalised mean of its 1.6 s partial embeddings.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``, at least 0.5 s.

        Returns:
            Array of shape ``(256,)``, L2-normalised.

        Raises:
            EmbeddingInputError: The waveform is shorter than 0.5 s.
        """
        wav = np.asarray(waveform, dtype=np.float32)
        if wav.size < MIN_UTTERANCE_SECONDS * SAMPLE_RATE:
            raise EmbeddingInputError(
                f"utterance of {wav.size / SAMPLE_RATE:.2f} s is too short to embed "
                f"(at least {MIN_UTTERANCE_SECONDS} s)"
            )
        mel = self.mel_frames(wav)
        gain = self.loudness_gain(wav)
        result: Float32Array = self.embed_frame_ranges(mel, [(0, len(mel))], [gain])[0]
        return result


def seconds_to_frames(start: float, end: float) -> tuple[int, int]:
    """``[first, stop)`` mel frame range (10 ms hop) of a ``(start, end)`` window in seconds."""
    first = int(round(start / MEL_HOP_SECONDS))
    return first, max(first + 1, int(round(end / MEL_HOP_SECONDS)))


def _partials(first: int, stop: int) -> list[tuple[int, int]]:
    """Split a frame range into 1.6 s partials at 1.3 per second, the last one end-aligned."""
    if stop - first <= PARTIAL_FRAMES:
        return [(first, stop)]
    step = int(round(1 / (PARTIALS_PER_SECOND * MEL_HOP_SECONDS)))
    starts = list(range(first, stop - PARTIAL_FRAMES + 1, step))
    if starts[-1] + PARTIAL_FRAMES < stop:
        starts.append(stop - PARTIAL_FRAMES)
    return [(s, s + PARTIAL_FRAMES) for s in starts]
