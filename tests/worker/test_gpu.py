"""Device resolution: a worker without a usable GPU says so in one log line, then falls back
to the CPU or stops, as ``REQUIRE_GPU`` says.

The in-process tests run against the real torch/CTranslate2 of the environment; their
expectation follows the real probe, so they hold on a CPU machine and on a GPU machine. The
subprocess tests hide every GPU with ``CUDA_VISIBLE_DEVICES=""`` (as a container without the
NVIDIA runtime would be), so the no-GPU path is exercised on both kinds of machine.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from scribe_core.settings import PipelineSettings
from scribe_worker.models import device as gpu
from scribe_worker.models.device import GpuUnavailableError, check_device, probe_cuda


def _settings(**env: str) -> PipelineSettings:
    """Settings from these values only (no process environment, no ``.env``)."""
    return PipelineSettings.model_validate(env)


@pytest.fixture(autouse=True)
def _fresh_reports() -> Iterator[None]:
    gpu._reported.clear()
    yield
    gpu._reported.clear()


def test_device_cpu_never_probes_cuda() -> None:
    probe_cuda.cache_clear()
    assert check_device(_settings(DEVICE="cpu")) == "cpu"
    assert probe_cuda.cache_info().currsize == 0


def test_require_gpu_contradicting_device_cpu_is_refused() -> None:
    with pytest.raises(GpuUnavailableError, match="contradicts DEVICE=cpu"):
        check_device(_settings(DEVICE="cpu", REQUIRE_GPU="true"))


@pytest.mark.parametrize("device", ["cuda", "auto"])
def test_cuda_or_auto_follow_the_probe_and_log_one_line(
    device: str, caplog: pytest.LogCaptureFixture
) -> None:
    probe = probe_cuda()
    settings = _settings(DEVICE=device, REQUIRE_GPU="false")
    with caplog.at_level(logging.INFO, logger="scribe_worker.models.device"):
        first = check_device(settings)
        second = check_device(settings)  # the check runs per meeting: logged once only
    assert first == second == ("cuda" if probe.usable else "cpu")
    records = [r for r in caplog.records if r.name == "scribe_worker.models.device"]
    assert len(records) == 1
    assert probe.detail in records[0].getMessage()
    if not probe.usable:
        assert "falling back to the CPU" in records[0].getMessage()
        expected = logging.WARNING if device == "cuda" else logging.INFO
        assert records[0].levelno == expected


def test_require_gpu_without_a_usable_gpu_raises() -> None:
    probe = probe_cuda()
    if probe.usable:
        pytest.skip(f"a usable GPU is present ({probe.detail}); the subprocess test hides it")
    with pytest.raises(GpuUnavailableError, match="REQUIRE_GPU=true") as info:
        check_device(_settings(DEVICE="cuda", REQUIRE_GPU="true"))
    assert probe.detail in info.value.detail
    assert info.value.status_code == 503


def _run_check(**env: str) -> subprocess.CompletedProcess[str]:
    child_env = (
        {k: v for k, v in os.environ.items() if k not in {"DEVICE", "REQUIRE_GPU"}}
        | {"CUDA_VISIBLE_DEVICES": ""}
        | env
    )
    return subprocess.run(
        [sys.executable, "-m", "scribe_worker.models.device"],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_worker_start_check_stops_without_gpu_when_required() -> None:
    result = _run_check(DEVICE="cuda", REQUIRE_GPU="true")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ERROR scribe_worker.models.device: no usable CUDA GPU:")
    assert "the worker stops" in lines[0]


def test_worker_start_check_falls_back_to_cpu_when_allowed() -> None:
    result = _run_check(DEVICE="cuda", REQUIRE_GPU="false")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 0, result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("WARNING scribe_worker.models.device: no usable CUDA GPU:")
    assert "falling back to the CPU" in lines[0]


def test_worker_start_check_rejects_an_invalid_device_in_one_line() -> None:
    result = _run_check(DEVICE="gpu")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1
    assert len(lines) == 1, result.stderr
    assert "invalid pipeline settings" in lines[0]
    assert "DEVICE" in lines[0]
