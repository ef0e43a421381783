"""Benchmark: peak memory and real-time factor of the pipeline on long recordings.

Usage::

    .venv/bin/python bench/bench_memory.py [--eval-dir ../shared/eval] [--minutes 5,60,180]
                                           [--parallel]

Recordings of real speech are built in a temporary folder (never in the repository): the ten
``ami-30s`` clips and the ``sample-call``, each followed by 4 s of silence, repeated and cut to
5 minutes, 1 hour and 3 hours. Each runs through the whole pipeline (embedded defaults from the
environment, identification against the two-person ``katie-steve`` voice bank) in a fresh
process, whose peak RSS (``ru_maxrss``) is its own; ``--parallel`` starts them all at once
(same peaks, slower and noisier wall times). Prints one markdown table, the per-stage peaks,
and the ratio of the longest recording's peak to the shortest one's: the pipeline reads the
converted WAV in windows, so that ratio should stay near 1 (goal: at most 1.5 for 3 h / 5 min).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_RATE = 16_000
MIB = 2**20

_PIPELINE = """
import json, resource, sys, time
from pathlib import Path
from scribe_worker.pipeline import run_pipeline
from scribe_worker.stages.identify import FolderVoiceBank
t = time.perf_counter()
r = run_pipeline(Path(sys.argv[1]), voiceprints=FolderVoiceBank(Path(sys.argv[2])))
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "duration": r.document.duration,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "stages": r.document.metadata["stages"],
                  "speakers": len(r.diarization.labels), "words": len(r.transcription.words)}))
"""


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def build_recording(eval_dir: Path, out: Path, minutes: float) -> Path:
    """``minutes`` of real speech: eval clips with 4 s of silence after each, repeated, cut."""
    clips = [
        *sorted((eval_dir / "ami-30s").glob("trn*.wav")),
        eval_dir / "sample-call" / "sample.wav",
    ]
    silence = out / "silence.wav"
    if not silence.exists():
        _ffmpeg("-f", "lavfi", "-i", f"anullsrc=r={SAMPLE_RATE}:cl=mono", "-t", "4",
                "-c:a", "pcm_s16le", str(silence))  # fmt: skip
    unit = out / "unit.wav"
    if not unit.exists():
        listing = out / "unit.txt"
        listing.write_text("".join(f"file '{c}'\nfile '{silence}'\n" for c in clips))
        _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-ar", str(SAMPLE_RATE),
                "-ac", "1", "-c:a", "pcm_s16le", str(unit))  # fmt: skip
    unit_seconds = os.path.getsize(unit) / (2 * SAMPLE_RATE)
    repeats = int(minutes * 60 // unit_seconds) + 1
    listing = out / f"long-{minutes:g}.txt"
    listing.write_text(f"file '{unit}'\n" * repeats)
    target = out / f"speech-{minutes:g}min.wav"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-t", str(minutes * 60),
            "-c", "copy", str(target))  # fmt: skip
    return target


def build_voice_bank(eval_dir: Path, out: Path) -> Path:
    """A folder voice bank with the two katie-steve enrolment recordings."""
    bank = out / "voices"
    bank.mkdir(exist_ok=True)
    for person in ("katie", "steve"):
        link = bank / f"{person.title()}.wav"
        if not link.exists():
            link.symlink_to(eval_dir / "katie-steve" / f"enrollment_audio_{person}.wav")
    return bank


def _start(audio: Path, bank: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYANNOTE_METRICS_ENABLED": "0", "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", _PIPELINE, str(audio), str(bank)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip


def _result(proc: subprocess.Popen[str], minutes: float) -> dict[str, object]:
    """Wait for one run; its raw result also goes to stderr at once (partial results)."""
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline run failed ({proc.returncode}):\n{stderr[-3000:]}")
    line = stdout.strip().splitlines()[-1]
    print(f"done: {minutes:g} min: {line}", file=sys.stderr, flush=True)
    result: dict[str, object] = json.loads(line)
    return result


def main() -> int:
    """Build the recordings, run them, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--minutes", default="5,60,180", help="recording lengths, minutes")
    parser.add_argument("--parallel", action="store_true", help="run the recordings at once")
    args = parser.parse_args()
    if not (args.eval_dir / "ami-30s").is_dir():
        print(f"evaluation audio not found in {args.eval_dir}", file=sys.stderr)
        return 1
    lengths = [float(m) for m in args.minutes.split(",") if m.strip()]
    rows: list[tuple[float, dict[str, object]]] = []
    with tempfile.TemporaryDirectory(prefix="bench-memory-") as tmp:
        out = Path(tmp)
        bank = build_voice_bank(args.eval_dir, out)
        recordings = [(m, build_recording(args.eval_dir, out, m)) for m in lengths]
        if args.parallel:
            running = [(m, _start(path, bank)) for m, path in recordings]
            rows = [(m, _result(proc, m)) for m, proc in running]
        else:
            rows = [(m, _result(_start(path, bank), m)) for m, path in recordings]

    mode = "in parallel" if args.parallel else "one after the other"
    print(f"\nmachine: {os.cpu_count()} CPU cores, DEVICE={os.environ.get('DEVICE', 'cpu')}; "
          f"each recording in a fresh process, {mode}\n")  # fmt: skip
    print("| recording | audio s | wall s | RTF | peak RSS | diarize | identify | transcribe |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for minutes, r in rows:
        stages: dict[str, dict[str, float]] = r["stages"]  # type: ignore[assignment]
        duration, wall = float(r["duration"]), float(r["wall"])  # type: ignore[arg-type]

        def peak(stage: str, stages: dict[str, dict[str, float]] = stages) -> str:
            return f"{stages[stage]['peak_rss_bytes'] / MIB:.0f} MiB" if stage in stages else "-"

        print(
            f"| {minutes:g} min speech | {duration:.0f} | {wall:.0f} | {wall / duration:.3f} | "
            f"{int(r['peak_rss']) / MIB:.0f} MiB | {peak('diarize')} | {peak('identify')} | "  # type: ignore[call-overload]
            f"{peak('transcribe')} |"
        )
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        ratio = int(last[1]["peak_rss"]) / int(first[1]["peak_rss"])  # type: ignore[call-overload]
        print(f"\npeak RSS ratio {last[0]:g} min / {first[0]:g} min: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
