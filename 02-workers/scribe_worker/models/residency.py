"""Model residency: exactly one model in memory at a time.

A 12 GB consumer GPU cannot hold pyannote, WeSpeaker and Whisper large-v3-turbo at once,
so every stage borrows its model from a :class:`ModelResidency`: load → infer → release
(references dropped, ``gc.collect()``, ``torch.cuda.empty_cache()`` on CUDA) before the
next stage loads. The residency also records, per stage, the wall time and the peak memory:
the CUDA allocator peak (``torch.cuda.max_memory_allocated``) on GPU, the process peak RSS
on CPU (sampled in a background thread, since ``ru_maxrss`` never goes down).
"""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

import psutil

from scribe_core.errors import ScribeError

M = TypeVar("M")
R = TypeVar("R")


class ResidencyError(ScribeError):
    """A second model was requested while another one is still resident."""


@dataclass(frozen=True)
class StageUsage:
    """What one stage cost.

    Attributes:
        stage: Stage name (``"diarize"``, ``"transcribe"`` ...).
        seconds: Wall-clock seconds from load to release.
        peak_rss_bytes: Peak resident set size of the process during the stage, in bytes.
        peak_cuda_bytes: Peak CUDA allocator memory during the stage, in bytes (``None``
            when the stage did not run on CUDA).
    """

    stage: str
    seconds: float
    peak_rss_bytes: int
    peak_cuda_bytes: int | None = None


class _RssSampler:
    """Samples the process RSS every ``interval`` seconds in a daemon thread."""

    def __init__(self, interval: float = 0.02) -> None:
        self._proc = psutil.Process()
        self._interval = interval
        self._stop = threading.Event()
        self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _torch_cuda() -> Any | None:
    """The ``torch.cuda`` module when CUDA is usable, else ``None``."""
    try:
        import torch
    except ImportError:
        return None
    cuda = torch.cuda
    return cuda if cuda.is_available() else None


class ModelResidency:
    """Loads one model at a time, hands it to a stage, releases it, and measures the stage.

    Example:
        >>> residency = ModelResidency(device="cpu")
        >>> with residency.load("transcribe", lambda: load_whisper()) as model:
        ...     words = model.transcribe(...)
        >>> residency.usage["transcribe"].peak_rss_bytes

    Args:
        device: ``"cpu"`` or ``"cuda"``; on ``"cuda"`` the allocator peak is reset before and
            read after each stage, and its cache emptied on release.
    """

    def __init__(self, device: str = "cpu") -> None:
        self.device = device
        self.resident: str | None = None
        self.usage: dict[str, StageUsage] = {}
        self.events: list[tuple[str, str]] = []
        """``("load"|"release", stage)`` in order: lets tests prove no two stages overlap."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Measure a stage that loads no model (convert, fuse)."""
        with self._measure(name):
            yield

    def run(self, name: str, loader: Callable[[], M], infer: Callable[[M], R]) -> R:
        """Load a model, run ``infer`` on it, release it, and return what ``infer`` returned.

        Preferred over :meth:`load`: the model never escapes into the caller's scope, so it is
        unreachable (and its GPU memory returnable) when the release runs.

        Args:
            name: Stage name, used as the key of :attr:`usage`.
            loader: Zero-argument callable returning the model.
            infer: Called once with the model; must not keep references to it.

        Raises:
            ResidencyError: Another stage's model is still resident.
        """
        with self.load(name, loader) as model:
            result = infer(model)
            del model
        return result

    @contextmanager
    def load(self, name: str, loader: Callable[[], M]) -> Iterator[M]:
        """Load a model with ``loader``, yield it, then release it.

        Args:
            name: Stage name, used as the key of :attr:`usage`.
            loader: Zero-argument callable returning the model.

        Yields:
            The loaded model. The caller must ``del`` its name for it inside the block (or use
            :meth:`run`), otherwise the release cannot free it.

        Raises:
            ResidencyError: Another stage's model is still resident.
        """
        if self.resident is not None:
            raise ResidencyError(
                f"cannot load the {name!r} model while the {self.resident!r} model is resident"
            )
        with self._measure(name):
            holder: list[M] = [loader()]  # a failed load leaves nothing resident
            self.resident = name
            self.events.append(("load", name))
            try:
                yield holder[0]
            finally:
                holder.clear()
                self.release()
                self.events.append(("release", name))
                self.resident = None

    def release(self) -> None:
        """Collect garbage and return cached CUDA blocks to the driver."""
        gc.collect()
        cuda = _torch_cuda() if self.device == "cuda" else None
        if cuda is not None:
            cuda.synchronize()
            cuda.empty_cache()

    @contextmanager
    def _measure(self, name: str) -> Iterator[None]:
        cuda = _torch_cuda() if self.device == "cuda" else None
        if cuda is not None:
            cuda.reset_peak_memory_stats()
        started = time.perf_counter()
        with _RssSampler() as sampler:
            yield
        seconds = time.perf_counter() - started
        peak_cuda = int(cuda.max_memory_allocated()) if cuda is not None else None
        self.usage[name] = StageUsage(name, seconds, int(sampler.peak), peak_cuda)

    def metadata(self) -> dict[str, Any]:
        """Per-stage usage as a JSON-ready mapping (stored in the fusion document)."""
        return {
            name: {**asdict(u), "seconds": round(u.seconds, 3)} for name, u in self.usage.items()
        }
