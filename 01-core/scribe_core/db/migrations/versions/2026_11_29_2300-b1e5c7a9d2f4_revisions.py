"""Meeting revisions (edits), speaker rejections and re-processing.

``meetings`` gains ``revision`` (0: the machine result) and ``edited_at``; each edit is a row
of ``meeting_revisions`` naming the object that holds the edited document; each "not this
person" is a row of ``speaker_rejections``.

Revision ID: b1e5c7a9d2f4
Revises: a4d8e1f6b7c3
Create Date: 2026-11-29 23:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b1e5c7a9d2f4"
down_revision: str | None = "a4d8e1f6b7c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["meetings.id"],
        name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )


def upgrade() -> None:
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("revision", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("edited_at", _TIMESTAMP, nullable=True))

    op.create_table(
        "meeting_revisions",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document_key", sa.String(length=1024), nullable=False),
        sa.Column("summary", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _meeting_fk("meeting_revisions"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_revisions")),
        sa.UniqueConstraint("meeting_id", "number", name=op.f("uq_meeting_revisions_meeting_id")),
    )
    op.create_table(
        "speaker_rejections",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("meeting_id", sa.Uuid(), nullable=False),
        sa.Column("person_name", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        _meeting_fk("speaker_rejections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_speaker_rejections")),
        sa.UniqueConstraint(
            "meeting_id", "person_name", name=op.f("uq_speaker_rejections_meeting_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("speaker_rejections")
    op.drop_table("meeting_revisions")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("edited_at")
        batch.drop_column("revision")
