"""The journal stores each distinct body once.

Revision ID: 0007_journal_bodies_once
Revises: 0006_stock_version
Create Date: 2026-11-30

A test or a demo sends the same request again and again and gets the same answer, and its
body (a page of stock items is 4 KB) was written with every entry. Bodies move to
journal_bodies, named by a digest; each entry names its request's and its response's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_journal_bodies_once"
down_revision: str | None = "0006_stock_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (the body column, the column naming it) of journal_entries.
_BODIES = (("request_body", "request_body_digest"), ("response_body", "response_body_digest"))


def _digest(body: str) -> str:
    # app.journal.repository.body_digest as of this revision (a migration never imports the
    # app it migrates); the same, so moved bodies are shared with those written later.
    return hashlib.blake2b(body.encode(), digest_size=16).hexdigest()


def upgrade() -> None:
    op.create_table(
        "journal_bodies",
        sa.Column("digest", sa.String(length=32), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("last_entry", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_journal_bodies")),
    )
    op.create_index("ix_journal_bodies_last_entry", "journal_bodies", ["last_entry"])
    with op.batch_alter_table("journal_entries") as batch_op:
        for _, digest_column in _BODIES:
            batch_op.add_column(sa.Column(digest_column, sa.String(length=32), nullable=True))
    connection = op.get_bind()
    entries = sa.table(
        "journal_entries", sa.column("id"), *(sa.column(c) for pair in _BODIES for c in pair)
    )
    bodies = sa.table(
        "journal_bodies", sa.column("digest"), sa.column("body"), sa.column("last_entry")
    )
    newest = connection.scalar(sa.select(sa.func.max(entries.c.id))) or 0
    stored: set[str] = set()
    # The journal is bounded (NUMBERS_MOCK_JOURNAL_SIZE entries): moved in one pass.
    rows = connection.execute(
        sa.select(entries.c.id, entries.c.request_body, entries.c.response_body)
    ).all()
    for entry_id, *texts in rows:
        digests: dict[str, str | None] = {}
        for (_, digest_column), text in zip(_BODIES, texts, strict=True):
            digest = None if text is None else _digest(text)
            digests[digest_column] = digest
            if digest is not None and digest not in stored:
                stored.add(digest)
                connection.execute(
                    bodies.insert().values(digest=digest, body=text, last_entry=newest)
                )
        connection.execute(entries.update().where(entries.c.id == entry_id).values(**digests))
    with op.batch_alter_table("journal_entries") as batch_op:
        for body_column, _ in _BODIES:
            batch_op.drop_column(body_column)


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch_op:
        for body_column, _ in _BODIES:
            batch_op.add_column(sa.Column(body_column, sa.Text(), nullable=True))
    for body_column, digest_column in _BODIES:
        op.execute(
            f"UPDATE journal_entries SET {body_column} = (SELECT b.body FROM journal_bodies b "
            f"WHERE b.digest = journal_entries.{digest_column})"
        )
    with op.batch_alter_table("journal_entries") as batch_op:
        for _, digest_column in _BODIES:
            batch_op.drop_column(digest_column)
    op.drop_index("ix_journal_bodies_last_entry", table_name="journal_bodies")
    op.drop_table("journal_bodies")
