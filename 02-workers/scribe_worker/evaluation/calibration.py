"""Calibration of the speaker-match threshold on labelled trials.

Two views of the same embeddings, both reported by :func:`calibrate`:

- Verification trials (:class:`Trial`): one score (cosine similarity) per pair of
  recordings, target when both hold the same person. Summarised by the equal error rate
  (EER: the operating point where the false-accept and false-reject rates are equal,
  interpolated linearly on the ROC from ``sklearn.metrics.roc_curve``, as the NIST SRE and
  VoxCeleb evaluations report it) and by the false-accept / false-reject rates at a
  threshold.
- Identification cases (:class:`IdentificationCase`): what the ``identify`` stage actually
  decides: a bank of enrolled names, the speakers of one recording, and their similarity
  matrix; names are given by :func:`scribe_worker.stages.identify.assign_names` (one name at most
  once, open set). A false accept is a speaker given a wrong name (or any name when not
  enrolled); a miss is an enrolled speaker left unnamed.

The recommended threshold gives ZERO identification false accepts on the groups named in
``zero_false_accepts`` and, among such thresholds, names the most speakers correctly there,
then over all cases, then makes the fewest verification errors
(:func:`recommend_threshold`).

:func:`eval_trials` builds the trials and cases of the evaluation set (``../shared/eval``):
``voxceleb-pairs`` (4 people × 2 clips from different videos), ``katie-steve`` (two
enrolment recordings and the diarized speakers of the conversation) and ``ami-30s``
(reference speakers recurring across AMI meeting excerpts).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Diarization
from scribe_core.settings import PipelineSettings
from scribe_worker.models.embeddings import Float32Array, SpeakerEmbedder, l2_normalise

REQUIRED_ZERO_FALSE_ACCEPTS = ("katie-steve", "voxceleb-pairs")
"""Groups on which the recommended threshold must name nobody wrongly: the scenarios
``scribe eval`` runs (katie-steve with both people or Katie only enrolled; voxceleb-pairs
with everybody enrolled from their other clip)."""

OPEN_SET_VOXCELEB = "voxceleb-pairs open-set"
"""Group of the voxceleb-pairs cases with one person left out of the bank."""

OPEN_SET_KATIE_STEVE = "katie-steve Steve-only"
"""Group of the katie-steve case with only Steve enrolled."""


# -- data ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Trial:
    """One verification trial.

    Attributes:
        score: Cosine similarity of the two embeddings, in [-1, 1].
        target: Whether both sides are the same person.
        group: Data set the trial comes from (``"voxceleb-pairs"``).
        enrol: Description of the enrolment side (for reports).
        test: Description of the test side.
    """

    score: float
    target: bool
    group: str = ""
    enrol: str = ""
    test: str = ""


@dataclass(frozen=True)
class IdentificationCase:
    """One identification scenario: a voice bank and the speakers of one recording.

    Attributes:
        group: Data set the case comes from.
        names: Enrolled names (columns of ``similarity``).
        speakers: Speakers to name (rows of ``similarity``).
        truth: The true enrolled name of each speaker, ``None`` when not enrolled.
        similarity: Cosine similarities, shape ``(len(speakers), len(names))``.
    """

    group: str
    names: tuple[str, ...]
    speakers: tuple[str, ...]
    truth: tuple[str | None, ...]
    similarity: npt.NDArray[np.float64] = field(repr=False)


@dataclass(frozen=True)
class GroupResult:
    """Figures of one group of trials and cases (or of all of them: group ``"all"``).

    Attributes:
        group: Group name.
        num_target: Target trials.
        num_nontarget: Non-target trials.
        eer: Equal error rate in [0, 1] (``None`` without both kinds of trial).
        eer_threshold: Score at the EER.
        false_accepts: Non-target trials scoring at or above the threshold.
        false_rejects: Target trials scoring below the threshold.
        far: ``false_accepts / num_nontarget``.
        frr: ``false_rejects / num_target``.
        id_speakers: Speakers of the identification cases.
        id_correct: Speakers given their own name, or left unnamed when not enrolled.
        id_false_accepts: Speakers given a wrong name, or a name when not enrolled.
        id_misses: Enrolled speakers left unnamed.
    """

    group: str
    num_target: int
    num_nontarget: int
    eer: float | None
    eer_threshold: float | None
    false_accepts: int
    false_rejects: int
    far: float | None
    frr: float | None
    id_speakers: int
    id_correct: int
    id_false_accepts: int
    id_misses: int


@dataclass(frozen=True)
class CalibrationReport:
    """Result of :func:`calibrate`.

    Attributes:
        threshold: The threshold the figures are given at (recommended or imposed).
        recommended: Whether ``threshold`` was chosen by :func:`calibrate`.
        overall: Figures of all trials and cases together.
        groups: Figures per group, sorted by name.
    """

    threshold: float
    recommended: bool
    overall: GroupResult
    groups: tuple[GroupResult, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "threshold": self.threshold,
            "recommended": self.recommended,
            "overall": asdict(self.overall),
            "groups": [asdict(g) for g in self.groups],
        }

    def format(self) -> str:
        """A plain-text table (one row per group, then ``all``)."""

        def pct(x: float | None) -> str:
            return "-" if x is None else f"{100 * x:.1f}%"

        head = (
            f"{'group':<24}{'tgt':>5}{'non':>5}{'EER':>8}{'@thr':>7}{'FA':>4}{'FAR':>8}"
            f"{'FR':>4}{'FRR':>8}{'spk':>5}{'id ok':>6}{'id FA':>6}{'miss':>5}"
        )
        lines = [f"speaker-match threshold {self.threshold:.3f}", head]
        for g in (*self.groups, self.overall):
            thr = "-" if g.eer_threshold is None else f"{g.eer_threshold:.3f}"
            lines.append(
                f"{g.group:<24}{g.num_target:>5}{g.num_nontarget:>5}{pct(g.eer):>8}{thr:>7}"
                f"{g.false_accepts:>4}{pct(g.far):>8}{g.false_rejects:>4}{pct(g.frr):>8}"
                f"{g.id_speakers:>5}{g.id_correct:>6}{g.id_false_accepts:>6}{g.id_misses:>5}"
            )
        return "\n".join(lines)


# -- metrics ------------------------------------------------------------------------------


def equal_error_rate(scores: npt.ArrayLike, targets: npt.ArrayLike) -> tuple[float, float]:
    """Equal error rate of scores (higher = more likely the same person).

    The ROC comes from ``sklearn.metrics.roc_curve``; the EER is where the false-reject
    rate (1 - TPR) crosses the false-accept rate (FPR), interpolated linearly between the
    two ROC points around the crossing, and the threshold likewise.

    Args:
        scores: Shape ``(n,)``.
        targets: Booleans of shape ``(n,)``; needs both classes.

    Returns:
        ``(eer, threshold)``: EER in [0, 1] and the score at which it is reached.

    Raises:
        ValueError: Only one class of trial is given.
    """
    from sklearn.metrics import roc_curve

    y = np.asarray(targets, dtype=bool)
    s = np.asarray(scores, dtype=np.float64)
    if y.all() or not y.any():
        raise ValueError("the EER needs both target and non-target trials")
    fpr, tpr, thresholds = roc_curve(y, s, drop_intermediate=False)
    fnr = 1.0 - tpr
    thresholds = np.minimum(thresholds, s.max() + 1e-6)  # the first one is +inf
    diff = fnr - fpr  # decreasing from 1 to -1 along the curve
    j = int(np.argmax(diff <= 0))
    if j == 0 or diff[j] == 0:
        return float(fpr[j]), float(thresholds[j])
    w = diff[j - 1] / (diff[j - 1] - diff[j])
    eer = fpr[j - 1] + w * (fpr[j] - fpr[j - 1])
    threshold = thresholds[j - 1] + w * (thresholds[j] - thresholds[j - 1])
    return float(eer), float(threshold)


def identification_errors(case: IdentificationCase, threshold: float) -> tuple[int, int, int]:
    """``(correct, false_accepts, misses)`` of one case at ``threshold``."""
    from scribe_worker.stages.identify import assign_names

    correct = false_accepts = misses = 0
    for truth, col in zip(case.truth, assign_names(case.similarity, threshold), strict=True):
        named = None if col is None else case.names[col]
        if named == truth:
            correct += 1
        elif named is None:
            misses += 1
        else:
            false_accepts += 1
    return correct, false_accepts, misses


def _group_result(
    group: str, trials: Sequence[Trial], cases: Sequence[IdentificationCase], threshold: float
) -> GroupResult:
    scores = np.array([t.score for t in trials], dtype=np.float64)
    targets = np.array([t.target for t in trials], dtype=bool)
    num_target, num_nontarget = int(targets.sum()), int((~targets).sum())
    eer = eer_threshold = None
    if num_target and num_nontarget:
        eer, eer_threshold = equal_error_rate(scores, targets)
    fa = int(np.sum(~targets & (scores >= threshold)))
    fr = int(np.sum(targets & (scores < threshold)))
    ids = [identification_errors(c, threshold) for c in cases]
    return GroupResult(
        group=group,
        num_target=num_target,
        num_nontarget=num_nontarget,
        eer=eer,
        eer_threshold=eer_threshold,
        false_accepts=fa,
        false_rejects=fr,
        far=fa / num_nontarget if num_nontarget else None,
        frr=fr / num_target if num_target else None,
        id_speakers=sum(len(c.speakers) for c in cases),
        id_correct=sum(i[0] for i in ids),
        id_false_accepts=sum(i[1] for i in ids),
        id_misses=sum(i[2] for i in ids),
    )


def recommend_threshold(
    trials: Sequence[Trial],
    cases: Sequence[IdentificationCase],
    zero_false_accepts: Sequence[str] = REQUIRED_ZERO_FALSE_ACCEPTS,
    step: float = 0.001,
) -> float:
    """The threshold to configure, from a grid of ``step`` over [-1, 1].

    Feasible thresholds give zero identification false accepts on every case of the groups
    in ``zero_false_accepts`` (the guarded groups). Among them win, in order: the most
    speakers named correctly in the guarded cases; the fewest verification errors (false
    accepts plus false rejects) on the guarded groups' trials; the most speakers named
    correctly over all cases. The middle of the winners is returned, i.e. the centre of
    the gap between the two scores that bound it.

    Raises:
        ValueError: No threshold is feasible.
    """
    grid = np.round(np.arange(-1.0, 1.0 + step / 2, step), 6)
    guarded = set(zero_false_accepts)
    guarded_cases = [c for c in cases if c.group in guarded]
    guarded_trials = [t for t in trials if t.group in guarded]
    best: list[float] = []
    best_key: tuple[int, int, int] | None = None
    for thr in grid.tolist():
        outcomes = [identification_errors(c, thr) for c in guarded_cases]
        if any(fa for _, fa, _ in outcomes):
            continue
        key = (
            sum(ok for ok, _, _ in outcomes),
            -sum((t.score >= thr) != t.target for t in guarded_trials),
            sum(identification_errors(c, thr)[0] for c in cases),
        )
        if best_key is None or key > best_key:
            best, best_key = [thr], key
        elif key == best_key:
            best.append(thr)
    if not best:
        raise ValueError(f"no threshold gives zero false accepts on {', '.join(sorted(guarded))}")
    return float(round((best[0] + best[-1]) / 2, 4))


def calibrate(
    trials: Iterable[Trial],
    cases: Iterable[IdentificationCase] = (),
    *,
    threshold: float | None = None,
    zero_false_accepts: Sequence[str] = REQUIRED_ZERO_FALSE_ACCEPTS,
) -> CalibrationReport:
    """Summarise trials and identification cases, at a given or recommended threshold.

    Args:
        trials: Verification trials (for the EER and the false-accept/-reject rates).
        cases: Identification cases (for what the ``identify`` stage would decide).
        threshold: Report at this threshold; ``None`` picks one with
            :func:`recommend_threshold`.
        zero_false_accepts: Groups where the recommended threshold must not name anybody
            wrongly.

    Returns:
        The report, per group and overall.

    Raises:
        ValueError: No trial and no case, or (when recommending) no feasible threshold.
    """
    trial_list, case_list = list(trials), list(cases)
    if not trial_list and not case_list:
        raise ValueError("nothing to calibrate: no trial and no identification case")
    recommended = threshold is None
    if threshold is None:
        threshold = recommend_threshold(trial_list, case_list, zero_false_accepts)
    names = sorted({t.group for t in trial_list} | {c.group for c in case_list})
    groups = tuple(
        _group_result(
            name,
            [t for t in trial_list if t.group == name],
            [c for c in case_list if c.group == name],
            threshold,
        )
        for name in names
    )
    overall = _group_result("all", trial_list, case_list, threshold)
    return CalibrationReport(float(threshold), recommended, overall, groups)


# -- the evaluation set -------------------------------------------------------------------


def _similarity(a: Sequence[Float32Array], b: Sequence[Float32Array]) -> npt.NDArray[np.float64]:
    return np.asarray(l2_normalise(np.stack(a)) @ l2_normalise(np.stack(b)).T, dtype=np.float64)


def voxceleb_pairs(
    folder: Path, embedder: SpeakerEmbedder
) -> tuple[list[Trial], list[IdentificationCase]]:
    """Trials and cases of ``voxceleb-pairs`` (one folder per person, clips from 2 videos).

    Trials: every pair of clips (4 target, 24 non-target with 4 people). Cases, group
    ``voxceleb-pairs``: enrol the first clip of every person and identify their second
    clips, and the reverse (what ``scribe eval`` runs). Group ``voxceleb-pairs open-set``:
    the same with one person left out of the bank each time (that person's clip must stay
    unnamed).
    """
    from scribe_worker.stages.convert import load_audio

    root = folder
    clips: list[tuple[str, str, Float32Array]] = []
    for person in sorted(p for p in root.iterdir() if p.is_dir()):
        for clip in sorted(person.glob("*.wav")):
            clips.append((person.name, clip.stem, embedder.embed(load_audio(clip))))
    trials = [
        Trial(
            float(a[2] @ b[2]), a[0] == b[0], "voxceleb-pairs", f"{a[0]}/{a[1]}", f"{b[0]}/{b[1]}"
        )
        for a, b in itertools.combinations(clips, 2)
    ]
    people = sorted({c[0] for c in clips})
    by_person = {p: [c for c in clips if c[0] == p] for p in people}
    cases: list[IdentificationCase] = []
    for enrol_index in (0, 1):
        enrol = {p: by_person[p][enrol_index][2] for p in people}
        test = [(p, by_person[p][1 - enrol_index][2]) for p in people]
        for left_out in (None, *people):
            names = tuple(p for p in people if p != left_out)
            cases.append(
                IdentificationCase(
                    group="voxceleb-pairs" if left_out is None else OPEN_SET_VOXCELEB,
                    names=names,
                    speakers=tuple(p for p, _ in test),
                    truth=tuple(p if p != left_out else None for p, _ in test),
                    similarity=_similarity([v for _, v in test], [enrol[n] for n in names]),
                )
            )
    return trials, cases


def median_f0(waveform: Float32Array, turns: Sequence[tuple[float, float]]) -> float:
    """Median fundamental frequency (Hz) of voiced frames in ``turns`` (librosa's pYIN).

    pYIN: Mauch & Dixon, "pYIN: A fundamental frequency estimator using probabilistic
    threshold distributions", ICASSP 2014. ``nan`` when no frame is voiced.
    """
    import librosa

    pieces = [waveform[int(s * SAMPLE_RATE) : int(e * SAMPLE_RATE)] for s, e in turns]
    audio = np.concatenate([p for p in pieces if p.size] or [np.zeros(0, np.float32)])
    if audio.size < 2048:
        return float("nan")
    f0, voiced, _ = librosa.pyin(audio, fmin=60, fmax=400, sr=SAMPLE_RATE, frame_length=1024)
    return float(np.nanmedian(f0[voiced])) if voiced.any() else float("nan")


def katie_steve(
    folder: Path, embedder: SpeakerEmbedder, diarization: Diarization, waveform: Float32Array
) -> tuple[list[Trial], list[IdentificationCase]]:
    """Trials and cases of ``katie-steve``: two enrolment recordings and a conversation.

    The ground truth only says the conversation holds Katie and Steve; which diarized
    speaker is who is decided by pitch, independently of the embedder under test: each
    speaker takes the enrolled person whose median F0 is closest on a log scale (Katie's
    enrolment ≈ 171 Hz, Steve's ≈ 120 Hz). Speakers with under 1 s of speech are ignored.
    Speakers are embedded as the ``identify`` stage does
    (:func:`scribe_worker.stages.identify.meeting_embeddings`).

    Trials: Katie's enrolment vs Steve's, and every kept speaker vs both enrolments. Cases,
    group ``katie-steve``: both enrolled, only Katie (what ``scribe eval`` runs); group
    ``katie-steve Steve-only``: only Steve.

    Args:
        folder: The ``katie-steve`` folder.
        embedder: The embedder under test.
        diarization: Diarization of ``katiesteve.wav`` (from the diarize stage).
        waveform: That recording, 16 kHz mono.
    """
    from scribe_worker.stages.convert import load_audio
    from scribe_worker.stages.identify import meeting_embeddings

    root = folder
    enrol: dict[str, Float32Array] = {}
    pitch: dict[str, float] = {}
    for name in ("Katie", "Steve"):
        audio = load_audio(root / f"enrollment_audio_{name.lower()}.wav")
        enrol[name] = embedder.embed(audio)
        pitch[name] = median_f0(audio, [(0.0, audio.size / SAMPLE_RATE)])
    speakers = meeting_embeddings(waveform, diarization, embedder)
    kept = [label for label in speakers if diarization.speech_duration(label) >= 1.0]
    truth: dict[str, str | None] = {}
    for label in kept:
        f0 = median_f0(
            waveform, [(t.start, t.end) for t in diarization.turns if t.speaker == label]
        )
        truth[label] = (
            None if np.isnan(f0) else min(pitch, key=lambda n: abs(np.log(f0) - np.log(pitch[n])))
        )
    trials = [Trial(float(enrol["Katie"] @ enrol["Steve"]), False, "katie-steve", "Katie", "Steve")]
    for label in kept:
        for name, vector in enrol.items():
            trials.append(
                Trial(
                    float(speakers[label] @ vector),
                    truth[label] == name,
                    "katie-steve",
                    name,
                    label,
                )
            )
    cases = [
        IdentificationCase(
            group="katie-steve" if "Katie" in names else OPEN_SET_KATIE_STEVE,
            names=names,
            speakers=tuple(kept),
            truth=tuple(truth[label] if truth[label] in names else None for label in kept),
            similarity=_similarity([speakers[label] for label in kept], [enrol[n] for n in names]),
        )
        for names in (("Katie", "Steve"), ("Katie",), ("Steve",))
    ]
    return trials, cases


def ami_speakers(
    folder: Path, embedder: SpeakerEmbedder, min_speech: float = 1.0
) -> tuple[list[Trial], list[IdentificationCase]]:
    """Trials and cases of ``ami-30s``: AMI speakers recurring across meeting excerpts.

    Each reference speaker (``reference.rttm``, AMI global speaker ids) is embedded from
    its non-overlapped speech in each excerpt (:func:`scribe_worker.stages.identify.
    speaker_embeddings`); speakers with under ``min_speech`` seconds of it are left out.
    Trials: every pair of speakers from different excerpts. Cases: for each ordered pair of
    excerpts sharing a speaker, enrol the speakers of the first, identify those of the
    second (open set).
    """
    from scribe_worker.evaluation.metrics import load_rttm
    from scribe_worker.stages.convert import load_audio
    from scribe_worker.stages.identify import speaker_embeddings, speaker_windows

    root = folder
    embedded: dict[str, dict[str, Float32Array]] = {}
    for uri, reference in sorted(load_rttm(root / "reference.rttm").items()):
        waveform = load_audio(root / f"{uri}.wav")
        diarization = replace(reference, duration=waveform.size / SAMPLE_RATE)
        clean = {
            label: sum(e - s for s, e in speaker_windows(diarization, label))
            for label in diarization.labels
        }
        labels = [label for label in diarization.labels if clean[label] >= min_speech]
        embedded[uri] = speaker_embeddings(waveform, diarization, embedder, labels)
    trials: list[Trial] = []
    for (uri_a, spk_a), (uri_b, spk_b) in itertools.combinations(sorted(embedded.items()), 2):
        for a, b in itertools.product(sorted(spk_a), sorted(spk_b)):
            trials.append(
                Trial(float(spk_a[a] @ spk_b[b]), a == b, "ami-30s", f"{uri_a}/{a}", f"{uri_b}/{b}")
            )
    cases: list[IdentificationCase] = []
    for (_, spk_a), (_, spk_b) in itertools.permutations(sorted(embedded.items()), 2):
        if not spk_a or not spk_b or not set(spk_a) & set(spk_b):
            continue
        names, speakers = tuple(sorted(spk_a)), tuple(sorted(spk_b))
        cases.append(
            IdentificationCase(
                group="ami-30s",
                names=names,
                speakers=speakers,
                truth=tuple(s if s in spk_a else None for s in speakers),
                similarity=_similarity([spk_b[s] for s in speakers], [spk_a[n] for n in names]),
            )
        )
    return trials, cases


def eval_trials(
    eval_dir: Path,
    embedder: SpeakerEmbedder,
    diarize: Callable[[Float32Array], Diarization] | None = None,
) -> tuple[list[Trial], list[IdentificationCase]]:
    """All trials and cases of the evaluation set.

    Args:
        eval_dir: The evaluation folder (``../shared/eval``).
        embedder: The embedder under test.
        diarize: Diarizes the katie-steve conversation (16 kHz waveform → Diarization);
            without it katie-steve is left out.
    """
    from scribe_worker.stages.convert import load_audio

    trials, cases = voxceleb_pairs(eval_dir / "voxceleb-pairs", embedder)
    if diarize is not None:
        waveform = load_audio(eval_dir / "katie-steve" / "katiesteve.wav")
        more = katie_steve(eval_dir / "katie-steve", embedder, diarize(waveform), waveform)
        trials += more[0]
        cases += more[1]
    more = ami_speakers(eval_dir / "ami-30s", embedder)
    return trials + more[0], cases + more[1]


@dataclass(frozen=True)
class VoxcelebReport:
    """Cross-session identification on ``voxceleb-pairs`` at one threshold.

    Each person is enrolled from one clip (a folder voice bank) and their other clip, from
    another video, is identified; then the clips swap roles: 2 × (number of people)
    identifications.

    Attributes:
        total: Identifications made.
        correct_top1: Clips whose most similar voiceprint is their own person's (no
            threshold, no one-name-once rule).
        num_named_correctly: Clips given their own name by the identify stage's decision
            (one-to-one assignment, then ``threshold``).
        num_false_accepts: Clips given a wrong name at ``threshold``.
        num_misses: Clips left unnamed at ``threshold``.
        threshold: The speaker-match threshold used.
        report: The verification/identification figures of the same trials at ``threshold``.
    """

    total: int
    correct_top1: int
    num_named_correctly: int
    num_false_accepts: int
    num_misses: int
    threshold: float
    report: CalibrationReport

    @property
    def top1(self) -> str:
        """``"correct/total"``."""
        return f"{self.correct_top1}/{self.total}"

    @property
    def named(self) -> str:
        """``"named correctly/total"``."""
        return f"{self.num_named_correctly}/{self.total}"

    @property
    def false_accepts(self) -> str:
        """The number of false accepts, as text."""
        return str(self.num_false_accepts)


def voxceleb_report(
    folder: Path, settings: PipelineSettings, embedder: SpeakerEmbedder | None = None
) -> VoxcelebReport:
    """Enrol one clip per person in a folder voice bank, identify the other clip.

    Runs the product path: :class:`~scribe_worker.stages.identify.FolderVoiceBank` voiceprints
    and :func:`~scribe_worker.stages.identify.assign_names` at ``settings.speaker_match_threshold``.

    Args:
        folder: The ``voxceleb-pairs`` folder (one sub-folder of clips per person).
        settings: Reads the embedder settings and ``speaker_match_threshold``.
        embedder: The embedder to use; ``load_embedder(settings)`` when ``None``.
    """
    import tempfile

    from scribe_worker.models.loader import load_embedder
    from scribe_worker.stages.convert import load_audio
    from scribe_worker.stages.identify import FolderVoiceBank, assign_names

    embedder = embedder or load_embedder(settings)
    threshold = settings.speaker_match_threshold
    people = {p.name: sorted(p.glob("*.wav")) for p in sorted(folder.iterdir()) if p.is_dir()}
    total = top1 = named = false_accepts = misses = 0
    for enrol_index in (0, 1):
        with tempfile.TemporaryDirectory(prefix="voxceleb-bank-") as tmp:
            for name, clips in people.items():
                (Path(tmp) / f"{name}.wav").symlink_to(clips[enrol_index].resolve())
            prints = FolderVoiceBank(Path(tmp)).voiceprints(embedder)
        names = sorted(prints)
        truth = list(people)
        tests = [embedder.embed(load_audio(people[p][1 - enrol_index])) for p in truth]
        similarity = _similarity(tests, [prints[n] for n in names])
        for row, col in enumerate(assign_names(similarity, threshold)):
            total += 1
            top1 += names[int(np.argmax(similarity[row]))] == truth[row]
            if col is None:
                misses += 1
            elif names[col] != truth[row]:
                false_accepts += 1
            else:
                named += 1
    trials, cases = voxceleb_pairs(folder, embedder)
    report = calibrate(trials, cases, threshold=threshold)
    return VoxcelebReport(total, top1, named, false_accepts, misses, threshold, report)
