"""SQLAlchemy 2 ORM models: users, meetings, the speakers of each meeting, and the people of
each user's voice bank.

Conventions (after polarsource/polar ``server/polar/models``): UUID primary keys generated in
Python, timezone-aware UTC timestamps ending in ``_at``, a ``MetaData`` naming convention so
that migrations get stable constraint names, relationships ``lazy="raise"`` so async code
never triggers a hidden lazy load. The same models run on PostgreSQL (asyncpg) and on the
embedded SQLite file (aiosqlite).
"""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from scribe_core.domain import ProcessingOptions

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names Alembic writes into migrations (SQLAlchemy's recommended convention)."""


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """``TIMESTAMP WITH TIME ZONE`` that always returns aware UTC datetimes.

    PostgreSQL keeps the zone; SQLite stores naive text, so values are converted to UTC before
    they are written and marked UTC when they are read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")
"""JSON column type: ``JSONB`` on PostgreSQL, JSON text elsewhere."""


class Base(DeclarativeBase):
    """Declarative base of every table of the project."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType}


class MeetingStatus(enum.StrEnum):
    """Life cycle of a meeting: PENDING → PROCESSING → COMPLETED | FAILED.

    A PROCESSING meeting whose worker died goes back to PENDING (re-queued) until it has used
    ``TASK_MAX_ATTEMPTS`` attempts.
    """

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


class User(Base):
    """An account; owns meetings. ``email`` is stored lower-cased."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    hashed_password: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Meeting(Base):
    """One uploaded recording and the state of its processing.

    Attributes:
        id: Meeting id (also the prefix of its object keys).
        owner_id: The user who uploaded it; nobody else ever sees it.
        title: Display title (default: the file name without extension).
        original_filename: The file name as uploaded (control characters removed).
        content_type: Media type sent with the upload.
        size_bytes: Size of the uploaded file in bytes.
        duration_seconds: Audio duration in seconds (known once processed).
        language: ISO-639-1 code of the transcript (detected or forced), once processed.
        requested_language / num_speakers / min_speakers / max_speakers: Processing options
            given with the upload (see :class:`~scribe_core.domain.ProcessingOptions`).
        status: See :class:`MeetingStatus`.
        stage: Pipeline stage being run (``convert`` … ``fuse``; ``upload`` while results are
            stored; ``done`` when completed).
        progress: Overall progress in [0, 1].
        task_id: Public id of the processing task (``GET /api/v1/status/{task_id}``).
        upload_key: Object key of the uploaded file (``uploads/{id}_{safe name}``).
        result_keys: Result name → object key (``fusion.json`` …) under
            ``processed/{YYYYMMDD}/{id}/``.
        error: Why processing failed (or why it was re-queued).
        processing_time: Wall-clock seconds of the pipeline run that completed it.
        attempts: Processing attempts started so far.
        created_at / updated_at / enqueued_at / started_at / completed_at: UTC timestamps;
            ``enqueued_at`` is when its task was last sent to the queue.
        heartbeat_at: Last sign of life of the worker processing it (its lease).
    """

    __tablename__ = "meetings"
    __table_args__ = (
        Index("ix_meetings_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_meetings_status_heartbeat_at", "status", "heartbeat_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(255))
    original_filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str | None] = mapped_column(String(16))
    requested_language: Mapped[str | None] = mapped_column(String(16))
    num_speakers: Mapped[int | None] = mapped_column(Integer)
    min_speakers: Mapped[int | None] = mapped_column(Integer)
    max_speakers: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[MeetingStatus] = mapped_column(
        Enum(MeetingStatus, name="meeting_status"), default=MeetingStatus.PENDING
    )
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    upload_key: Mapped[str] = mapped_column(String(1024))
    result_keys: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    processing_time: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()

    speakers: Mapped[list[MeetingSpeaker]] = relationship(
        back_populates="meeting",
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="MeetingSpeaker.label",
    )

    @property
    def options(self) -> ProcessingOptions:
        """The processing options given with the upload."""
        return ProcessingOptions(
            language=self.requested_language,
            num_speakers=self.num_speakers,
            min_speakers=self.min_speakers,
            max_speakers=self.max_speakers,
        )


class MeetingSpeaker(Base):
    """A diarized speaker of a completed meeting.

    Attributes:
        label: Diarization speaker label (``SPEAKER_00``), stable across renames.
        display_name: Identified or user-given name; ``None`` shows the label.
        similarity: Cosine similarity to the best voiceprint (when a voice bank was used).
        match: How sure the voice bank was: ``confident`` (named), ``unsure`` (a person
            came close but was not named) or ``none``; a rename by the user sets ``none``.
    """

    __tablename__ = "meeting_speakers"
    __table_args__ = (UniqueConstraint("meeting_id", "label"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(255))
    similarity: Mapped[float | None] = mapped_column(Float)
    match: Mapped[str] = mapped_column(String(16), default="none", server_default="none")

    meeting: Mapped[Meeting] = relationship(back_populates="speakers", lazy="raise")


class PersonStatus(enum.StrEnum):
    """Enrolment state of a voice bank person: PENDING → READY | FAILED.

    PENDING while the worker embeds newly added samples (``speakers.enroll``); READY once at
    least one sample is in the voiceprint store; FAILED when no sample could be used (the
    reason, e.g. too little speech, is in ``error``).
    """

    PENDING = "PENDING"
    READY = "READY"
    FAILED = "FAILED"


class Person(Base):
    """A person enrolled in a user's voice bank.

    The voiceprints themselves live in Qdrant (:mod:`scribe_core.voiceprints`), one point per
    enrolment sample; the original enrolment recordings in the object store under
    ``voicebank/{owner_id}/{person_id}/``.

    Attributes:
        owner_id: The user whose voice bank this is; only their meetings are matched against it.
        name: Name given to the speakers it matches (unique per owner).
        status: See :class:`PersonStatus`.
        error: Why the last enrolment refused samples (or failed), else ``None``.
        num_samples: Enrolment samples stored as voiceprint points.
        pending_keys: Object keys of uploaded samples the worker has not embedded yet.
        created_at / updated_at: UTC timestamps.
    """

    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("owner_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[PersonStatus] = mapped_column(
        Enum(PersonStatus, name="person_status"), default=PersonStatus.PENDING
    )
    error: Mapped[str | None] = mapped_column(Text)
    num_samples: Mapped[int] = mapped_column(Integer, default=0)
    pending_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
