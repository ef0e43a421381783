"""``scribe eval``: score the pipeline on the evaluation folders and print one table.

Understands these folders of ``../shared/eval`` (see its README for sources and licences):

- ``sample-call``: DER (strict and 0.5 s collar, pyannote.metrics) against ``sample.rttm``,
  WER (jiwer) and cpWER (meeteval) against ``sample.stm``, speakers found, whether the two
  introductions land under different speakers.
- ``katie-steve``: identification with both enrolment files, then with Katie only.
- ``voxceleb-pairs``: enrol one clip per person, identify the other (top-1, false accepts).
- ``ami-30s``: DER per clip and mean (strict and collar) against ``reference.rttm``.
- ``jfk``, ``fleurs``, ``multilingual``: decoding of FLAC / Ogg-Opus / WAV and WER per language.

Every row also carries the real-time factor and the peak memory of the slowest stage where
a full pipeline ran. Nothing is asserted here: tests gate quality, this command reports it.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from scribe_core.domain import FusionDocument, ProcessingOptions
from scribe_core.settings import PROJECT_ROOT, PipelineSettings, get_pipeline_settings

if TYPE_CHECKING:
    from scribe_core.domain import Diarization
    from scribe_worker.models.embeddings import Float32Array
    from scribe_worker.pipeline import PipelineResult

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


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def _run_note(doc: FusionDocument) -> str:
    """Real-time factor and the peak RSS of each stage, e.g. ``RTF 0.50; peak MiB diarize 630``."""
    stages = doc.metadata.get("stages", {})
    peaks = " ".join(f"{name} {s['peak_rss_bytes'] / 2**20:.0f}" for name, s in stages.items())
    return f"RTF {doc.metadata.get('real_time_factor')}; peak RSS MiB: {peaks}"


class Evaluator:
    """Runs the pipeline over the evaluation folders and collects :class:`Row` objects.

    Args:
        eval_dir: The evaluation folder (``../shared/eval``).
        settings: Pipeline settings (embedded defaults unless the environment says otherwise).
    """

    def __init__(self, eval_dir: Path, settings: PipelineSettings) -> None:
        self.eval_dir = eval_dir
        self.settings = settings
        self.rows: list[Row] = []

    def _process(
        self,
        audio: Path,
        bank: Path | None = None,
        options: ProcessingOptions = ProcessingOptions(),
    ) -> PipelineResult:
        from scribe_worker.pipeline import run_pipeline
        from scribe_worker.stages.identify import FolderVoiceBank

        source = FolderVoiceBank(bank) if bank is not None else None
        return run_pipeline(audio, options, settings=self.settings, voiceprints=source)

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
        result = self._process(folder / "sample.wav")
        doc = result.document
        strict, collar = der(load_rttm(folder / "sample.rttm")["sample"], result.diarization)
        note = _run_note(doc)
        self.rows += [
            Row("sample-call", "sample.wav", "speakers found", str(len(doc.speakers)), "2", note),
            Row("sample-call", "sample.wav", "DER strict", _pct(strict), "≤ 25 %"),
            Row("sample-call", "sample.wav", "DER collar 0.5 s", _pct(collar), "≤ 10 %"),
        ]
        stm = load_stm(folder / "sample.stm")
        reference = " ".join(text for _, text in stm)
        self.rows.append(
            Row("sample-call", "sample.wav", "WER", _pct(wer(reference, doc.text)), "≤ 20 %")
        )
        by_speaker: dict[str, list[str]] = defaultdict(list)
        for speaker, text in stm:
            by_speaker[speaker].append(text)
        hyp_by_speaker: dict[str, list[str]] = defaultdict(list)
        for u in doc.segments:
            hyp_by_speaker[u.speaker_label].append(u.text)
        self.rows.append(
            Row("sample-call", "sample.wav", "cpWER", _pct(cpwer(by_speaker, hyp_by_speaker)))
        )

        def speaker_of(phrase: str) -> str | None:
            hits = [u.speaker_label for u in doc.segments if phrase in normalise_text(u.text)]
            return hits[0] if hits else None

        diane, sheila = speaker_of("this is diane"), speaker_of("sheila")
        apart = diane is not None and sheila is not None and diane != sheila
        self.rows.append(
            Row(
                "sample-call",
                "sample.wav",
                "introductions apart",
                "yes" if apart else f"no ({diane}, {sheila})",
                "yes",
            )
        )

    def katie_steve(self) -> None:
        """Names with both people enrolled, then with Katie only."""
        folder = self.eval_dir / "katie-steve"
        with tempfile.TemporaryDirectory() as tmp:
            bank = Path(tmp)
            shutil.copy(folder / "enrollment_audio_katie.wav", bank / "Katie.wav")
            shutil.copy(folder / "enrollment_audio_steve.wav", bank / "Steve.wav")
            doc = self._process(folder / "katiesteve.wav", bank).document
            named = sorted(s.display_name for s in doc.speakers)
            sims = ", ".join(
                f"{s.display_name} {s.similarity:.2f}"
                for s in doc.speakers
                if s.similarity is not None
            )
            self.rows.append(
                Row(
                    "katie-steve",
                    "both enrolled",
                    "speakers",
                    " / ".join(named),
                    "Katie / Steve",
                    f"similarity {sims}; {_run_note(doc)}",
                )
            )
            (bank / "Steve.wav").unlink()
            doc = self._process(folder / "katiesteve.wav", bank).document
            named = sorted(s.display_name for s in doc.speakers)
            self.rows.append(
                Row(
                    "katie-steve", "Katie only", "speakers", " / ".join(named), "Katie / SPEAKER_nn"
                )
            )

    def voxceleb_pairs(self) -> None:
        """Cross-session identification: enrol one clip per person, identify the other."""
        from scribe_worker.evaluation.calibration import voxceleb_report

        report = voxceleb_report(self.eval_dir / "voxceleb-pairs", self.settings)
        threshold = f"threshold {report.threshold:.2f}"
        self.rows += [
            Row("voxceleb-pairs", "8 clips", "top-1 (argmax)", report.top1, "", "no threshold"),
            Row("voxceleb-pairs", "8 clips", "named correctly", report.named, "8/8", threshold),
            Row("voxceleb-pairs", "8 clips", "false accepts", report.false_accepts, "0", threshold),
        ]

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
        for g in (*report.groups, report.overall):
            eer = "-" if g.eer is None else _pct(g.eer)
            far = "-" if g.far is None else _pct(g.far)
            frr = "-" if g.frr is None else _pct(g.frr)
            self.rows.append(Row(
                "calibration", g.group, "EER | FAR / FRR @ threshold", f"{eer} | {far} / {frr}",
                "FA 0 on katie-steve, voxceleb" if g.group in ("katie-steve", "voxceleb-pairs")
                else "",
                f"{g.num_target} target / {g.num_nontarget} non-target trials; "
                f"identification: {g.id_correct}/{g.id_speakers} right, "
                f"{g.id_false_accepts} false accepts",
            ))  # fmt: skip

    def ami_30s(self) -> None:
        """DER per AMI clip, their mean, and the pooled DER (total errors / total speech)."""
        from scribe_worker.evaluation.metrics import der, load_rttm, pooled_der

        folder = self.eval_dir / "ami-30s"
        references = load_rttm(folder / "reference.rttm")
        pairs = []
        for wav in sorted(folder.glob("trn*.wav")):
            result = self._process(wav)
            reference = references[wav.stem]
            pairs.append((reference, result.diarization))
            strict, collar = der(reference, result.diarization)
            self.rows.append(
                Row("ami-30s", wav.name, "DER strict / collar", f"{_pct(strict)} / {_pct(collar)}",
                    "", f"speakers {len(result.diarization.labels)} (ref {len(reference.labels)}), "
                    f"ref speech {sum(t.duration for t in reference.turns):.1f} s; "
                    f"{_run_note(result.document)}")
            )  # fmt: skip
        if pairs:
            scores = [der(r, h) for r, h in pairs]
            mean_strict = sum(d.strict for d in scores) / len(scores)
            mean_collar = sum(d.collar for d in scores) / len(scores)
            pooled = pooled_der(pairs)
            self.rows += [
                Row("ami-30s", f"mean of {len(pairs)} clips", "DER strict / collar",
                    f"{_pct(mean_strict)} / {_pct(mean_collar)}", "strict ≤ 30 %",
                    "each clip weighs the same, however little speech it holds"),
                Row("ami-30s", "pooled", "DER strict / collar",
                    f"{_pct(pooled.strict)} / {_pct(pooled.collar)}", "strict ≤ 30 %",
                    "total errors / total reference speech"),
            ]  # fmt: skip

    def asr(self, subset: str) -> None:
        """WER per language on jfk (FLAC), fleurs (Ogg/Opus) and multilingual (WAV)."""
        from scribe_worker.evaluation.metrics import wer

        pairs: list[tuple[str, Path, str]] = []  # (language, audio, reference)
        if subset == "jfk":
            pairs.append(
                (
                    "en",
                    self.eval_dir / "jfk" / "jfk.flac",
                    "And so my fellow Americans, ask not what your country can do for "
                    "you, ask what you can do for your country.",
                )
            )
        elif subset == "fleurs":
            for ogg in sorted((self.eval_dir / "fleurs").glob("*.ogg")):
                lang = ogg.stem.split("-")[1]
                pairs.append((lang, ogg, ogg.with_suffix(".txt").read_text().strip()))
        else:
            folder = self.eval_dir / "multilingual"
            for line in (folder / "reference_transcripts.tsv").read_text().splitlines()[1:]:
                name, lang, transcript, _ = line.split("\t")
                if (folder / name).is_file():
                    pairs.append((lang, folder / name, transcript))
        refs: dict[str, list[str]] = defaultdict(list)
        hyps: dict[str, list[str]] = defaultdict(list)
        for lang, audio, reference in pairs:
            doc = self._process(audio, options=ProcessingOptions(language=lang)).document
            refs[lang].append(reference)
            hyps[lang].append(doc.text)
        for lang in sorted(refs):
            value = wer(" ".join(refs[lang]), " ".join(hyps[lang]))
            gated = "≤ 20 %" if lang == "en" else "reported (tiny.en is English-only)"
            self.rows.append(
                Row(subset, f"{len(refs[lang])} file(s)", f"WER {lang}", _pct(value), gated)
            )

    def run(self, subsets: Iterable[str]) -> list[Row]:
        """Evaluate the given subsets (skipping folders that are absent)."""
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
        for subset in subsets:
            if subset != "calibration" and not (self.eval_dir / subset).is_dir():
                self.rows.append(Row(subset, "-", "skipped", "folder not found"))
                continue
            print(f"evaluating {subset}...", file=sys.stderr, flush=True)
            handlers[subset]()
        return self.rows


def render(rows: list[Row], settings: PipelineSettings) -> str:
    """The rows as one aligned plain-text table."""
    header = ("subset", "item", "metric", "value", "target", "note")
    table = [header, *[(r.subset, r.item, r.metric, r.value, r.target, r.note) for r in rows]]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = [
        f"backends: diarization={settings.diarization_backend}, "
        f"embedding={settings.embedding_backend}, whisper={settings.whisper_model or 'tiny.en'}, "
        f"device={settings.device}",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in table[1:]]
    return "\n".join(lines)


def main(eval_dir: Path | None, only: list[str]) -> int:
    """Entry point of ``scribe eval``; returns the exit status."""
    eval_dir = eval_dir or DEFAULT_EVAL_DIR
    if not eval_dir.is_dir():
        print(f"scribe: error: evaluation folder not found: {eval_dir}", file=sys.stderr)
        return 2
    unknown = sorted(set(only) - set(SUBSETS))
    if unknown:
        print(
            f"scribe: error: unknown subset(s) {', '.join(unknown)}; choose from "
            f"{', '.join(SUBSETS)}",
            file=sys.stderr,
        )
        return 2
    settings = get_pipeline_settings()
    rows = Evaluator(eval_dir, settings).run(only or SUBSETS)
    print(render(rows, settings))
    return 0
