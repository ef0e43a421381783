"""Speaker embedders: one fixed-size, unit-norm vector per stretch of speech.

Two backends behind one protocol:

- ``resemblyzer``: GE2E speaker encoder (Wan et al., "Generalized End-to-End Loss for
  Speaker Verification", ICASSP 2018) from the ``resemblyzer`` package, whose 256-d weights
  ship in the wheel: the embedded CPU default.
- ``wespeaker``: WeSpeaker ResNet34 (Wang et al., "WeSpeaker", ICASSP 2023) as implemented in
  pyannote.audio (``pyannote/wespeaker-voxceleb-resnet34-LM``): the production choice.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

Float32Array = npt.NDArray[np.float32]


class SpeakerEmbedder(Protocol):
    """What the diarization clustering and the identification need from an embedder.

    All waveforms are mono float32 at 16 kHz (``scribe_core.domain.SAMPLE_RATE``), shape
    ``(num_samples,)``, values in [-1, 1].
    """

    name: str
    """Stable model name; stored with every embedding so spaces are never mixed."""

    dimension: int
    """Length D of every embedding."""

    def embed_windows(
        self, waveform: Float32Array, windows: Sequence[tuple[float, float]]
    ) -> Float32Array:
        """Embed each ``(start, end)`` window (seconds) of ``waveform``.

        Returns:
            Array of shape ``(len(windows), D)``, each row L2-normalised.
        """
        ...

    def embed(self, waveform: Float32Array) -> Float32Array:
        """Embed a whole utterance (any length ≥ 0.5 s).

        Returns:
            Array of shape ``(D,)``, L2-normalised.

        Raises:
            ValueError: The waveform is too short to embed.
        """
        ...


def l2_normalise(x: npt.NDArray[np.floating], axis: int = -1) -> Float32Array:
    """Divide by the L2 norm along ``axis`` (zero vectors stay zero)."""
    norm = np.linalg.norm(x, axis=axis, keepdims=True)
    return (x / np.maximum(norm, 1e-12)).astype(np.float32)
