"""State of the control API: scripted faults, rate limits, the request journal, purchases.

Numbers gain ``origin`` (seeded, or added at run time) and ``purchased_by``; their status
may now be ``removed``.

Revision ID: 0002_control_api_state
Revises: 0001_create_inventory_numbers
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_control_api_state"
down_revision: str | None = "0001_create_inventory_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_STATUSES_BEFORE = "status IN ('in_stock', 'reserved', 'sold')"
_STATUSES_AFTER = "status IN ('in_stock', 'reserved', 'sold', 'removed')"


def upgrade() -> None:
    op.create_table(
        "faults",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=256), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=True),
        sa.Column("message", sa.String(length=1000), nullable=True),
        sa.Column("fix", sa.String(length=1000), nullable=True),
        sa.Column("provider", sa.String(length=64), nullable=True),
        sa.Column("provider_code", sa.String(length=64), nullable=True),
        sa.Column("delay_ms", sa.Integer(), nullable=True),
        sa.Column("times_remaining", sa.Integer(), nullable=True),
        sa.Column("probability", sa.Double(), nullable=True),
        sa.Column("draws", sa.Integer(), nullable=False),
        sa.Column("fired", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_faults")),
    )
    op.create_table(
        "journal_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("tracking_id", sa.String(length=36), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=8), nullable=False),
        sa.Column("path", sa.String(length=2048), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("duration_ms", sa.Double(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("organization_id", sa.String(length=256), nullable=True),
        sa.Column("sub", sa.String(length=256), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entries")),
    )
    op.create_table(
        "rate_limits",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("operation", sa.String(length=32), nullable=False),
        sa.Column("organization_id", sa.String(length=256), nullable=True),
        sa.Column("limit", sa.Integer(), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rate_limits")),
    )
    op.create_table(
        "rate_limit_counters",
        sa.Column("rate_limit_id", sa.String(length=36), nullable=False),
        sa.Column("caller", sa.String(length=256), nullable=False),
        sa.Column("window_start", sa.BigInteger(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["rate_limit_id"],
            ["rate_limits.id"],
            name=op.f("fk_rate_limit_counters_rate_limit_id_rate_limits"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "rate_limit_id", "caller", "window_start", name=op.f("pk_rate_limit_counters")
        ),
    )
    with op.batch_alter_table("inventory_numbers") as batch_op:
        # Existing numbers were all seeded.
        batch_op.add_column(
            sa.Column("origin", sa.String(length=16), nullable=False, server_default="seed")
        )
        batch_op.add_column(sa.Column("purchased_by", sa.String(length=256), nullable=True))
        batch_op.drop_constraint(op.f("ck_inventory_numbers_status"), type_="check")
        batch_op.create_check_constraint("status", _STATUSES_AFTER)
        batch_op.create_check_constraint("origin", "origin IN ('seed', 'control')")
        batch_op.create_index("ix_inventory_numbers_origin_status", ["origin", "status"])
    with op.batch_alter_table("inventory_numbers") as batch_op:
        batch_op.alter_column("origin", server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM inventory_numbers WHERE origin = 'control'")
    op.execute("UPDATE inventory_numbers SET status = 'sold' WHERE status = 'removed'")
    with op.batch_alter_table("inventory_numbers") as batch_op:
        batch_op.drop_index("ix_inventory_numbers_origin_status")
        batch_op.drop_constraint(op.f("ck_inventory_numbers_origin"), type_="check")
        batch_op.drop_constraint(op.f("ck_inventory_numbers_status"), type_="check")
        batch_op.create_check_constraint("status", _STATUSES_BEFORE)
        batch_op.drop_column("purchased_by")
        batch_op.drop_column("origin")
    op.drop_table("rate_limit_counters")
    op.drop_table("rate_limits")
    op.drop_table("journal_entries")
    op.drop_table("faults")
