"""The database tables, as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, MetaData, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.inventory.records import NumberType

# Named constraints so Alembic can alter them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class StockStatus(StrEnum):
    """Only ``in_stock`` numbers are visible to the provider APIs."""

    IN_STOCK = "in_stock"
    RESERVED = "reserved"
    SOLD = "sold"


def _one_of(column: str, values: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class InventoryNumber(Base):
    """One phone number of the provider's inventory, in stock or not."""

    __tablename__ = "inventory_numbers"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    country_code: Mapped[str] = mapped_column(String(2))
    number_string: Mapped[str] = mapped_column(String(16), unique=True)  # E.164: + and ≤15 digits
    national_number: Mapped[str] = mapped_column(String(17))
    number_type: Mapped[str] = mapped_column(String(16))
    locality: Mapped[str | None] = mapped_column(String(128))
    administrative_area: Mapped[str | None] = mapped_column(String(16))
    voice_inbound: Mapped[bool]
    voice_outbound: Mapped[bool]
    sms_inbound: Mapped[bool]
    sms_outbound: Mapped[bool]
    mms_inbound: Mapped[bool]
    mms_outbound: Mapped[bool]
    whatsapp: Mapped[bool]
    currency_code: Mapped[str] = mapped_column(String(3))
    monthly_amount: Mapped[int]
    price_exponent: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=StockStatus.IN_STOCK.value)

    __table_args__ = (
        # The order of every listing: country, then number, among numbers in stock.
        Index("ix_inventory_numbers_stock_order", "status", "country_code", "number_string"),
        CheckConstraint(_one_of("number_type", [t.value for t in NumberType]), name="number_type"),
        CheckConstraint(_one_of("status", [s.value for s in StockStatus]), name="status"),
    )
