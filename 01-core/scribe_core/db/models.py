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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Computed,
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
from sqlalchemy.dialects.postgresql import JSONB, REGCONFIG, TSVECTOR
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
        output_format: Transcript format the client asked for (``json``, ``srt``, ``vtt``,
            ``txt``, ``rttm``); the final status then carries its ``result_url``.
        status: See :class:`MeetingStatus`.
        stage: Pipeline stage being run (``convert`` … ``fuse``; ``upload`` while results are
            stored; ``done`` when completed).
        progress: Overall progress in [0, 1].
        task_id: Public id of the processing task (``GET /api/v1/status/{task_id}``).
        upload_key: Object key of the uploaded file (``uploads/{id}_{safe name}``).
        result_keys: Result name → object key (``fusion.json`` …) under
            ``processed/{YYYYMMDD}/{id}/``.
        error: Why processing failed (or why it was re-queued): one human sentence, never a
            path or a library's message.
        error_code: Stable machine code of that failure (``audio_too_long``, ``no_audio`` …;
            see :mod:`scribe_core.errors`), ``None`` while not failed.
        processing_time: Wall-clock seconds of the pipeline run that completed it.
        attempts: Processing attempts started so far.
        created_at / updated_at / enqueued_at / started_at / completed_at: UTC timestamps;
            ``enqueued_at`` is when its task was last sent to the queue.
        heartbeat_at: Last sign of life of the worker processing it (its lease).
        audio_url: For a URL job, where the worker downloads the recording (``size_bytes``
            is 0 until it is stored), else ``None``.
        callback_url: Where the job's final event (``meeting.completed``/``meeting.failed``)
            is also sent, signed with the owner's callback secret, else ``None``.
        revision: Number of the latest edit (:class:`MeetingRevision`); 0 while the
            transcript is the machine result (``fusion.json``, never rewritten).
        edited_at: When the latest edit was made (UTC), ``None`` for the machine result.
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
    output_format: Mapped[str | None] = mapped_column(String(8))
    status: Mapped[MeetingStatus] = mapped_column(
        Enum(MeetingStatus, name="meeting_status"), default=MeetingStatus.PENDING
    )
    stage: Mapped[str | None] = mapped_column(String(32))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    task_id: Mapped[str] = mapped_column(String(64), unique=True)
    upload_key: Mapped[str] = mapped_column(String(1024))
    result_keys: Mapped[dict[str, Any]] = mapped_column(default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    error_code: Mapped[str | None] = mapped_column(String(64))
    processing_time: Mapped[float | None] = mapped_column(Float)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    enqueued_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    completed_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    audio_url: Mapped[str | None] = mapped_column(String(2048))
    callback_url: Mapped[str | None] = mapped_column(String(2048))
    revision: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    edited_at: Mapped[datetime | None] = mapped_column()

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
        error_code: Stable machine code of that failure, else ``None``.
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
    error_code: Mapped[str | None] = mapped_column(String(64))
    num_samples: Mapped[int] = mapped_column(Integer, default=0)
    pending_keys: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ApiKey(Base):
    """A user's API key, for scripts and integrations (n8n, cron jobs) instead of a password.

    Only the SHA-256 digest of the key is stored: the key is 32 random bytes, so a fast hash
    is enough (no dictionary to try against it, unlike a password) and a lookup costs one
    indexed equality. The key itself is shown once, when created.

    Attributes:
        owner_id: The user the key acts as.
        name: Label given by the user.
        prefix: The first characters of the key (``sms_live_AbCd1234``), to recognise it.
        key_hash: Hex SHA-256 of the whole key (unique).
        scopes: Granted scopes (``meetings:read`` …; see ``scribe_gateway.api_keys``).
        created_at / expires_at / last_used_at: UTC timestamps; no expiry when
            ``expires_at`` is ``None``; ``last_used_at`` is updated at most once a minute.
    """

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_owner_id", "owner_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(32))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class IdempotencyRecord(Base):
    """The first answer to a request sent with an ``Idempotency-Key`` header, kept 24 hours.

    Inserted (with ``status_code`` ``None``) before the request runs, so that a concurrent
    retry hits the unique constraint on (``owner_id``, ``key``) instead of starting the job
    twice; completed with the answer when the request succeeds, deleted when it fails.

    Attributes:
        owner_id: The user who sent the key (keys of different users never collide).
        key: The header's value.
        fingerprint: Hex SHA-256 of what identifies the request (method, path, JSON body or
            form fields), to refuse a key reused for another request.
        status_code: HTTP status of the first answer; ``None`` while it is being made.
        response_body: JSON body of the first answer.
        location: Its ``Location`` header, if any.
        created_at: UTC time of the first request; the record expires 24 hours later.
    """

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("owner_id", "key"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column()
    location: Mapped[str | None] = mapped_column(String(1024))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DeliveryStatus(enum.StrEnum):
    """State of a webhook delivery: PENDING (due at ``next_attempt_at``) → SUCCEEDED (a 2xx)
    | FAILED (every attempt of the retry schedule used)."""

    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


class WebhookEndpoint(Base):
    """A URL a user registered to receive events (Standard Webhooks).

    The signing secret is stored as given to the user (``whsec_`` + base64 of 24 random bytes):
    the workers need it in clear to sign every delivery (an HMAC key cannot be hashed), so
    it is protected like the database itself.

    Attributes:
        owner_id: The user whose events it receives.
        url: The receiver (``http``/``https``, checked by :mod:`scribe_core.outbound`).
        events: Event types it subscribes to (``meeting.completed`` …).
        description: Free text given by the user.
        secret: The signing secret.
        created_at: UTC timestamp.
    """

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_owner_id", "owner_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(2048))
    events: Mapped[list[str]] = mapped_column(JSONType, default=list)
    description: Mapped[str | None] = mapped_column(String(255))
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CallbackSecret(Base):
    """A user's secret signing the events sent to a job's ``callback_url`` (one per user).

    Attributes:
        owner_id: The user (primary key).
        secret: ``whsec_`` + base64 of 24 random bytes, stored as given (see
            :class:`WebhookEndpoint`).
        created_at: When it was made or last rotated (UTC).
    """

    __tablename__ = "webhook_callback_secrets"

    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event to send to one URL (the outbox row): written in the transaction that changes
    the meeting or person, sent by a worker, retried on the configured schedule.

    Attributes:
        owner_id: The user whose event it is.
        endpoint_id: The registered endpoint, or ``None`` for a job's ``callback_url``
            (signed with the owner's :class:`CallbackSecret`).
        url: Where it is sent.
        event_type: ``meeting.completed``, ``meeting.failed``, ``speaker.enrolled``,
            ``speaker.failed`` or ``webhook.test``.
        message_id: The ``webhook-id`` header (``msg_…``), the same on every attempt so the
            receiver can drop duplicates.
        payload: The JSON body (``type``, ``timestamp``, ``data``).
        status: See :class:`DeliveryStatus`.
        attempts: Attempts made so far.
        next_attempt_at: When it is due (``None`` once SUCCEEDED or FAILED).
        last_status_code / last_error / last_duration_ms: Outcome of the last attempt.
        created_at / updated_at / completed_at: UTC timestamps.
    """

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE")
    )
    url: Mapped[str] = mapped_column(String(2048))
    event_type: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column()
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column()


class WebhookAttempt(Base):
    """One attempt of a :class:`WebhookDelivery` (the delivery log).

    Attributes:
        delivery_id: The delivery.
        attempt: 1 for the first attempt.
        status_code: HTTP status the receiver answered, ``None`` when it did not answer.
        duration_ms: Milliseconds from sending to the answer (or the failure).
        error: Why it failed (one sentence), ``None`` on a 2xx.
        created_at: When it was made (UTC).
    """

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery_id", "delivery_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingRevision(Base):
    """One edit of a meeting's transcript: the whole edited fusion document, stored as an object.

    The machine result (``fusion.json``) is never rewritten: edit ``n`` stores the document
    after it at ``{results_prefix}revisions/{n:04d}.json`` and the meeting's ``revision``
    points at the latest one (0: the machine result). Reverting or re-processing removes them.

    Attributes:
        meeting_id: The edited meeting.
        number: 1 for the first edit, then consecutive (unique per meeting).
        document_key: Object key of the edited fusion document.
        summary: What changed, one line (``segment 3: text``, ``speaker SPEAKER_00: renamed
            to Diane`` …).
        created_at: When the edit was made (UTC).
    """

    __tablename__ = "meeting_revisions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    document_key: Mapped[str] = mapped_column(String(1024))
    summary: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SpeakerRejection(Base):
    """A person the user said a meeting's speaker is not ("not this person").

    Re-processing the meeting leaves that person's voiceprint out of identification, so the
    name is not given again in this meeting (other meetings are unaffected).

    Attributes:
        meeting_id: The meeting.
        person_name: The name that was removed (a voice bank person's name; unique per
            meeting).
        created_at: When it was rejected (UTC).
    """

    __tablename__ = "speaker_rejections"
    __table_args__ = (UniqueConstraint("meeting_id", "person_name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_name: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeetingSegment(Base):
    """One utterance of a COMPLETED meeting as the full-text search sees it (rows written by
    :func:`scribe_core.search.index_meeting`, one per utterance of the fusion document).

    The table is the same on both databases; the full-text index is not:

    - PostgreSQL: ``search_vector``, a generated ``tsvector`` (``to_tsvector(search_config,
      text)``) under a GIN index;
    - SQLite: the FTS5 table ``meeting_segments_fts`` (made by the migration, not mapped here):
      its rowid is ``id``, it holds a stemmed copy of ``text`` in the column named after
      ``search_config``, and a trigger deletes it with its segment row (``ON DELETE CASCADE``
      from the meeting or the user included).

    ``search_vector`` exists on PostgreSQL only: it is deferred and never fetched after an
    insert (``eager_defaults`` off), so loading and adding rows works on SQLite too.

    Attributes:
        id: Integer key (the FTS5 rowid on SQLite, hence not a UUID).
        meeting_id / owner_id: The meeting and its owner (rows go with either).
        segment_index: Position of the utterance in the fusion document (from 0).
        start: Start time of the utterance in seconds.
        speaker: Display name of the speaker when indexed.
        speaker_label: Diarization speaker label (a later rename is read from
            :class:`MeetingSpeaker`).
        text: The utterance text.
        language: ISO-639-1 code of the transcript, else ``None``.
        search_config: Text search configuration: ``french``, ``english`` or ``simple``
            (``regconfig`` on PostgreSQL).
        search_vector: ``to_tsvector(search_config, text)`` (PostgreSQL only).
    """

    __tablename__ = "meeting_segments"
    __table_args__ = (
        UniqueConstraint("meeting_id", "segment_index"),
        Index("ix_meeting_segments_owner_id", "owner_id"),
        Index("ix_meeting_segments_search_vector", "search_vector", postgresql_using="gin"),
    )
    __mapper_args__ = {"eager_defaults": False}

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True, autoincrement=True
    )
    meeting_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    segment_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[float] = mapped_column(Float)
    speaker: Mapped[str] = mapped_column(String(255))
    speaker_label: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    search_config: Mapped[str] = mapped_column(String(16).with_variant(REGCONFIG(), "postgresql"))
    search_vector: Mapped[str | None] = mapped_column(
        TSVECTOR(), Computed("to_tsvector(search_config, text)", persisted=True), deferred=True
    )


POSTGRESQL_ONLY: frozenset[tuple[str, str]] = frozenset(
    {("column", "search_vector"), ("index", "ix_meeting_segments_search_vector")}
)
"""Schema objects of the models that only PostgreSQL has (the search index of
:class:`MeetingSegment`); SQLite's migration creates its FTS5 table instead."""


def include_in_comparison(
    dialect: str,
) -> Callable[[object, str | None, str, bool, object], bool]:
    """Alembic ``include_object`` hook comparing the models with a database of ``dialect``
    (``postgresql``, ``sqlite``): SQLite's FTS5 search tables (``meeting_segments_fts*``, raw
    DDL of the search-index migration, no model) are left out, and so are the
    PostgreSQL-only objects of :data:`POSTGRESQL_ONLY` on any other database, so that
    autogenerate finds no difference after the migrations on either.
    """

    def include(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
        if type_ == "table" and reflected and (name or "").startswith("meeting_segments_fts"):
            return False
        return dialect == "postgresql" or (type_, name or "") not in POSTGRESQL_ONLY

    return include
