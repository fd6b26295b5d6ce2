"""Bird's subscription cancellation: when a long code number's subscription was cancelled,
and when the number leaves its workspace (the end of the period already paid).

Both are null until a cancellation; the number goes back to stock once the mock clock
passes deprovision_at (app.lifecycle.ownership.end_expired_holds).

Revision ID: 0008_bird_cancellation
Revises: 0007_journal_bodies_once
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# At most 32 characters: alembic_version.version_num is VARCHAR(32) (PostgreSQL enforces it).
revision: str = "0008_bird_cancellation"
down_revision: str | None = "0007_journal_bodies_once"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("owned_numbers") as batch:
        batch.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deprovision_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_owned_numbers_deprovision_at", "owned_numbers", ["deprovision_at"])


def downgrade() -> None:
    op.drop_index("ix_owned_numbers_deprovision_at", table_name="owned_numbers")
    with op.batch_alter_table("owned_numbers") as batch:
        batch.drop_column("deprovision_at")
        batch.drop_column("cancelled_at")
