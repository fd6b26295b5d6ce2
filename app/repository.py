"""Every query of the inventory lives here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import astuple
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.orm import Session

from app.db import changed_rows
from app.inventory.records import GeneratedNumber
from app.models import InventoryNumber, NumberOrigin, StockStatus
from app.stock_query import StockQuery

_CAPABILITY_COLUMNS = {
    "voice_inbound": InventoryNumber.voice_inbound,
    "voice_outbound": InventoryNumber.voice_outbound,
    "sms_inbound": InventoryNumber.sms_inbound,
    "sms_outbound": InventoryNumber.sms_outbound,
    "mms_inbound": InventoryNumber.mms_inbound,
    "mms_outbound": InventoryNumber.mms_outbound,
    "whatsapp": InventoryNumber.whatsapp,
}
_CHANNEL_COLUMNS = {
    "voice": (InventoryNumber.voice_inbound, InventoryNumber.voice_outbound),
    "sms": (InventoryNumber.sms_inbound, InventoryNumber.sms_outbound),
    "mms": (InventoryNumber.mms_inbound, InventoryNumber.mms_outbound),
}


def sort_key(number: InventoryNumber) -> tuple[str, str]:
    """The listing order: country, then E.164 number (unique, so the order is total)."""
    return (number.country_code, number.number_string)


def find_in_stock(
    session: Session,
    query: StockQuery,
    *,
    start_at: Sequence[str] | None,
    limit: int,
) -> list[InventoryNumber]:
    """Numbers in stock matching ``query``, from ``start_at`` (a sort key) on, in order."""
    statement = (
        select(InventoryNumber)
        .where(InventoryNumber.status == StockStatus.IN_STOCK.value, *_conditions(query))
        .order_by(InventoryNumber.country_code, InventoryNumber.number_string)
        .limit(limit)
    )
    if start_at is not None:
        # Keyset pagination: start at the next item's key, however the stock changed since.
        statement = statement.where(
            tuple_(InventoryNumber.country_code, InventoryNumber.number_string) >= tuple_(*start_at)
        )
    return list(session.scalars(statement))


def _conditions(query: StockQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.country_codes:
        conditions.append(InventoryNumber.country_code.in_(query.country_codes))
    if query.national_prefix:
        conditions.append(InventoryNumber.national_number.startswith(query.national_prefix))
    if query.international_prefix:
        conditions.append(InventoryNumber.number_string.startswith(query.international_prefix))
    if query.types:
        conditions.append(InventoryNumber.number_type.in_([t.value for t in query.types]))
    conditions.extend(_CAPABILITY_COLUMNS[name].is_(True) for name in query.capabilities)
    for channel in query.channels:
        inbound, outbound = _CHANNEL_COLUMNS[channel]
        conditions.append(or_(inbound.is_(True), outbound.is_(True)))
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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(_SEED_LOCK_ID)))


def delete_all_numbers(session: Session) -> None:
    session.execute(delete(InventoryNumber))


def insert_numbers(
    session: Session,
    numbers: Iterable[GeneratedNumber],
    *,
    origin: NumberOrigin = NumberOrigin.SEED,
) -> int:
    """Insert generated numbers in one multi-row statement; returns how many."""
    rows = [{**_row(number), "origin": origin.value} for number in numbers]
    if rows:
        session.execute(insert(InventoryNumber), rows)
    return len(rows)


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


def _row(number: GeneratedNumber) -> dict[str, Any]:
    (
        voice_inbound,
        voice_outbound,
        sms_inbound,
        sms_outbound,
        mms_inbound,
        mms_outbound,
        whatsapp,
    ) = astuple(number.capabilities)
    return {
        "id": number.id,
        "country_code": number.country_code,
        "number_string": number.number_string,
        "national_number": number.national_number,
        "number_type": number.number_type.value,
        "locality": number.locality,
        "administrative_area": number.administrative_area,
        "voice_inbound": voice_inbound,
        "voice_outbound": voice_outbound,
        "sms_inbound": sms_inbound,
        "sms_outbound": sms_outbound,
        "mms_inbound": mms_inbound,
        "mms_outbound": mms_outbound,
        "whatsapp": whatsapp,
        "currency_code": number.monthly_price.currency_code,
        "monthly_amount": number.monthly_price.amount,
        "price_exponent": number.monthly_price.exponent,
        "status": StockStatus.IN_STOCK.value,
    }
