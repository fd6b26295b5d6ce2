"""Queries of the request journal: bounded, newest first."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Dialect, bindparam, case, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, defer

from app.byte_budget import ByteBudgetCache
from app.db.models import JournalBody, JournalEntry

# Trimming is one indexed DELETE; doing it every few inserts keeps the table near its bound.
_TRIM_EVERY = 64


class JournalRecord(NamedTuple):
    """One answered request, as the journal's writer stores it. A named tuple, its fields in
    the order of the entries' INSERT with the bodies last (``_Statements.entry_row``): built
    and turned into a row for every provider request, on the writer's thread, a frozen
    dataclass and a dict per row cost twice as much (Speed II)."""

    tracking_id: str
    operation: str
    method: str
    path: str
    query: str
    status: int | None  # None: no status line was sent (a transport fault)
    duration_ms: float
    received_at: datetime
    organization_id: str | None
    sub: str | None
    fault: str | None = None  # the transport fault the request met
    request_headers: str | None = None  # a JSON object
    response_headers: str | None = None  # a JSON object
    request_body: str | None = None
    response_body: str | None = None


def add_entries(connection: Connection, records: Sequence[JournalRecord], *, keep: int) -> None:
    """Append records in one executemany, their bodies once each; then drop what exceeds
    ``keep`` (now and then), and the bodies no entry kept names any more.

    Straight to the driver (``_Insert``): this runs for every provider request, and with
    SQLAlchemy's per-row processing a batch held the interpreter long enough to stall the
    requests being served meanwhile (the Speed issue's p99).
    """
    if not records:
        return
    statements = _statements_for(connection.dialect)
    bodies: dict[str, str] = {}
    rows = []
    for record in records:
        request_body = _named(record.request_body, bodies)
        response_body = _named(record.response_body, bodies)
        rows.append(statements.entry_row(record, request_body, response_body))
    connection.exec_driver_sql(statements.insert_entries, rows)
    newest = connection.scalar(_NEWEST) or 0
    if bodies:
        # Each body is tagged with the newest entry id now, which is at least that of every
        # entry of this batch naming it: once trimming has passed the tag, none is left.
        connection.exec_driver_sql(
            statements.upsert_bodies,
            [statements.body_row(digest, body, newest) for digest, body in bodies.items()],
        )
    # Trim when this batch crossed a multiple of _TRIM_EVERY (or always, for tiny journals).
    if newest // _TRIM_EVERY != (newest - len(records)) // _TRIM_EVERY or keep < _TRIM_EVERY:
        connection.execute(delete(JournalEntry).where(JournalEntry.id <= newest - keep))
        connection.execute(delete(JournalBody).where(JournalBody.last_entry <= newest - keep))


def body_digest(body: str) -> str:
    """What names a body in the journal (migration 0007 has a copy: keep them the same)."""
    digest = _DIGESTS.get(body)
    if digest is None:
        digest = hashlib.blake2b(body.encode(), digest_size=16).hexdigest()
        _DIGESTS.put(body, digest, len(body) + _DIGEST_OVERHEAD)
    return digest


# The digests of the bodies seen last (a repeated answer is one text, digested once): 1 MiB
# of bodies, the oldest first out.
_DIGESTS: ByteBudgetCache[str, str] = ByteBudgetCache(1024 * 1024)
_DIGEST_OVERHEAD = 200


def _named(body: str | None, bodies: dict[str, str]) -> str | None:
    if body is None:
        return None
    digest = body_digest(body)
    bodies[digest] = body
    return digest


_NEWEST = select(func.max(JournalEntry.id))
# An entry's columns: the record's fields but its bodies, then the bodies' digests.
_ENTRY_FIELDS = (*JournalRecord._fields[:-2], "request_body_digest", "response_body_digest")
_RECEIVED_AT = _ENTRY_FIELDS.index("received_at")
_BODY_FIELDS = ("digest", "body", "last_entry")


@dataclass(frozen=True, slots=True)
class _Statements:
    """The journal's INSERTs compiled once for a dialect, and how a record becomes their
    parameters (received_at through the column type's own bind processor, so it reads back
    as before)."""

    insert_entries: str
    entry_order: tuple[int, ...] | None  # positions in _ENTRY_FIELDS, for qmark/format dialects
    received_at: Callable[[Any], Any] | None
    upsert_bodies: str
    body_order: tuple[str, ...] | None

    def entry_row(
        self, record: JournalRecord, request_body: str | None, response_body: str | None
    ) -> Any:
        values = [*record[:-2], request_body, response_body]
        if self.received_at is not None:
            values[_RECEIVED_AT] = self.received_at(values[_RECEIVED_AT])
        if self.entry_order is None:
            return dict(zip(_ENTRY_FIELDS, values, strict=True))
        if self.entry_order == _IN_ORDER:
            return tuple(values)
        return tuple([values[i] for i in self.entry_order])

    def body_row(self, digest: str, body: str, last_entry: int) -> Any:
        row = {"digest": digest, "body": body, "last_entry": last_entry}
        return tuple(row[name] for name in self.body_order) if self.body_order else row


_IN_ORDER = tuple(range(len(_ENTRY_FIELDS)))


@functools.cache
def _statements_for(dialect: Dialect) -> _Statements:
    entries = insert(JournalEntry).values({name: bindparam(name) for name in _ENTRY_FIELDS})
    upsert = (sqlite_insert if dialect.name == "sqlite" else postgresql_insert)(JournalBody)
    upsert = upsert.values({name: bindparam(name) for name in _BODY_FIELDS})
    # A body named again moves its tag forward (never back: replicas write concurrently).
    upsert = upsert.on_conflict_do_update(
        index_elements=[JournalBody.digest],
        set_={
            "last_entry": case(
                (upsert.excluded.last_entry > JournalBody.last_entry, upsert.excluded.last_entry),
                else_=JournalBody.last_entry,
            )
        },
    )
    compiled_entries = entries.compile(dialect=dialect)
    compiled_bodies = upsert.compile(dialect=dialect)
    return _Statements(
        insert_entries=compiled_entries.string,
        entry_order=_positions(compiled_entries.positiontup),
        received_at=JournalEntry.__table__.c.received_at.type.bind_processor(dialect),
        upsert_bodies=compiled_bodies.string,
        body_order=_order(compiled_bodies.positiontup),
    )


def _order(positions: Sequence[str] | None) -> tuple[str, ...] | None:
    return tuple(positions) if positions else None


def _positions(names: Sequence[str] | None) -> tuple[int, ...] | None:
    return tuple(_ENTRY_FIELDS.index(name) for name in names) if names else None


def list_entries(
    session: Session,
    *,
    operation: str | None,
    organization_id: str | None,
    status: int | None,
    limit: int,
    keep: int,
    fault: str | None = None,
) -> list[JournalEntry]:
    """Newest first (by when the request came: replicas commit their batches independently,
    so ids follow commit order); never more than ``keep``, however far trimming lags.
    Without the exchanged headers (``find_entry`` has them, and the bodies)."""
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    statement = (
        select(JournalEntry)
        .options(defer(JournalEntry.request_headers), defer(JournalEntry.response_headers))
        .where(JournalEntry.id > newest - keep)
    )
    if operation is not None:
        statement = statement.where(JournalEntry.operation == operation)
    if organization_id is not None:
        statement = statement.where(JournalEntry.organization_id == organization_id)
    if status is not None:
        statement = statement.where(JournalEntry.status == status)
    if fault is not None:
        statement = statement.where(JournalEntry.fault == fault)
    newest_first = statement.order_by(JournalEntry.received_at.desc(), JournalEntry.id.desc())
    return list(session.scalars(newest_first.limit(limit)))


@dataclass(frozen=True, slots=True)
class JournalExchange:
    """One entry with what it exchanged: headers as JSON objects, bodies as text."""

    entry: JournalEntry
    request_body: str | None
    response_body: str | None


def find_entry(session: Session, tracking_id: str, *, keep: int) -> JournalExchange | None:
    """The entry of one request, with what it exchanged (None once trimmed away)."""
    newest = session.scalar(select(func.max(JournalEntry.id))) or 0
    statement = select(JournalEntry).where(
        JournalEntry.tracking_id == tracking_id, JournalEntry.id > newest - keep
    )
    entry = session.scalars(statement.order_by(JournalEntry.id.desc()).limit(1)).first()
    if entry is None:
        return None
    return JournalExchange(
        entry,
        request_body=_body(session, entry.request_body_digest),
        response_body=_body(session, entry.response_body_digest),
    )


def _body(session: Session, digest: str | None) -> str | None:
    if digest is None:
        return None
    body = session.get(JournalBody, digest)
    # Written before its entry's batch commits, and dropped only after the entry: missing
    # only if the database was edited by hand.
    return None if body is None else body.body


def clear(session: Session) -> None:
    session.execute(delete(JournalEntry))
    session.execute(delete(JournalBody))
