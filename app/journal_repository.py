"""Queries of the request journal: bounded, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import JournalEntry

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


def add_entry(session: Session, record: JournalRecord, *, keep: int) -> None:
    entry = JournalEntry(
        tracking_id=record.tracking_id,
        operation=record.operation,
        method=record.method,
        path=record.path,
        query=record.query,
        status=record.status,
        duration_ms=record.duration_ms,
        received_at=record.received_at,
        organization_id=record.organization_id,
        sub=record.sub,
    )
    session.add(entry)
    session.flush()
    if entry.id % _TRIM_EVERY == 0 or keep < _TRIM_EVERY:
        session.execute(delete(JournalEntry).where(JournalEntry.id <= entry.id - keep))


def list_entries(
    session: Session,
    *,
    operation: str | None,
    organization_id: str | None,
    status: int | None,
    limit: int,
    keep: int,
) -> list[JournalEntry]:
    """Newest first; never more than ``keep``, however far trimming lags."""
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    statement = select(JournalEntry).where(JournalEntry.id > newest - keep)
    if operation is not None:
        statement = statement.where(JournalEntry.operation == operation)
    if organization_id is not None:
        statement = statement.where(JournalEntry.organization_id == organization_id)
    if status is not None:
        statement = statement.where(JournalEntry.status == status)
    return list(session.scalars(statement.order_by(JournalEntry.id.desc()).limit(limit)))


def clear(session: Session) -> None:
    session.execute(delete(JournalEntry))
