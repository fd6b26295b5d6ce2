"""Transport faults, delay distributions and dribbled bodies (issue 20), and the journal's
record of the transport fault a request met.

A journaled request that met a connection reset, an empty response, random bytes or a hang
was sent no status line: ``journal_entries.status`` becomes nullable.

Revision ID: 0009_transport_faults
Revises: 0008_bird_cancellation
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0009_transport_faults"
down_revision: str | None = "0008_bird_cancellation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The faults table's new columns (all nullable): name and type.
_FAULT_COLUMNS: tuple[tuple[str, sa.types.TypeEngine[Any]], ...] = (
    ("fault", sa.String(32)),
    ("hang_ms", sa.Integer()),
    ("delay_distribution", sa.String(16)),
    ("delay_lower_ms", sa.Integer()),
    ("delay_upper_ms", sa.Integer()),
    ("delay_median_ms", sa.Double()),
    ("delay_sigma", sa.Double()),
    ("dribble_chunks", sa.Integer()),
    ("dribble_total_ms", sa.Integer()),
)


def upgrade() -> None:
    with op.batch_alter_table("faults") as batch:
        for name, type_ in _FAULT_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    with op.batch_alter_table("journal_entries") as batch:
        batch.alter_column("status", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("fault", sa.String(32), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM journal_entries WHERE status IS NULL")
    with op.batch_alter_table("journal_entries") as batch:
        batch.drop_column("fault")
        batch.alter_column("status", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("faults") as batch:
        for name, _ in reversed(_FAULT_COLUMNS):
            batch.drop_column(name)
