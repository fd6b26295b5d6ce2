"""Every query of the inventory lives here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
    delete,
    func,
    insert,
    select,
    true,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.selectable import Join

from app.db import changed_rows
from app.inventory.records import GeneratedNumber
from app.inventory.seed_producer import SEED_ROW_FIELDS, SeedBatch, seed_row
from app.models import Base, InventoryNumber, NumberOrigin, StockCell, StockStatus
from app.stock_query import StockPosition, StockQuery


def position_of(number: InventoryNumber) -> StockPosition:
    """Where ``number`` sits in the listing order."""
    return StockPosition(
        number.country_code, number.number_type, number.capability_mask, number.national_number
    )


def find_in_stock(
    session: Session,
    query: StockQuery,
    *,
    start_at: StockPosition | None,
    limit: int,
) -> list[InventoryNumber]:
    """Numbers in stock matching ``query``, from ``start_at`` on, in the listing order.

    The walk goes through the matching stock cells in order and seeks each in the index
    (status, country, type, capability set, national number): no scan, no sort of the
    matches, no OFFSET. A page costs one index descent per cell it touches, however deep
    the page and however large the inventory; filters that no cell satisfies cost nothing.
    """
    page = stock_page_statement(session, query, start_at=start_at, limit=limit)
    if page is None:
        return []
    statement, parameters = page
    return list(session.scalars(statement, parameters))


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
    seek = query.seek()
    if seek.country_codes == ():
        return None
    low, high = seek.national_range()
    shape = _PageShape(
        postgresql=_is_postgresql(session),
        countries=seek.country_codes is not None,
        types=seek.types is not None,
        required_mask=bool(seek.required_mask),
        channels=len(seek.channel_masks),
        start=start_at is not None,
        high=high is not None,
    )
    parameters: dict[str, Any] = {
        "status": StockStatus.IN_STOCK.value,
        "low": low,
        "high": high,
        "limit": limit,
        "countries": seek.country_codes,
        "types": seek.types,
        "required_mask": seek.required_mask,
        **{f"channel_{index}": mask for index, mask in enumerate(seek.channel_masks)},
    }
    if start_at is not None:
        parameters |= {
            "start_country": start_at.country_code,
            "start_type": start_at.number_type,
            "start_mask": start_at.capability_mask,
            "start_national": max(start_at.national_number, low),
        }
    statement, names = _page_statement(shape)
    return statement, {name: value for name, value in parameters.items() if name in names}


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
        number = aliased(InventoryNumber, per_cell)
        return (
            select(number)
            .select_from(StockCell)
            .join(per_cell, true())
            .where(*cells)
            .order_by(*cell_order, number.national_number)
            .limit(limit)
        )
    # SQLite walks the cells by primary key and each cell by the index, so the ORDER BY
    # needs no sorter; CROSS JOIN keeps it from putting the inventory in the outer loop.
    walk = _CrossJoin(StockCell.__table__, InventoryNumber.__table__, and_(*in_cell))
    return (
        select(InventoryNumber)
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
    """Conditions on the stock cells whose country, type and capability set the filters accept."""
    conditions: list[ColumnElement[bool]] = []
    if shape.countries:
        conditions.append(StockCell.country_code.in_(bindparam("countries", expanding=True)))
    if shape.types:
        # `|| ''` hides the column from SQLite's constant propagation: with one type it
        # would otherwise sort each cell's numbers instead of reading them in index order.
        conditions.append((StockCell.number_type + "").in_(bindparam("types", expanding=True)))
    mask = StockCell.capability_mask
    if shape.required_mask:
        required = bindparam("required_mask", type_=Integer())
        conditions.append(mask.op("&")(required) == required)
    conditions.extend(
        mask.op("&")(bindparam(f"channel_{index}", type_=Integer())) != 0
        for index in range(shape.channels)
    )
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


def _conditions(query: StockQuery) -> list[ColumnElement[bool]]:
    """The filters as plain conditions on the inventory (for bulk changes, not listings)."""
    seek = query.seek()
    conditions: list[ColumnElement[bool]] = []
    if seek.country_codes is not None:
        conditions.append(InventoryNumber.country_code.in_(seek.country_codes))
    low, high = seek.national_range()
    if low:
        conditions.append(InventoryNumber.national_number >= low)
    if high is not None:
        conditions.append(InventoryNumber.national_number < high)
    if seek.types is not None:
        conditions.append(InventoryNumber.number_type.in_(seek.types))
    mask = InventoryNumber.capability_mask
    if seek.required_mask:
        conditions.append(mask.op("&")(seek.required_mask) == seek.required_mask)
    conditions.extend(mask.op("&")(channel) != 0 for channel in seek.channel_masks)
    return conditions


def count_in_stock(session: Session) -> int:
    statement = select(func.count()).where(InventoryNumber.status == StockStatus.IN_STOCK.value)
    return session.scalar(statement) or 0


def count_numbers(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(InventoryNumber)) or 0


def count_countries_in_stock(session: Session) -> int:
    statement = select(func.count(func.distinct(InventoryNumber.country_code))).where(
        InventoryNumber.status == StockStatus.IN_STOCK.value
    )
    return session.scalar(statement) or 0


# An arbitrary constant that names "the inventory is being seeded" among advisory locks.
_SEED_LOCK_ID = 7_402_815_361


def lock_inventory_for_seeding(session: Session) -> None:
    """Serialise seeders on PostgreSQL until the transaction ends (replicas starting at once).

    SQLite needs nothing: its single writer lock already serialises them.
    """
    if _is_postgresql(session):
        session.execute(select(func.pg_advisory_xact_lock(_SEED_LOCK_ID)))


def refresh_planner_statistics(session: Session) -> None:
    """After a bulk load, so the planner knows the inventory is large and the cells few."""
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA analysis_limit = 1000")  # samples: milliseconds
        connection.exec_driver_sql("ANALYZE")
    else:
        connection.exec_driver_sql("ANALYZE inventory_numbers, stock_cells")


def delete_all_numbers(session: Session) -> None:
    session.execute(delete(InventoryNumber))


@contextmanager
def indexes_built_afterwards(session: Session) -> Iterator[None]:
    """Load an empty inventory without its secondary indexes, then build them in one pass.

    Sorting a million keys once is several times faster than a million B-tree insertions.
    Both steps are inside the seed's transaction, so an interrupted seed leaves the indexes
    (and the previous inventory) as they were.
    """
    connection = session.connection()
    table = Base.metadata.tables[InventoryNumber.__tablename__]
    indexes = sorted(table.indexes, key=lambda index: str(index.name))
    if connection.dialect.name == "sqlite":
        # A bigger page cache for the load: the unique keys still go in one by one.
        connection.exec_driver_sql("PRAGMA cache_size = -262144")  # KiB: 256 MiB at most
    for index in indexes:
        index.drop(connection)
    yield
    for index in indexes:
        index.create(connection)
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size = -2000")  # SQLite's default


def insert_numbers(
    session: Session,
    numbers: Iterable[GeneratedNumber],
    *,
    origin: NumberOrigin = NumberOrigin.CONTROL,
) -> int:
    """Insert numbers added at run time; returns how many.

    A concurrent insert of the same number fails here as SQLAlchemy's IntegrityError, which
    the API answers with 409.
    """
    batch = list(numbers)
    if batch:
        rows = [
            dict(zip(_INSERT_COLUMNS, _values(number, origin), strict=True)) for number in batch
        ]
        session.execute(insert(InventoryNumber), rows)
        _add_cells_of(session, batch)
    return len(batch)


def bulk_insert_seed_batch(session: Session, batch: SeedBatch) -> int:
    """Insert a batch of the seed, in the session's transaction; returns how many.

    The seed's hot loop (a million rows), so it bypasses the ORM and SQLAlchemy's per-row
    parameter processing: PostgreSQL gets ``COPY``, SQLite one prepared statement run with
    ``executemany``. Only for an inventory the seeder holds locked: driver errors are not
    translated.
    """
    if not batch.rows:
        return 0
    driver = session.connection().connection.driver_connection
    columns = ", ".join((*SEED_ROW_FIELDS, "status", "origin"))
    constants = (StockStatus.IN_STOCK.value, NumberOrigin.SEED.value)
    if _is_postgresql(session):
        with (
            driver.cursor() as cursor,  # type: ignore[union-attr]
            cursor.copy(f"COPY inventory_numbers ({columns}) FROM STDIN") as copy,
        ):
            for row in batch.rows:
                copy.write_row((*row, *constants))
    else:
        placeholders = ", ".join("?" * len(SEED_ROW_FIELDS))
        driver.executemany(  # type: ignore[union-attr]
            f"INSERT INTO inventory_numbers ({columns}) "
            f"VALUES ({placeholders}, '{constants[0]}', '{constants[1]}')",
            batch.rows,
        )
    add_stock_cells(session, batch.cells)
    return len(batch.rows)


def _add_cells_of(session: Session, numbers: list[GeneratedNumber]) -> None:
    add_stock_cells(
        session,
        {(n.country_code, n.number_type.value, n.capabilities.mask) for n in numbers},
    )


def add_stock_cells(session: Session, cells: Iterable[tuple[str, str, int]]) -> None:
    """Record the (country, type, capability set) cells of new numbers; known ones stay."""
    known = {
        (country, kind, mask)
        for country, kind, mask in session.execute(
            select(StockCell.country_code, StockCell.number_type, StockCell.capability_mask)
        )
    }
    fresh = [
        {"country_code": country, "number_type": kind, "capability_mask": mask}
        for country, kind, mask in sorted(set(cells) - known)
    ]
    if fresh:
        # Another writer may add the same cell at the same moment: that is not a conflict.
        dialect_insert = postgresql_insert if _is_postgresql(session) else sqlite_insert
        session.execute(dialect_insert(StockCell).on_conflict_do_nothing(), fresh)


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def find_number(session: Session, number_string: str) -> InventoryNumber | None:
    """A number of the inventory, unless it was removed."""
    statement = select(InventoryNumber).where(
        InventoryNumber.number_string == number_string,
        InventoryNumber.status != StockStatus.REMOVED.value,
    )
    return session.scalar(statement)


def find_any_number(session: Session, number_string: str) -> InventoryNumber | None:
    """A number whatever its status, removed ones included."""
    return session.scalar(
        select(InventoryNumber).where(InventoryNumber.number_string == number_string)
    )


def existing_number_strings(session: Session, candidates: Iterable[str]) -> set[str]:
    """Which of ``candidates`` the inventory holds already, whatever their status."""
    found: set[str] = set()
    for chunk in _chunks(list(candidates)):
        statement = select(InventoryNumber.number_string).where(
            InventoryNumber.number_string.in_(chunk)
        )
        found.update(session.scalars(statement))
    return found


def find_numbers(session: Session, number_strings: Iterable[str]) -> list[InventoryNumber]:
    """The numbers of the inventory among ``number_strings``, in no particular order."""
    found: list[InventoryNumber] = []
    for chunk in _chunks(list(number_strings)):
        statement = select(InventoryNumber).where(InventoryNumber.number_string.in_(chunk))
        found += session.scalars(statement)
    return found


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    """Keep each IN list small, whatever the backend's limit on bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def purchase_number(session: Session, number_string: str, organization_id: str) -> bool:
    """Take a number out of stock; False when it was not in stock.

    One conditional UPDATE, so of two concurrent buyers exactly one matches the row.
    """
    result = session.execute(
        update(InventoryNumber)
        .where(
            InventoryNumber.number_string == number_string,
            InventoryNumber.status == StockStatus.IN_STOCK.value,
        )
        .values(status=StockStatus.SOLD.value, purchased_by=organization_id)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result) == 1


def sell_matching(session: Session, query: StockQuery, organization_id: str) -> int:
    """Sell every number in stock that matches ``query``; returns how many."""
    ids = select(InventoryNumber.id).where(
        InventoryNumber.status == StockStatus.IN_STOCK.value, *_conditions(query)
    )
    result = session.execute(
        update(InventoryNumber)
        .where(InventoryNumber.id.in_(ids))
        .values(status=StockStatus.SOLD.value, purchased_by=organization_id)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result)


def release_number(session: Session, number_string: str) -> bool:
    """Put a sold or reserved number back into stock; False when it was not out of stock."""
    result = session.execute(
        update(InventoryNumber)
        .where(
            InventoryNumber.number_string == number_string,
            InventoryNumber.status.in_([StockStatus.SOLD.value, StockStatus.RESERVED.value]),
        )
        .values(status=StockStatus.IN_STOCK.value, purchased_by=None)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result) == 1


def remove_number(session: Session, number: InventoryNumber) -> None:
    """Seeded numbers are only marked removed, so a reset brings them back."""
    if number.origin == NumberOrigin.SEED.value:
        number.status = StockStatus.REMOVED.value
        number.purchased_by = None
    else:
        session.delete(number)


def revive_removed_number(session: Session, number: InventoryNumber) -> None:
    number.status = StockStatus.IN_STOCK.value
    number.purchased_by = None


def restore_seeded_inventory(session: Session) -> None:
    """Back to the seed: numbers added at run time go, seeded ones return to stock."""
    session.execute(
        delete(InventoryNumber).where(InventoryNumber.origin == NumberOrigin.CONTROL.value)
    )
    session.execute(
        update(InventoryNumber)
        .where(
            InventoryNumber.origin == NumberOrigin.SEED.value,
            InventoryNumber.status != StockStatus.IN_STOCK.value,
        )
        .values(status=StockStatus.IN_STOCK.value, purchased_by=None)
        .execution_options(synchronize_session=False)
    )


def count_added_numbers(session: Session) -> int:
    statement = select(func.count()).where(InventoryNumber.origin == NumberOrigin.CONTROL.value)
    return session.scalar(statement) or 0


_INSERT_COLUMNS = (*SEED_ROW_FIELDS, "status", "origin")


def _values(number: GeneratedNumber, origin: NumberOrigin) -> tuple[Any, ...]:
    """One row in the order of ``_INSERT_COLUMNS`` (the id as a UUID, for SQLAlchemy's type)."""
    _hex_id, *fields = seed_row(number)
    return (number.id, *fields, StockStatus.IN_STOCK.value, origin.value)
