"""Initial schema: users, meetings, meeting speakers.

Revision ID: b59a7e8975b4
Revises:
Create Date: 2026-11-23 18:01:04.132205+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "b59a7e8975b4"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
meeting_status = sa.Enum("PENDING", "PROCESSING", "COMPLETED", "FAILED", name="meeting_status")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("hashed_password", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    op.create_table(
        "meetings",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("language", sa.String(length=16), nullable=True),
        sa.Column("requested_language", sa.String(length=16), nullable=True),
        sa.Column("num_speakers", sa.Integer(), nullable=True),
        sa.Column("min_speakers", sa.Integer(), nullable=True),
        sa.Column("max_speakers", sa.Integer(), nullable=True),
        sa.Column("status", meeting_status, nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("upload_key", sa.String(length=1024), nullable=False),
        sa.Column("result_keys", _JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("processing_time", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.Column("enqueued_at", _TIMESTAMP, nullable=True),
        sa.Column("started_at", _TIMESTAMP, nullable=True),
        sa.Column("completed_at", _TIMESTAMP, nullable=True),
        sa.Column("heartbeat_at", _TIMESTAMP, nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_meetings_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("task_id", name=op.f("uq_meetings_task_id")),
    )
    op.create_index("ix_meetings_owner_id_created_at", "meetings", ["owner_id", "created_at"])
    op.create_index("ix_meetings_status_heartbeat_at", "meetings", ["status", "heartbeat_at"])
    op.create_table(
        "meeting_speakers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=255), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["meeting_id"],
            ["meetings.id"],
            name=op.f("fk_meeting_speakers_meeting_id_meetings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_speakers")),
        sa.UniqueConstraint("meeting_id", "label", name=op.f("uq_meeting_speakers_meeting_id")),
    )


def downgrade() -> None:
    op.drop_table("meeting_speakers")
    op.drop_index("ix_meetings_status_heartbeat_at", table_name="meetings")
    op.drop_index("ix_meetings_owner_id_created_at", table_name="meetings")
    op.drop_table("meetings")
    op.drop_table("users")
    # Dropping the table leaves the PostgreSQL enum type behind (autogenerate forgets it).
    meeting_status.drop(op.get_bind(), checkfirst=True)
