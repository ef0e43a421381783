"""Voice bank: the people enrolled by each user.

Revision ID: 4c1d2e7f9a10
Revises: b59a7e8975b4
Create Date: 2026-11-23 19:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4c1d2e7f9a10"
down_revision: str | None = "b59a7e8975b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)
_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
person_status = sa.Enum("PENDING", "READY", "FAILED", name="person_status")


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("status", person_status, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("num_samples", sa.Integer(), nullable=False),
        sa.Column("pending_keys", _JSON, nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_people_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("owner_id", "name", name=op.f("uq_people_owner_id")),
    )


def downgrade() -> None:
    op.drop_table("people")
    person_status.drop(op.get_bind(), checkfirst=True)
