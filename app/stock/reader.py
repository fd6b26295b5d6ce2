"""Reading stock pages straight on a DB-API connection: ``StockReader`` and ``StockRow``.

Why: a listing's query costs ~40 µs in SQLite itself, and SQLAlchemy's execution of it
(parameter processing, expanding IN lists, result processing) cost twice that again on every
request (Speed II's profile). The statement is still built by SQLAlchemy, once per shape of
filters (``app.stock.page_query``), and compiled once per dialect to the driver's own SQL
text; a request only binds its values and runs it, on whatever connection the read path
gives it: a worker's session, or the event loop's own SQLite connection (``app.reads``).
On PostgreSQL the same text on the same pooled connection is what psycopg prepares
server-side after a few executions.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


class StockRow(NamedTuple):
    """A number as a listing reads it (``app.stock.numbers.StockNumber``): the columns the
    views need, which the listing's statement selects in this order (``STOCK_ROW_COLUMNS``).
    The id is as the driver gives it (32 hex digits on SQLite) until asked for as a uuid."""

    raw_id: str | uuid.UUID
    country_code: str
    number_string: str
    national_number: str
    number_type: str
    locality: str | None
    administrative_area: str | None
    capability_mask: int
    currency_code: str
    monthly_amount: int
    price_exponent: int

    @property
    def id(self) -> uuid.UUID:
        raw = self.raw_id
        return raw if isinstance(raw, uuid.UUID) else uuid.UUID(raw)


# The inventory's columns behind each field of StockRow.
STOCK_ROW_COLUMNS = ("id", *StockRow._fields[1:])


class StockReader:
    """Runs compiled listing statements on one DB-API connection of ``dialect``."""

    __slots__ = ("_connection", "dialect")

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._connection = connection
        self.dialect = dialect

    @classmethod
    def of(cls, session: Session) -> StockReader:
        """The reader of ``session``'s connection, inside its transaction."""
        connection = session.connection()
        return cls(connection.connection.driver_connection, connection.dialect)

    def rows(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> list[StockRow]:
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return list(map(StockRow._make, cursor.fetchall()))
        finally:
            cursor.close()
