"""Every query of the inventory lives here."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import (
    ColumnElement,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.engine import changed_rows
from app.db.models import Base, InventoryNumber, NumberOrigin, StockCell, StockStatus
from app.generator.records import GeneratedNumber
from app.stock import page_query
from app.stock.query import StockPosition, StockQuery
from app.stock.reader import StockNumber, StockReader, StockRow
from app.stock.seed_producer import SEED_ROW_FIELDS, SeedBatch, seed_row


def position_of(number: StockNumber) -> StockPosition:
    """Where ``number`` sits in the listing order."""
    return StockPosition(
        number.country_code, number.number_type, number.capability_mask, number.national_number
    )


def find_in_stock(
    source: Session | StockReader,
    query: StockQuery,
    *,
    start_at: StockPosition | None,
    limit: int,
) -> list[StockRow]:
    """Numbers in stock matching ``query``, from ``start_at`` on, in the listing order, as
    rows (see ``app.stock.reader.StockNumber``), read on a session's connection or a reader's.

    One walk of index seeks whatever the filters: see ``app.stock.page_query``; run as the
    driver's own SQL text (``app.stock.reader``).
    """
    reader = source if isinstance(source, StockReader) else StockReader.of(source)
    page = page_query.compiled_page(reader.dialect, query, start_at=start_at, limit=limit)
    if page is None:
        return []
    sql, parameters = page
    return reader.rows(sql, parameters)


def count_in_stock(session: Session) -> int:
    statement = select(func.count()).where(InventoryNumber.status == StockStatus.IN_STOCK.value)
    return session.scalar(statement) or 0


def count_in_stock_by_country_and_type(session: Session) -> list[tuple[str, str, int]]:
    """(country, type, numbers in stock), by country then type: one pass over the index."""
    statement = (
        select(InventoryNumber.country_code, InventoryNumber.number_type, func.count())
        .where(InventoryNumber.status == StockStatus.IN_STOCK.value)
        .group_by(InventoryNumber.country_code, InventoryNumber.number_type)
        .order_by(InventoryNumber.country_code, InventoryNumber.number_type)
    )
    return [(country, kind, count) for country, kind, count in session.execute(statement)]


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


def find_numbers_by_id(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InventoryNumber]:
    """The inventory's numbers with these ids, in stock or not."""
    statement = select(InventoryNumber).where(InventoryNumber.id.in_(list(ids)))
    return {number.id: number for number in session.scalars(statement)}


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
    """Take a number out of stock; False when it was not in stock."""
    return _sell_if_in_stock(
        session, InventoryNumber.number_string == number_string, organization_id
    )


def purchase_number_by_id(session: Session, number_id: uuid.UUID, organization_id: str) -> bool:
    """Take a stock item (a number by its id) out of stock; False when it was not in stock."""
    return _sell_if_in_stock(session, InventoryNumber.id == number_id, organization_id)


def _sell_if_in_stock(session: Session, which: ColumnElement[bool], organization_id: str) -> bool:
    """One conditional UPDATE, so of two concurrent buyers exactly one matches the row."""
    result = session.execute(
        update(InventoryNumber)
        .where(which, InventoryNumber.status == StockStatus.IN_STOCK.value)
        .values(status=StockStatus.SOLD.value, purchased_by=organization_id)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result) == 1


def sell_matching(session: Session, query: StockQuery, organization_id: str) -> int:
    """Sell every number in stock that matches ``query``; returns how many."""
    matching = page_query.matching_ids_statement(session, query)
    if matching is None:
        return 0
    ids, parameters = matching
    result = session.execute(
        update(InventoryNumber)
        .where(InventoryNumber.id.in_(ids))
        .values(status=StockStatus.SOLD.value, purchased_by=organization_id)
        .execution_options(synchronize_session=False),
        parameters,
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


def revive_removed_number(number: InventoryNumber) -> None:
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
