"""Meetings and people: a stable error code next to the human failure reason.

Revision ID: 8b4f6d2c3e01
Revises: 7a3e5c1b2d90
Create Date: 2026-11-29 19:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8b4f6d2c3e01"
down_revision: str | None = "7a3e5c1b2d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("meetings", "people"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("error_code", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for table in ("meetings", "people"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("error_code")
