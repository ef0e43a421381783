"""Model residency: one model at a time, released before the next loads, usage recorded."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

from scribe_worker.models.residency import ModelResidency, ResidencyError


class _Model:
    """Stands in for a model: holds 64 MiB so the RSS peak is visible."""

    def __init__(self) -> None:
        self.weights = np.ones(64 * 2**20 // 8, dtype=np.float64)


def test_models_of_two_stages_are_never_resident_together() -> None:
    residency = ModelResidency("cpu")
    alive: list[weakref.ref[_Model]] = []

    def loader() -> _Model:
        # Every earlier model must already be garbage when the next one is created.
        gc.collect()
        assert all(ref() is None for ref in alive), "previous stage's model still alive"
        model = _Model()
        alive.append(weakref.ref(model))
        return model

    with residency.load("diarize", loader) as m:
        assert residency.resident == "diarize"
        m.weights.sum()
    del m
    with residency.load("transcribe", loader) as m:
        assert residency.resident == "transcribe"
    del m
    gc.collect()
    assert all(ref() is None for ref in alive)
    assert residency.events == [
        ("load", "diarize"),
        ("release", "diarize"),
        ("load", "transcribe"),
        ("release", "transcribe"),
    ]
    assert residency.resident is None


def test_loading_while_another_model_is_resident_is_refused() -> None:
    residency = ModelResidency("cpu")
    with residency.load("diarize", _Model), pytest.raises(ResidencyError, match="'diarize'"):
        with residency.load("transcribe", _Model):
            pass  # pragma: no cover
    assert residency.resident is None


def test_usage_records_time_and_peak_rss_per_stage() -> None:
    residency = ModelResidency("cpu")
    with residency.load("transcribe", _Model) as m:
        m.weights += 1
    with residency.stage("fuse"):
        pass
    usage = residency.usage["transcribe"]
    assert usage.seconds >= 0
    assert usage.peak_rss_bytes > 64 * 2**20  # at least the model's weights
    assert usage.peak_cuda_bytes is None
    meta = residency.metadata()
    assert set(meta) == {"transcribe", "fuse"}
    assert meta["transcribe"]["peak_rss_bytes"] == usage.peak_rss_bytes


def test_release_happens_even_when_the_stage_fails() -> None:
    residency = ModelResidency("cpu")
    with pytest.raises(RuntimeError), residency.load("identify", _Model):
        raise RuntimeError("inference failed")
    assert residency.resident is None
    assert residency.events[-1] == ("release", "identify")


def test_run_frees_the_model_before_the_release_runs() -> None:
    residency = ModelResidency("cpu")
    refs: list[weakref.ref[_Model]] = []
    alive_at_release: list[bool] = []
    original_release = residency.release

    def loader() -> _Model:
        model = _Model()
        refs.append(weakref.ref(model))
        return model

    def checking_release() -> None:
        gc.collect()
        alive_at_release.append(refs[0]() is not None)
        original_release()

    residency.release = checking_release  # type: ignore[method-assign]
    total = residency.run("transcribe", loader, lambda m: float(m.weights[:10].sum()))
    assert total == 10.0
    assert alive_at_release == [False]  # nothing held the model when memory was returned


def test_a_failed_load_leaves_nothing_resident() -> None:
    residency = ModelResidency("cpu")

    def broken() -> _Model:
        raise OSError("weights not found")

    with pytest.raises(OSError, match="weights not found"), residency.load("diarize", broken):
        pass  # pragma: no cover
    assert residency.resident is None
    with residency.load("transcribe", _Model):
        assert residency.resident == "transcribe"
