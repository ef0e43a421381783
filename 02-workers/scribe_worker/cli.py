"""The ``scribe`` command line.

Commands:
    ``scribe process FILE``  run the pipeline on one recording and write its exports.
    ``scribe eval [DIR]``    score the pipeline on the evaluation folders (DER, WER, identification,
                             real-time factor, peak memory) and print one table.
    ``scribe serve``         the embedded default: gateway + queue + pipeline in one process.
    ``scribe enroll NAME FILE...``  add a person to the folder voice bank (``VOICE_BANK_DIR``).

Expected failures (missing file, undecodable audio, bad options, unloadable model) print one
``error: ...`` line on stderr (the error's sentence, not ffmpeg's or a library's text; that raw
detail follows on a ``detail: ...`` line with ``--verbose``) and exit with status 1 (2 for
usage errors).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from scribe_core.domain import ProcessingOptions
from scribe_core.errors import BadInputError, ScribeError
from scribe_core.exporters import FORMATS, export

EXIT_ERROR = 1
EXIT_USAGE = 2


class UsageError(Exception):
    """Bad command-line usage (exit status 2)."""


def _formats(value: str) -> list[str]:
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise argparse.ArgumentTypeError(
            f"unknown format(s) {', '.join(unknown) or '(none)'}; choose from {','.join(FORMATS)}"
        )
    return formats


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``scribe`` (exposed for tests and docs)."""
    parser = argparse.ArgumentParser(
        prog="scribe", description="Smart Meeting Scribe: who said what, word by word."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the models do")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("process", help="transcribe and diarize one recording")
    p.add_argument("file", type=Path, help="audio or video file (wav, flac, mp3, m4a, ogg, ...)")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (default ./out)")
    p.add_argument(
        "--format", type=_formats, default=list(FORMATS),
        help=f"comma-separated export formats (default {','.join(FORMATS)})",
    )  # fmt: skip
    p.add_argument(
        "--voice-bank",
        type=Path,
        default=None,
        help="folder of <Name>.wav or <Name>/*.wav enrolment samples",
    )
    p.add_argument("--language", default="auto", help="auto (detect), en, fr, ... (Whisper code)")
    count = p.add_mutually_exclusive_group()
    count.add_argument("--num-speakers", type=_positive, help="exact number of speakers")
    count.add_argument("--min-speakers", type=_positive, help="lower bound on speakers")
    p.add_argument("--max-speakers", type=_positive, help="upper bound on speakers")
    p.add_argument(
        "--diarization",
        metavar="PIPELINE",
        help="pyannote pipeline: hub id or local directory (default PYANNOTE_PIPELINE; "
        "empty = the shipped segmentation-3.0 + CAM++ pipeline)",
    )
    p.add_argument("--model", help="Whisper model name or CTranslate2 directory")
    p.add_argument("--quiet", action="store_true", help="do not print the transcript")

    e = sub.add_parser("eval", help="score the pipeline on ../shared/eval and print a table")
    e.add_argument(
        "dir", type=Path, nargs="?", default=None, help="evaluation folder (default ../shared/eval)"
    )
    e.add_argument(
        "--only",
        default="",
        help="comma-separated subsets: sample-call,katie-steve,voxceleb-pairs,calibration,"
        "ami-30s,fleurs,jfk,multilingual (default all)",
    )

    n = sub.add_parser(
        "enroll",
        help="add a person to the folder voice bank from recordings of their voice",
        description="Each recording is converted to 16 kHz mono WAV into VOICE_BANK/NAME/, "
        "after the same speech check and embedding as the API's enrolment (refused with a "
        "reason when it holds too little speech).",
    )
    n.add_argument("name", help="the person's name, as it will appear in transcripts")
    n.add_argument("files", nargs="+", type=Path, metavar="FILE", help="recordings")
    n.add_argument(
        "--voice-bank", type=Path, default=None, help="voice bank folder (default VOICE_BANK_DIR)"
    )

    s = sub.add_parser("serve", help="embedded default: gateway + pipeline in one process")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=5000)
    return parser


def _process(args: argparse.Namespace) -> int:
    from scribe_core.settings import get_pipeline_settings
    from scribe_worker.pipeline import run_pipeline
    from scribe_worker.progress import StageProgress
    from scribe_worker.stages.identify import FolderVoiceBank

    if args.max_speakers is not None and args.num_speakers is not None:
        raise UsageError("give either --num-speakers or --min-speakers/--max-speakers")
    if not args.file.is_file():
        raise UsageError(f"no such file: {args.file}")
    try:
        options = ProcessingOptions(
            language=args.language, num_speakers=args.num_speakers,
            min_speakers=args.min_speakers, max_speakers=args.max_speakers,
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from exc

    updates: dict[str, object] = {}
    if args.diarization:
        updates["pyannote_pipeline"] = args.diarization
    if args.model:
        updates["whisper_model"] = args.model
    settings = get_pipeline_settings().model_copy(update=updates)
    bank_dir = args.voice_bank or settings.voice_bank_dir
    if args.voice_bank is not None and not args.voice_bank.is_dir():
        raise UsageError(f"voice bank folder not found: {args.voice_bank}")
    bank = FolderVoiceBank(bank_dir) if bank_dir.is_dir() else None

    with StageProgress(enabled=sys.stderr.isatty()) as progress:
        result = run_pipeline(
            args.file, options, settings=settings, voiceprints=bank, on_progress=progress.update
        )
    document = result.document

    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.file.stem
    written = []
    for fmt in args.format:
        path = args.out / f"{stem}.{fmt}"
        path.write_text(export(document, fmt, uri=stem), encoding="utf-8")
        written.append(path)

    if not args.quiet:
        print(export(document, "txt") or "(no speech found)", end="" if document.segments else "\n")
    stages = document.metadata.get("stages", {})
    rtf = document.metadata.get("real_time_factor")
    speakers = (
        ", ".join(
            s.display_name + (" (unsure)" if s.match == "unsure" else "") for s in document.speakers
        )
        or "none"
    )
    peak_rss = max((v["peak_rss_bytes"] for v in stages.values()), default=0)
    print(
        f"\n{len(document.segments)} paragraphs, speakers: {speakers}; language "
        f"{document.language}; {document.duration:.1f} s of audio in "
        f"{document.processing_time:.1f} s (real-time factor {rtf}); "
        f"peak RSS {peak_rss / 2**20:.0f} MiB",
        file=sys.stderr,
    )
    print("wrote " + ", ".join(str(p) for p in written), file=sys.stderr)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from scribe_worker.evaluation.evaluate import main as eval_main

    only = [s.strip() for s in args.only.split(",") if s.strip()]
    return eval_main(args.dir, only)


def _enroll(args: argparse.Namespace) -> int:
    import re
    import shutil
    import tempfile

    from scribe_core.settings import VoiceBankSettings, get_pipeline_settings
    from scribe_worker.models.loader import load_embedder
    from scribe_worker.stages.convert import convert, read_wav
    from scribe_worker.stages.enrolment import enrolment_embedding

    name = " ".join(args.name.split())
    if not re.fullmatch(r"[^\W_][\w .-]*", name) or ".." in name:
        raise UsageError(f"invalid name {args.name!r}: use letters, digits, spaces, '.', '_', '-'")
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError("no such file: " + ", ".join(missing))
    settings = get_pipeline_settings()
    destination = (args.voice_bank or settings.voice_bank_dir) / name
    min_speech = VoiceBankSettings().min_speech_seconds
    embedder = load_embedder(settings)
    with tempfile.TemporaryDirectory(prefix="scribe-enroll-") as tmp:
        converted = []
        for index, source in enumerate(args.files):  # check every file before writing any
            wav = Path(tmp) / f"{index}.wav"
            try:
                convert(source, wav, max_seconds=settings.max_audio_seconds)
                enrolment_embedding(read_wav(wav), embedder, min_speech)
            except ScribeError as exc:
                raise BadInputError(
                    f"{source.name}: {exc.detail}", code=exc.code, internal=exc.internal
                ) from exc
            converted.append((source, wav))
        destination.mkdir(parents=True, exist_ok=True)
        for source, wav in converted:
            shutil.move(wav, destination / f"{source.stem}.wav")
    print(f"enrolled {name!r}: {len(converted)} recording(s) in {destination}/")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from scribe_worker.jobs.serve import serve

    serve(host=args.host, port=args.port)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scribe`` console script.

    Returns:
        The process exit status (0 success, 1 expected error, 2 usage error).
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not args.verbose:
        logging.getLogger("faster_whisper").setLevel(logging.ERROR)
    handlers = {"process": _process, "eval": _eval, "serve": _serve, "enroll": _enroll}
    try:
        return handlers[args.command](args)
    except UsageError as exc:
        print(f"scribe: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ScribeError as exc:
        print(f"scribe: error: {exc.detail}", file=sys.stderr)
        if exc.internal and args.verbose:
            print(f"scribe: detail: {exc.internal}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("scribe: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
