"""Pipeline results built from reference transcripts, for tests of the jobs around the
pipeline (worker and gateway) that must not depend on a model's output."""

from __future__ import annotations

from pathlib import Path

from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Transcription,
    TranscriptSegment,
    Utterance,
    Word,
)
from scribe_worker.pipeline import PipelineResult


def reference_result(stm: Path) -> PipelineResult:
    """A pipeline result made from a reference transcript (NIST STM), not from a model: one
    segment and one turn per line, words spread evenly over the line, speakers labelled
    ``SPEAKER_00``… in order of appearance."""
    labels: dict[str, str] = {}
    segments, turns, utterances = [], [], []
    for line in stm.read_text().splitlines():
        _, _, speaker, start, end, *text = line.split()
        label = labels.setdefault(speaker, f"SPEAKER_{len(labels):02d}")
        t0, t1 = float(start), float(end)
        step = (t1 - t0) / len(text)
        words = tuple(
            Word(f" {w}", t0 + i * step, t0 + (i + 1) * step, 1.0) for i, w in enumerate(text)
        )
        segments.append(TranscriptSegment(t0, t1, " ".join(text), words))
        turns.append(SpeakerTurn(t0, t1, label))
        utterances.append(Utterance(t0, t1, " ".join(text), label, label, words))
    duration = turns[-1].end
    identities = tuple(SpeakerIdentity(label) for label in sorted(labels.values()))
    return PipelineResult(
        transcription=Transcription(tuple(segments), "en", 1.0, duration),
        diarization=Diarization(tuple(turns), duration=duration),
        identities=identities,
        document=FusionDocument(tuple(utterances), identities, "en", duration, processing_time=1.0),
    )
