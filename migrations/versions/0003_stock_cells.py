"""Stock cells: every filter combination becomes index seeks, however large the inventory.

Numbers gain ``capability_mask`` (their seven capability booleans as one bit set), the
``stock_cells`` table lists the (country, type, capability set) combinations the inventory
holds, and the listing index becomes (status, country, type, capability set, national
number). The listing order changes with it, so page tokens of earlier versions are refused.

Revision ID: 0003_stock_cells
Revises: 0002_control_api_state
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_stock_cells"
down_revision: str | None = "0002_control_api_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The bits of app.generator.records.CAPABILITY_BITS, frozen as they were at this revision.
_MASK_FROM_BOOLEANS = (
    "(CASE WHEN voice_inbound THEN 1 ELSE 0 END)"
    " + (CASE WHEN voice_outbound THEN 2 ELSE 0 END)"
    " + (CASE WHEN sms_inbound THEN 4 ELSE 0 END)"
    " + (CASE WHEN sms_outbound THEN 8 ELSE 0 END)"
    " + (CASE WHEN mms_inbound THEN 16 ELSE 0 END)"
    " + (CASE WHEN mms_outbound THEN 32 ELSE 0 END)"
    " + (CASE WHEN whatsapp THEN 64 ELSE 0 END)"
)


def upgrade() -> None:
    with op.batch_alter_table("inventory_numbers") as batch_op:
        batch_op.add_column(
            sa.Column("capability_mask", sa.Integer(), nullable=False, server_default="0")
        )
    op.execute(f"UPDATE inventory_numbers SET capability_mask = {_MASK_FROM_BOOLEANS}")
    with op.batch_alter_table("inventory_numbers") as batch_op:
        batch_op.alter_column("capability_mask", server_default=None)
    op.create_table(
        "stock_cells",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("number_type", sa.String(length=16), nullable=False),
        sa.Column("capability_mask", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "country_code", "number_type", "capability_mask", name=op.f("pk_stock_cells")
        ),
    )
    op.execute(
        "INSERT INTO stock_cells (country_code, number_type, capability_mask) "
        "SELECT DISTINCT country_code, number_type, capability_mask FROM inventory_numbers"
    )
    op.drop_index("ix_inventory_numbers_stock_order", table_name="inventory_numbers")
    op.create_index(
        "ix_inventory_numbers_stock_cell_order",
        "inventory_numbers",
        ["status", "country_code", "number_type", "capability_mask", "national_number"],
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_numbers_stock_cell_order", table_name="inventory_numbers")
    op.create_index(
        "ix_inventory_numbers_stock_order",
        "inventory_numbers",
        ["status", "country_code", "number_string"],
    )
    op.drop_table("stock_cells")
    with op.batch_alter_table("inventory_numbers") as batch_op:
        batch_op.drop_column("capability_mask")
