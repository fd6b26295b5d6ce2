"""Reading stock pages straight on a DB-API connection: ``StockReader``, ``StockRow``, and
``StockNumber``, what a listing reads of a number.

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

import functools
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session


class StockNumber(Protocol):
    """What a listing reads of a number, which both a ``StockRow`` and an ``InventoryNumber``
    satisfy. Listings fetch plain rows, not ORM instances: a page of rows costs a fraction of
    a page of instances (no identity map, no instance state), and the views only read them."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def country_code(self) -> str: ...
    @property
    def number_string(self) -> str: ...
    @property
    def national_number(self) -> str: ...
    @property
    def number_type(self) -> str: ...
    @property
    def locality(self) -> str | None: ...
    @property
    def administrative_area(self) -> str | None: ...
    @property
    def capability_mask(self) -> int: ...
    @property
    def currency_code(self) -> str: ...
    @property
    def monthly_amount(self) -> int: ...
    @property
    def price_exponent(self) -> int: ...


class StockRow(NamedTuple):
    """A number as a listing reads it (a ``StockNumber``): the columns the
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


# A driver's row as a StockRow without a Python call per row (StockRow._make is one): a
# third less for a page of 13 rows (Speed II).
_stock_row: Callable[[Sequence[Any]], StockRow] = functools.partial(tuple.__new__, StockRow)

# The inventory's columns behind each field of StockRow.
STOCK_ROW_COLUMNS = ("id", *StockRow._fields[1:])


class StockReader:
    """Runs compiled listing statements on one DB-API connection of ``dialect``.

    With a ``preamble`` (PostgreSQL only), a one-value query, the first read asks it in the
    page's own statement, as one more column, and keeps its value in ``preamble_value``: the
    read path asks whether anything is scripted that way. One statement, not two pipelined:
    psycopg's client work per statement (about 100 µs) was half a PostgreSQL read's cost
    (Speed II; bench/profile.py --postgres-url).
    """

    __slots__ = ("_connection", "_preamble", "dialect", "preamble_value")

    def __init__(self, connection: Any, dialect: Dialect, *, preamble: str | None = None) -> None:
        self._connection = connection
        self._preamble = preamble
        self.dialect = dialect
        self.preamble_value: Any = None

    @classmethod
    def of(cls, session: Session) -> StockReader:
        """The reader of ``session``'s connection, inside its transaction."""
        connection = session.connection()
        return cls(connection.connection.driver_connection, connection.dialect)

    def rows(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> list[StockRow]:
        if self._preamble is not None and self.preamble_value is None:
            return self._with_preamble(sql, parameters)
        cursor = self._connection.cursor()
        try:
            cursor.execute(sql, parameters)
            return list(map(_stock_row, cursor.fetchall()))
        finally:
            cursor.close()

    def run_preamble(self) -> Any:
        """The preamble's value, asked alone if no read sent it along."""
        if self.preamble_value is None and self._preamble is not None:
            (self.preamble_value,) = self._connection.execute(self._preamble).fetchone()
        return self.preamble_value

    def _with_preamble(
        self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]
    ) -> list[StockRow]:
        # The page as a subquery, sorted again in the listing's order (a subquery's own order
        # is not promised to survive), its rows with the preamble's value as a last column
        # (computed once: it is uncorrelated). An empty page brings no value: asked alone.
        statement = (
            f"SELECT page.*, ({self._preamble}) FROM ({sql}) AS page ORDER BY {_LISTING_ORDER}"
        )
        rows = self._connection.execute(statement, parameters).fetchall()
        if rows:
            self.preamble_value = rows[0][-1]
        return [_stock_row(row[:-1]) for row in rows]


# The listing order (app.stock.query.StockPosition) in the page's own column names.
_LISTING_ORDER = "page.country_code, page.number_type, page.capability_mask, page.national_number"
