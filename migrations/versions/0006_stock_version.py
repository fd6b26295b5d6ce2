"""A stock version that SQLite's triggers move on every change to the stock.

Revision ID: 0006_stock_version
Revises: 0005_journal_exchanges
Create Date: 2026-11-30

The triggers are per row (SQLite has no statement triggers): a seed of a million numbers
runs a million one-row updates more, about a second. PostgreSQL gets the table only; see
``app.db.models.StockVersion``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_stock_version"
down_revision: str | None = "0005_journal_exchanges"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every change that can change a listing: the numbers (their status above all) and the cells.
_WATCHED = (
    ("inventory_numbers", "INSERT"),
    ("inventory_numbers", "UPDATE"),
    ("inventory_numbers", "DELETE"),
    ("stock_cells", "INSERT"),
    ("stock_cells", "UPDATE"),
    ("stock_cells", "DELETE"),
)


def _trigger_name(table: str, event: str) -> str:
    return f"stock_version_after_{table}_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "stock_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_version")),
    )
    op.execute("INSERT INTO stock_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, event in _WATCHED:
        op.execute(
            f"CREATE TRIGGER {_trigger_name(table, event)} AFTER {event} ON {table} "
            "BEGIN UPDATE stock_version SET version = version + 1 WHERE id = 1; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table, event in _WATCHED:
            op.execute(f"DROP TRIGGER IF EXISTS {_trigger_name(table, event)}")
    op.drop_table("stock_version")
