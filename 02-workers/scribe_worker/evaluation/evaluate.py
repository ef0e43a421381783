"""``scribe eval``: score what a user downloads and print one table.

**What is scored.** Every recording goes through the same public functions as
``scribe process``: :func:`scribe_worker.pipeline.run_pipeline`, then
:func:`scribe_core.exporters.export` of the ``rttm``, ``txt`` and ``json`` formats with
``uri=<file stem>``, written into a temporary folder. The scores are computed from those
files read back, never from the pipeline's internal objects:

- diarization (DER, speakers found): the exported RTTM, read with
  :func:`~scribe_worker.evaluation.metrics.load_rttm` (the fusion document's turns, overlap
  kept, speakers written with their display names);
- WER: the words of the exported TXT (its ``[hh:mm:ss] Name: `` prefixes removed);
- cpWER, names, language, real-time factor, peak memory: the exported JSON (segments by
  their displayed speaker, ``speakers``, ``language``, ``metadata``).

DER is reported strict (no collar) and forgiving (0.5 s collar), overlap scored; pooled
figures are summed errors over summed reference (speech seconds for DER, words for WER and
cpWER), see ``../shared/eval/README.md``. Nothing is asserted: tests gate quality, this
command reports it.

**Two kinds of folder.**

1. The built-in evaluation set (``../shared/eval``, recognised by its ``sample-call/``
   folder): ``sample-call``, ``katie-steve``, ``voxceleb-pairs``, ``calibration``,
   ``ami-30s``, ``jfk``, ``fleurs``, ``multilingual`` (``--only`` picks some), each with the
   project's target next to the figure. ``voxceleb-pairs`` and ``calibration`` score
   voiceprints directly (:mod:`scribe_worker.evaluation.calibration`): they process no
   meeting. ``ami-30s`` adds the leave-one-clip-out DER of the clustering threshold
   (:func:`scribe_worker.evaluation.tuning.threshold_grid`) and, with Katie and Steve
   enrolled, the clips where somebody got a name (nobody should). A subset that fails gets
   a ``failed`` row and ``scribe eval`` exits with status 1.
2. A user's own folder: ``<name>.<audio ext>`` files, each with optional references of the
   same stem: ``<name>.rttm`` (who spoke when), ``<name>.txt`` (plain-text transcript) or
   ``<name>.stm`` (speaker-attributed transcript, which also gives cpWER; it is the WER
   reference when there is no ``.txt``); and an optional ``voices/`` folder of enrolment
   recordings (``voices/<Person>.wav`` or ``voices/<Person>/*.wav``) used as the voice bank.
   One row per file and a pooled row. See :func:`naming_errors` for how wrong names are
   counted.

Recordings are processed with the language detected (``--language auto``, the default of
``scribe process``) and only the voice bank the evaluation names: the machine's
``VOICE_BANK_DIR`` is never used, so the figures do not depend on who was enrolled there.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import tempfile
import wave
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scribe_core.domain import SAMPLE_RATE, Diarization, ProcessingOptions
from scribe_core.errors import BadInputError
from scribe_core.settings import PROJECT_ROOT, PipelineSettings, get_pipeline_settings

if TYPE_CHECKING:
    from scribe_worker.evaluation.metrics import DERComponents
    from scribe_worker.models.embeddings import Float32Array

logger = logging.getLogger(__name__)

DEFAULT_EVAL_DIR = PROJECT_ROOT.parent / "shared" / "eval"
SUBSETS = (
    "sample-call",
    "katie-steve",
    "voxceleb-pairs",
    "calibration",
    "ami-30s",
    "jfk",
    "fleurs",
    "multilingual",
)
EXPORT_FORMATS = ("rttm", "txt", "json")
"""Formats written and read back for every recording."""

VOICES_FOLDER = "voices"
"""Sub-folder of a user's evaluation folder holding the voice bank."""

JFK_TRANSCRIPT = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


# -- one recording, as a user downloads it ---------------------------------------------------


@dataclass(frozen=True)
class ExportedSpeaker:
    """One entry of the exported JSON's ``speakers``.

    Attributes:
        label: Diarization label (``SPEAKER_00``).
        name: The name given by the voice bank, or ``None``.
        similarity: Cosine similarity to the best voiceprint, or ``None``.
        match: ``confident`` / ``unsure`` / ``none``.
    """

    label: str
    name: str | None
    similarity: float | None
    match: str

    @property
    def display_name(self) -> str:
        """The name when given, else the label."""
        return self.name or self.label


@dataclass(frozen=True)
class Exported:
    """The export files of one recording, read back.

    Attributes:
        uri: The file stem (RTTM ``uri``).
        diarization: The exported RTTM read with ``load_rttm`` (empty when no speech).
        text: The words of the exported TXT, paragraphs joined with spaces.
        segments: ``(displayed speaker, text)`` per paragraph of the exported JSON.
        speakers: The exported JSON's ``speakers``.
        language: The exported JSON's ``language``.
        duration: Audio duration in seconds.
        processing_time: Wall-clock seconds of the pipeline.
        metadata: The exported JSON's ``metadata`` (stages, models, real-time factor).
    """

    uri: str
    diarization: Diarization
    text: str
    segments: tuple[tuple[str, str], ...]
    speakers: tuple[ExportedSpeaker, ...]
    language: str
    duration: float
    processing_time: float
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        """Names given by the voice bank, in speaker order."""
        return tuple(s.name for s in self.speakers if s.name)

    @property
    def display_names(self) -> tuple[str, ...]:
        """Every speaker as displayed (name, else label), sorted."""
        return tuple(sorted(s.display_name for s in self.speakers))

    @property
    def by_speaker(self) -> dict[str, list[str]]:
        """Paragraph texts per displayed speaker, in order (cpWER hypothesis)."""
        out: dict[str, list[str]] = defaultdict(list)
        for speaker, text in self.segments:
            out[speaker].append(text)
        return dict(out)

    @property
    def real_time_factor(self) -> float | None:
        """Processing time / audio duration."""
        value = self.metadata.get("real_time_factor")
        return None if value is None else float(value)

    @property
    def peak_rss_mib(self) -> float:
        """Peak resident memory of the process over all stages, in MiB."""
        stages = self.metadata.get("stages", {})
        return max((float(s["peak_rss_bytes"]) for s in stages.values()), default=0.0) / 2**20

    def note(self) -> str:
        """Real-time factor, Whisper model and the peak RSS of each stage."""
        stages = self.metadata.get("stages", {})
        peaks = " ".join(f"{name} {s['peak_rss_bytes'] / 2**20:.0f}" for name, s in stages.items())
        return (
            f"RTF {self.metadata.get('real_time_factor')}; "
            f"whisper {self.metadata.get('whisper_model', '?')}; peak RSS MiB: {peaks}"
        )


def rttm_uri(stem: str) -> str:
    """The ``uri`` the RTTM exporter writes for ``stem`` (whitespace → ``_``)."""
    return re.sub(r"\s+", "_", stem) or "meeting"


def speaker_key(name: str) -> str:
    """How a speaker name compares across RTTM, STM and the voice bank: case-folded, runs of
    whitespace and underscores as one ``_`` (the RTTM exporter writes spaces as ``_``)."""
    return re.sub(r"[\s_]+", "_", name.strip()).casefold()


def _txt_words(txt: str, segments: Sequence[tuple[str, str]]) -> str:
    """The words of a TXT export: each ``[hh:mm:ss] Name: text`` line without its prefix.

    The displayed names come from the JSON export (same paragraphs, same order), so a name
    holding ``": "`` is removed whole; other lines drop everything up to the first ``": "``.
    """
    lines = [line for line in txt.splitlines() if line.strip()]
    out = []
    for index, line in enumerate(lines):
        body = re.sub(r"^\[\d+:\d{2}:\d{2}\] ", "", line)
        speaker = segments[index][0] if len(lines) == len(segments) else None
        if speaker is not None and body.startswith(f"{speaker}: "):
            body = body[len(speaker) + 2 :]
        elif ": " in body:
            body = body.split(": ", 1)[1]
        out.append(body.strip())
    return " ".join(t for t in out if t)


def read_exports(folder: Path, stem: str) -> Exported:
    """Read back ``<stem>.rttm``, ``<stem>.txt`` and ``<stem>.json`` from ``folder``.

    Raises:
        BadInputError: A file is not what the exporters write.
    """
    from scribe_worker.evaluation.metrics import load_rttm

    rttm = folder / f"{stem}.rttm"
    parsed = load_rttm(rttm) if rttm.read_text(encoding="utf-8").strip() else {}
    diarization = parsed.get(rttm_uri(stem), Diarization(()))
    data = json.loads((folder / f"{stem}.json").read_text(encoding="utf-8"))
    try:
        segments = tuple((str(s["speaker"]), str(s["text"])) for s in data["segments"])
        speakers = tuple(
            ExportedSpeaker(
                label=str(s["label"]),
                name=s.get("name") or None,
                similarity=None if s.get("similarity") is None else float(s["similarity"]),
                match=str(s.get("match") or "none"),
            )
            for s in data["speakers"]
        )
        text = _txt_words((folder / f"{stem}.txt").read_text(encoding="utf-8"), segments)
        return Exported(
            uri=stem,
            diarization=diarization,
            text=text,
            segments=segments,
            speakers=speakers,
            language=str(data["language"]),
            duration=float(data["duration"]),
            processing_time=float(data.get("processing_time", 0.0)),
            metadata=dict(data.get("metadata") or {}),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadInputError(f"unexpected JSON export of {stem}: {exc}") from exc


def process_and_export(
    audio: Path,
    out_dir: Path,
    settings: PipelineSettings,
    options: ProcessingOptions = ProcessingOptions(),
    voice_bank: Path | None = None,
    bank_cache: Path | None = None,
) -> Exported:
    """Process ``audio`` as ``scribe process`` does, write its exports, read them back.

    Args:
        audio: The recording.
        out_dir: Where ``<stem>.rttm``, ``<stem>.txt`` and ``<stem>.json`` are written.
        settings: Pipeline settings.
        options: Language and speaker-count hints (``scribe process``'s defaults).
        voice_bank: Folder voice bank (``--voice-bank``); ``None`` for no identification.
        bank_cache: The voice bank's embedding cache file; ``out_dir/.voiceprint-cache.json``
            by default. Never written into the bank folder itself.
    """
    from scribe_core.exporters import export
    from scribe_worker.pipeline import run_pipeline
    from scribe_worker.stages.identify import FolderVoiceBank

    bank = (
        FolderVoiceBank(voice_bank, cache_path=bank_cache or out_dir / ".voiceprint-cache.json")
        if voice_bank is not None
        else None
    )
    result = run_pipeline(audio, options, settings=settings, voiceprints=bank)
    stem = audio.stem
    out_dir.mkdir(parents=True, exist_ok=True)
    for fmt in EXPORT_FORMATS:
        (out_dir / f"{stem}.{fmt}").write_text(
            export(result.document, fmt, uri=stem), encoding="utf-8"
        )
    return read_exports(out_dir, stem)


# -- the table --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of the evaluation table.

    Attributes:
        subset: Evaluation folder.
        item: File or trial set.
        metric: What is measured (``DER strict``, ``WER``, ``named``...).
        value: The measurement, formatted.
        target: The project's goal for it, or ``""``.
        note: Real-time factor / memory / details.
    """

    subset: str
    item: str
    metric: str
    value: str
    target: str = ""
    note: str = ""


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.1f} %"


def _rate(errors: float, total: float) -> float | None:
    return None if total <= 0 else errors / total


def backends_line(settings: PipelineSettings) -> str:
    """The configuration the figures were measured with."""
    diarization = settings.pyannote_pipeline or (
        f"shipped segmentation-3.0 + CAM++ (threshold {settings.diarization_threshold}, "
        f"step {settings.diarization_segmentation_step})"
    )
    return (
        f"backends: diarization={diarization}, embedding={settings.embedding_backend} "
        f"(match threshold {settings.speaker_match_threshold}), "
        f"whisper={settings.whisper_model or 'base (shipped)'}, "
        f"english={settings.whisper_english_model or 'tiny.en (shipped)'}, "
        f"device={settings.device}"
    )


def format_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Left-aligned columns separated by two spaces, a dashed line under the header."""
    table = [tuple(header), *(tuple(r) for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in table[1:]
    ]
    return lines


def render(rows: list[Row], settings: PipelineSettings) -> str:
    """The rows as one aligned plain-text table."""
    header = ("subset", "item", "metric", "value", "target", "note")
    body = [(r.subset, r.item, r.metric, r.value, r.target, r.note) for r in rows]
    return "\n".join([backends_line(settings), *format_table(header, body)])


# -- the built-in evaluation set ------------------------------------------------------------


class Evaluator:
    """Runs the pipeline over the built-in evaluation folders and collects :class:`Row` objects.

    Args:
        eval_dir: The evaluation folder (``../shared/eval``).
        settings: Pipeline settings (embedded defaults unless the environment says otherwise).
        work_dir: Where the exports are written (a temporary folder by default).
    """

    def __init__(
        self, eval_dir: Path, settings: PipelineSettings, work_dir: Path | None = None
    ) -> None:
        self.eval_dir = eval_dir
        self.settings = settings
        self.work_dir = work_dir
        self.rows: list[Row] = []
        self.failed: list[str] = []
        self._runs = 0

    def _process(
        self,
        audio: Path,
        bank: Path | None = None,
        options: ProcessingOptions = ProcessingOptions(),
    ) -> Exported:
        """``scribe process`` on ``audio``; its exports read back (each run in its own folder)."""
        assert self.work_dir is not None
        self._runs += 1
        out = self.work_dir / f"{self._runs:03d}"
        print(f"  processing {audio.name}...", file=sys.stderr, flush=True)
        cache = self.work_dir / "voiceprint-cache.json"
        return process_and_export(
            audio, out, self.settings, options, voice_bank=bank, bank_cache=cache
        )

    # -- subsets -----------------------------------------------------------------------------

    def sample_call(self) -> None:
        """DER, WER, cpWER and the introductions on the 30 s sample call."""
        from scribe_worker.evaluation.metrics import (
            cpwer,
            der,
            load_rttm,
            load_stm,
            normalise_text,
            wer,
        )

        folder = self.eval_dir / "sample-call"
        e = self._process(folder / "sample.wav")
        strict, collar = der(load_rttm(folder / "sample.rttm")["sample"], e.diarization)
        stm = load_stm(folder / "sample.stm")
        reference = " ".join(text for _, text in stm)
        by_speaker: dict[str, list[str]] = defaultdict(list)
        for speaker, text in stm:
            by_speaker[speaker].append(text)

        def speaker_of(phrase: str) -> str | None:
            hits = [s for s, text in e.segments if phrase in normalise_text(text)]
            return hits[0] if hits else None

        diane, sheila = speaker_of("this is diane"), speaker_of("sheila")
        apart = diane is not None and sheila is not None and diane != sheila
        item = "sample.wav"
        self.rows += [
            Row("sample-call", item, "speakers found", str(len(e.diarization.labels)), "2",
                e.note()),
            Row("sample-call", item, "DER strict", _pct(strict), "≤ 8 %", "exported RTTM"),
            Row("sample-call", item, "DER collar 0.5 s", _pct(collar), "≤ 3 %"),
            Row("sample-call", item, "WER", _pct(wer(reference, e.text)), "≤ 15 %",
                f"exported TXT; language {e.language}"),
            Row("sample-call", item, "cpWER", _pct(cpwer(by_speaker, e.by_speaker)), "",
                "exported JSON paragraphs by displayed speaker"),
            Row("sample-call", item, "introductions apart",
                "yes" if apart else f"no ({diane}, {sheila})", "yes"),
        ]  # fmt: skip

    def katie_steve(self) -> None:
        """Names with both people enrolled, then with Katie only."""
        folder = self.eval_dir / "katie-steve"
        assert self.work_dir is not None
        bank = self.work_dir / "bank-katie-steve"
        bank.mkdir()
        (bank / "Katie.wav").symlink_to((folder / "enrollment_audio_katie.wav").resolve())
        (bank / "Steve.wav").symlink_to((folder / "enrollment_audio_steve.wav").resolve())
        e = self._process(folder / "katiesteve.wav", bank)
        self.rows.append(
            Row("katie-steve", "both enrolled", "speakers", " / ".join(e.display_names),
                "Katie / Steve (once each)",
                f"{_similarities(e)}; RTTM speakers {'/'.join(e.diarization.labels)}; {e.note()}")
        )  # fmt: skip
        (bank / "Steve.wav").unlink()
        e = self._process(folder / "katiesteve.wav", bank)
        self.rows.append(
            Row("katie-steve", "Katie only", "speakers", " / ".join(e.display_names),
                "Katie / SPEAKER_nn", _similarities(e))
        )  # fmt: skip

    def voxceleb_pairs(self) -> None:
        """Cross-session identification: enrol one clip per person, identify the other."""
        from scribe_worker.evaluation.calibration import voxceleb_report

        report = voxceleb_report(self.eval_dir / "voxceleb-pairs", self.settings)
        threshold = f"threshold {report.threshold:.2f}"
        need = -(-3 * report.total // 4)
        self.rows += [
            Row("voxceleb-pairs", "8 clips", "top-1 (argmax)", report.top1, "", "no threshold"),
            Row("voxceleb-pairs", "8 clips", "named correctly", report.named,
                f"≥ {need}/{report.total} (3/4)", threshold),
            Row("voxceleb-pairs", "8 clips", "false accepts", report.false_accepts, "0", threshold),
        ]  # fmt: skip

    def calibration(self) -> None:
        """EER and the configured threshold's false-accept/-reject rates over every trial.

        Trials come from voxceleb-pairs, katie-steve (its conversation diarized by the
        configured backend) and the AMI speakers recurring across ``ami-30s`` excerpts.
        """
        from scribe_worker.evaluation.calibration import calibrate, eval_trials
        from scribe_worker.models.loader import load_embedder
        from scribe_worker.models.residency import ModelResidency
        from scribe_worker.stages.diarize import diarize

        def diarize_conversation(waveform: Float32Array) -> Diarization:
            return diarize(waveform, ProcessingOptions(), self.settings, ModelResidency())

        embedder = load_embedder(self.settings)
        trials, cases = eval_trials(self.eval_dir, embedder, diarize_conversation)
        report = calibrate(trials, cases, threshold=self.settings.speaker_match_threshold)
        targets = {"katie-steve": "FA 0", "voxceleb-pairs": "FA 0", "ami-30s": "FAR ≤ 5 %"}
        for g in (*report.groups, report.overall):
            eer = "-" if g.eer is None else _pct(g.eer)
            far = "-" if g.far is None else _pct(g.far)
            frr = "-" if g.frr is None else _pct(g.frr)
            self.rows.append(Row(
                "calibration", g.group, "EER | FAR / FRR @ threshold", f"{eer} | {far} / {frr}",
                targets.get(g.group, ""),
                f"{g.num_target} target / {g.num_nontarget} non-target trials; "
                f"identification: {g.id_correct}/{g.id_speakers} right, "
                f"{g.id_false_accepts} false accepts",
            ))  # fmt: skip

    def ami_30s(self) -> None:
        """DER per AMI clip, their mean, the pooled DER, its leave-one-clip-out estimate, and
        the clips named with Katie and Steve enrolled (nobody should be)."""
        from scribe_worker.evaluation.metrics import (
            FORGIVING_COLLAR,
            der,
            load_rttm,
            pooled_components,
        )

        folder = self.eval_dir / "ami-30s"
        references = load_rttm(folder / "reference.rttm")
        clips = [wav for wav in sorted(folder.glob("trn*.wav")) if wav.stem in references]
        pairs, scores = [], []
        for wav in clips:
            e = self._process(wav)
            reference = references[wav.stem]
            pairs.append((reference, e.diarization))
            scores.append(der(reference, e.diarization))
            self.rows.append(
                Row("ami-30s", wav.name, "DER strict / collar",
                    f"{_pct(scores[-1].strict)} / {_pct(scores[-1].collar)}",
                    "", f"speakers {len(e.diarization.labels)} (ref {len(reference.labels)}), "
                    f"ref speech {sum(t.duration for t in reference.turns):.1f} s; {e.note()}")
            )  # fmt: skip
        if not pairs:
            return
        mean_strict = sum(d.strict for d in scores) / len(scores)
        mean_collar = sum(d.collar for d in scores) / len(scores)
        strict = pooled_components(pairs)
        forgiving = pooled_components(pairs, FORGIVING_COLLAR)
        self.rows += [
            Row("ami-30s", f"mean of {len(pairs)} clips", "DER strict / collar",
                f"{_pct(mean_strict)} / {_pct(mean_collar)}", "",
                "each clip weighs the same, however little speech it holds"),
            Row("ami-30s", "pooled", "DER strict / collar",
                f"{_pct(strict.rate)} / {_pct(forgiving.rate)}", "strict ≤ 20 %",
                "total errors / total reference speech, exported RTTMs"),
            der_breakdown_row(strict),
        ]  # fmt: skip
        self._leave_one_out(clips, references)
        self._ami_named(clips)

    def _leave_one_out(self, clips: Sequence[Path], references: Mapping[str, Diarization]) -> None:
        """The pooled strict DER of each clip scored at the threshold chosen on the others."""
        if self.settings.pyannote_pipeline:
            self.rows.append(
                Row("ami-30s", "leave-one-clip-out", "pooled DER strict", "-", "",
                    "not run: the threshold grid applies to the shipped pipeline only "
                    "(PYANNOTE_PIPELINE is set)")
            )  # fmt: skip
            return
        if len(clips) < 2:
            return
        from scribe_worker.evaluation.tuning import DEFAULT_GRID, threshold_grid
        from scribe_worker.stages.convert import load_audio

        configured = self.settings.diarization_threshold
        grid = tuple(sorted({*DEFAULT_GRID, configured}))
        recordings = [(wav.stem, load_audio(wav), references[wav.stem]) for wav in clips]
        print("  threshold grid (leave one clip out)...", file=sys.stderr, flush=True)
        report = threshold_grid(recordings, self.settings, grid)
        chosen = ", ".join(f"{n} {t:.2f}" for n, t in zip(report.names, report.chosen, strict=True))
        self.rows += [
            Row("ami-30s", "leave-one-clip-out", "pooled DER strict", _pct(report.pooled_loo),
                "≤ 20 %",
                f"each clip at the threshold chosen on the other {len(clips) - 1}: {chosen}"),
            Row("ami-30s", "threshold grid", "pooled DER strict @ threshold",
                f"{_pct(report.pooled_at(configured))} @ {configured:.2f} (configured) | "
                f"{_pct(report.pooled_best)} @ {report.best_threshold:.2f} (best on all)",
                "", f"grid {grid[0]:.2f}..{grid[-1]:.2f}; best-on-all is fitted to these "
                "clips (optimistic)"),
        ]  # fmt: skip

    def _ami_named(self, clips: Sequence[Path]) -> None:
        """Process each AMI clip with Katie and Steve enrolled: none of them speaks there."""
        folder = self.eval_dir / "katie-steve"
        if not (folder / "enrollment_audio_katie.wav").is_file():
            self.rows.append(Row("ami-30s", "Katie+Steve enrolled", "skipped",
                                 "katie-steve folder not found"))  # fmt: skip
            return
        assert self.work_dir is not None
        bank = self.work_dir / "bank-ami"
        bank.mkdir()
        (bank / "Katie.wav").symlink_to((folder / "enrollment_audio_katie.wav").resolve())
        (bank / "Steve.wav").symlink_to((folder / "enrollment_audio_steve.wav").resolve())
        named: list[str] = []
        best: list[float] = []
        for wav in clips:
            e = self._process(wav, bank)
            if e.names:
                named.append(f"{wav.stem}: {', '.join(e.names)}")
            best += [s.similarity for s in e.speakers if s.similarity is not None]
        top = f"highest similarity {max(best):.2f}" if best else "no similarity"
        self.rows.append(
            Row("ami-30s", "Katie+Steve enrolled", "clips with any name",
                f"{len(named)}/{len(clips)}", "0",
                f"{'; '.join(named) or 'nobody named'}; {top} "
                f"(threshold {self.settings.speaker_match_threshold})")
        )  # fmt: skip
        joined = concatenate_wavs(clips, self.work_dir / "ami-clips-joined.wav")
        e = self._process(joined, bank)
        similarities = [s.similarity for s in e.speakers if s.similarity is not None]
        top = f"highest similarity {max(similarities):.2f}" if similarities else "no similarity"
        self.rows.append(
            Row("ami-30s", f"{len(clips)} clips joined ({e.diarization.duration / 60:.0f} min)",
                "names given", ", ".join(e.names) or "nobody named", "nobody named",
                f"Katie+Steve enrolled; {len(e.diarization.labels)} speakers found, {top}")
        )  # fmt: skip

    def asr(self, subset: str) -> None:
        """WER per language and language detection on jfk (FLAC), fleurs (Ogg/Opus) and
        multilingual (WAV), the language detected as ``scribe process`` does by default."""
        from scribe_worker.evaluation.metrics import word_errors

        items: list[tuple[str, Path, str]] = []  # (language, audio, reference)
        if subset == "jfk":
            items.append(("en", self.eval_dir / "jfk" / "jfk.flac", JFK_TRANSCRIPT))
        elif subset == "fleurs":
            for ogg in sorted((self.eval_dir / "fleurs").glob("*.ogg")):
                lang = ogg.stem.split("-")[1]
                items.append((lang, ogg, ogg.with_suffix(".txt").read_text().strip()))
        else:
            folder = self.eval_dir / "multilingual"
            self._three_speakers(folder)
            for line in (folder / "reference_transcripts.tsv").read_text().splitlines()[1:]:
                name, lang, transcript, _ = line.split("\t")
                if (folder / name).is_file():
                    items.append((lang, folder / name, transcript))
        errors: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # err, words, right, n
        detected: list[tuple[str, str, str]] = []  # (file, expected, detected)
        for lang, audio, reference in items:
            e = self._process(audio)
            acc = errors[lang]
            wrong, words = word_errors(reference, e.text)
            acc[0] += wrong
            acc[1] += words
            acc[2] += e.language == lang
            acc[3] += 1
            detected.append((audio.name, lang, e.language))
        targets = {
            "jfk": {"en": "0 %"},
            "fleurs": {"en": "≤ 10 %", "fr": "≤ 30 %"},
        }.get(subset, {})
        for lang in sorted(errors):
            wrong, words, right, n = errors[lang]
            self.rows.append(
                Row(subset, f"{n} file(s)", f"WER {lang}", _pct(_rate(wrong, words)),
                    targets.get(lang, ""),
                    f"{wrong} errors / {words} words, exported TXT, language detected "
                    f"right {right}/{n}")
            )  # fmt: skip
        if subset == "multilingual":
            for name, expected, got in detected:
                self.rows.append(
                    Row(subset, name, "language detected", got, expected,
                        "" if got == expected else "wrong")
                )  # fmt: skip
        elif detected:
            right = sum(got == expected for _, expected, got in detected)
            wrong_files = [f"{name} → {got}" for name, expected, got in detected if got != expected]
            self.rows.append(
                Row(subset, f"{len(detected)} file(s)", "language detected right",
                    f"{right}/{len(detected)}", f"{len(detected)}/{len(detected)}",
                    "; ".join(wrong_files))
            )  # fmt: skip

    def _three_speakers(self, folder: Path) -> None:
        """Speakers found, WER and cpWER of the 20 s three-speaker clip."""
        from scribe_worker.evaluation.metrics import cpwer, wer

        audio = folder / "diarization_test.wav"
        if not audio.is_file():
            return
        e = self._process(audio)
        self.rows.append(
            Row("multilingual", audio.name, "speakers found", str(len(e.diarization.labels)), "3",
                e.note())
        )  # fmt: skip
        turns = folder / "diarization_test.turns.txt"
        if turns.is_file():
            reference: dict[str, list[str]] = defaultdict(list)
            for line in turns.read_text(encoding="utf-8").splitlines():
                if ":" in line:
                    speaker, text = line.split(":", 1)
                    reference[speaker.strip()].append(text.strip())
            joined = " ".join(t for texts in reference.values() for t in texts)
            self.rows += [
                Row("multilingual", audio.name, "WER", _pct(wer(joined, e.text))),
                Row("multilingual", audio.name, "cpWER", _pct(cpwer(reference, e.by_speaker)),
                    "", "reference: diarization_test.turns.txt"),
            ]  # fmt: skip

    def run(self, subsets: Iterable[str]) -> list[Row]:
        """Evaluate the given subsets (skipping folders that are absent).

        A subset that raises gets a ``failed`` row with the error (logged with its traceback)
        and is listed in :attr:`failed`; the others still run.
        """
        handlers: dict[str, Callable[[], None]] = {
            "sample-call": self.sample_call,
            "katie-steve": self.katie_steve,
            "voxceleb-pairs": self.voxceleb_pairs,
            "calibration": self.calibration,
            "ami-30s": self.ami_30s,
            "jfk": lambda: self.asr("jfk"),
            "fleurs": lambda: self.asr("fleurs"),
            "multilingual": lambda: self.asr("multilingual"),
        }
        with tempfile.TemporaryDirectory(prefix="scribe-eval-") as tmp:
            owned = self.work_dir is None
            if owned:
                self.work_dir = Path(tmp)
            try:
                for subset in subsets:
                    if subset != "calibration" and not (self.eval_dir / subset).is_dir():
                        self.rows.append(Row(subset, "-", "skipped", "folder not found"))
                        continue
                    print(f"evaluating {subset}...", file=sys.stderr, flush=True)
                    try:
                        handlers[subset]()
                    except Exception as exc:  # one broken subset must not hide the others
                        logger.exception("evaluating %s failed", subset)
                        self.rows.append(Row(subset, "-", "failed", f"{type(exc).__name__}: {exc}"))
                        self.failed.append(subset)
            finally:
                if owned:
                    self.work_dir = None
        return self.rows


def _similarities(e: Exported) -> str:
    sims = ", ".join(
        f"{s.display_name} {s.similarity:.2f} ({s.match})"
        for s in e.speakers
        if s.similarity is not None
    )
    return f"similarity {sims or '-'}"


# -- a user's folder ------------------------------------------------------------------------


@dataclass(frozen=True)
class FileResult:
    """Scores of one recording of a user's folder (``None``: no reference for it).

    Attributes:
        name: The audio file name.
        exported: Its exports, read back.
        reference_speakers: Speakers of the reference (RTTM, else STM), or ``None``.
        der_strict: DER without collar.
        der_collar: DER with a 0.5 s collar.
        word_errors: ``(errors, reference words)`` of the WER.
        cp_errors: ``(errors, reference words)`` of the cpWER.
        naming_errors: Wrong names given (see :func:`naming_errors`), or ``None`` when it
            cannot be told.
        reference: The reference RTTM, or ``None``.
    """

    name: str
    exported: Exported
    reference_speakers: int | None = None
    der_strict: float | None = None
    der_collar: float | None = None
    word_errors: tuple[int, int] | None = None
    cp_errors: tuple[int, int] | None = None
    naming_errors: int | None = None
    reference: Diarization | None = None


def der_breakdown_row(parts: DERComponents) -> Row:
    """Where a pooled strict DER goes (:func:`~scribe_worker.evaluation.metrics.
    pooled_components` of the ami-30s clips).

    Missed speech and false alarm are errors of speech detection and overlap counting (the
    segmentation model); confusion is the part clustering and embeddings decide. Their sum
    without confusion is the DER a perfect clustering of the same segmentation would get.
    """
    detection = _rate(parts.missed + parts.false_alarm, parts.total)
    return Row("ami-30s", "pooled, strict", "missed / false alarm / confusion",
               f"{parts.missed:.1f} / {parts.false_alarm:.1f} / {parts.confusion:.1f} s of "
               f"{parts.total:.1f} s", "",
               f"without any confusion: {_pct(detection)} (the segmentation's share)")  # fmt: skip


def concatenate_wavs(paths: Sequence[Path], target: Path) -> Path:
    """The recordings ``paths`` one after the other in one 16 kHz mono 16-bit WAV.

    Each is decoded with ffmpeg (:func:`~scribe_worker.stages.convert.load_audio`).

    Raises:
        AudioDecodeError: A recording cannot be decoded.
    """
    from scribe_worker.stages.convert import load_audio

    samples = np.concatenate([load_audio(path) for path in paths])
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm.tobytes())
    return target


def audio_files(folder: Path) -> list[Path]:
    """The recordings of a user's evaluation folder (top level, any audio suffix)."""
    from scribe_worker.stages.identify import AUDIO_SUFFIXES

    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in AUDIO_SUFFIXES
    )


def _reference_rttm(path: Path, stem: str) -> Diarization:
    """The reference of ``stem`` in ``path``: its ``uri`` entry, else the only one there."""
    from scribe_worker.evaluation.metrics import load_rttm

    if not path.read_text(encoding="utf-8").strip():
        return Diarization(())
    parsed = load_rttm(path)
    if stem in parsed:
        return parsed[stem]
    if rttm_uri(stem) in parsed:
        return parsed[rttm_uri(stem)]
    if len(parsed) == 1:
        return next(iter(parsed.values()))
    raise BadInputError(
        f"{path.name} holds recordings {', '.join(sorted(parsed))}; none is named {stem!r}"
    )


def naming_errors(
    exported: Exported,
    enrolled: Iterable[str],
    reference_labels: Iterable[str],
    reference: Diarization | None = None,
) -> int | None:
    """Speakers given a wrong name, or ``None`` when the reference cannot tell.

    The rule: the reference "uses real names" when at least one of its speaker labels is an
    enrolled person (compared with :func:`speaker_key`: case and ``_``/space insensitive).
    Only then are names judged; a speaker named by the voice bank is wrong when

    - the name is not a speaker label of the reference (that person does not speak), or
    - with an RTTM reference, the DER's optimal speaker mapping pairs that speaker with
      another reference speaker (or none): the right person's name on the wrong voice.

    With an STM reference only the first test applies. When the reference labels are not
    real names (``spk1``, ``A``...), no name can be judged and the count is ``None``.

    Args:
        exported: The exports of the recording.
        enrolled: Names in the voice bank.
        reference_labels: Speaker labels of the reference (RTTM, else STM).
        reference: The reference RTTM, for the mapping test.
    """
    from scribe_worker.evaluation.metrics import speaker_mapping

    labels = {speaker_key(label): label for label in reference_labels}
    if not {speaker_key(name) for name in enrolled} & set(labels):
        return None
    mapping = (
        speaker_mapping(reference, exported.diarization)
        if reference is not None and exported.diarization.turns
        else None
    )
    wrong = 0
    for name in exported.names:
        if speaker_key(name) not in labels:
            wrong += 1
        elif mapping is not None:
            mapped = mapping.get(rttm_uri(name))
            wrong += mapped is None or speaker_key(mapped) != speaker_key(name)
    return wrong


def score_file(audio: Path, exported: Exported, enrolled: Sequence[str]) -> FileResult:
    """Score one recording's exports against the references next to it."""
    from scribe_worker.evaluation.metrics import cpwer_errors, der, load_stm, word_errors

    rttm, txt, stm = (audio.with_suffix(s) for s in (".rttm", ".txt", ".stm"))
    result: dict[str, Any] = {}
    reference: Diarization | None = None
    labels: list[str] | None = None
    if rttm.is_file():
        reference = _reference_rttm(rttm, audio.stem)
        result["reference"] = reference
        result["der_strict"], result["der_collar"] = der(reference, exported.diarization)
        labels = list(reference.labels)
    stm_rows = load_stm(stm) if stm.is_file() else None
    if stm_rows is not None:
        by_speaker: dict[str, list[str]] = defaultdict(list)
        for speaker, text in stm_rows:
            by_speaker[speaker].append(text)
        result["cp_errors"] = cpwer_errors(by_speaker, exported.by_speaker)
        labels = labels if labels is not None else list(by_speaker)
    if txt.is_file():
        result["word_errors"] = word_errors(txt.read_text(encoding="utf-8"), exported.text)
    elif stm_rows is not None:
        result["word_errors"] = word_errors(" ".join(t for _, t in stm_rows), exported.text)
    if labels is not None:
        result["reference_speakers"] = len(labels)
        result["naming_errors"] = naming_errors(exported, enrolled, labels, reference)
    return FileResult(name=audio.name, exported=exported, **result)


def evaluate_folder(
    folder: Path, settings: PipelineSettings, work_dir: Path | None = None
) -> list[FileResult]:
    """Process and score every recording of a user's folder.

    Args:
        folder: Recordings, their references and an optional ``voices/`` voice bank.
        settings: Pipeline settings.
        work_dir: Where the exports are written (a temporary folder by default).

    Raises:
        BadInputError: The folder holds no recording, or a reference cannot be read.
    """
    from scribe_worker.stages.identify import FolderVoiceBank

    files = audio_files(folder)
    if not files:
        raise BadInputError(f"no audio file in {folder}")
    voices = folder / VOICES_FOLDER
    bank = voices if voices.is_dir() else None
    enrolled = sorted(FolderVoiceBank(voices).enrolments()) if bank is not None else []
    results = []
    with tempfile.TemporaryDirectory(prefix="scribe-eval-") as tmp:
        out = work_dir or Path(tmp)
        cache = out / "voiceprint-cache.json"
        for index, audio in enumerate(files):
            print(f"processing {audio.name}...", file=sys.stderr, flush=True)
            exported = process_and_export(
                audio, out / f"{index:03d}", settings, voice_bank=bank, bank_cache=cache
            )
            results.append(score_file(audio, exported, enrolled))
    return results


FOLDER_HEADER = (
    "file",
    "audio s",
    "speakers (ref)",
    "names given",
    "naming errors",
    "DER strict",
    "DER collar",
    "WER",
    "cpWER",
    "RTF",
    "peak MiB",
)


def _sum(pairs: Iterable[tuple[int, int] | None]) -> tuple[int, int] | None:
    given = [p for p in pairs if p is not None]
    if not given:
        return None
    return sum(p[0] for p in given), sum(p[1] for p in given)


def render_folder(results: Sequence[FileResult], settings: PipelineSettings) -> str:
    """One row per recording and a pooled row (summed errors / summed reference)."""
    from scribe_worker.evaluation.metrics import pooled_der

    def ratio(pair: tuple[int, int] | None) -> str:
        return "-" if pair is None else _pct(_rate(*pair))

    rows = []
    for r in results:
        e = r.exported
        ref = "" if r.reference_speakers is None else f" ({r.reference_speakers})"
        rows.append((
            r.name, f"{e.duration:.1f}", f"{len(e.diarization.labels)}{ref}",
            ", ".join(e.names) or "-",
            "-" if r.naming_errors is None else str(r.naming_errors),
            _pct(r.der_strict), _pct(r.der_collar), ratio(r.word_errors), ratio(r.cp_errors),
            "-" if e.real_time_factor is None else f"{e.real_time_factor:.2f}",
            f"{e.peak_rss_mib:.0f}",
        ))  # fmt: skip

    pairs = [(r.reference, r.exported.diarization) for r in results if r.reference is not None]
    pooled = pooled_der(pairs) if pairs else None
    duration = sum(r.exported.duration for r in results)
    processing = sum(r.exported.processing_time for r in results)
    judged = [r.naming_errors for r in results if r.naming_errors is not None]
    rows.append((
        f"pooled ({len(results)} files)", f"{duration:.1f}",
        "-",
        str(sum(len(r.exported.names) for r in results)),
        str(sum(judged)) if judged else "-",
        _pct(pooled.strict if pooled else None), _pct(pooled.collar if pooled else None),
        ratio(_sum(r.word_errors for r in results)), ratio(_sum(r.cp_errors for r in results)),
        f"{processing / duration:.2f}" if duration else "-",
        f"{max((r.exported.peak_rss_mib for r in results), default=0.0):.0f}",
    ))  # fmt: skip
    notes = [
        "",
        "Scored from the exported RTTM / TXT / JSON of each file. Pooled: DER = summed errors /"
        " summed reference speech; WER, cpWER = summed word errors / summed reference words;"
        " RTF = summed processing time / summed audio.",
        "naming errors: judged only when the reference speaker labels are real names (at least"
        " one is enrolled in voices/); a name is wrong when the reference has no such speaker"
        " or the DER mapping pairs it with another speaker; '-' otherwise.",
    ]
    return "\n".join([backends_line(settings), *format_table(FOLDER_HEADER, rows), *notes])


# -- entry point ------------------------------------------------------------------------------


def is_builtin(folder: Path) -> bool:
    """Whether ``folder`` is the built-in evaluation set (it holds ``sample-call/``)."""
    return (folder / "sample-call").is_dir()


def main(eval_dir: Path | None, only: list[str]) -> int:
    """Entry point of ``scribe eval``; returns the exit status."""
    eval_dir = eval_dir or DEFAULT_EVAL_DIR
    if not eval_dir.is_dir():
        print(f"scribe: error: evaluation folder not found: {eval_dir}", file=sys.stderr)
        return 2
    settings = get_pipeline_settings()
    if not is_builtin(eval_dir):
        if only:
            print(
                "scribe: error: --only applies to the built-in evaluation set "
                f"({DEFAULT_EVAL_DIR}), not to a folder of your own",
                file=sys.stderr,
            )
            return 2
        if not audio_files(eval_dir):
            print(f"scribe: error: no audio file in {eval_dir}", file=sys.stderr)
            return 2
        results = evaluate_folder(eval_dir, settings)
        print(render_folder(results, settings))
        return 0
    unknown = sorted(set(only) - set(SUBSETS))
    if unknown:
        print(
            f"scribe: error: unknown subset(s) {', '.join(unknown)}; choose from "
            f"{', '.join(SUBSETS)}",
            file=sys.stderr,
        )
        return 2
    evaluator = Evaluator(eval_dir, settings)
    rows = evaluator.run(only or SUBSETS)
    print(render(rows, settings))
    return 1 if evaluator.failed else 0
