"""WeSpeaker ResNet34 speaker embeddings through pyannote.audio (the production embedder).

The model is WeSpeaker's ResNet34 (Wang et al., "WeSpeaker: A research and production
oriented speaker embedding learning toolkit", ICASSP 2023; 80 log-mel filterbanks every
10 ms, ResNet34 trunk, temporal statistics pooling, 256-d output) as re-implemented in
pyannote.audio (``pyannote.audio.models.embedding.WeSpeakerResNet34``) and published as
``pyannote/wespeaker-voxceleb-resnet34-LM``. It is also the embedding model inside the
``pyannote/speaker-diarization-community-1`` pipeline.

Hub access and load errors go through :mod:`scribe_worker.models.resolve` like every model.
torch and pyannote.audio are imported inside functions only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scribe_core.domain import SAMPLE_RATE
from scribe_core.errors import ModelLoadError
from scribe_worker.models.embeddings import EmbeddingInputError, Float32Array, l2_normalise
from scribe_worker.models.resolve import hub_access, looks_like_path, model_load_error

if TYPE_CHECKING:
    import torch

    from scribe_core.settings import PipelineSettings

MIN_WINDOW_SECONDS = 0.5
"""Shortest stretch embedded, in seconds; shorter windows are widened around their centre."""

MAX_CHUNK_SECONDS = 10.0
""":meth:`WeSpeakerEmbedder.embed` splits longer utterances into chunks of 10 to 20 s (the
10 s chunk length of pyannote's segmentation) and averages their embeddings."""


def weights_fingerprint(module: torch.nn.Module) -> str:
    """SHA-256 (16 hex digits) of a module's parameters and buffers, names included.

    The same weights give the same fingerprint wherever they were loaded from (hub id, local
    checkpoint, or the ``embedding/`` model inside a pyannote pipeline).
    """
    digest = hashlib.sha256()
    for key, tensor in sorted(module.state_dict().items()):
        digest.update(key.encode())
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()[:16]


def embedding_model_name(module: torch.nn.Module) -> str:
    """Name of the embedding space of a pyannote.audio embedding model.

    ``"<class>:<weights fingerprint>"``, e.g. ``"WeSpeakerResNet34:3f9c0a1b2c3d4e5f"``: two
    embeddings are comparable exactly when they come from the same architecture and
    weights, so the diarization pipeline's speaker embeddings are reused by identification
    only in that case (:attr:`scribe_core.domain.Diarization.embedding_model`).
    """
    return f"{type(module).__name__}:{weights_fingerprint(module)}"


# -- the embedder -------------------------------------------------------------------------


class WeSpeakerEmbedder:
    """:class:`~scribe_worker.models.embeddings.SpeakerEmbedder` backed by WeSpeaker ResNet34.

    Windows of equal length are forwarded together in batches; every output row is
    L2-normalised. No silence trimming: window times are exact.

    Args:
        model: A hub id (``"pyannote/wespeaker-voxceleb-resnet34-LM"``), a local checkpoint
            (``pytorch_model.bin``) or directory holding one, or an already loaded
            pyannote.audio embedding model (``torch.nn.Module``).
        device: torch device (``"cpu"``, ``"cuda"``, ``"cuda:1"``).
        token: Hugging Face token, for a gated hub model.
        cache_dir: Hugging Face cache directory (``None``: the default cache).
        offline: Never download (``HF_HUB_OFFLINE``); ``None`` keeps the process setting.
        batch_size: Windows per forward pass.

    Attributes:
        name: ``"<class>:<weights fingerprint>"`` (see :func:`embedding_model_name`).
        model_id: The ``model`` reference as given (for display), or the class name.
        dimension: Embedding length D (256 for ResNet34).

    Raises:
        ModelLoadError: The local path does not exist, the hub model is gated, missing or
            not cached while offline, or the checkpoint is not an embedding model.
    """

    def __init__(
        self,
        model: str | Path | torch.nn.Module,
        device: str = "cpu",
        token: str | None = None,
        *,
        cache_dir: str | Path | None = None,
        offline: bool | None = None,
        batch_size: int = 16,
    ) -> None:
        import torch

        if isinstance(model, torch.nn.Module):
            module = model
            self.model_id = type(model).__name__
        else:
            self.model_id = str(model)
            module = _load_model(str(model), token, cache_dir, offline)
        dimension = getattr(module, "dimension", None)
        if not isinstance(dimension, int):
            raise ModelLoadError(
                f"{self.model_id!r} is not a pyannote.audio speaker embedding model "
                f"({type(module).__name__} has no embedding dimension)"
            )
        try:
            self._model = module.eval().to(torch.device(device))
        except (RuntimeError, AssertionError) as exc:
            raise ModelLoadError(f"cannot move {self.model_id!r} to {device}: {exc}") from exc
        self.device = device
        self.batch_size = batch_size
        self.dimension: int = dimension
        self.name: str = embedding_model_name(module)

    @classmethod
    def from_settings(
        cls, settings: PipelineSettings, device: str | None = None
    ) -> WeSpeakerEmbedder:
        """The embedder named by ``settings.wespeaker_model`` (token, cache, offline mode).

        Args:
            settings: Reads ``wespeaker_model``, ``hf_token``, ``model_cache_dir``,
                ``models_offline`` and, when ``device`` is ``None``, ``device``
                (resolved by :func:`scribe_worker.models.device.check_device`, CPU fallback
                included).
            device: torch device overriding ``settings.device``.
        """
        from scribe_worker.models.device import check_device

        return cls(
            settings.wespeaker_model,
            device=device or check_device(settings),
            token=settings.hf_token,
            cache_dir=settings.model_cache_dir,
            offline=settings.models_offline,
        )

    # -- SpeakerEmbedder --------------------------------------------------------------------

    def embed_windows(
        self, waveform: Float32Array, windows: Sequence[tuple[float, float]]
    ) -> Float32Array:
        """Embed each ``(start, end)`` window (seconds) of ``waveform``.

        A window shorter than 0.5 s is widened symmetrically to 0.5 s (within the waveform),
        as a ResNet needs a few frames of context.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``.
            windows: Windows in seconds; each must overlap the waveform.

        Returns:
            Array of shape ``(len(windows), D)``, each row L2-normalised.

        Raises:
            EmbeddingInputError: A window lies outside the waveform, or the whole waveform is
                shorter than 0.5 s.
        """
        wav = np.asarray(waveform, dtype=np.float32)
        spans = [self._samples(wav.size, start, end, i) for i, (start, end) in enumerate(windows)]
        out = np.zeros((len(spans), self.dimension), dtype=np.float32)
        by_length: dict[int, list[int]] = {}
        for index, (first, stop) in enumerate(spans):
            by_length.setdefault(stop - first, []).append(index)
        for indices in by_length.values():
            for at in range(0, len(indices), self.batch_size):
                batch = indices[at : at + self.batch_size]
                stacked = np.stack([wav[spans[i][0] : spans[i][1]] for i in batch])
                out[batch] = self._forward(stacked)
        return l2_normalise(out)

    def embed(self, waveform: Float32Array) -> Float32Array:
        """Embed a whole utterance.

        Up to 20 s it is one forward pass; a longer utterance is cut into chunks of 10 to
        20 s whose embeddings are averaged, weighted by duration.

        Args:
            waveform: Mono float32 samples at 16 kHz, shape ``(N,)``, at least 0.5 s.

        Returns:
            Array of shape ``(D,)``, L2-normalised.

        Raises:
            EmbeddingInputError: The waveform is shorter than 0.5 s.
        """
        wav = np.asarray(waveform, dtype=np.float32)
        duration = wav.size / SAMPLE_RATE
        if duration < MIN_WINDOW_SECONDS:
            raise EmbeddingInputError(
                f"utterance of {duration:.2f} s is too short to embed "
                f"(at least {MIN_WINDOW_SECONDS} s)"
            )
        count = max(1, int(duration // MAX_CHUNK_SECONDS))
        bounds = np.linspace(0.0, duration, count + 1)
        windows = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        embeddings = self.embed_windows(wav, windows)
        weights = np.diff(bounds)[:, None]
        result: Float32Array = l2_normalise((embeddings * weights).sum(axis=0))
        return result

    # -- internals --------------------------------------------------------------------------

    @staticmethod
    def _samples(num_samples: int, start: float, end: float, index: int) -> tuple[int, int]:
        """``[first, stop)`` sample range of a window, widened to at least 0.5 s."""
        minimum = int(MIN_WINDOW_SECONDS * SAMPLE_RATE)
        if num_samples < minimum:
            raise EmbeddingInputError(
                f"waveform of {num_samples / SAMPLE_RATE:.2f} s is too short to embed "
                f"(at least {MIN_WINDOW_SECONDS} s)"
            )
        first = max(0, int(round(start * SAMPLE_RATE)))
        stop = min(num_samples, int(round(end * SAMPLE_RATE)))
        if stop <= first:
            raise EmbeddingInputError(
                f"window {index} ({start:.2f}-{end:.2f} s) holds no audio of the "
                f"{num_samples / SAMPLE_RATE:.2f} s waveform"
            )
        if stop - first < minimum:
            centre = (first + stop) // 2
            first = min(max(0, centre - minimum // 2), num_samples - minimum)
            stop = first + minimum
        return first, stop

    def _forward(self, batch: np.ndarray[Any, np.dtype[np.float32]]) -> Float32Array:
        """Embeddings (B, D), not normalised, of a (B, num_samples) batch."""
        import torch

        with torch.inference_mode():
            tensor = torch.from_numpy(np.ascontiguousarray(batch))[:, None, :]
            embeddings = self._model(tensor.to(self.device))
        return np.asarray(embeddings.float().cpu().numpy(), dtype=np.float32)


def _load_model(
    reference: str, token: str | None, cache_dir: str | Path | None, offline: bool | None
) -> torch.nn.Module:
    """``pyannote.audio.Model.from_pretrained`` with clear errors and the offline switch."""
    path = Path(reference).expanduser()
    if path.exists():
        checkpoint = str(path)
    elif looks_like_path(reference):
        raise ModelLoadError(f"WeSpeaker model {reference!r}: no such file or directory")
    else:
        checkpoint = reference
    with hub_access(bool(offline)):
        try:
            from pyannote.audio import Model

            model = Model.from_pretrained(
                checkpoint, token=token, cache_dir=cache_dir, strict=False
            )
        except ModelLoadError:
            raise
        except Exception as exc:  # hub errors, unpickling errors, missing files
            raise model_load_error("WeSpeaker model", reference, exc) from exc
    if model is None:
        raise model_load_error("WeSpeaker model", reference, None)
    return model
