"""Speaker embedders: one fixed-size, unit-norm vector per stretch of speech.

The protocol every backend implements and the helpers they share; the backends live in
their own modules and :func:`scribe_worker.models.loader.load_embedder` builds the one
``PipelineSettings.embedding_backend`` names.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scribe_core.errors import BadInputError

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
    unit: Float32Array = (x / np.maximum(norm, 1e-12)).astype(np.float32)
    return unit


class EmbeddingInputError(BadInputError, ValueError):
    """The audio given to an embedder cannot be embedded (too short, empty window).

    Both a :class:`~scribe_core.errors.BadInputError` (HTTP 400) and a ``ValueError``, as the
    :class:`SpeakerEmbedder` protocol promises.
    """
