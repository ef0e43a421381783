"""Benchmark: real-time factor and peak memory of the pipeline versus bare faster-whisper.

Usage::

    .venv/bin/python bench/bench_pipeline.py [--eval-dir ../shared/eval] [--repeat 1]

Recordings: the 30 s ``sample-call``; 5 minutes (the ten ``ami-30s`` clips concatenated);
60 minutes (those 5 minutes twelve times); and a 3-minute two-speaker telephone recording
(``sample-call`` six times through an 8 kHz G.711 mu-law channel and back to 16 kHz, so speed is
also measured on narrow-band audio). For each, the full pipeline (embedded defaults from the
environment: diarization, identification against a two-person voice bank, transcription)
runs in a fresh subprocess so its peak RSS is its own, then bare faster-whisper running
Whisper base (int8, VAD on, the same decoding options) runs in another fresh subprocess.
Prints one table; the pipeline's overhead over transcription alone is the ratio of the two
wall times. ``--skip-hour`` leaves the 60-minute recording out.
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

_PIPELINE = """
import json, resource, sys, time
from pathlib import Path
from scribe_worker.pipeline import run_pipeline
from scribe_worker.stages.identify import FolderVoiceBank
bank = FolderVoiceBank(Path(sys.argv[2])) if len(sys.argv) > 2 else None
t = time.perf_counter()
r = run_pipeline(Path(sys.argv[1]), voiceprints=bank)
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "duration": r.document.duration,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "stages": r.document.metadata["stages"],
                  "speakers": len(r.diarization.labels)}))
"""

_BARE = """
import json, resource, sys, time
from pathlib import Path
from scribe_core.settings import get_pipeline_settings
from scribe_worker.stages.convert import load_audio
from scribe_worker.stages.transcribe import load_whisper, transcribe
t = time.perf_counter()
wave = load_audio(Path(sys.argv[1]))
settings = get_pipeline_settings().model_copy(update={"whisper_compute_type": "int8"})
model = load_whisper(settings, "cpu", model="")  # Whisper base, int8
result = transcribe(model, wave)
wall = time.perf_counter() - t
print(json.dumps({"wall": wall, "duration": result.duration,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _run(code: str, audio: Path, *extra: Path) -> dict[str, object]:
    env = {**os.environ, "PYANNOTE_METRICS_ENABLED": "0", "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(audio), *map(str, extra)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def build_five_minutes(eval_dir: Path, out: Path) -> Path:
    """Concatenate the ten ``ami-30s`` clips (10 × 30 s) into one 16 kHz WAV with ffmpeg."""
    clips = sorted((eval_dir / "ami-30s").glob("trn*.wav"))
    listing = out / "clips.txt"
    listing.write_text("".join(f"file '{c}'\n" for c in clips))
    target = out / "ami-5min.wav"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "concat",
            "-safe",
            "0",
            "-i",
            str(listing),
            "-c",
            "copy",
            str(target),
        ],
        check=True,
    )
    return target


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def build_hour(five_minutes: Path, out: Path) -> Path:
    """Twelve copies of the 5-minute recording: 60 minutes."""
    listing = out / "hour.txt"
    listing.write_text(f"file '{five_minutes}'\n" * 12)
    target = out / "ami-60min.wav"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(target))
    return target


def build_telephone(sample: Path, out: Path) -> Path:
    """``sample-call`` six times (3 minutes) through 8 kHz mu-law and back to 16 kHz PCM."""
    listing = out / "phone.txt"
    listing.write_text(f"file '{sample}'\n" * 6)
    narrow = out / "phone-8k.wav"
    _ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-ar", "8000", "-ac", "1",
            "-c:a", "pcm_mulaw", str(narrow))  # fmt: skip
    target = out / "phone-3min.wav"
    _ffmpeg("-i", str(narrow), "-ar", "16000", "-c:a", "pcm_s16le", str(target))
    return target


def build_voice_bank(eval_dir: Path, out: Path) -> Path:
    """A folder voice bank with the two katie-steve enrolment recordings."""
    bank = out / "voices"
    bank.mkdir()
    for person in ("katie", "steve"):
        source = eval_dir / "katie-steve" / f"enrollment_audio_{person}.wav"
        (bank / f"{person.title()}.wav").symlink_to(source)
    return bank


def main() -> int:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--eval-dir", type=Path, default=ROOT.parent / "shared" / "eval")
    parser.add_argument("--skip-hour", action="store_true", help="leave out the 60 min file")
    args = parser.parse_args()
    if not (args.eval_dir / "sample-call" / "sample.wav").is_file():
        print(f"evaluation audio not found in {args.eval_dir}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        sample = args.eval_dir / "sample-call" / "sample.wav"
        five = build_five_minutes(args.eval_dir, Path(tmp))
        recordings = {
            "sample-call (30 s)": sample,
            "ami 10 clips (5 min)": five,
            "telephone (3 min)": build_telephone(sample, Path(tmp)),
        }
        if not args.skip_hour:
            recordings["ami x12 (60 min)"] = build_hour(five, Path(tmp))
        bank = build_voice_bank(args.eval_dir, Path(tmp))
        rows = []
        for name, path in recordings.items():
            pipe = _run(_PIPELINE, path, bank)
            bare = _run(_BARE, path)
            rows.append((name, pipe, bare))

    mib = 2**20
    device = os.environ.get("DEVICE", "cpu")
    print(f"\nmachine: {os.cpu_count()} CPU cores, DEVICE={device}; whisper = bare Whisper base")
    header = (
        f"{'recording':<22} {'audio s':>8} {'pipeline s':>10} {'RTF':>6} {'peak RSS':>9} "
        f"{'whisper s':>9} {'RTF':>6} {'peak RSS':>9} {'overhead':>8}"
    )
    print(header)
    print("-" * len(header))
    for name, pipe, bare in rows:
        dur = float(pipe["duration"])  # type: ignore[arg-type]
        pw, bw = float(pipe["wall"]), float(bare["wall"])  # type: ignore[arg-type]
        print(
            f"{name:<22} {dur:>8.1f} {pw:>10.1f} {pw / dur:>6.3f} "
            f"{int(pipe['peak_rss']) / mib:>6.0f}MiB {bw:>9.1f} {bw / dur:>6.3f} "  # type: ignore[call-overload]
            f"{int(bare['peak_rss']) / mib:>6.0f}MiB {pw / bw:>7.2f}x"
        )  # type: ignore[call-overload]
    print("\nper-stage (pipeline): seconds / peak RSS")
    for name, pipe, _ in rows:
        stages = pipe["stages"]
        cells = ", ".join(
            f"{k} {v['seconds']:.1f}s/{v['peak_rss_bytes'] / mib:.0f}MiB" for k, v in stages.items()
        )  # type: ignore[union-attr]
        print(f"  {name}: {cells}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
