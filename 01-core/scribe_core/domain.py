"""Domain types shared by the worker, the gateway and the exporters.

Every value is a frozen dataclass; every time is in seconds (float) from the start of the
recording. The fusion document mirrors the shape popularised by whisperX / faster-whisper,
``{text, segments:[{start, end, text, speaker, words:[{word, start, end, probability}]}],
speakers:[{label, name, confidence}], language, duration, processing_time}``, and adds what
an honest export needs: each segment's ``speaker_label``, each speaker's ``similarity`` and
``match`` (``confidence`` stays as an alias of ``similarity``), and the diarization's
``turns`` (see :meth:`FusionDocument.to_dict`).

Pydantic models appear only at the API boundary; these types never import torch or numpy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

SAMPLE_RATE = 16_000
"""Sample rate (Hz) of every waveform the pipeline works on after ``convert``."""


@dataclass(frozen=True)
class Word:
    """One recognised word.

    Attributes:
        word: The text of the word as produced by the recogniser (may carry a leading space
            and punctuation, as faster-whisper emits it).
        start: Start time in seconds.
        end: End time in seconds (``end >= start``).
        probability: Recogniser confidence in [0, 1].
    """

    word: str
    start: float
    end: float
    probability: float

    @property
    def midpoint(self) -> float:
        """Centre of the word in seconds."""
        return (self.start + self.end) / 2.0


@dataclass(frozen=True)
class TranscriptSegment:
    """A recogniser segment (a sentence-ish chunk) with its words.

    Attributes:
        start: Start time in seconds.
        end: End time in seconds.
        text: The segment text; equals the concatenation of ``words`` texts, stripped.
        words: The words in time order.
    """

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class Transcription:
    """Output of the ``transcribe`` stage.

    Attributes:
        segments: Recogniser segments in time order.
        language: Detected (or forced) ISO-639-1 language code, e.g. ``"en"``.
        language_probability: Probability of ``language`` in [0, 1] (1.0 when forced).
        duration: Duration of the audio in seconds.
    """

    segments: tuple[TranscriptSegment, ...]
    language: str
    language_probability: float
    duration: float

    @property
    def words(self) -> tuple[Word, ...]:
        """All words of all segments, in time order."""
        return tuple(w for s in self.segments for w in s.words)

    @property
    def text(self) -> str:
        """The whole transcript as one string."""
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


@dataclass(frozen=True)
class SpeakerTurn:
    """A span of time during which one speaker talks (one RTTM ``SPEAKER`` line).

    Attributes:
        start: Start time in seconds.
        end: End time in seconds (``end > start``).
        speaker: Speaker label, e.g. ``"SPEAKER_00"``.
    """

    start: float
    end: float
    speaker: str

    @property
    def duration(self) -> float:
        """Length of the turn in seconds."""
        return self.end - self.start


@dataclass(frozen=True)
class Diarization:
    """Output of the ``diarize`` stage: who spoke when.

    Attributes:
        turns: Speaker turns sorted by start time. Turns of different speakers may overlap
            (overlapped speech); turns of one speaker never do.
        embeddings: One speaker embedding per speaker label (a unit-norm vector as a tuple of
            floats, dimension depends on the embedder: 192 for CAM++, 256 for WeSpeaker
            ResNet34). A label may be missing when its speech was too short to embed.
        duration: Duration of the audio in seconds.
        embedding_model: Name of the embedder that produced ``embeddings`` (e.g.
            ``"campplus-zh-en-192"``); identification reuses them only when it uses the same
            embedder, and re-embeds the turns otherwise.
        exclusive_turns: The same diarization with at most one speaker at any instant
            (pyannote.audio 4's ``exclusive_speaker_diarization``), sorted by start time; the
            fusion assigns words with it. Empty when the backend does not provide it: the
            fusion then gives each word to the speaker of ``turns`` that overlaps it most.
    """

    turns: tuple[SpeakerTurn, ...]
    embeddings: Mapping[str, tuple[float, ...]] = field(default_factory=dict)
    duration: float = 0.0
    embedding_model: str = ""
    exclusive_turns: tuple[SpeakerTurn, ...] = ()

    @property
    def labels(self) -> tuple[str, ...]:
        """Speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            seen.setdefault(turn.speaker, None)
        return tuple(seen)

    def speech_duration(self, label: str) -> float:
        """Total speech of ``label`` in seconds."""
        return sum(t.duration for t in self.turns if t.speaker == label)


MATCH_KINDS: Final = ("confident", "unsure", "none")
"""Values of :attr:`SpeakerIdentity.match`, from the most to the least certain."""


@dataclass(frozen=True)
class SpeakerIdentity:
    """Result of the ``identify`` stage for one diarized speaker.

    Attributes:
        label: The diarization speaker label (``"SPEAKER_00"``).
        name: The display name: the enrolled person's name, a name the user gave, or ``None``
            when the speaker is shown by its label (open-set identification).
        similarity: Cosine similarity in [-1, 1] to the best voiceprint considered, or
            ``None`` when the voice bank is empty or the speaker has no embedding.
        match: How the voice bank matched the speaker, one of :data:`MATCH_KINDS`:
            ``"confident"`` (named by a voiceprint), ``"unsure"`` (a voiceprint came close but
            not close enough to be sure) or ``"none"`` (no voiceprint matched; also every
            document written before this field existed). A user's rename does not change it.

    Raises:
        ValueError: On construction, when ``match`` is not one of :data:`MATCH_KINDS`.
    """

    label: str
    name: str | None = None
    similarity: float | None = None
    match: str = "none"

    def __post_init__(self) -> None:
        if self.match not in MATCH_KINDS:
            raise ValueError(
                f"speaker match must be one of {', '.join(MATCH_KINDS)}, got {self.match!r}"
            )

    @property
    def display_name(self) -> str:
        """The name when identified, else the label."""
        return self.name or self.label


@dataclass(frozen=True)
class Utterance:
    """A paragraph: consecutive words of one speaker, a segment of the fusion document.

    A paragraph holds every sentence a speaker says until another speaker takes over or a
    long pause (``FuseOptions.max_pause``) breaks the talk; exporters that need shorter units
    (SRT, WebVTT cues) split it with the word timings.

    Attributes:
        start: Start time in seconds (first word's start).
        end: End time in seconds (last word's end).
        text: The words joined, stripped.
        speaker: Display name: the identified name, else the speaker label.
        speaker_label: The diarization label, stable across renames.
        words: The words in time order.
    """

    start: float
    end: float
    text: str
    speaker: str
    speaker_label: str
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class FusionDocument:
    """The final document of a meeting (``fusion.json``).

    Attributes:
        segments: Paragraphs (utterances) in time order.
        speakers: One identity per speaker label that appears in ``segments`` or in the
            diarization, ordered by label.
        language: ISO-639-1 language code.
        duration: Audio duration in seconds.
        processing_time: Wall-clock seconds the pipeline took.
        metadata: Free-form facts about the run: backends, models, per-stage timings and
            peak memory (``{"stages": {"transcribe": {"seconds": .., "peak_rss_bytes": ..}}}``).
        turns: The diarization, overlapped speech kept (turns of different speakers may
            overlap), sorted by start; each turn's ``speaker`` is a speaker LABEL, so a rename
            needs no rewrite. Empty in documents written before turns were stored.
    """

    segments: tuple[Utterance, ...]
    speakers: tuple[SpeakerIdentity, ...]
    language: str
    duration: float
    processing_time: float = 0.0
    metadata: Mapping[str, Any] = field(default_factory=dict)
    turns: tuple[SpeakerTurn, ...] = ()

    @property
    def text(self) -> str:
        """The whole transcript as one string."""
        return " ".join(u.text for u in self.segments if u.text)

    def display_names(self) -> dict[str, str]:
        """Display name (the name, else the label) of each speaker label of ``speakers``."""
        return {s.label: s.display_name for s in self.speakers}

    def rename_speaker(self, label: str, name: str | None) -> FusionDocument:
        """Return a copy where ``label`` is displayed as ``name`` everywhere.

        A name given by a person replaces the machine's judgement: unless it is the name
        the voice bank already gave, the speaker's ``match`` becomes ``"none"`` (the
        similarity stays, as a record of what identification measured).

        Args:
            label: An existing speaker label.
            name: The new display name; ``None`` or empty restores the label.

        Raises:
            KeyError: ``label`` is not a speaker of this document.
        """
        if label not in {s.label for s in self.speakers}:
            raise KeyError(label)
        name = (name or "").strip() or None
        speakers = tuple(
            (s if s.name == name else replace(s, name=name, match="none"))
            if s.label == label
            else s
            for s in self.speakers
        )
        segments = tuple(
            replace(u, speaker=name or label) if u.speaker_label == label else u
            for u in self.segments
        )
        return replace(self, speakers=speakers, segments=segments)

    # -- JSON -------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form (``fusion.json``); times are seconds rounded to ms.

        Shape::

            {"text": str,
             "segments": [{"start", "end", "text", "speaker", "speaker_label",
                           "words": [{"word", "start", "end", "probability"}]}],
             "speakers": [{"label", "name", "similarity", "match", "confidence"}],
             "turns": [{"start", "end", "speaker_label"}],
             "language": str, "duration": float, "processing_time": float,
             "metadata": {...}}

        ``confidence`` repeats ``similarity`` for readers of the original shape.
        """
        return {
            "text": self.text,
            "segments": [
                {
                    "start": _r(u.start),
                    "end": _r(u.end),
                    "text": u.text,
                    "speaker": u.speaker,
                    "speaker_label": u.speaker_label,
                    "words": [_word_dict(w) for w in u.words],
                }
                for u in self.segments
            ],
            "speakers": [
                {
                    "label": s.label,
                    "name": s.name,
                    "similarity": _r(s.similarity, 4),
                    "match": s.match,
                    "confidence": _r(s.similarity, 4),
                }
                for s in self.speakers
            ],
            "turns": [
                {"start": _r(t.start), "end": _r(t.end), "speaker_label": t.speaker}
                for t in self.turns
            ],
            "language": self.language,
            "duration": _r(self.duration),
            "processing_time": _r(self.processing_time),
            "metadata": dict(self.metadata),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FusionDocument:
        """Inverse of :meth:`to_dict`; also reads documents written before ``similarity``,
        ``match`` and ``turns`` existed (``confidence`` is read as the similarity, ``match``
        defaults to ``"none"``, ``turns`` to no turns).

        Raises:
            KeyError: A required key is missing.
            ValueError: A value has the wrong type, or an unknown ``match``.
        """
        segments = tuple(
            Utterance(
                start=float(s["start"]),
                end=float(s["end"]),
                text=str(s["text"]),
                speaker=str(s["speaker"]),
                speaker_label=str(s.get("speaker_label", s["speaker"])),
                words=tuple(_word_from(w) for w in s.get("words", ())),
            )
            for s in data["segments"]
        )
        speakers = tuple(
            SpeakerIdentity(
                label=str(s["label"]),
                name=s.get("name"),
                similarity=_similarity_from(s),
                match=str(s.get("match") or "none"),
            )
            for s in data["speakers"]
        )
        turns = tuple(
            SpeakerTurn(float(t["start"]), float(t["end"]), str(t["speaker_label"]))
            for t in data.get("turns") or ()
        )
        return cls(
            segments=segments,
            speakers=speakers,
            language=str(data["language"]),
            duration=float(data["duration"]),
            processing_time=float(data.get("processing_time", 0.0)),
            metadata=dict(data.get("metadata", {})),
            turns=turns,
        )


def _similarity_from(speaker: Mapping[str, Any]) -> float | None:
    value = speaker.get("similarity", speaker.get("confidence"))
    return None if value is None else float(value)


def _r(value: float | None, ndigits: int = 3) -> float | None:
    return None if value is None else round(float(value), ndigits)


def _word_dict(w: Word) -> dict[str, Any]:
    return {
        "word": w.word,
        "start": _r(w.start),
        "end": _r(w.end),
        "probability": _r(w.probability, 4),
    }


def _word_from(d: Mapping[str, Any]) -> Word:
    return Word(
        str(d["word"]), float(d["start"]), float(d["end"]), float(d.get("probability", 1.0))
    )


def transcription_to_dict(t: Transcription) -> dict[str, Any]:
    """JSON-ready form of a :class:`Transcription` (``transcription.json``)."""
    return {
        "language": t.language,
        "language_probability": _r(t.language_probability, 4),
        "duration": _r(t.duration),
        "text": t.text,
        "segments": [
            {
                "start": _r(s.start),
                "end": _r(s.end),
                "text": s.text,
                "words": [_word_dict(w) for w in s.words],
            }
            for s in t.segments
        ],
    }


def diarization_to_dict(d: Diarization) -> dict[str, Any]:
    """JSON-ready form of a :class:`Diarization` (``diarization.json``)."""
    return {
        "duration": _r(d.duration),
        "speakers": list(d.labels),
        "embedding_model": d.embedding_model,
        "turns": _turn_dicts(d.turns),
        "exclusive_turns": _turn_dicts(d.exclusive_turns),
        "embeddings": {k: [round(x, 6) for x in v] for k, v in d.embeddings.items()},
    }


def diarization_from_dict(data: Mapping[str, Any]) -> Diarization:
    """Inverse of :func:`diarization_to_dict` (``exclusive_turns`` may be absent).

    Raises:
        KeyError: ``turns`` or a key of a turn is missing.
        ValueError: A value has the wrong type.
    """
    return Diarization(
        turns=_turns_from(data["turns"]),
        embeddings={k: tuple(float(x) for x in v) for k, v in data.get("embeddings", {}).items()},
        duration=float(data.get("duration", 0.0)),
        embedding_model=str(data.get("embedding_model", "")),
        exclusive_turns=_turns_from(data.get("exclusive_turns") or ()),
    )


def _turn_dicts(turns: Sequence[SpeakerTurn]) -> list[dict[str, Any]]:
    return [{"start": _r(t.start), "end": _r(t.end), "speaker": t.speaker} for t in turns]


def _turns_from(items: Sequence[Mapping[str, Any]]) -> tuple[SpeakerTurn, ...]:
    return tuple(SpeakerTurn(float(t["start"]), float(t["end"]), str(t["speaker"])) for t in items)


def sort_turns(turns: Sequence[SpeakerTurn]) -> tuple[SpeakerTurn, ...]:
    """Turns sorted by (start, end, speaker)."""
    return tuple(sorted(turns, key=lambda t: (t.start, t.end, t.speaker)))


@dataclass(frozen=True)
class ProcessingOptions:
    """Per-meeting options a user may give with an upload or on the command line.

    Attributes:
        language: ISO-639-1 code to force (``"fr"``), or ``None`` to detect it.
        num_speakers: Exact number of speakers, when known.
        min_speakers: Lower bound on the number of speakers.
        max_speakers: Upper bound on the number of speakers.

    Raises:
        ValueError: On construction, when the speaker counts are inconsistent
            (non-positive, ``min > max``, or ``num_speakers`` given with bounds).
    """

    language: str | None = None
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None

    def __post_init__(self) -> None:
        if self.language in ("", "auto"):
            object.__setattr__(self, "language", None)
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1, got {value}")
        if self.num_speakers is not None and (
            self.min_speakers is not None or self.max_speakers is not None
        ):
            raise ValueError("give either num_speakers or min_speakers/max_speakers, not both")
        if (
            self.min_speakers is not None
            and self.max_speakers is not None
            and self.min_speakers > self.max_speakers
        ):
            raise ValueError(
                f"min_speakers ({self.min_speakers}) is greater than max_speakers "
                f"({self.max_speakers})"
            )
