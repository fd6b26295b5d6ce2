"""The number lifecycle: owned numbers, Bird workspaces and the mock clock.

A number bought through Bird (a long code number of a workspace) or Pingram (a number of an
account) gets a row in ``owned_numbers``; ``workspaces`` records which organization owns a
Bird workspace; ``mock_clock`` holds the clock the lifecycle's dates run on.

Revision ID: 0004_number_lifecycle
Revises: 0003_stock_cells
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_number_lifecycle"
down_revision: str | None = "0003_stock_cells"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "owned_numbers",
        sa.Column("number_id", sa.Uuid(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("owner_id", sa.String(length=256), nullable=False),
        sa.Column("workspace_id", sa.String(length=256), nullable=True),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("long_code_number_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "provider IN ('bird', 'pingram')", name=op.f("ck_owned_numbers_provider")
        ),
        sa.ForeignKeyConstraint(
            ["number_id"],
            ["inventory_numbers.id"],
            name=op.f("fk_owned_numbers_number_id_inventory_numbers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("number_id", name=op.f("pk_owned_numbers")),
        sa.UniqueConstraint(
            "long_code_number_id", name=op.f("uq_owned_numbers_long_code_number_id")
        ),
    )
    op.create_index(
        "ix_owned_numbers_owner_order",
        "owned_numbers",
        ["provider", "owner_id", "workspace_id", "created_at", "number_id"],
    )
    op.create_index("ix_owned_numbers_released_at", "owned_numbers", ["released_at"])
    op.create_table(
        "workspaces",
        sa.Column("id", sa.String(length=256), nullable=False),
        sa.Column("organization_id", sa.String(length=256), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "mock_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offset_microseconds", sa.BigInteger(), nullable=False),
        sa.Column("frozen_at_microseconds", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mock_clock")),
    )


def downgrade() -> None:
    op.drop_table("mock_clock")
    op.drop_table("workspaces")
    op.drop_index("ix_owned_numbers_released_at", table_name="owned_numbers")
    op.drop_index("ix_owned_numbers_owner_order", table_name="owned_numbers")
    op.drop_table("owned_numbers")
