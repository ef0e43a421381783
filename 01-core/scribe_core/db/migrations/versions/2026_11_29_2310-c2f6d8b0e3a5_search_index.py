"""Full-text search index over utterances (PostgreSQL tsvector, SQLite FTS5).

``meeting_segments`` holds one row per utterance of each COMPLETED meeting
(:mod:`scribe_core.search`), the same plain table on both databases; the full-text index is
dialect-specific:

- PostgreSQL: ``search_config regconfig`` and the generated column
  ``search_vector = to_tsvector(search_config, text)`` under a GIN index;
- SQLite: the FTS5 table ``meeting_segments_fts`` (rowid = ``meeting_segments.id``; one column
  per configuration, holding the utterance stemmed in Python) and a trigger deleting its row
  with the segment row, so ``ON DELETE CASCADE`` from a meeting or a user cleans it too.

Meetings completed before this revision get their rows from ``scribe_core.search.backfill``
(run by the worker's sweeper at start-up): a migration cannot read the object store.

Revision ID: c2f6d8b0e3a5
Revises: b1e5c7a9d2f4
Create Date: 2026-11-29 23:10:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c2f6d8b0e3a5"
down_revision: str | None = "b1e5c7a9d2f4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    search_columns = (
        [
            sa.Column("search_config", postgresql.REGCONFIG(), nullable=False),
            sa.Column(
                "search_vector",
                postgresql.TSVECTOR(),
                sa.Computed("to_tsvector(search_config, text)", persisted=True),
                nullable=True,
            ),
        ]
        if postgres
        else [sa.Column("search_config", sa.String(length=16), nullable=False)]
    )
    op.create_table(
        "meeting_segments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("segment_index", sa.Integer(), nullable=False),
        sa.Column("start", sa.Float(), nullable=False),
        sa.Column("speaker", sa.String(length=255), nullable=False),
        sa.Column("speaker_label", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=True),
        *search_columns,
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_segments_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_meeting_segments_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_segments")),
        sa.UniqueConstraint(
            "meeting_id", "segment_index", name=op.f("uq_meeting_segments_meeting_id")
        ),
    )
    op.create_index("ix_meeting_segments_owner_id", "meeting_segments", ["owner_id"])
    if postgres:
        op.create_index(
            "ix_meeting_segments_search_vector",
            "meeting_segments",
            ["search_vector"],
            postgresql_using="gin",
        )
        return
    op.execute(
        "CREATE VIRTUAL TABLE meeting_segments_fts USING fts5("
        "french, english, simple, tokenize = 'unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER meeting_segments_fts_delete AFTER DELETE ON meeting_segments "
        "BEGIN DELETE FROM meeting_segments_fts WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS meeting_segments_fts_delete")
        op.execute("DROP TABLE IF EXISTS meeting_segments_fts")
    else:
        op.drop_index("ix_meeting_segments_search_vector", table_name="meeting_segments")
    op.drop_index("ix_meeting_segments_owner_id", table_name="meeting_segments")
    op.drop_table("meeting_segments")
