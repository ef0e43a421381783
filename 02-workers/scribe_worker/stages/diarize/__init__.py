"""The ``diarize`` stage: who spoke when.

Two backends, picked by ``PipelineSettings.diarization_backend`` (``DIARIZATION_BACKEND``):

- ``clustering`` (embedded CPU default, :mod:`.clustering`): Silero VAD, speaker embeddings
  of sliding windows, agglomerative clustering with an estimated number of speakers.
- ``pyannote`` (production, :mod:`.pyannote_backend`): a pyannote.audio speaker diarization
  pipeline.

Both load their model through :meth:`ModelResidency.load` under the stage name
``"diarize"``, so no other model is resident meanwhile.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scribe_core.domain import Diarization, ProcessingOptions
from scribe_core.errors import BadInputError
from scribe_core.settings import PipelineSettings
from scribe_worker.models.residency import ModelResidency

__all__ = ["diarize"]


def diarize(
    waveform: npt.NDArray[np.float32],
    options: ProcessingOptions,
    settings: PipelineSettings,
    residency: ModelResidency,
) -> Diarization:
    """Run the configured diarization backend on a waveform.

    Args:
        waveform: Mono float32 samples at 16 kHz in [-1, 1], shape ``(N,)``.
        options: Speaker-count hints (``num_speakers`` or ``min_speakers``/``max_speakers``).
        settings: Reads ``diarization_backend`` and the backend's model settings.
        residency: Loads the backend's model as stage ``"diarize"``, releases it after.

    Returns:
        Speaker turns sorted by start, labelled ``SPEAKER_00``, ``SPEAKER_01``... in order
        of first appearance, with one embedding per speaker. Speech-free audio gives no
        turns.

    Raises:
        ModelLoadError: The backend's model cannot be loaded.
        BadInputError: The backend name is unknown or the waveform is not 1-D.
    """
    backend = settings.diarization_backend
    if backend == "clustering":
        from scribe_worker.stages.diarize.clustering import diarize_clustering

        return diarize_clustering(waveform, options, settings, residency)
    if backend == "pyannote":
        from scribe_worker.stages.diarize.pyannote_backend import diarize_pyannote

        return diarize_pyannote(waveform, options, settings, residency)
    raise BadInputError(f"unknown diarization backend {backend!r} (clustering or pyannote)")
