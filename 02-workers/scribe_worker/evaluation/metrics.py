"""Quality metrics: DER for diarization, WER and cpWER for transcripts.

- DER (diarization error rate) = (missed speech + false alarm + speaker confusion) / total
  reference speech, computed by pyannote.metrics ``DiarizationErrorRate`` (Bredin,
  "pyannote.metrics: a toolkit for reproducible evaluation, diagnostic, and error analysis of
  speaker diarization systems", Interspeech 2017), which maps hypothesis to reference
  speakers with the Hungarian algorithm. This project reports it twice (see the eval README):
  *strict* (no collar, overlapped speech scored) and *forgiving* (``collar=0.5`` s, i.e.
  0.25 s ignored on each side of every reference boundary, overlap still scored).
- WER with jiwer after lower-casing and removing punctuation.
- cpWER (concatenated minimum-permutation WER, Watanabe et al., "CHiME-6 Challenge",
  2020) with meeteval (von Neumann et al., "MeetEval", CHiME 2023).

Heavy imports (pyannote, jiwer, meeteval) happen inside the functions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from scribe_core.domain import Diarization, SpeakerTurn, sort_turns
from scribe_core.errors import BadInputError, NotFoundError

if TYPE_CHECKING:
    from pyannote.core import Annotation

STRICT_COLLAR = 0.0
"""Collar (seconds) of the strict DER: every boundary error counts."""

FORGIVING_COLLAR = 0.5
"""Collar (seconds, total) of the forgiving DER: 0.25 s each side of a reference boundary."""


class DER(NamedTuple):
    """Diarization error rate of one recording (or pooled over many), as fractions.

    Attributes:
        strict: DER with no collar, overlap scored (``0.25`` = 25 %).
        collar: DER with a 0.5 s collar (0.25 s each side), overlap scored.
    """

    strict: float
    collar: float


class DERComponents(NamedTuple):
    """The parts of one DER, in seconds of reference speech (overlap counted per speaker).

    Attributes:
        missed: Reference speech with no (or too few) hypothesis speakers.
        false_alarm: Hypothesis speech where the reference has none (or fewer speakers).
        confusion: Speech attributed to the wrong speaker after optimal mapping.
        total: Total reference speech.
    """

    missed: float
    false_alarm: float
    confusion: float
    total: float

    @property
    def rate(self) -> float:
        """``(missed + false_alarm + confusion) / total``; 0 when both are empty, 1 when only
        the reference is empty."""
        return _rate(self.missed + self.false_alarm + self.confusion, self.total)


def _rate(errors: float, total: float) -> float:
    if total <= 0:
        return 0.0 if errors <= 0 else 1.0
    return errors / total


# -- file formats -----------------------------------------------------------------------------


def load_rttm(path: str | Path) -> dict[str, Diarization]:
    """Read an RTTM file (NIST RT format) into one :class:`Diarization` per recording.

    Parsed by ``pyannote.database.util.load_rttm``; only ``SPEAKER`` lines are kept.

    Args:
        path: The RTTM file.

    Returns:
        ``{uri: Diarization}``; each with its turns sorted, ``duration`` set to the end of
        the last turn, and no embeddings.

    Raises:
        NotFoundError: The file does not exist.
        BadInputError: The file is not valid RTTM.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"RTTM file not found: {path}")
    from pyannote.database.util import load_rttm as _load_rttm

    try:
        annotations = _load_rttm(str(path))  # type: ignore[no-untyped-call]
    except Exception as exc:  # pandas parser errors, bad numbers
        raise BadInputError(f"cannot parse RTTM file {path}: {exc}") from exc
    return {str(uri): annotation_to_diarization(a) for uri, a in annotations.items()}


def parse_rttm(text: str) -> dict[str, Diarization]:
    """:func:`load_rttm` of RTTM text (e.g. what the RTTM exporter produced).

    Raises:
        BadInputError: The text is not valid RTTM.
    """
    if not text.strip():
        return {}
    import io

    from pyannote.database.util import load_rttm as _load_rttm

    try:
        annotations = _load_rttm(io.StringIO(text))  # type: ignore[no-untyped-call]
    except Exception as exc:  # pandas parser errors, bad numbers
        raise BadInputError(f"cannot parse RTTM: {exc}") from exc
    return {str(uri): annotation_to_diarization(a) for uri, a in annotations.items()}


def load_stm(path: str | Path) -> list[tuple[str, str]]:
    """Read the speaker-attributed transcript of an STM file (NIST SCTK format).

    Each line is ``<uri> <channel> <speaker> <start> <end> [<label>] <text>``; ``;;`` lines are
    comments. Lines are returned in order of start time.

    Args:
        path: The STM file.

    Returns:
        ``[(speaker, text), ...]``.

    Raises:
        NotFoundError: The file does not exist.
        BadInputError: A line has fewer than five fields or non-numeric times.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"STM file not found: {path}")
    rows: list[tuple[float, str, str]] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith(";;"):
            continue
        fields = line.split(maxsplit=5)
        if len(fields) < 5:
            raise BadInputError(f"{path}:{number}: an STM line needs at least 5 fields")
        try:
            start = float(fields[3])
        except ValueError:
            raise BadInputError(
                f"{path}:{number}: start time {fields[3]!r} is not a number"
            ) from None
        text = fields[5] if len(fields) > 5 else ""
        if text.startswith("<") and ">" in text:  # optional <label> field
            text = text.split(">", 1)[1]
        rows.append((start, fields[2], text.strip()))
    rows.sort(key=lambda row: row[0])
    return [(speaker, text) for _, speaker, text in rows]


# -- conversions ------------------------------------------------------------------------------


def annotation_to_diarization(annotation: Annotation, duration: float = 0.0) -> Diarization:
    """Convert a ``pyannote.core.Annotation`` into a :class:`Diarization` (no embeddings).

    Args:
        annotation: Speaker turns; labels become speaker labels as ``str``.
        duration: Audio duration in seconds; defaults to the end of the last turn.
    """
    turns = sort_turns(
        [
            SpeakerTurn(float(segment.start), float(segment.end), str(label))
            for segment, _, label in annotation.itertracks(yield_label=True)
            if segment.end > segment.start
        ]
    )
    end = max((t.end for t in turns), default=0.0)
    return Diarization(turns=turns, duration=max(duration, end))


def diarization_to_annotation(diarization: Diarization, uri: str = "meeting") -> Annotation:
    """Convert a :class:`Diarization` into a ``pyannote.core.Annotation`` (one track per turn)."""
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    for index, turn in enumerate(diarization.turns):
        annotation[Segment(turn.start, turn.end), index] = turn.speaker
    return annotation


# -- DER --------------------------------------------------------------------------------------


def _uem_end(reference: Diarization, hypothesis: Diarization) -> float:
    ends = [reference.duration, hypothesis.duration]
    ends += [t.end for t in reference.turns] + [t.end for t in hypothesis.turns]
    return max(ends)


def der_components(
    reference: Diarization, hypothesis: Diarization, collar: float = STRICT_COLLAR
) -> DERComponents:
    """Missed speech, false alarm, confusion and total (seconds) of one recording.

    Scored with pyannote.metrics ``DiarizationErrorRate(collar=collar, skip_overlap=False)``
    over the evaluation map ``[0, max(durations, last turn ends)]``.

    Args:
        reference: Ground-truth turns.
        hypothesis: System turns (labels need not match: the optimal one-to-one mapping is
            found by the Hungarian algorithm).
        collar: Total collar in seconds around every reference boundary (0.5 = ±0.25 s).

    Raises:
        BadInputError: ``collar`` is negative.
    """
    if collar < 0:
        raise BadInputError(f"collar must be >= 0 seconds, got {collar}")
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    end = _uem_end(reference, hypothesis)
    if end <= 0:
        return DERComponents(0.0, 0.0, 0.0, 0.0)
    metric = DiarizationErrorRate(collar=collar, skip_overlap=False)
    detail: Mapping[str, Any] = metric(
        diarization_to_annotation(reference, "recording"),
        diarization_to_annotation(hypothesis, "recording"),
        uem=Timeline([Segment(0.0, end)]),
        detailed=True,
    )
    return DERComponents(
        missed=float(detail["missed detection"]),
        false_alarm=float(detail["false alarm"]),
        confusion=float(detail["confusion"]),
        total=float(detail["total"]),
    )


def der(reference: Diarization, hypothesis: Diarization) -> DER:
    """Strict and forgiving DER of one recording.

    Args:
        reference: Ground-truth turns (e.g. from :func:`load_rttm`).
        hypothesis: System turns.

    Returns:
        ``DER(strict, collar)`` as fractions (0.25 = 25 %). A recording whose reference holds
        no speech scores 0 when the hypothesis is empty too, else 1.
    """
    return DER(
        der_components(reference, hypothesis, STRICT_COLLAR).rate,
        der_components(reference, hypothesis, FORGIVING_COLLAR).rate,
    )


def pooled_components(
    pairs: Iterable[tuple[Diarization, Diarization]], collar: float = STRICT_COLLAR
) -> DERComponents:
    """The DER components of a corpus: each summed over its recordings (seconds).

    Args:
        pairs: ``(reference, hypothesis)`` per recording.
        collar: As in :func:`der_components`.
    """
    parts = [der_components(reference, hypothesis, collar) for reference, hypothesis in pairs]
    if not parts:
        return DERComponents(0.0, 0.0, 0.0, 0.0)
    return DERComponents(*(float(sum(column)) for column in zip(*parts, strict=True)))


def pooled_der(pairs: Iterable[tuple[Diarization, Diarization]]) -> DER:
    """DER over a corpus: summed errors over summed reference speech (pyannote's "TOTAL").

    Unlike the mean of per-file DERs, a file with almost no reference speech weighs in
    proportion to its speech, not as much as a full meeting.

    Args:
        pairs: ``(reference, hypothesis)`` per recording.

    Returns:
        ``DER(strict, collar)`` as fractions.
    """
    pairs = list(pairs)
    strict = pooled_components(pairs, STRICT_COLLAR)
    forgiving = pooled_components(pairs, FORGIVING_COLLAR)
    return DER(strict.rate, forgiving.rate)


# -- WER / cpWER ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Lower-cased words without punctuation (jiwer transforms)."""
    import jiwer

    transform = jiwer.Compose(
        [
            jiwer.ToLowerCase(),
            jiwer.RemovePunctuation(),  # type: ignore[no-untyped-call]
            jiwer.RemoveMultipleSpaces(),
            jiwer.Strip(),
            jiwer.ReduceToListOfListOfWords(),
        ]
    )
    words: list[list[str]] = transform(text)
    return [w for sentence in words for w in sentence if w]


def normalise_text(text: str) -> str:
    """Lower-case ``text``, remove punctuation and collapse whitespace (WER convention)."""
    return " ".join(_words(text))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference`` (jiwer).

    Both are lower-cased and stripped of punctuation first (Unicode punctuation included,
    so apostrophes go too: ``it's`` → ``its`` on both sides).

    Args:
        reference: The reference transcript.
        hypothesis: The recognised transcript.

    Returns:
        ``(substitutions + deletions + insertions) / reference words`` (may exceed 1).

    Raises:
        BadInputError: The reference holds no word.
    """
    import jiwer

    ref = normalise_text(reference)
    if not ref:
        raise BadInputError("the WER reference holds no word")
    return float(jiwer.wer(ref, normalise_text(hypothesis)))


def _join_by_speaker(by_speaker: Mapping[str, Sequence[str] | str]) -> dict[str, str]:
    """Speaker → normalised text of all their utterances, in order."""
    return {
        str(speaker): normalise_text(texts if isinstance(texts, str) else " ".join(texts))
        for speaker, texts in by_speaker.items()
    }


def cpwer(
    reference: Mapping[str, Sequence[str] | str], hypothesis: Mapping[str, Sequence[str] | str]
) -> float:
    """Concatenated minimum-permutation WER (cpWER) with meeteval.

    Each speaker's utterances are concatenated in the given order, then reference and
    hypothesis speakers are paired to minimise the total word errors (Hungarian algorithm);
    words of unpaired speakers count as deletions or insertions.

    Args:
        reference: ``{speaker: [utterance, ...]}`` (or one string per speaker).
        hypothesis: ``{speaker label: [utterance, ...]}`` (or one string per speaker).

    Returns:
        cpWER as a fraction (may exceed 1).

    Raises:
        BadInputError: The reference holds no word.
    """
    from meeteval.wer import cp_word_error_rate

    ref, hyp = _join_by_speaker(reference), _join_by_speaker(hypothesis)
    if not any(ref.values()):
        raise BadInputError("the cpWER reference holds no word")
    # The utterances are already concatenated in order: no sorting by time.
    result = cp_word_error_rate(ref, hyp, reference_sort=False, hypothesis_sort=False)
    return float(result.error_rate)


# -- counts for pooling over files ------------------------------------------------------------


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """Word errors and reference words of one transcript (same normalisation as :func:`wer`).

    Summing both over files gives the pooled WER (total errors / total reference words).

    Returns:
        ``(substitutions + deletions + insertions, reference words)``; ``(0, 0)`` when the
        reference and the hypothesis hold no word, ``(hypothesis words, 0)`` when only the
        reference is empty.
    """
    import jiwer

    ref, hyp = normalise_text(reference), normalise_text(hypothesis)
    if not ref:
        return len(hyp.split()), 0
    if not hyp:
        return len(ref.split()), len(ref.split())
    out = jiwer.process_words(ref, hyp)
    return int(out.substitutions + out.deletions + out.insertions), len(ref.split())


def cpwer_errors(
    reference: Mapping[str, Sequence[str] | str], hypothesis: Mapping[str, Sequence[str] | str]
) -> tuple[int, int]:
    """Word errors and reference words of one cpWER (see :func:`cpwer`), for pooling.

    Returns:
        ``(errors, reference words)`` after the minimum-permutation pairing of speakers.
    """
    from meeteval.wer import cp_word_error_rate

    ref, hyp = _join_by_speaker(reference), _join_by_speaker(hypothesis)
    if not any(ref.values()):
        return sum(len(t.split()) for t in hyp.values()), 0
    result = cp_word_error_rate(ref, hyp, reference_sort=False, hypothesis_sort=False)
    return int(result.errors), int(result.length)


def speaker_mapping(reference: Diarization, hypothesis: Diarization) -> dict[str, str]:
    """The optimal one-to-one mapping of hypothesis to reference speakers used by DER.

    pyannote.metrics' Hungarian mapping (most co-occurring time); hypothesis speakers left
    unpaired are absent from the result.

    Returns:
        ``{hypothesis label: reference label}``.
    """
    from pyannote.metrics.diarization import DiarizationErrorRate

    if not reference.turns or not hypothesis.turns:
        return {}
    mapping = DiarizationErrorRate().optimal_mapping(
        diarization_to_annotation(reference, "recording"),
        diarization_to_annotation(hypothesis, "recording"),
    )
    return {str(h): str(r) for h, r in mapping.items()}
