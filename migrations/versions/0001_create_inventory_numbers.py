"""Create the inventory_numbers table: every number both provider APIs serve.

Revision ID: 0001_create_inventory_numbers
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_create_inventory_numbers"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inventory_numbers",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("number_string", sa.String(length=16), nullable=False),
        sa.Column("national_number", sa.String(length=17), nullable=False),
        sa.Column("number_type", sa.String(length=16), nullable=False),
        sa.Column("locality", sa.String(length=128), nullable=True),
        sa.Column("administrative_area", sa.String(length=16), nullable=True),
        sa.Column("voice_inbound", sa.Boolean(), nullable=False),
        sa.Column("voice_outbound", sa.Boolean(), nullable=False),
        sa.Column("sms_inbound", sa.Boolean(), nullable=False),
        sa.Column("sms_outbound", sa.Boolean(), nullable=False),
        sa.Column("mms_inbound", sa.Boolean(), nullable=False),
        sa.Column("mms_outbound", sa.Boolean(), nullable=False),
        sa.Column("whatsapp", sa.Boolean(), nullable=False),
        sa.Column("currency_code", sa.String(length=3), nullable=False),
        sa.Column("monthly_amount", sa.Integer(), nullable=False),
        sa.Column("price_exponent", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "number_type IN ('local', 'national', 'mobile', 'toll-free')",
            name=op.f("ck_inventory_numbers_number_type"),
        ),
        sa.CheckConstraint(
            "status IN ('in_stock', 'reserved', 'sold')",
            name=op.f("ck_inventory_numbers_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inventory_numbers")),
        sa.UniqueConstraint("number_string", name=op.f("uq_inventory_numbers_number_string")),
    )
    op.create_index(
        "ix_inventory_numbers_stock_order",
        "inventory_numbers",
        ["status", "country_code", "number_string"],
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_numbers_stock_order", table_name="inventory_numbers")
    op.drop_table("inventory_numbers")
