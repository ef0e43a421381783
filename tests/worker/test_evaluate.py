"""``scribe eval DIR`` on a user's folder: scores come from the exported files.

The folder is built from real evaluation recordings (``../shared/eval``): the sample call
with its RTTM and STM references, and the JFK speech with a plain-text reference.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from scribe_core.domain import (
    Diarization,
    FusionDocument,
    SpeakerIdentity,
    SpeakerTurn,
    Utterance,
)
from scribe_core.exporters import export
from scribe_worker.evaluation.evaluate import (
    FOLDER_HEADER,
    Exported,
    concatenate_wavs,
    der_breakdown_row,
    main,
    naming_errors,
    read_exports,
)
from scribe_worker.evaluation.metrics import pooled_components

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def _table(stdout: str) -> dict[str, dict[str, str]]:
    """The printed folder table: ``{file: {column: cell}}`` (cells are split on 2+ spaces)."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("file "))
    header = re.split(r"\s{2,}", lines[start].strip())
    assert tuple(header) == FOLDER_HEADER
    rows: dict[str, dict[str, str]] = {}
    for line in lines[start + 2 :]:
        if not line.strip():
            break
        cells = re.split(r"\s{2,}", line.strip())
        assert len(cells) == len(header), line
        rows[cells[0]] = dict(zip(header, cells, strict=True))
    return rows


def _percent(cell: str) -> float:
    assert cell.endswith(" %"), cell
    return float(cell.removesuffix(" %")) / 100


@pytest.mark.slow
def test_user_folder_is_scored_from_the_exports(
    eval_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "my-meetings"
    folder.mkdir()
    for name in ("sample.wav", "sample.rttm", "sample.stm"):
        shutil.copy(eval_dir / "sample-call" / name, folder / name)
    shutil.copy(eval_dir / "jfk" / "jfk.flac", folder / "jfk.flac")
    (folder / "jfk.txt").write_text(JFK + "\n", encoding="utf-8")

    assert main(folder, []) == 0

    rows = _table(capsys.readouterr().out)
    assert list(rows) == ["jfk.flac", "sample.wav", "pooled (2 files)"]
    sample, jfk, pooled = rows["sample.wav"], rows["jfk.flac"], rows["pooled (2 files)"]
    assert _percent(sample["DER strict"]) < 0.15
    assert _percent(sample["DER collar"]) <= _percent(sample["DER strict"])
    assert sample["cpWER"] != "-"  # the STM gives a speaker-attributed reference
    assert sample["speakers (ref)"].endswith("(2)")
    assert _percent(jfk["WER"]) == 0.0
    assert jfk["DER strict"] == "-"  # no RTTM reference
    assert jfk["cpWER"] == "-"
    # no voices/ folder: nobody is named and no naming error can be judged
    assert sample["names given"] == jfk["names given"] == "-"
    assert sample["naming errors"] == "-"
    # pooled over the files that have the reference: DER only from the sample call
    assert pooled["DER strict"] == sample["DER strict"]
    assert float(pooled["RTF"]) > 0


def test_only_is_refused_for_a_user_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.wav").write_bytes(b"")
    assert main(tmp_path, ["sample-call"]) == 2
    assert "--only" in capsys.readouterr().err


def test_folder_without_audio_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert main(tmp_path, []) == 2
    assert "no audio file" in capsys.readouterr().err


def _document(names: dict[str, str | None]) -> FusionDocument:
    """Two speakers: SPEAKER_00 talks 0-5 s, SPEAKER_01 5-10 s (overlap 4.5-5 s)."""
    turns = (
        SpeakerTurn(0.0, 5.0, "SPEAKER_00"),
        SpeakerTurn(4.5, 10.0, "SPEAKER_01"),
    )
    speakers = tuple(
        SpeakerIdentity(label, name, 0.7 if name else 0.1, "confident" if name else "none")
        for label, name in names.items()
    )
    display = {s.label: s.display_name for s in speakers}
    segments = (
        Utterance(0.2, 4.0, "Hello there, Bob.", display["SPEAKER_00"], "SPEAKER_00"),
        Utterance(5.1, 9.0, "Hi: how are you?", display["SPEAKER_01"], "SPEAKER_01"),
    )
    return FusionDocument(segments, speakers, "en", 10.0, 5.0, {"real_time_factor": 0.5}, turns)


def _exported(tmp_path: Path, names: dict[str, str | None]) -> Exported:
    document = _document(names)
    for fmt in ("rttm", "txt", "json"):
        (tmp_path / f"my call.{fmt}").write_text(export(document, fmt, uri="my call"), "utf-8")
    return read_exports(tmp_path, "my call")


def test_read_exports_gives_back_what_the_user_downloads(tmp_path: Path) -> None:
    e = _exported(tmp_path, {"SPEAKER_00": "Ann Lee", "SPEAKER_01": None})
    # RTTM: overlap kept, display names with spaces written as "_"
    assert [(t.start, t.end, t.speaker) for t in e.diarization.turns] == [
        (0.0, 5.0, "Ann_Lee"),
        (4.5, 10.0, "SPEAKER_01"),
    ]
    # TXT: the words without the "[hh:mm:ss] Name: " prefixes (a colon in the text stays)
    assert e.text == "Hello there, Bob. Hi: how are you?"
    assert e.by_speaker == {"Ann Lee": ["Hello there, Bob."], "SPEAKER_01": ["Hi: how are you?"]}
    assert e.names == ("Ann Lee",)
    assert e.language == "en"
    assert e.real_time_factor == 0.5


def test_naming_errors_rule(tmp_path: Path) -> None:
    reference = Diarization(
        (SpeakerTurn(0.0, 5.0, "ann_lee"), SpeakerTurn(5.0, 10.0, "Bob")), duration=10.0
    )
    labels = reference.labels
    right = _exported(tmp_path, {"SPEAKER_00": "Ann Lee", "SPEAKER_01": None})
    assert naming_errors(right, ["Ann Lee", "Carol"], labels, reference) == 0
    # Ann's name on Bob's voice: she speaks, but not there
    swapped = _exported(tmp_path, {"SPEAKER_00": None, "SPEAKER_01": "Ann Lee"})
    assert naming_errors(swapped, ["Ann Lee"], labels, reference) == 1
    # without the timing of an RTTM, only "is that person in the reference" is checked
    assert naming_errors(swapped, ["Ann Lee"], labels) == 0
    # a person who does not speak in the recording
    stranger = _exported(tmp_path, {"SPEAKER_00": "Ann Lee", "SPEAKER_01": "Carol"})
    assert naming_errors(stranger, ["Ann Lee", "Carol"], labels, reference) == 1
    # reference labels that are not real names: nothing can be judged
    assert naming_errors(stranger, ["Ann Lee", "Carol"], ["spk1", "spk2"]) is None


def test_der_breakdown_separates_detection_from_confusion() -> None:
    """Reference: A speaks 0-10 s, B 10-20 s. Hypothesis: one speaker over 0-15 s and
    nothing after. 5 s of B are missed, 5 s of B go to A's speaker (confusion)."""
    reference = Diarization((SpeakerTurn(0.0, 10.0, "A"), SpeakerTurn(10.0, 20.0, "B")))
    hypothesis = Diarization((SpeakerTurn(0.0, 15.0, "SPEAKER_00"),))
    row = der_breakdown_row(pooled_components([(reference, hypothesis), (reference, reference)]))
    assert row.value == "5.0 / 0.0 / 5.0 s of 40.0 s"
    assert "12.5 %" in row.note  # 5 s missed of 40 s: what no clustering could fix


def test_joined_recordings_keep_every_sample(tmp_path: Path, eval_dir: Path) -> None:
    from scribe_worker.stages.convert import load_audio

    clips = sorted((eval_dir / "ami-30s").glob("trn*.wav"))[:3]
    joined = concatenate_wavs(clips, tmp_path / "joined.wav")
    parts = [load_audio(clip) for clip in clips]
    whole = load_audio(joined)
    assert whole.size == sum(p.size for p in parts)
    first = parts[0].size
    assert abs(float(whole[first : first + 16000].mean() - parts[1][:16000].mean())) < 1e-4
    assert float(abs(whole[first : first + 16000] - parts[1][:16000]).max()) < 1e-3
