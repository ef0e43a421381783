"""Model residency on CUDA: the allocator peak is read per stage, and a release gives the
model's memory back to the driver (``torch.cuda.empty_cache``).

Runs wherever torch sees a CUDA device; skipped elsewhere (the CPU branch is covered by
``test_residency.py``).
"""

from __future__ import annotations

from typing import Any

import pytest

torch = pytest.importorskip("torch")

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(
        not torch.cuda.is_available(),
        reason=f"needs a CUDA GPU; torch {torch.__version__} sees none here",
    ),
]

MIB = 2**20


def _linear(features: int) -> Any:
    """A real CUDA model: one float32 ``features x features`` linear layer."""
    return torch.nn.Linear(features, features, bias=False).to("cuda").eval()


def _infer(model: Any, *, batch: int, features: int) -> bool:
    """One forward pass on a random ``(batch, features)`` float32 input; True when finite."""
    with torch.inference_mode():
        out = model(torch.randn(batch, features, device="cuda"))
        return bool(torch.isfinite(out).all())


def test_cuda_peak_is_read_per_stage_and_release_empties_the_cache() -> None:
    from scribe_worker.models.residency import ModelResidency

    # Warm up: the cuBLAS workspace of the first matmul stays allocated for the process, so
    # it belongs to the baseline, not to a stage.
    torch.matmul(torch.ones(8, 8, device="cuda"), torch.ones(8, 8, device="cuda"))
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    allocated_before = torch.cuda.memory_allocated()
    reserved_before = torch.cuda.memory_reserved()
    residency = ModelResidency(device="cuda")

    big = 4096  # 64 MiB of weights
    with residency.load("diarize", lambda: _linear(big)) as model:
        assert _infer(model, batch=256, features=big)
        assert torch.cuda.memory_reserved() > reserved_before
        del model  # the caller's last reference goes inside the block (see ModelResidency.load)
    torch.cuda.synchronize()

    # Released: the weights are freed AND their cached blocks returned to the driver.
    assert torch.cuda.memory_allocated() == allocated_before
    assert torch.cuda.memory_reserved() <= reserved_before

    small = 1024  # 4 MiB of weights
    with residency.load("transcribe", lambda: _linear(small)) as model:
        assert _infer(model, batch=16, features=small)
        del model

    diarize = residency.usage["diarize"]
    transcribe = residency.usage["transcribe"]
    assert diarize.peak_cuda_bytes is not None
    assert transcribe.peak_cuda_bytes is not None
    # Weights + input + output of each stage are inside its peak ...
    assert diarize.peak_cuda_bytes >= big * big * 4 + 2 * 256 * big * 4
    assert transcribe.peak_cuda_bytes >= small * small * 4
    # ... and the peak is reset between stages: the second one does not inherit the first's.
    assert transcribe.peak_cuda_bytes < big * big * 4
    assert residency.events == [
        ("load", "diarize"),
        ("release", "diarize"),
        ("load", "transcribe"),
        ("release", "transcribe"),
    ]
    metadata = residency.metadata()
    assert metadata["diarize"]["peak_cuda_bytes"] == diarize.peak_cuda_bytes
    print(
        f"peak VRAM: diarize {diarize.peak_cuda_bytes / MIB:.1f} MiB, "
        f"transcribe {transcribe.peak_cuda_bytes / MIB:.1f} MiB"
    )
