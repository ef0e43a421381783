"""Tuning discipline: choose the clustering threshold on some recordings, report it on others.

A parameter swept until a handful of clips look good measures fit, not quality. This module
scores a grid of thresholds of the built-in diarization pipeline on a set of recordings
(scoring the RTTM a user downloads: each hypothesis goes through the RTTM exporter and is
read back) and reports, next to the best pooled figure on all of them, the
**leave-one-recording-out** figure: for each recording, the threshold is chosen on the other
recordings only and the held-out one is scored with it; errors are pooled over the held-out
scores. That figure estimates what users get on recordings the project never saw.

Segmentation and embeddings do not depend on the threshold: pyannote's pipeline caches them in
the file dict while ``pipeline.training`` is true (its own hyper-parameter optimisation
mechanism), so each extra grid point costs only the clustering.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Diarization, SpeakerTurn
from scribe_core.exporters import rttm_lines
from scribe_core.settings import PipelineSettings
from scribe_worker.evaluation.metrics import STRICT_COLLAR, der_components, parse_rttm

DEFAULT_GRID = tuple(round(x, 2) for x in np.arange(0.70, 1.101, 0.05))
"""Centroid-linkage distance thresholds tried (euclidean distance of unit-norm CAM++
embeddings; 0.70 ≈ cosine 0.755, 1.10 ≈ cosine 0.395)."""


@dataclass(frozen=True)
class LeaveOneOutReport:
    """Grid scores and the leave-one-out estimate.

    Attributes:
        grid: Thresholds tried, shape ``(G,)``.
        names: Recording names, shape ``(R,)``.
        errors: Strict DER errors in seconds, shape ``(G, R)``.
        totals: Reference speech in seconds, shape ``(R,)``.
        chosen: For each recording, the threshold chosen on the others.
        pooled_best: Pooled strict DER of the best single threshold on all recordings.
        best_threshold: That threshold.
        pooled_loo: Pooled strict DER of the held-out recordings, each scored with the
            threshold chosen without it.
    """

    grid: tuple[float, ...]
    names: tuple[str, ...]
    errors: npt.NDArray[np.float64]
    totals: npt.NDArray[np.float64]
    chosen: tuple[float, ...]
    pooled_best: float
    best_threshold: float
    pooled_loo: float

    def pooled_at(self, threshold: float) -> float:
        """Pooled strict DER over all recordings at one grid threshold."""
        row = self.grid.index(threshold)
        return float(self.errors[row].sum() / max(self.totals.sum(), 1e-9))


def leave_one_out(
    grid: Sequence[float], names: Sequence[str], errors: npt.ArrayLike, totals: npt.ArrayLike
) -> LeaveOneOutReport:
    """Leave-one-recording-out estimate from per-recording DER errors on a grid.

    Args:
        grid: Thresholds, ``(G,)``.
        names: Recordings, ``(R,)`` with ``R >= 2``.
        errors: DER errors in seconds, ``(G, R)``.
        totals: Reference speech in seconds, ``(R,)``.

    Returns:
        The report; ties between thresholds go to the one nearest the middle of the grid.

    Raises:
        ValueError: Fewer than 2 recordings, or shapes that do not match.
    """
    err = np.asarray(errors, dtype=np.float64)
    tot = np.asarray(totals, dtype=np.float64)
    if err.shape != (len(grid), len(names)) or tot.shape != (len(names),) or len(names) < 2:
        raise ValueError("errors must be (grid, recordings) with at least 2 recordings")
    middle = (len(grid) - 1) / 2
    tie_break = -np.abs(np.arange(len(grid)) - middle) * 1e-12

    def best(columns: npt.NDArray[np.bool_]) -> int:
        pooled = err[:, columns].sum(axis=1) / max(tot[columns].sum(), 1e-9)
        return int(np.argmin(pooled - tie_break))

    all_columns = np.ones(len(names), dtype=bool)
    best_row = best(all_columns)
    chosen_rows = []
    held_out_errors = 0.0
    for index in range(len(names)):
        others = all_columns.copy()
        others[index] = False
        row = best(others)
        chosen_rows.append(row)
        held_out_errors += err[row, index]
    return LeaveOneOutReport(
        grid=tuple(float(g) for g in grid),
        names=tuple(names),
        errors=err,
        totals=tot,
        chosen=tuple(float(grid[r]) for r in chosen_rows),
        pooled_best=float(err[best_row].sum() / max(tot.sum(), 1e-9)),
        best_threshold=float(grid[best_row]),
        pooled_loo=float(held_out_errors / max(tot.sum(), 1e-9)),
    )


def exported_rttm_diarization(turns: Sequence[SpeakerTurn], uri: str) -> Diarization:
    """The diarization a user downloads: ``turns`` through the RTTM exporter, read back."""
    parsed = parse_rttm(rttm_lines(tuple(turns), uri))
    return parsed.get(uri, Diarization(()))


def threshold_grid(
    recordings: Sequence[tuple[str, npt.NDArray[np.float32], Diarization]],
    settings: PipelineSettings,
    grid: Sequence[float] = DEFAULT_GRID,
    on_recording: Callable[[str], None] | None = None,
) -> LeaveOneOutReport:
    """Score the built-in pipeline on a grid of clustering thresholds, leave-one-out.

    Args:
        recordings: ``(name, waveform, reference)``: 16 kHz mono float32 ``(N,)`` and the
            ground-truth diarization.
        settings: Pipeline settings (segmentation step, models); the threshold is varied.
        grid: Thresholds to try.
        on_recording: Called with each recording's name before it is processed.

    Returns:
        The :class:`LeaveOneOutReport` of strict DER (no collar, overlap scored).
    """
    import torch

    from scribe_worker.stages.diarize import min_cluster_size, shipped_pipeline, to_diarization

    pipeline = shipped_pipeline(settings)
    pipeline.training = True  # cache segmentation and embeddings per file dict
    step = settings.diarization_segmentation_step
    errors = np.zeros((len(grid), len(recordings)))
    totals = np.zeros(len(recordings))
    for column, (name, waveform, reference) in enumerate(recordings):
        if on_recording is not None:
            on_recording(name)
        file: dict[str, Any] = {
            "waveform": torch.from_numpy(np.ascontiguousarray(waveform))[None, :],
            "sample_rate": SAMPLE_RATE,
            "uri": name,
        }
        duration = waveform.size / SAMPLE_RATE
        for row, threshold in enumerate(grid):
            pipeline.instantiate(
                {
                    "segmentation": {"min_duration_off": 0.0},
                    "clustering": {
                        "method": "centroid",
                        "min_cluster_size": min_cluster_size(step),
                        "threshold": float(threshold),
                    },
                }
            )
            hypothesis = to_diarization(pipeline(file), duration)
            exported = exported_rttm_diarization(hypothesis.turns, name)
            parts = der_components(reference, exported, STRICT_COLLAR)
            errors[row, column] = parts.missed + parts.false_alarm + parts.confusion
            totals[column] = parts.total
    return leave_one_out(grid, [r[0] for r in recordings], errors, totals)
