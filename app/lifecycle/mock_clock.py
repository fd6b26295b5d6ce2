"""The mock clock: the time the number lifecycle runs on (billing dates, the release hold).

Real time by default; tests move it forward (or set it, frozen or running) through the
control API, and every replica reads it from the database. Token expiry never uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.models import MockClock

_ROW_ID = 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# The instants the clock may show: room for any test's story, far from datetime's limits
# (year 9999), so no date computed from it overflows.
EARLIEST = _EPOCH
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


class ClockOutOfRange(ValueError):
    """A move would put the clock before EARLIEST or after LATEST."""


@dataclass(frozen=True, slots=True)
class ClockReading:
    now: datetime
    offset: timedelta  # mock time minus real time
    frozen: bool


def real_now() -> datetime:
    return datetime.now(UTC)


def read(session: Session) -> ClockReading:
    """What the clock says now."""
    row = session.execute(
        select(MockClock.offset_microseconds, MockClock.frozen_at_microseconds).where(
            MockClock.id == _ROW_ID
        )
    ).first()
    real = real_now()
    if row is None:
        return ClockReading(now=real, offset=timedelta(0), frozen=False)
    offset_microseconds, frozen_at_microseconds = row
    if frozen_at_microseconds is not None:
        frozen_at = _EPOCH + timedelta(microseconds=frozen_at_microseconds)
        return ClockReading(now=frozen_at, offset=frozen_at - real, frozen=True)
    offset = timedelta(microseconds=offset_microseconds)
    return ClockReading(now=_bounded(real + offset), offset=offset, frozen=False)


def now(session: Session) -> datetime:
    return read(session).now


def advance(session: Session, by: timedelta) -> ClockReading:
    """Move the clock forward by ``by`` (a frozen clock stays frozen, later).

    One UPDATE of arithmetic, so moves that replicas make at the same moment add up.
    """
    _ensure_row(session)
    step = _microseconds(by)
    session.execute(
        update(MockClock)
        .where(MockClock.id == _ROW_ID)
        .values(
            offset_microseconds=MockClock.offset_microseconds + step,
            # NULL (running) stays NULL.
            frozen_at_microseconds=MockClock.frozen_at_microseconds + step,
        )
    )
    reading = read(session)
    if reading.now >= LATEST:
        raise ClockOutOfRange(f"the clock would pass {iso_millis(LATEST)}")
    return reading


def set_to(session: Session, instant: datetime, *, frozen: bool) -> ClockReading:
    """Make it ``instant`` now; a frozen clock stays there until moved again."""
    instant = as_utc(instant)
    if not EARLIEST <= instant < LATEST:
        raise ClockOutOfRange(
            f"the clock shows instants from {iso_millis(EARLIEST)} to {iso_millis(LATEST)}"
        )
    _ensure_row(session)
    session.execute(
        update(MockClock)
        .where(MockClock.id == _ROW_ID)
        .values(
            offset_microseconds=0 if frozen else _microseconds(instant - real_now()),
            frozen_at_microseconds=_microseconds(instant - _EPOCH) if frozen else None,
        )
    )
    return read(session)


def reset(session: Session) -> None:
    """Back to real time."""
    session.execute(delete(MockClock))


def _ensure_row(session: Session) -> None:
    """The clock's one row, created by whichever replica moves it first (others find it)."""
    is_postgresql = session.get_bind().dialect.name == "postgresql"
    dialect_insert = postgresql_insert if is_postgresql else sqlite_insert
    session.execute(
        dialect_insert(MockClock)
        .values(id=_ROW_ID, offset_microseconds=0, frozen_at_microseconds=None)
        .on_conflict_do_nothing()
    )


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _bounded(moment: datetime) -> datetime:
    """A running clock set just below LATEST goes on past it: it stops there instead."""
    return min(max(moment, EARLIEST), LATEST)


def as_utc(moment: datetime) -> datetime:
    """In UTC: SQLite hands back naive datetimes (stored in UTC), PostgreSQL ones in the
    session's time zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def iso_millis(moment: datetime) -> str:
    """The providers' timestamp form: UTC, milliseconds, ``Z`` (2026-11-30T15:23:30.395Z)."""
    utc = as_utc(moment)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
