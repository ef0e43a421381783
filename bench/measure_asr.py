"""Measure the transcribe stage: WER and detected language on the evaluation audio.

Usage::

    OMP_NUM_THREADS=1 .venv/bin/python bench/measure_asr.py [--eval-dir ../shared/eval]
        [--english-model ""|same|<model>] [--language auto|en|fr|...]

Each recording goes through :class:`~scribe_worker.stages.transcribe.WhisperSession` exactly
as the pipeline runs it (models from the environment / ``.env``, by default the shipped
``base`` for detection and non-English speech and the shipped ``tiny.en`` for English), one
fresh session per file, so "wall/dur" (wall seconds over audio seconds) includes loading
the model(s) and is no real-time factor on these short clips.

Recordings: the 10 English and 10 French FLEURS sentences, ``sample-call`` (reference: the
words of ``sample.stm``), ``jfk``, and the ``multilingual`` sentences (reference and language
from ``reference_transcripts.tsv``). WER is jiwer after lower-casing and removing
punctuation (:func:`scribe_worker.evaluation.metrics.wer`); "pooled" counts the errors of a
group over its reference words, "mean" averages the per-file WER. Prints one table.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@dataclass(frozen=True)
class Clip:
    """One recording to transcribe: group, path, reference text, reference language."""

    group: str
    path: Path
    reference: str
    language: str


def clips(eval_dir: Path) -> list[Clip]:
    """Every recording with a reference transcript, in a stable order."""
    from scribe_worker.evaluation.metrics import load_stm

    found: list[Clip] = []
    for language in ("en", "fr"):
        for audio in sorted((eval_dir / "fleurs").glob(f"fleurs-{language}-*.ogg")):
            text = audio.with_suffix(".txt").read_text(encoding="utf-8").strip()
            found.append(Clip(f"fleurs-{language}", audio, text, language))
    stm = eval_dir / "sample-call" / "sample.stm"
    reference = " ".join(text for _, text in load_stm(stm))
    found.append(Clip("sample-call", stm.with_suffix(".wav"), reference, "en"))
    found.append(Clip("jfk", eval_dir / "jfk" / "jfk.flac", JFK, "en"))
    table = eval_dir / "multilingual" / "reference_transcripts.tsv"
    with table.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            audio = eval_dir / "multilingual" / row["file"]
            if audio.is_file():
                found.append(Clip("multilingual", audio, row["transcript"], row["language"]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--english-model", default=None, help="WHISPER_ENGLISH_MODEL override")
    parser.add_argument("--language", default="auto", help="auto, or a code to force")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    import jiwer

    from scribe_core.settings import PipelineSettings
    from scribe_worker.evaluation.metrics import normalise_text, wer
    from scribe_worker.stages.convert import load_audio
    from scribe_worker.stages.transcribe import WhisperSession

    overrides = {} if args.english_model is None else {"WHISPER_ENGLISH_MODEL": args.english_model}
    settings = PipelineSettings(**overrides)
    language = None if args.language == "auto" else args.language
    print(
        f"WHISPER_MODEL={settings.whisper_model!r} "
        f"WHISPER_ENGLISH_MODEL={settings.whisper_english_model!r} language={args.language} "
        f"compute={settings.whisper_compute_type} beam={settings.whisper_beam_size}\n"
    )
    header = f"{'file':<28}{'ref':>4}{'det':>5}{'p':>6}  {'model':<24}{'WER %':>7}{'wall/dur':>9}"
    print(header)
    print("-" * len(header))
    groups: dict[str, list[tuple[str, str, float, bool]]] = {}
    for clip in clips(args.eval_dir):
        waveform = load_audio(clip.path)
        started = time.perf_counter()
        session = WhisperSession(settings, "cpu", language=language)
        result = session.transcribe(waveform)
        del session
        seconds = time.perf_counter() - started
        t = result.transcription
        score = wer(clip.reference, t.text)
        right = t.language == clip.language
        groups.setdefault(clip.group, []).append((clip.reference, t.text, score, right))
        print(
            f"{clip.path.name:<28}{clip.language:>4}{t.language:>5}{t.language_probability:>6.2f}"
            f"  {result.model:<24}{100 * score:>7.1f}{seconds / t.duration:>9.2f}"
            + ("" if right else "  <- language")
        )
    print()
    print(f"{'group':<14}{'files':>6}{'language ok':>13}{'WER pooled %':>14}{'WER mean %':>12}")
    for group, rows in groups.items():
        references = [normalise_text(r) for r, _, _, _ in rows]
        hypotheses = [normalise_text(h) for _, h, _, _ in rows]
        pooled = jiwer.wer(references, hypotheses)
        mean = sum(s for _, _, s, _ in rows) / len(rows)
        ok = sum(right for *_, right in rows)
        print(
            f"{group:<14}{len(rows):>6}{ok:>9}/{len(rows):<3}"
            f"{100 * pooled:>14.1f}{100 * mean:>12.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
