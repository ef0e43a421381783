"""The ``identify`` stage: name diarized speakers from a voice bank of enrolled people.

Open-set speaker identification by cosine scoring of speaker embeddings (the usual
back-end of embedding systems such as GE2E, Wan et al. ICASSP 2018, and WeSpeaker, Wang et
al. ICASSP 2023): each diarized speaker gets the name of the enrolled voiceprint it matches,
when the cosine similarity reaches ``settings.speaker_match_threshold``; otherwise it keeps
its label (``SPEAKER_nn``). One name is used at most once per meeting: speakers and names are
paired by a globally optimal assignment (Hungarian algorithm, ``scipy.optimize.
linear_sum_assignment``), not greedily.

The folder voice bank (:class:`FolderVoiceBank`) holds ``<Name>.wav`` or ``<Name>/*.wav``
(any format ffmpeg decodes); a person's voiceprint is the normalised mean of the normalised
embeddings of their enrolment files, and per-file embeddings are cached on disk keyed by
the file's content hash and the embedder's name.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence, Sized
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from scribe_core.domain import SAMPLE_RATE, Diarization, SpeakerIdentity
from scribe_core.errors import AudioDecodeError, BadInputError
from scribe_core.settings import PipelineSettings
from scribe_core.voiceprints import mean_voiceprint
from scribe_worker.models.embeddings import Float32Array, SpeakerEmbedder, l2_normalise
from scribe_worker.models.residency import ModelResidency
from scribe_worker.models.resolve import file_sha256
from scribe_worker.stages.convert import AudioSource, as_audio_source

logger = logging.getLogger(__name__)

AUDIO_SUFFIXES = frozenset(
    {
        ".wav",
        ".flac",
        ".mp3",
        ".m4a",
        ".aac",
        ".ogg",
        ".oga",
        ".opus",
        ".webm",
        ".mp4",
        ".wma",
        ".aif",
        ".aiff",
    }
)
"""Extensions of enrolment files the folder voice bank reads (decoded by ffmpeg)."""

CACHE_FILENAME = ".voiceprint-cache.json"
"""Name of the per-file embedding cache written in the bank directory by default."""

CACHE_FORMAT = 1

MIN_PIECE_SECONDS = 0.5
"""Shortest stretch of a speaker's speech used for its embedding, in seconds."""

MAX_WINDOW_SECONDS = 10.0
"""Longer stretches are cut into windows of at most this many seconds."""

MAX_SPEECH_SECONDS = 60.0
"""A speaker is embedded from at most this much of its speech (its longest clean stretches
first), so the identify stage costs the same on a 3-hour meeting as on a 10-minute one."""


class VoiceprintSource(Protocol):
    """Where enrolled voiceprints come from (a folder voice bank, Qdrant...)."""

    def voiceprints(self, embedder: SpeakerEmbedder) -> Mapping[str, npt.NDArray[np.float32]]:
        """Name → unit-norm voiceprint of shape ``(D,)`` in ``embedder``'s space."""
        ...


class WithoutNames:
    """A :class:`VoiceprintSource` without some of its people: the names a user rejected in a
    meeting ("not this person"), so that processing it again never gives them.

    Args:
        source: The voice bank.
        names: Names left out (compared exactly, as stored).
    """

    def __init__(self, source: VoiceprintSource, names: frozenset[str]) -> None:
        self.source = source
        self.names = names

    def voiceprints(self, embedder: SpeakerEmbedder) -> dict[str, npt.NDArray[np.float32]]:
        """The source's voiceprints (name → unit-norm ``(D,)``) minus :attr:`names`."""
        prints = self.source.voiceprints(embedder)
        return {name: vector for name, vector in prints.items() if name not in self.names}


# -- the folder voice bank ----------------------------------------------------------------


class FolderVoiceBank:
    """A voice bank kept as a folder of enrolment recordings.

    Layout: ``<Name>.<ext>`` for one recording, or ``<Name>/*.<ext>`` for several (both may
    be combined); ``<ext>`` is any of :data:`AUDIO_SUFFIXES`. Hidden files are ignored. The
    name is the file stem or folder name, as written.

    Args:
        directory: The bank folder. A missing folder is an empty bank.
        cache_path: JSON file caching per-file embeddings; defaults to
            ``<directory>/.voiceprint-cache.json``. Keyed by embedder name, then by the
            SHA-256 of the file content, so editing a file or changing the embedder never
            reuses a stale or foreign embedding. An unwritable cache only logs a warning.
    """

    def __init__(self, directory: Path, cache_path: Path | None = None) -> None:
        self.directory = Path(directory)
        self.cache_path = cache_path or self.directory / CACHE_FILENAME

    def enrolments(self) -> dict[str, tuple[Path, ...]]:
        """Enrolled people and their recordings, sorted by name then path."""
        people: dict[str, list[Path]] = {}
        if not self.directory.is_dir():
            return {}
        for entry in sorted(self.directory.iterdir()):
            if entry.name.startswith("."):
                continue
            if entry.is_dir():
                files = [f for f in sorted(entry.iterdir()) if _is_audio(f)]
                if files:
                    people.setdefault(entry.name, []).extend(files)
            elif _is_audio(entry):
                people.setdefault(entry.stem, []).append(entry)
        return {name: tuple(sorted(files)) for name, files in sorted(people.items())}

    def __len__(self) -> int:
        """Number of enrolled people."""
        return len(self.enrolments())

    def voiceprints(self, embedder: SpeakerEmbedder) -> dict[str, Float32Array]:
        """One voiceprint per enrolled person, in ``embedder``'s space.

        Each enrolment file is decoded to 16 kHz mono (``scribe_worker.stages.convert.load_audio``)
        and embedded whole with ``embedder.embed``, unless the cache already holds its
        embedding for this embedder and content.

        Args:
            embedder: The embedder of the identification stage.

        Returns:
            Name → unit-norm vector of shape ``(D,)``: the normalised mean of the person's
            normalised per-file embeddings.

        Raises:
            AudioDecodeError: An enrolment file cannot be decoded.
            BadInputError: An enrolment file is too short to embed (under 0.5 s).
        """
        people = self.enrolments()
        if not people:
            return {}
        cache = self._read_cache()
        space: dict[str, list[float]] = cache.setdefault(embedder.name, {})
        digests = {path: file_sha256(path) for files in people.values() for path in files}
        changed = False
        prints: dict[str, Float32Array] = {}
        for name, files in people.items():
            vectors = []
            for path in files:
                digest = digests[path]
                if digest not in space:
                    space[digest] = [float(x) for x in self._embed_file(embedder, name, path)]
                    changed = True
                vectors.append(np.asarray(space[digest], dtype=np.float32))
            prints[name] = mean_voiceprint(np.stack(vectors))
        live = set(digests.values())
        for vectors_of_space in cache.values():
            for digest in set(vectors_of_space) - live:  # files removed or edited
                del vectors_of_space[digest]
                changed = True
        if changed:
            self._write_cache(cache)
        return prints

    @staticmethod
    def _embed_file(embedder: SpeakerEmbedder, name: str, path: Path) -> Float32Array:
        # The API's enrolment code; files dropped into the folder get no minimum-speech check.
        from scribe_worker.stages.enrolment import enrolment_file_embedding

        try:
            return enrolment_file_embedding(path, embedder, min_speech_seconds=0.0)
        except BadInputError as exc:
            raise BadInputError(
                f"enrolment file {path.name} of {name} cannot be used: {exc.detail}"
            ) from exc
        except AudioDecodeError as exc:  # the user's own folder: name the file, keep the code
            raise AudioDecodeError(
                f"enrolment file {path.name} of {name} cannot be used: {exc.detail}",
                code=exc.code,
                internal=exc.internal,
            ) from exc

    def _read_cache(self) -> dict[str, dict[str, list[float]]]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            logger.warning("ignoring unreadable voiceprint cache %s: %s", self.cache_path, exc)
            return {}
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return {}
        spaces = data.get("embeddings", {})
        return spaces if isinstance(spaces, dict) else {}

    def _write_cache(self, cache: Mapping[str, Any]) -> None:
        payload = {"format": CACHE_FORMAT, "embeddings": {k: v for k, v in cache.items() if v}}
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.cache_path.parent, prefix=".voiceprint-")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(payload, fh)
            os.replace(tmp, self.cache_path)
        except OSError as exc:
            logger.warning("cannot write voiceprint cache %s: %s", self.cache_path, exc)


def _is_audio(path: Path) -> bool:
    return (
        path.is_file() and not path.name.startswith(".") and path.suffix.lower() in AUDIO_SUFFIXES
    )


# -- matching -----------------------------------------------------------------------------


def assign_names(similarity: npt.ArrayLike, threshold: float) -> list[int | None]:
    """Open-set, one-to-one assignment of speakers to enrolled names.

    The globally optimal assignment (maximum total similarity; Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``), then the open-set decision: pairs below
    ``threshold`` are dropped, leaving those speakers unnamed. Assigning first uses the
    whole matrix as evidence: a speaker is not given a name that fits another speaker
    better, even when it would pass the threshold.

    Args:
        similarity: Cosine similarities of shape ``(num_speakers, num_names)``.
        threshold: Similarity a pair needs to be accepted.

    Returns:
        For each speaker (row), the column of its name, or ``None`` when unnamed. No column
        appears twice.
    """
    from scipy.optimize import linear_sum_assignment

    matrix = np.asarray(similarity, dtype=np.float64)
    result: list[int | None] = [None] * matrix.shape[0]
    if matrix.size == 0:
        return result
    rows, cols = linear_sum_assignment(matrix, maximize=True)
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        if matrix[row, col] >= threshold:
            result[row] = col
    return result


def match_state(similarity: float, runner_up: float | None, threshold: float, margin: float) -> str:
    """How sure a speaker's best voiceprint match is.

    Args:
        similarity: Cosine similarity to the best (assigned) voiceprint.
        runner_up: Similarity to the second-best voiceprint, ``None`` with one voiceprint.
        threshold: ``SPEAKER_MATCH_THRESHOLD``.
        margin: ``SPEAKER_MATCH_MARGIN``: how far the best must lead the second best.

    Returns:
        ``"confident"`` (at or above the threshold and leading by the margin: the speaker is
        named), ``"unsure"`` (within ``margin`` below the threshold, or above it but with
        another person too close: left unnamed), or ``"none"``.
    """
    lead = similarity - runner_up if runner_up is not None else float("inf")
    if similarity >= threshold and lead >= margin:
        return "confident"
    if similarity >= threshold - margin:
        return "unsure"
    return "none"


def identify_speakers(
    diarization: Diarization,
    voiceprints: Mapping[str, npt.ArrayLike],
    threshold: float,
    embeddings: Mapping[str, npt.ArrayLike] | None = None,
    margin: float = 0.0,
) -> tuple[SpeakerIdentity, ...]:
    """Name diarized speakers by cosine similarity to enrolled voiceprints (open set).

    Speakers and names are paired by :func:`assign_names` (a globally optimal one-to-one
    assignment), then each pair is judged by :func:`match_state`: only a ``confident`` match
    (similarity at or above ``threshold`` AND ahead of the speaker's second-best voiceprint
    by ``margin``) gives the name. Each name goes to at most one speaker per meeting, and a
    speaker whose best match was taken by a closer speaker keeps its label.

    Args:
        diarization: Gives the speaker labels (and their embeddings when ``embeddings`` is
            ``None``).
        voiceprints: Name → voiceprint of shape ``(D,)`` (normalised here).
        threshold: Cosine similarity a speaker needs to take a name, in [-1, 1].
        embeddings: Label → speaker embedding ``(D,)`` in the voiceprints' space;
            defaults to ``diarization.embeddings``. Labels without one stay unnamed.
        margin: Lead over the second-best voiceprint a name needs (cosine, >= 0).

    Returns:
        One identity per label of ``diarization``, in label order. ``similarity`` is the
        cosine similarity to the assigned voiceprint, or to the best one when unassigned;
        ``None`` when there is no voiceprint or no embedding for the label; ``match`` is
        ``confident``, ``unsure`` or ``none``.

    Raises:
        BadInputError: Voiceprints and speaker embeddings have different dimensions (they
            come from different embedders).
    """
    labels = diarization.labels
    vectors = diarization.embeddings if embeddings is None else embeddings
    names = sorted(voiceprints)
    embedded = [label for label in labels if label in vectors]
    if not names or not embedded:
        return tuple(SpeakerIdentity(label) for label in labels)
    speaker_matrix = np.stack([np.asarray(vectors[label], dtype=np.float64) for label in embedded])
    print_matrix = np.stack([np.asarray(voiceprints[name], dtype=np.float64) for name in names])
    if speaker_matrix.shape[1] != print_matrix.shape[1]:
        raise BadInputError(
            f"speaker embeddings have dimension {speaker_matrix.shape[1]} but voiceprints "
            f"{print_matrix.shape[1]}: they come from different embedders"
        )
    similarity = (
        l2_normalise(speaker_matrix).astype(np.float64)
        @ l2_normalise(print_matrix).astype(np.float64).T
    )
    # Assign among all pairs, then judge: the threshold is applied by match_state.
    assigned = assign_names(similarity, threshold=-np.inf)
    result: dict[str, SpeakerIdentity] = {}
    for row, col in enumerate(assigned):
        label = embedded[row]
        scores = similarity[row]

        def judged(index: int, scores: npt.NDArray[np.float64] = scores) -> tuple[float, str]:
            others = np.delete(scores, index)
            runner_up = float(others.max()) if others.size else None
            return float(scores[index]), match_state(
                float(scores[index]), runner_up, threshold, margin
            )

        if col is not None and judged(col)[1] == "confident":
            value, _ = judged(col)
            result[label] = SpeakerIdentity(label, names[col], value, "confident")
            continue
        # Unnamed: report the best candidate; a confident candidate whose name went to a
        # closer speaker is only "unsure" here.
        value, state = judged(int(np.argmax(scores)))
        result[label] = SpeakerIdentity(
            label, None, value, "unsure" if state == "confident" else state
        )
    return tuple(result.get(label, SpeakerIdentity(label)) for label in labels)


# -- speaker embeddings from turns --------------------------------------------------------


def speaker_windows(diarization: Diarization, label: str) -> list[tuple[float, float]]:
    """Windows (seconds) of ``label``'s speech to embed it from.

    Its turns minus every other speaker's turns (overlapped speech describes neither voice
    cleanly), keeping stretches of at least 0.5 s, cut into windows of at most 10 s. When no
    such clean stretch exists, its whole turns are used instead.

    Returns:
        ``(start, end)`` windows in time order, at most :data:`MAX_SPEECH_SECONDS` in all
        (longest stretches first); empty when the speaker has no 0.5 s stretch.
    """
    from pyannote.core import Annotation, Segment

    annotation = Annotation()
    for index, turn in enumerate(diarization.turns):
        annotation[Segment(turn.start, turn.end), index] = turn.speaker
    own = annotation.label_timeline(label)
    others = annotation.subset([label], invert=True).get_timeline().support()
    clean = own.extrude(others)
    for timeline in (clean, own):
        pieces = [s for s in timeline.support() if s.duration >= MIN_PIECE_SECONDS]
        if pieces:
            kept, total = [], 0.0
            for piece in sorted(pieces, key=lambda s: -s.duration):
                if total >= MAX_SPEECH_SECONDS:
                    break
                end = min(piece.end, piece.start + MAX_SPEECH_SECONDS - total)
                if end - piece.start >= MIN_PIECE_SECONDS:
                    kept.append((piece.start, end))
                    total += end - piece.start
            return [w for start, end in sorted(kept) for w in _split(start, end)]
    return []


def _split(start: float, end: float) -> list[tuple[float, float]]:
    count = max(1, int(np.ceil((end - start) / MAX_WINDOW_SECONDS)))
    bounds = np.linspace(start, end, count + 1)
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


EXCERPT_MARGIN_SECONDS = 0.25
"""Context read on each side of a window by :func:`excerpts` (an embedder may widen a
window shorter than 0.5 s into its neighbourhood)."""


def excerpts(
    audio: AudioSource, windows: Sequence[tuple[float, float]]
) -> tuple[Float32Array, list[tuple[float, float]]]:
    """Only the samples of ``windows`` (plus a little context), read and laid end to end.

    Window ``(start, end)`` covers samples ``[int(start * 16000), int(end * 16000))``; those
    samples and :data:`EXCERPT_MARGIN_SECONDS` on each side are read from ``audio`` and
    appended to a compact waveform, and the window is re-expressed in that waveform's time
    (a quarter sample past each bound, so both ``int`` and ``round`` of ``t * 16000`` give
    the same samples back).

    Returns:
        The compact waveform, shape ``(M,)`` float32 (M ≈ the windows' total length), and
        one ``(start, end)`` window in its seconds per input window.
    """
    margin = int(EXCERPT_MARGIN_SECONDS * SAMPLE_RATE)
    pieces: list[Float32Array] = []
    moved: list[tuple[float, float]] = []
    offset = 0
    for start, end in windows:
        first = max(0, int(start * SAMPLE_RATE))
        stop = min(audio.num_samples, max(first, int(end * SAMPLE_RATE)))
        read_from = max(0, first - margin)
        piece = audio.read(read_from, stop + margin)
        pieces.append(piece)
        at = offset + first - read_from
        moved.append(((at + 0.25) / SAMPLE_RATE, (at + stop - first + 0.25) / SAMPLE_RATE))
        offset += piece.size
    compact = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
    return compact.astype(np.float32, copy=False), moved


def speaker_embeddings(
    waveform: AudioSource | Float32Array,
    diarization: Diarization,
    embedder: SpeakerEmbedder,
    labels: Sequence[str] | None = None,
) -> dict[str, Float32Array]:
    """Embed each diarized speaker from its own speech (see :func:`speaker_windows`).

    One speaker at a time, only its windows (at most :data:`MAX_SPEECH_SECONDS`) are read
    from the recording (:func:`excerpts`) and go to ``embedder.embed_windows`` in one call
    (batched), so memory does not grow with the number of speakers or the recording.

    Args:
        waveform: The recording, 16 kHz mono: an :class:`~scribe_worker.stages.convert.
            AudioSource` (the converted WAV) or float32 samples of shape ``(N,)``.
        diarization: Who spoke when.
        embedder: The embedder whose space the voiceprints are in.
        labels: The speakers to embed; all of them when ``None``.

    Returns:
        Label → unit-norm ``(D,)`` vector: the duration-weighted mean of its window
        embeddings. Speakers without 0.5 s of speech are left out.
    """
    audio = as_audio_source(waveform)
    result: dict[str, Float32Array] = {}
    for label in diarization.labels if labels is None else labels:
        windows = speaker_windows(diarization, label)
        if not windows:
            continue
        compact, moved = excerpts(audio, windows)  # this speaker's ≤ 60 s only
        vectors = embedder.embed_windows(compact, moved)
        durations = np.array([end - start for start, end in windows])[:, None]
        result[label] = l2_normalise((vectors * durations).sum(axis=0))
    return result


def meeting_embeddings(
    waveform: AudioSource | Float32Array, diarization: Diarization, embedder: SpeakerEmbedder
) -> dict[str, Float32Array]:
    """The embedding of every diarized speaker in ``embedder``'s space.

    The diarization's own embeddings are reused when they are in that space
    (``diarization.embedding_model == embedder.name``); the other speakers are embedded
    from their non-overlapped turns (:func:`speaker_embeddings`).

    Returns:
        Label → unit-norm ``(D,)`` vector; speakers without 0.5 s of speech are left out.
    """
    result: dict[str, Float32Array] = {}
    if diarization.embedding_model and diarization.embedding_model == embedder.name:
        for label, vector in diarization.embeddings.items():
            result[label] = l2_normalise(np.asarray(vector, dtype=np.float32))
    missing = [label for label in diarization.labels if label not in result]
    if missing:
        result.update(speaker_embeddings(waveform, diarization, embedder, missing))
    return result


# -- the stage ----------------------------------------------------------------------------


def identify(
    waveform: AudioSource | Float32Array,
    diarization: Diarization,
    source: VoiceprintSource | None,
    settings: PipelineSettings,
    residency: ModelResidency,
) -> tuple[SpeakerIdentity, ...]:
    """The ``identify`` stage's identities only (see :func:`identify_and_embed`)."""
    return identify_and_embed(waveform, diarization, source, settings, residency)[0]


def identify_and_embed(
    waveform: AudioSource | Float32Array,
    diarization: Diarization,
    source: VoiceprintSource | None,
    settings: PipelineSettings,
    residency: ModelResidency,
) -> tuple[tuple[SpeakerIdentity, ...], Diarization]:
    """The ``identify`` stage: embed every diarized speaker as a voiceprint, name it from a bank.

    The embedder (``load_embedder(settings)``, CAM++ by default) is loaded by
    ``residency.run("identify", ...)`` and released before matching. Every speaker is
    embedded from its own non-overlapped speech (at most :data:`MAX_SPEECH_SECONDS`, the
    longest stretches first), in the same space as enrolment voiceprints, so a meeting's
    speaker can later be enrolled from the meeting ("enrol this speaker"). Without a voice
    bank nobody is named.

    Args:
        waveform: The recording, 16 kHz mono: an :class:`~scribe_worker.stages.convert.
            AudioSource` (only each speaker's windows are read) or float32 samples ``(N,)``.
        diarization: Output of the ``diarize`` stage.
        source: A :class:`VoiceprintSource` (e.g. :class:`FolderVoiceBank`), or ``None``.
        settings: Reads ``speaker_match_threshold``, ``speaker_match_margin`` and the
            embedder settings.
        residency: Loads and releases the embedder, and measures the stage.

    Returns:
        One identity per diarization label, in label order (see
        :func:`identify_speakers`), and ``diarization`` with ``embeddings`` replaced by the
        voiceprint-space embeddings (``embedding_model`` = the embedder's name).

    Raises:
        ModelLoadError: The embedder cannot be loaded.
        AudioDecodeError: An enrolment file cannot be decoded.
    """
    from dataclasses import replace

    from scribe_worker.models.loader import load_embedder

    unnamed = tuple(SpeakerIdentity(label) for label in diarization.labels)
    if not diarization.labels:
        with residency.stage("identify"):  # recorded, even with no model to load
            return unnamed, diarization
    use_bank = source is not None and not (isinstance(source, Sized) and not len(source))

    def infer(
        embedder: SpeakerEmbedder,
    ) -> tuple[Mapping[str, Any], dict[str, Float32Array], str]:
        voiceprints = source.voiceprints(embedder) if use_bank and source is not None else {}
        vectors = speaker_embeddings(waveform, diarization, embedder)
        return voiceprints, vectors, embedder.name

    voiceprints, embeddings, model = residency.run(
        "identify", lambda: load_embedder(settings, residency.device), infer
    )
    embedded = replace(
        diarization,
        embeddings={k: tuple(float(x) for x in v) for k, v in embeddings.items()},
        embedding_model=model,
    )
    if not voiceprints:
        return unnamed, embedded
    identities = identify_speakers(
        diarization,
        voiceprints,
        settings.speaker_match_threshold,
        embeddings,
        margin=settings.speaker_match_margin,
    )
    return identities, embedded
