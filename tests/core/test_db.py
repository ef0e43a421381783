"""Database layer on a real PostgreSQL server (its own throwaway database) and on SQLite.

Covers the Alembic migrations (upgrade from empty, downgrade to empty with no enum type left,
upgrade again, no drift between the models and the migrated schema) and the models (UTC
timestamps, cascades, uniqueness) on both dialects the product supports.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from scribe_core.db import (
    Base,
    Meeting,
    MeetingSpeaker,
    MeetingStatus,
    User,
    create_engine,
    create_sessionmaker,
)
from scribe_core.db.migrate import downgrade, upgrade
from scribe_core.db.models import include_in_comparison

TABLES = {"users", "meetings", "meeting_speakers", "people"}
TABLES |= {"api_keys", "idempotency_records"}
TABLES |= {
    "webhook_endpoints",
    "webhook_callback_secrets",
    "webhook_deliveries",
    "webhook_attempts",
}
TABLES |= {"meeting_segments"}  # full-text search rows (scribe_core.search)
TABLES |= {"meeting_revisions", "speaker_rejections"}  # transcript edits, "not this person"
INITIAL_REVISION = "b59a7e8975b4"


async def _schema(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """(tables, enum types) of the database."""
    async with engine.connect() as conn:
        tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        enums: set[str] = set()
        if engine.dialect.name == "postgresql":
            rows = await conn.execute(text("SELECT typname FROM pg_type WHERE typtype = 'e'"))
            enums = {r[0] for r in rows}
    return tables - {"alembic_version"}, enums


async def _drift(engine: AsyncEngine) -> list[object]:
    """Differences between the models and the migrated schema (Alembic autogenerate, with the
    ``include_object`` hook of the migrations' ``env.py``)."""
    include = include_in_comparison(engine.dialect.name)
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"include_object": include}), Base.metadata
            )
        )


async def test_migrations_upgrade_downgrade_upgrade_on_postgresql(postgres_url: str) -> None:
    engine = create_engine(postgres_url)
    try:
        assert await _schema(engine) == (set(), set())

        await upgrade(engine)
        tables, enums = await _schema(engine)
        assert tables == TABLES
        assert enums == {"meeting_status", "person_status"}
        assert await _drift(engine) == []

        await downgrade(engine, INITIAL_REVISION)  # the voice bank migration alone
        assert await _schema(engine) == (
            {"users", "meetings", "meeting_speakers"},
            {"meeting_status"},
        )

        await downgrade(engine)
        assert await _schema(engine) == (set(), set()), "downgrade must leave no table or enum"

        await upgrade(engine)
        assert (await _schema(engine))[0] == TABLES
        assert await _drift(engine) == []
    finally:
        await downgrade(engine)
        await engine.dispose()


async def test_the_migrated_schema_matches_the_models(engine: AsyncEngine) -> None:
    # SQLite lacks PostgreSQL's tsvector column and GIN index (its FTS5 table replaces them):
    # autogenerate must not want to add them, or a revision generated on the embedded
    # default would add a column SQLite cannot hold.
    assert await _drift(engine) == []


def _meeting(owner: User, **fields: object) -> Meeting:
    meeting_id = uuid.uuid4()
    values: dict[str, object] = {
        "id": meeting_id,
        "owner_id": owner.id,
        "title": "Weekly sync",
        "original_filename": "sync.m4a",
        "content_type": "audio/mp4",
        "size_bytes": 3 * 1024**3,
        "task_id": uuid.uuid4().hex,
        "upload_key": f"uploads/{meeting_id}_sync.m4a",
    }
    values.update(fields)
    return Meeting(**values)


async def test_models_round_trip_with_utc_times_and_cascades(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    paris = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).astimezone(ZoneInfo("Europe/Paris"))
    async with sessions() as session:
        owner = User(email="ada@example.org", hashed_password="x")
        session.add(owner)
        await session.flush()
        meeting = _meeting(owner, started_at=paris, min_speakers=2, max_speakers=4)
        meeting.speakers = [
            MeetingSpeaker(label="SPEAKER_01", display_name=None, similarity=None),
            MeetingSpeaker(label="SPEAKER_00", display_name="Diane", similarity=0.81),
        ]
        session.add(meeting)
        await session.commit()
        meeting_id, owner_id = meeting.id, owner.id

    async with sessions() as session:
        loaded = await session.get(Meeting, meeting_id)
        assert loaded is not None
        assert loaded.status is MeetingStatus.PENDING
        assert loaded.progress == 0.0
        assert loaded.attempts == 0
        assert loaded.result_keys == {}
        assert loaded.size_bytes == 3 * 1024**3  # BIGINT: larger than 2**31
        assert loaded.started_at == paris
        assert loaded.started_at.tzinfo is not None
        assert loaded.started_at.utcoffset() == timedelta(0)
        assert loaded.created_at.tzinfo is not None
        assert loaded.options.min_speakers == 2
        assert loaded.options.max_speakers == 4
        speakers = (
            await session.scalars(
                select(MeetingSpeaker)
                .where(MeetingSpeaker.meeting_id == meeting_id)
                .order_by(MeetingSpeaker.label)
            )
        ).all()
        assert [(s.label, s.display_name) for s in speakers] == [
            ("SPEAKER_00", "Diane"),
            ("SPEAKER_01", None),
        ]

        # The same speaker label twice in one meeting is refused.
        session.add(MeetingSpeaker(meeting_id=meeting_id, label="SPEAKER_00"))
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()

    async with sessions() as session:
        owner_row = await session.get(User, owner_id)
        await session.delete(owner_row)
        await session.commit()
    async with sessions() as session:
        # Deleting the user deletes its meetings and their speakers (ON DELETE CASCADE).
        assert (await session.scalars(select(Meeting))).all() == []
        assert (await session.scalars(select(MeetingSpeaker))).all() == []


async def test_task_id_and_email_are_unique(engine: AsyncEngine) -> None:
    sessions = create_sessionmaker(engine)
    async with sessions() as session:
        owner = User(email="bob@example.org", hashed_password="x")
        session.add(owner)
        await session.flush()
        session.add_all([_meeting(owner, task_id="same"), _meeting(owner, task_id="same")])
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()
    async with sessions() as session:
        session.add_all(
            [
                User(email="carol@example.org", hashed_password="x"),
                User(email="carol@example.org", hashed_password="y"),
            ]
        )
        with pytest.raises(IntegrityError):
            await session.flush()
        await session.rollback()


async def test_naive_datetimes_are_refused(engine: AsyncEngine) -> None:
    async with create_sessionmaker(engine)() as session:
        session.add(User(email="dan@example.org", hashed_password="x", created_at=datetime.now()))
        with pytest.raises(Exception, match="naive datetime"):
            await session.flush()
        await session.rollback()
