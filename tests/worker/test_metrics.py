"""DER, WER and cpWER helpers, checked against hand-computed values and the eval files."""

from __future__ import annotations

from pathlib import Path

import pytest

from scribe_core.domain import Diarization, SpeakerTurn
from scribe_core.errors import BadInputError, NotFoundError
from scribe_core.exporters import rttm_lines
from scribe_worker.evaluation.metrics import (
    DER,
    cpwer,
    der,
    der_components,
    load_rttm,
    load_stm,
    normalise_text,
    pooled_der,
    wer,
)


def diarization(*turns: tuple[float, float, str], duration: float = 0.0) -> Diarization:
    return Diarization(turns=tuple(SpeakerTurn(*t) for t in turns), duration=duration)


# -- DER on hand-made turns --------------------------------------------------------------------


def test_der_is_zero_for_identical_turns_and_one_for_no_output() -> None:
    reference = diarization((0.0, 4.0, "A"), (4.0, 10.0, "B"))
    assert der(reference, reference) == DER(0.0, 0.0)
    assert der(reference, diarization(duration=10.0)) == DER(1.0, 1.0)


def test_der_maps_labels_optimally() -> None:
    reference = diarization((0.0, 4.0, "A"), (4.0, 10.0, "B"))
    renamed = diarization((0.0, 4.0, "SPEAKER_01"), (4.0, 10.0, "SPEAKER_00"))
    assert der(reference, renamed) == DER(0.0, 0.0)


def test_der_confusion_strict_and_with_collar() -> None:
    # 2 s of A's 10 s given to B: 20 % strict. The 0.5 s collar removes 0.25 s around the
    # reference boundaries at 0 s and 10 s: 9.5 s scored, 1.75 s of it confused.
    reference = diarization((0.0, 10.0, "A"))
    hypothesis = diarization((0.0, 8.0, "X"), (8.0, 10.0, "Y"))
    parts = der_components(reference, hypothesis)
    assert parts.confusion == pytest.approx(2.0)
    assert parts.missed == pytest.approx(0.0)
    assert parts.total == pytest.approx(10.0)
    strict, collar = der(reference, hypothesis)
    assert strict == pytest.approx(0.2)
    assert collar == pytest.approx(1.75 / 9.5)


def test_der_counts_missed_overlap_and_false_alarm() -> None:
    # Reference: A 0-6, B 4-10 (2 s overlap, 12 s of speech). Hypothesis: A 0-5, B 5-11.
    reference = diarization((0.0, 6.0, "A"), (4.0, 10.0, "B"))
    hypothesis = diarization((0.0, 5.0, "A"), (5.0, 11.0, "B"))
    parts = der_components(reference, hypothesis)
    assert parts.total == pytest.approx(12.0)
    assert parts.missed == pytest.approx(2.0)  # one of two voices in 4-6 s
    assert parts.false_alarm == pytest.approx(1.0)  # 10-11 s
    assert parts.confusion == pytest.approx(0.0)
    assert der(reference, hypothesis).strict == pytest.approx(3.0 / 12.0)


def test_boundary_shift_within_collar_costs_nothing_forgiving() -> None:
    reference = diarization((0.0, 5.0, "A"), (5.0, 10.0, "B"))
    shifted = diarization((0.0, 5.2, "A"), (5.2, 10.0, "B"))
    strict, collar = der(reference, shifted)
    assert strict == pytest.approx(0.02)
    assert collar == pytest.approx(0.0)


def test_der_of_empty_reference() -> None:
    empty = diarization(duration=5.0)
    assert der(empty, empty) == DER(0.0, 0.0)
    assert der(empty, diarization((1.0, 2.0, "A"))) == DER(1.0, 1.0)


def test_negative_collar_is_refused() -> None:
    with pytest.raises(BadInputError):
        der_components(diarization((0.0, 1.0, "A")), diarization(), collar=-1)


def test_pooled_der_weighs_files_by_their_speech() -> None:
    long = diarization((0.0, 90.0, "A"))
    short = diarization((0.0, 10.0, "A"))
    # 0 errors on 90 s, 10 s missed on 10 s: pooled 10 %, whereas the mean of files is 50 %.
    pooled = pooled_der([(long, long), (short, diarization(duration=10.0))])
    assert pooled.strict == pytest.approx(0.1)
    # With the collar, 0.25 s goes at each reference boundary: 89.5 s + 9.5 s scored.
    assert pooled.collar == pytest.approx(9.5 / (89.5 + 9.5))


# -- files -------------------------------------------------------------------------------------


def test_load_rttm_of_the_ami_reference(eval_dir: Path) -> None:
    references = load_rttm(eval_dir / "ami-30s" / "reference.rttm")
    assert sorted(references) == [f"trn{i:02d}" for i in range(10)]
    (turn,) = references["trn02"].turns
    assert turn.speaker == "FEO066"
    assert turn.start == pytest.approx(20.84)
    assert turn.end == pytest.approx(21.33)
    trn00 = references["trn00"]
    assert list(trn00.turns) == sorted(trn00.turns, key=lambda t: (t.start, t.end, t.speaker))
    assert set(trn00.labels) == {"MEO069", "MEE068", "MEE067"}


def test_rttm_export_reads_back_with_zero_der(tmp_path: Path, eval_dir: Path) -> None:
    reference = load_rttm(eval_dir / "sample-call" / "sample.rttm")["sample"]
    path = tmp_path / "export.rttm"
    path.write_text(rttm_lines(reference.turns, "sample"))
    again = load_rttm(path)["sample"]
    assert again.labels == reference.labels
    assert der(reference, again) == DER(0.0, 0.0)


def test_load_stm_of_the_sample_call(eval_dir: Path) -> None:
    lines = load_stm(eval_dir / "sample-call" / "sample.stm")
    assert lines[0] == ("Diane", "Hello?")
    assert lines[1] == ("Sheila", "Hello?")
    assert {speaker for speaker, _ in lines} == {"Diane", "Sheila"}
    assert all(text for _, text in lines)


def test_load_stm_skips_comments_and_labels(tmp_path: Path) -> None:
    path = tmp_path / "x.stm"
    path.write_text(
        ";; a comment\nrec 1 B 2.0 3.0 <o,f0,male> second line\nrec 1 A 0.5 1.5 first line\n"
    )
    assert load_stm(path) == [("A", "first line"), ("B", "second line")]


@pytest.mark.parametrize(
    ("content", "message"),
    [("rec 1 A 0.5\n", "5 fields"), ("rec 1 A start 1.0 text\n", "not a number")],
)
def test_load_stm_rejects_bad_lines(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.stm"
    path.write_text(content)
    with pytest.raises(BadInputError, match=message):
        load_stm(path)


def test_missing_files_raise_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        load_rttm(tmp_path / "none.rttm")
    with pytest.raises(NotFoundError):
        load_stm(tmp_path / "none.stm")


# -- WER / cpWER -------------------------------------------------------------------------------


def test_normalise_text_lowercases_and_drops_punctuation() -> None:
    assert normalise_text("  Hello, World!  It's… «fine».") == "hello world its fine"


def test_wer_ignores_case_and_punctuation() -> None:
    assert wer("Hello, World!", "hello world") == 0.0
    assert wer("the cat sat down", "the bat sat down") == pytest.approx(0.25)
    assert wer("a b", "a b c d") == pytest.approx(1.0)


def test_wer_needs_a_reference() -> None:
    with pytest.raises(BadInputError):
        wer(" ... ", "anything")


def test_cpwer_is_invariant_to_speaker_names_and_counts_misattribution() -> None:
    reference = {"Diane": ["hello there", "how are you"], "Sheila": ["fine thanks"]}
    assert cpwer(reference, {"SPEAKER_01": "Hello there, how are you?", "X": "fine thanks"}) == 0
    # All 7 words under one speaker: Sheila's 2 words are deleted, and inserted elsewhere.
    merged = {"SPEAKER_00": "hello there how are you fine thanks"}
    assert cpwer(reference, merged) == pytest.approx(4 / 7)
    with pytest.raises(BadInputError):
        cpwer({"A": ""}, merged)
