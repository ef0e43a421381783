"""Meeting speakers: the voice bank's match state (confident / unsure / none).

Revision ID: 7a3e5c1b2d90
Revises: 4c1d2e7f9a10
Create Date: 2026-11-29 17:00:00.000000+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a3e5c1b2d90"
down_revision: str | None = "4c1d2e7f9a10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("meeting_speakers") as batch:
        batch.add_column(
            sa.Column("match", sa.String(length=16), nullable=False, server_default="none")
        )


def downgrade() -> None:
    with op.batch_alter_table("meeting_speakers") as batch:
        batch.drop_column("match")
