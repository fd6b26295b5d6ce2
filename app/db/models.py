"""The database tables, as SQLAlchemy 2.0 typed models."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from app.generator.records import NumberType

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
    # Released by its owner and held for it (Pingram's 14-day hold): out of stock, and only
    # its last owner may order it again until the hold ends.
    RESERVED = "reserved"
    SOLD = "sold"
    # Deleted through the control API. Seeded numbers are only marked, so a reset can
    # restore the seed with two statements instead of regenerating it.
    REMOVED = "removed"


class NumberOrigin(StrEnum):
    SEED = "seed"
    CONTROL = "control"  # added through the control API or a scenario; a reset deletes it


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
    # The seven booleans above as one bit set (app.generator.records.CAPABILITY_BITS).
    capability_mask: Mapped[int]
    currency_code: Mapped[str] = mapped_column(String(3))
    monthly_amount: Mapped[int]
    price_exponent: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=StockStatus.IN_STOCK.value)
    origin: Mapped[str] = mapped_column(String(16), default=NumberOrigin.SEED.value)
    purchased_by: Mapped[str | None] = mapped_column(String(256))

    __table_args__ = (
        # The listing order within each stock cell (country, type, capability set), so
        # every filter combination is a seek per matching cell: see repository.find_in_stock.
        Index(
            "ix_inventory_numbers_stock_cell_order",
            "status",
            "country_code",
            "number_type",
            "capability_mask",
            "national_number",
        ),
        # What a reset touches: numbers added at run time, and seeded numbers out of stock.
        Index("ix_inventory_numbers_origin_status", "origin", "status"),
        CheckConstraint(_one_of("number_type", [t.value for t in NumberType]), name="number_type"),
        CheckConstraint(_one_of("status", [s.value for s in StockStatus]), name="status"),
        CheckConstraint(_one_of("origin", [o.value for o in NumberOrigin]), name="origin"),
    )


class StockCell(Base):
    """A (country, type, capability set) that numbers of the inventory have, or had.

    The searches walk these cells in order and seek each one in the inventory's index, so a
    page costs a few index lookups whatever the filters, the depth or the inventory's size.
    Cells are only ever added: one that emptied costs a single lookup.
    """

    __tablename__ = "stock_cells"

    country_code: Mapped[str] = mapped_column(String(2), primary_key=True)
    number_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    capability_mask: Mapped[int] = mapped_column(primary_key=True)


class Fault(Base):
    """A scripted failure or delay of the provider operations (the control API's faults)."""

    __tablename__ = "faults"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operation: Mapped[str] = mapped_column(String(32))  # an operationId, or "*"
    organization_id: Mapped[str | None] = mapped_column(String(256))
    status: Mapped[int | None]  # None: a delay only, then a normal answer
    code: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(String(1000))
    fix: Mapped[str | None] = mapped_column(String(1000))
    provider: Mapped[str | None] = mapped_column(String(64))
    provider_code: Mapped[str | None] = mapped_column(String(64))
    delay_ms: Mapped[int | None]
    times_remaining: Mapped[int | None]  # None: until deleted
    probability: Mapped[float | None]
    draws: Mapped[int] = mapped_column(default=0)  # requests it was tried on
    # A transport fault (app.scripting.script.TRANSPORT_FAULTS): no status, no body; then
    # how long a hang lasts before the server closes the connection.
    fault: Mapped[str | None] = mapped_column(String(32))
    hang_ms: Mapped[int | None]
    # A delay drawn per request (instead of delay_ms): "uniform" between the lower and upper
    # bounds, or "lognormal" around the median with sigma.
    delay_distribution: Mapped[str | None] = mapped_column(String(16))
    delay_lower_ms: Mapped[int | None]
    delay_upper_ms: Mapped[int | None]
    delay_median_ms: Mapped[float | None]
    delay_sigma: Mapped[float | None]
    # The answer's body sent in this many chunks spread over this many milliseconds.
    dribble_chunks: Mapped[int | None]
    dribble_total_ms: Mapped[int | None]
    fired: Mapped[int] = mapped_column(default=0)


class RateLimit(Base):
    """At most ``limit`` requests per window, counted per organization."""

    __tablename__ = "rate_limits"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    operation: Mapped[str] = mapped_column(String(32))
    organization_id: Mapped[str | None] = mapped_column(String(256))
    limit: Mapped[int]
    window_seconds: Mapped[int]


class RateLimitCounter(Base):
    """Requests counted in one fixed window of one limit, for one caller."""

    __tablename__ = "rate_limit_counters"

    rate_limit_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("rate_limits.id", ondelete="CASCADE"), primary_key=True
    )
    caller: Mapped[str] = mapped_column(String(256), primary_key=True)
    window_start: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    count: Mapped[int]


class JournalEntry(Base):
    """One provider request, as the control API's journal shows it (never its token)."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tracking_id: Mapped[str] = mapped_column(String(36))
    operation: Mapped[str] = mapped_column(String(32))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(2048))
    query: Mapped[str] = mapped_column(Text)
    status: Mapped[int | None]  # None: no status line was sent (a transport fault)
    fault: Mapped[str | None] = mapped_column(String(32))  # the transport fault it met
    duration_ms: Mapped[float]
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    organization_id: Mapped[str | None] = mapped_column(String(256))
    sub: Mapped[str | None] = mapped_column(String(256))
    # What the console shows of one request: headers as JSON objects (never Authorization or
    # Cookie), and its bodies (JournalBody.digest; None when empty).
    request_headers: Mapped[str | None] = mapped_column(Text)
    request_body_digest: Mapped[str | None] = mapped_column(String(32))
    response_headers: Mapped[str | None] = mapped_column(Text)
    response_body_digest: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_journal_entries_tracking_id", "tracking_id"),)


class JournalBody(Base):
    """A body journaled requests sent or got, as text cut at app.web.journal.MAX_BODY_BYTES,
    stored once however many entries name it: a test or a demo asks the same page again and
    again (4 KB each time)."""

    __tablename__ = "journal_bodies"

    digest: Mapped[str] = mapped_column(String(32), primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    # The newest entry id of the last batch that named it: once the journal's trimming has
    # passed it, no entry names the body any more (app.journal.repository.add_entries).
    last_entry: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_journal_bodies_last_entry", "last_entry"),)


class OwnerProvider(StrEnum):
    """The provider API a number was bought through."""

    BIRD = "bird"  # a long code number of a workspace
    PINGRAM = "pingram"  # a number of an account


class OwnedNumber(Base):
    """A number bought through a provider API: who owns it, since when, and its order.

    The number itself stays in ``inventory_numbers`` (status ``sold``, or ``reserved`` while a
    released number is held for its owner), so both providers' searches drop it at once.
    """

    __tablename__ = "owned_numbers"

    number_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("inventory_numbers.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(16))
    # Bird's organization, or Pingram's account (the token's org claim, else its sub).
    owner_id: Mapped[str] = mapped_column(String(256))
    workspace_id: Mapped[str | None] = mapped_column(String(256))  # Bird only
    order_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    # The long code number's id and endpointId (Bird); stable for the number's ownership.
    long_code_number_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))  # on the mock clock
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Bird: when the subscription was cancelled, and when the number leaves the workspace
    # for the stock (the end of the period already paid); both null until a cancellation.
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deprovision_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # A workspace's or an account's numbers in the order its listing walks them.
        Index(
            "ix_owned_numbers_owner_order",
            "provider",
            "owner_id",
            "workspace_id",
            "created_at",
            "number_id",
        ),
        Index("ix_owned_numbers_released_at", "released_at"),
        Index("ix_owned_numbers_deprovision_at", "deprovision_at"),
        CheckConstraint(_one_of("provider", [p.value for p in OwnerProvider]), name="provider"),
    )


class Workspace(Base):
    """A Bird workspace, owned by the first organization that used it."""

    __tablename__ = "workspaces"

    id: Mapped[str] = mapped_column(String(256), primary_key=True)
    organization_id: Mapped[str] = mapped_column(String(256))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MockClock(Base):
    """The mock clock: real time moved by ``offset_microseconds``, or frozen at an instant
    (``frozen_at_microseconds``, since the Unix epoch). Integers, so a move is one UPDATE of
    arithmetic on every backend: concurrent moves add up.

    At most one row; none means real time. Only the number lifecycle reads it (billing
    dates, the release hold); token expiry stays on real time.
    """

    __tablename__ = "mock_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_microseconds: Mapped[int] = mapped_column(BigInteger)
    frozen_at_microseconds: Mapped[int | None] = mapped_column(BigInteger)


class StockVersion(Base):
    """A counter that changes whenever the stock may have: one row.

    On SQLite, triggers (migration 0006) add one to it in every transaction that inserts,
    updates or deletes inventory numbers or stock cells, whoever writes them (this server,
    another process on the same file, the CLI's seed), so a page of the stock answered at
    one version is still the answer while the version is unchanged (``app.stock.response_cache``).
    PostgreSQL has the table but not the triggers: its replicas never keep answers, because
    checking the version would cost the round trip that keeping them saves, and one counter
    row would serialise every replica's purchases.
    """

    __tablename__ = "stock_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
