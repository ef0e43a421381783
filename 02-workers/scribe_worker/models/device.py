"""Resolve where the models run, and say so in one log line when no usable GPU is there.

A production worker is configured with ``DEVICE=cuda``. When it starts on a machine whose
GPU is missing or unusable (no NVIDIA runtime in the container, a CPU build of torch, a
driver too old for the CUDA runtime, ``CUDA_VISIBLE_DEVICES`` pointing nowhere), it logs
exactly one line saying why, then either falls back to the CPU (``REQUIRE_GPU=false``) or
stops with :class:`GpuUnavailableError` (``REQUIRE_GPU=true``).

"Usable" means that both runtimes the pipeline uses see a device: torch (pyannote.audio,
WeSpeaker) can allocate a tensor on ``cuda:0``, and CTranslate2 (faster-whisper) counts at
least one CUDA device.

Run ``python -m scribe_worker.models.device`` to perform the check alone: it exits 0 when the worker
may start (on the GPU, or on the CPU as configured) and 1 when it must not. The worker
image runs it before ``taskiq worker`` so that a container without a GPU stops right away.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from scribe_core.errors import ScribeError
from scribe_core.settings import PipelineSettings

logger = logging.getLogger("scribe_worker.models.device")  # the same name under `python -m`

Device = Literal["cpu", "cuda"]

_reported: set[str] = set()
"""Log lines already emitted by this process (the check runs once per meeting)."""


class GpuUnavailableError(ScribeError):
    """A usable CUDA GPU is required (``REQUIRE_GPU=true``) but none is there (HTTP 503)."""

    status_code = 503


@dataclass(frozen=True)
class CudaProbe:
    """What the CUDA probe found.

    Attributes:
        usable: Whether torch and CTranslate2 can both run on ``cuda:0``.
        detail: The device (``"NVIDIA GeForce RTX 4070 Ti, 11.6 GiB, CUDA 12.8"``) when
            usable, otherwise the reason it is not.
    """

    usable: bool
    detail: str


def _visible_devices() -> str:
    value = os.environ.get("CUDA_VISIBLE_DEVICES")
    return "unset" if value is None else repr(value)


@lru_cache(maxsize=1)
def probe_cuda() -> CudaProbe:
    """Probe the first visible CUDA device once per process (the result is cached).

    Imports torch and CTranslate2 lazily. ``probe_cuda.cache_clear()`` forces a new probe.

    Returns:
        The probe result; never raises.
    """
    try:
        import torch
    except ImportError:
        return CudaProbe(False, "torch is not installed")
    if torch.version.cuda is None:
        return CudaProbe(False, f"torch {torch.__version__} is a CPU-only build")
    if not torch.cuda.is_available():
        return CudaProbe(
            False,
            f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no CUDA device "
            "(NVIDIA driver or container runtime missing? "
            f"CUDA_VISIBLE_DEVICES={_visible_devices()})",
        )
    try:
        torch.zeros(1, device="cuda").add_(1)
        torch.cuda.synchronize()
        props = torch.cuda.get_device_properties(0)
    except RuntimeError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return CudaProbe(False, f"the CUDA device cannot run a kernel: {first_line}")
    try:
        import ctranslate2

        ct2_devices = int(ctranslate2.get_cuda_device_count())
    except (ImportError, RuntimeError) as exc:
        return CudaProbe(False, f"CTranslate2 (faster-whisper) cannot use CUDA: {exc}")
    if ct2_devices < 1:
        return CudaProbe(False, "CTranslate2 (faster-whisper) sees no CUDA device")
    gib = props.total_memory / 2**30
    return CudaProbe(True, f"{props.name}, {gib:.1f} GiB, CUDA {torch.version.cuda}")


def _report(level: int, message: str) -> None:
    if message not in _reported:
        _reported.add(message)
        logger.log(level, message)


def check_device(settings: PipelineSettings) -> Device:
    """Resolve ``settings.device`` (``cpu``/``cuda``/``auto``) to the device the models use.

    Logs one line per process and outcome: the GPU in use (INFO), or why there is none and
    that the worker falls back to the CPU (WARNING; INFO for ``DEVICE=auto``).
    ``DEVICE=cpu`` never imports torch.

    Args:
        settings: Pipeline settings; reads ``device`` (``DEVICE``) and ``require_gpu``
            (``REQUIRE_GPU``).

    Returns:
        ``"cuda"`` when a usable GPU is there and wanted, else ``"cpu"``.

    Raises:
        GpuUnavailableError: ``REQUIRE_GPU=true`` and no usable GPU is there, or
            ``REQUIRE_GPU=true`` together with ``DEVICE=cpu``.
    """
    if settings.device == "cpu":
        if settings.require_gpu:
            raise GpuUnavailableError(
                "REQUIRE_GPU=true contradicts DEVICE=cpu: set DEVICE=cuda (or auto), "
                "or REQUIRE_GPU=false"
            )
        return "cpu"
    probe = probe_cuda()
    if probe.usable:
        _report(logging.INFO, f"using GPU: {probe.detail}")
        return "cuda"
    if settings.require_gpu:
        raise GpuUnavailableError(
            f"no usable CUDA GPU: {probe.detail}; REQUIRE_GPU=true, so the worker stops "
            "(set REQUIRE_GPU=false to fall back to the CPU)"
        )
    level = logging.INFO if settings.device == "auto" else logging.WARNING
    _report(
        level,
        f"no usable CUDA GPU: {probe.detail}; falling back to the CPU "
        f"(DEVICE={settings.device}, REQUIRE_GPU=false)",
    )
    return "cpu"


def main() -> int:
    """``python -m scribe_worker.models.device``: :func:`check_device` on the environment.

    Logs one line (the GPU in use, the CPU fallback, or the reason the worker must stop).

    Returns:
        Exit status: 0 when the worker may start, 1 when it must not.
    """
    from pydantic import ValidationError

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = PipelineSettings()
        if check_device(settings) == "cpu" and settings.device == "cpu":
            logger.info("running on the CPU (DEVICE=cpu)")
    except ValidationError as exc:
        logger.error("invalid pipeline settings: %s", " ".join(str(exc).split()))
        return 1
    except ScribeError as exc:
        logger.error(exc.detail)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
