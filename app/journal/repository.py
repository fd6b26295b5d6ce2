"""Queries of the request journal: bounded, newest first."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Dialect, bindparam, delete, func, insert, select
from sqlalchemy.orm import Session, defer

from app.db.models import JournalEntry

# Trimming is one indexed DELETE; doing it every few inserts keeps the table near its bound.
_TRIM_EVERY = 64


@dataclass(frozen=True, slots=True)
class JournalRecord:
    tracking_id: str
    operation: str
    method: str
    path: str
    query: str
    status: int
    duration_ms: float
    received_at: datetime
    organization_id: str | None
    sub: str | None
    request_headers: str | None = None  # a JSON object
    request_body: str | None = None
    response_headers: str | None = None  # a JSON object
    response_body: str | None = None


def add_entries(connection: Connection, records: Sequence[JournalRecord], *, keep: int) -> None:
    """Append records in one executemany, then drop what exceeds ``keep`` (now and then).

    Straight to the driver (``_Insert``): this runs for every provider request, and with
    SQLAlchemy's per-row processing a batch held the interpreter long enough to stall the
    requests being served meanwhile (the Speed issue's p99).
    """
    if not records:
        return
    insert_rows = _insert_for(connection.dialect)
    connection.exec_driver_sql(insert_rows.sql, insert_rows.rows(records))
    newest = connection.scalar(_NEWEST) or 0
    # Trim when this batch crossed a multiple of _TRIM_EVERY (or always, for tiny journals).
    if newest // _TRIM_EVERY != (newest - len(records)) // _TRIM_EVERY or keep < _TRIM_EVERY:
        connection.execute(delete(JournalEntry).where(JournalEntry.id <= newest - keep))


_NEWEST = select(func.max(JournalEntry.id))
_FIELDS = tuple(field.name for field in fields(JournalRecord))


@dataclass(frozen=True, slots=True)
class _Insert:
    """The INSERT compiled once for a dialect, and how a record becomes its parameters
    (received_at through the column type's own bind processor, so it reads back as before)."""

    sql: str
    positional: tuple[str, ...] | None  # parameter order, for qmark/format dialects
    received_at: Callable[[Any], Any] | None

    def rows(self, records: Sequence[JournalRecord]) -> list[Any]:
        rows = []
        for record in records:
            row = {name: getattr(record, name) for name in _FIELDS}
            if self.received_at is not None:
                row["received_at"] = self.received_at(row["received_at"])
            rows.append(tuple(row[name] for name in self.positional) if self.positional else row)
        return rows


@functools.cache
def _insert_for(dialect: Dialect) -> _Insert:
    statement = insert(JournalEntry).values({name: bindparam(name) for name in _FIELDS})
    compiled = statement.compile(dialect=dialect)
    positional = tuple(compiled.positiontup) if compiled.positiontup else None
    return _Insert(
        sql=compiled.string,
        positional=positional,
        received_at=JournalEntry.__table__.c.received_at.type.bind_processor(dialect),
    )


def list_entries(
    session: Session,
    *,
    operation: str | None,
    organization_id: str | None,
    status: int | None,
    limit: int,
    keep: int,
) -> list[JournalEntry]:
    """Newest first (by when the request came: replicas commit their batches independently,
    so ids follow commit order); never more than ``keep``, however far trimming lags.
    Without the exchanged headers and bodies (``find_entry`` has them)."""
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    statement = (
        select(JournalEntry)
        .options(defer(JournalEntry.request_headers), defer(JournalEntry.request_body))
        .options(defer(JournalEntry.response_headers), defer(JournalEntry.response_body))
        .where(JournalEntry.id > newest - keep)
    )
    if operation is not None:
        statement = statement.where(JournalEntry.operation == operation)
    if organization_id is not None:
        statement = statement.where(JournalEntry.organization_id == organization_id)
    if status is not None:
        statement = statement.where(JournalEntry.status == status)
    newest_first = statement.order_by(JournalEntry.received_at.desc(), JournalEntry.id.desc())
    return list(session.scalars(newest_first.limit(limit)))


def find_entry(session: Session, tracking_id: str, *, keep: int) -> JournalEntry | None:
    """The entry of one request, with what it exchanged (None once trimmed away)."""
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    statement = select(JournalEntry).where(
        JournalEntry.tracking_id == tracking_id, JournalEntry.id > newest - keep
    )
    return session.scalars(statement.order_by(JournalEntry.id.desc()).limit(1)).first()


def clear(session: Session) -> None:
    session.execute(delete(JournalEntry))
