"""The listing query: the matching stock cells walked in order, each seeked in one index.

Every filter combination of both providers' searches becomes this one walk, so a page costs
one index descent per cell it touches, however deep the page, however selective the filters
and however large the inventory: no scan, no sort of the matches, no OFFSET
(tests/unit/stock/test_page_query.py asks both planners). Statements are built once per
shape of filters and reused with bound parameters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    select,
    true,
    tuple_,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from app.byte_budget import ByteBudgetCache
from app.db.models import InventoryNumber, StockCell, StockStatus
from app.stock.query import StockPosition, StockQuery, StockSeek
from app.stock.reader import STOCK_ROW_COLUMNS


@dataclass(frozen=True, slots=True)
class _PageShape:
    """What decides the statement's text; the values travel as bound parameters."""

    postgresql: bool
    countries: bool
    types: bool
    required_mask: bool
    channels: int
    start: bool
    high: bool


def stock_page_statement(
    session: Session,
    query: StockQuery,
    *,
    start_at: StockPosition | None,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The statement behind ``find_in_stock`` and its parameters (None: nothing can match).

    Statements are built once per shape of filters and reused, so a request pays neither
    for building the expression nor for compiling it.
    """
    return _statement(session.get_bind().dialect.name, query, start_at, limit)


def compiled_page(
    dialect: Dialect, query: StockQuery, *, start_at: StockPosition | None, limit: int
) -> tuple[str, tuple[Any, ...] | dict[str, Any]] | None:
    """``stock_page_statement`` as the driver's SQL text and parameters (None: nothing can
    match): compiled once per shape of filters, lengths of its lists and dialect, so a
    request only binds its values (``app.stock.reader``)."""
    filters = _filters_of(dialect, query)
    if filters is None:
        return None
    values = {**filters.values, "limit": limit}
    if start_at is None:
        return filters.first.sql, filters.first.bind(values)
    values |= _start_values(start_at, filters.values["low"])
    return filters.later.sql, filters.later.bind(values)


@dataclass(frozen=True, slots=True)
class _Filters:
    """A query's filters as its pages' statements take them: compiled for the first page and
    for a page that starts at a token, and the values they bind besides the page's own."""

    first: _CompiledPage
    later: _CompiledPage
    values: dict[str, Any]


def _filters_of(dialect: Dialect, query: StockQuery) -> _Filters | None:
    """``_Filters`` of ``query``, worked out once while it is asked (a walk asks it on every
    page, a client with several page sizes once per size); None: nothing can match."""
    key = (dialect, query)
    found = _FILTERS.get(key)
    if found is None:
        found = _work_out_filters(dialect, query)
        # The query's fields, the two compiled pages' slots (shared with every query of
        # the same shape) and the values: about a KB with the entry's own objects.
        _FILTERS.put(key, found, _FILTERS_ENTRY_BYTES)
    return None if found is _NOTHING else found  # type: ignore[return-value]


def _work_out_filters(dialect: Dialect, query: StockQuery) -> _Filters | object:
    pages = []
    for start_at in (None, _ANY_START):
        page = _statement(dialect.name, query, start_at, limit=1)
        if page is None:
            return _NOTHING
        statement, values = page
        # The names the statement binds, each with its list's length (None: one value).
        names = tuple(
            sorted((k, len(v) if isinstance(v, tuple) else None) for k, v in values.items())
        )
        pages.append(_compiled(dialect, statement, names))
    first, later = pages
    return _Filters(first=first, later=later, values=_filter_parameters(query.seek()))


def _start_values(start_at: StockPosition, low: str) -> dict[str, Any]:
    return {
        "start_country": start_at.country_code,
        "start_type": start_at.number_type,
        "start_mask": start_at.capability_mask,
        "start_national": max(start_at.national_number, low),
    }


_NOTHING = object()
_ANY_START = StockPosition("", "", 0, "")  # compiles the statement of a later page
# The filters of the queries asked last: 1 MiB (some thousand queries). A page walk and a
# client asking the same filters at several page sizes then build nothing per request.
_FILTERS: ByteBudgetCache[tuple[Dialect, StockQuery], _Filters | object] = ByteBudgetCache(
    1024 * 1024
)
_FILTERS_ENTRY_BYTES = 1024


@dataclass(frozen=True, slots=True)
class _Slot:
    """One parameter of the driver's SQL: a value of the statement's (at ``index`` of an
    expanded list), or a constant SQLAlchemy put there."""

    name: str | None
    index: int | None = None
    constant: Any = None

    def value(self, values: dict[str, Any]) -> Any:
        if self.name is None:
            return self.constant
        value = values[self.name]
        return value if self.index is None else value[self.index]


@dataclass(frozen=True, slots=True)
class _CompiledPage:
    sql: str
    positional: tuple[_Slot, ...] | None
    named: tuple[tuple[str, _Slot], ...]

    def bind(self, values: dict[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        if self.positional is not None:
            return tuple(slot.value(values) for slot in self.positional)
        return {name: slot.value(values) for name, slot in self.named}


@lru_cache(maxsize=1024)  # shapes x list lengths x dialects: a few hundred, of a few KB each
def _compiled(
    dialect: Dialect, statement: Select[Any], names: tuple[tuple[str, int | None], ...]
) -> _CompiledPage:
    # Each value is a slot naming itself: compiled and expanded, the statement says which
    # parameter of the driver's SQL takes which value.
    markers = {
        name: _Slot(name) if n is None else tuple(_Slot(name, i) for i in range(n))
        for name, n in names
    }
    compiled = statement.compile(dialect=dialect)
    expanded = compiled.construct_expanded_state(markers)

    def slot(value: Any) -> _Slot:
        return value if isinstance(value, _Slot) else _Slot(None, constant=value)

    if compiled.positional:
        positional = tuple(slot(v) for v in expanded.positional_parameters)
        return _CompiledPage(expanded.statement, positional, ())
    named = tuple((name, slot(v)) for name, v in expanded.parameters.items())
    return _CompiledPage(expanded.statement, None, named)


def _statement(
    dialect_name: str, query: StockQuery, start_at: StockPosition | None, limit: int
) -> tuple[Select[Any], dict[str, Any]] | None:
    seek = query.seek()
    if seek.country_codes == ():
        return None
    shape = _shape(dialect_name, seek, start=start_at is not None)
    parameters = _filter_parameters(seek) | {"limit": limit}
    if start_at is not None:
        parameters |= _start_values(start_at, parameters["low"])
    statement, names = _page_statement(shape)
    return statement, {name: value for name, value in parameters.items() if name in names}


def matching_ids_statement(
    session: Session, query: StockQuery
) -> tuple[Select[Any], dict[str, Any]] | None:
    """The ids of every number in stock that ``query`` matches, for a bulk change (a
    scenario's soldOut): the listing's filters, on the inventory itself, unordered."""
    seek = query.seek()
    if seek.country_codes == ():
        return None
    shape = _shape(session.get_bind().dialect.name, seek, start=False)
    conditions = [
        # A literal: the UPDATE around this subquery binds its own "status".
        InventoryNumber.status == StockStatus.IN_STOCK.value,
        InventoryNumber.national_number >= bindparam("low", type_=String()),
        *_filter_conditions(InventoryNumber, shape),
    ]
    if shape.high:
        conditions.append(InventoryNumber.national_number < bindparam("high", type_=String()))
    statement = select(InventoryNumber.id).where(*conditions)
    names = {bound.key for bound in statement.compile().binds.values()}
    parameters = _filter_parameters(seek)
    return statement, {name: value for name, value in parameters.items() if name in names}


def _shape(dialect_name: str, seek: StockSeek, *, start: bool) -> _PageShape:
    return _PageShape(
        postgresql=dialect_name == "postgresql",
        countries=seek.country_codes is not None,
        types=seek.types is not None,
        required_mask=bool(seek.required_mask),
        channels=len(seek.channel_masks),
        start=start,
        high=seek.national_range()[1] is not None,
    )


def _filter_parameters(seek: StockSeek) -> dict[str, Any]:
    """The bound values of ``_filter_conditions`` and the national-number range."""
    low, high = seek.national_range()
    return {
        "status": StockStatus.IN_STOCK.value,
        "low": low,
        "high": high,
        "countries": seek.country_codes,
        "types": seek.types,
        "required_mask": seek.required_mask,
        **{f"channel_{index}": mask for index, mask in enumerate(seek.channel_masks)},
    }


def _filter_conditions(
    columns: type[StockCell] | type[InventoryNumber], shape: _PageShape
) -> list[ColumnElement[bool]]:
    """The one place the filters become SQL: conditions on the country, type and capability
    set of ``columns`` (the stock cells for a listing, the inventory for a bulk change)."""
    conditions: list[ColumnElement[bool]] = []
    if shape.countries:
        conditions.append(columns.country_code.in_(bindparam("countries", expanding=True)))
    if shape.types:
        # `|| ''` hides the column from SQLite's constant propagation: with one type it
        # would otherwise sort each cell's numbers instead of reading them in index order.
        conditions.append((columns.number_type + "").in_(bindparam("types", expanding=True)))
    mask = columns.capability_mask
    if shape.required_mask:
        required = bindparam("required_mask", type_=Integer())
        conditions.append(mask.op("&")(required) == required)
    conditions.extend(
        mask.op("&")(bindparam(f"channel_{index}", type_=Integer())) != 0
        for index in range(shape.channels)
    )
    return conditions


@lru_cache(maxsize=512)
def _page_statement(shape: _PageShape) -> tuple[Select[Any], frozenset[str]]:
    statement = _build_page_statement(shape)
    return statement, frozenset(bound.key for bound in statement.compile().binds.values())


def _build_page_statement(shape: _PageShape) -> Select[Any]:
    cells = _cell_conditions(shape)
    lower_bound: ColumnElement[str] = bindparam("low", type_=String())
    if shape.start:
        # Keyset pagination: in the cell of the next item, start at it; later cells from
        # their beginning (or the prefix's).
        lower_bound = case(
            (
                and_(
                    StockCell.country_code == bindparam("start_country", type_=String()),
                    StockCell.number_type == bindparam("start_type", type_=String()),
                    StockCell.capability_mask == bindparam("start_mask", type_=Integer()),
                ),
                bindparam("start_national", type_=String()),
            ),
            else_=bindparam("low", type_=String()),
        )
    in_cell = [
        InventoryNumber.status == bindparam("status", type_=String()),
        InventoryNumber.country_code == StockCell.country_code,
        InventoryNumber.number_type == StockCell.number_type,
        InventoryNumber.capability_mask == StockCell.capability_mask,
        InventoryNumber.national_number >= lower_bound,
    ]
    if shape.high:
        in_cell.append(InventoryNumber.national_number < bindparam("high", type_=String()))
    cell_order = (StockCell.country_code, StockCell.number_type, StockCell.capability_mask)
    limit = bindparam("limit", type_=Integer())
    if shape.postgresql:
        # PostgreSQL cannot see that a nested loop keeps the inner index's order; a LATERAL
        # page per cell bounds the sort to (cells touched) x limit rows, and the cells'
        # primary-key order lets an incremental sort stop at the first full page.
        per_cell = (
            select(InventoryNumber)
            .where(*in_cell)
            .order_by(InventoryNumber.national_number)
            .limit(limit)
            .lateral("cell_page")
        )
        return (
            select(*(per_cell.c[name] for name in STOCK_ROW_COLUMNS))
            .select_from(StockCell)
            .join(per_cell, true())
            .where(*cells)
            .order_by(*cell_order, per_cell.c.national_number)
            .limit(limit)
        )
    # SQLite walks the cells by primary key and each cell by the index, so the ORDER BY
    # needs no sorter; CROSS JOIN keeps it from putting the inventory in the outer loop.
    walk = _CrossJoin(StockCell.__table__, InventoryNumber.__table__, and_(*in_cell))
    return (
        select(*(InventoryNumber.__table__.c[name] for name in STOCK_ROW_COLUMNS))
        .select_from(walk)
        .where(*cells)
        .order_by(*cell_order, InventoryNumber.national_number)
        .limit(limit)
    )


class _CrossJoin(Join):
    """An inner join that SQLite must run in the written order (its CROSS JOIN)."""

    inherit_cache = True


@compiles(_CrossJoin, "sqlite")
def _compile_cross_join(join: _CrossJoin, compiler: SQLCompiler, **kw: Any) -> str:
    kw["asfrom"] = True
    left = compiler.process(join.left, **kw)
    right = compiler.process(join.right, **kw)
    assert join.onclause is not None  # _CrossJoin is only built with one
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def _cell_conditions(shape: _PageShape) -> list[ColumnElement[bool]]:
    """Conditions on the stock cells the filters accept, from the next item's cell on."""
    conditions = _filter_conditions(StockCell, shape)
    if shape.start:
        conditions.append(
            tuple_(StockCell.country_code, StockCell.number_type, StockCell.capability_mask)
            >= tuple_(
                bindparam("start_country", type_=String()),
                bindparam("start_type", type_=String()),
                bindparam("start_mask", type_=Integer()),
            )
        )
    return conditions
