"""The journal keeps each request's headers and body and its response's, for the console.

Revision ID: 0005_journal_exchanges
Revises: 0004_number_lifecycle
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_journal_exchanges"
down_revision: str | None = "0004_number_lifecycle"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("request_headers", "request_body", "response_headers", "response_body")


def upgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        for column in _COLUMNS:
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=True))
    op.create_index("ix_journal_entries_tracking_id", "journal_entries", ["tracking_id"])


def downgrade() -> None:
    op.drop_index("ix_journal_entries_tracking_id", table_name="journal_entries")
    with op.batch_alter_table("journal_entries") as batch_op:
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
