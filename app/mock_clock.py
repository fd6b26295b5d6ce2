"""The mock clock: the time the number lifecycle runs on (billing dates, the release hold).

Real time by default; tests move it forward (or set it, frozen or running) through the
control API, and every replica reads it from the database. Token expiry never uses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.models import MockClock

_ROW_ID = 1


@dataclass(frozen=True, slots=True)
class ClockReading:
    now: datetime
    offset: timedelta  # mock time minus real time
    frozen: bool


def real_now() -> datetime:
    return datetime.now(UTC)


def read(session: Session) -> ClockReading:
    """What the clock says now."""
    row = session.get(MockClock, _ROW_ID)
    real = real_now()
    if row is None:
        return ClockReading(now=real, offset=timedelta(0), frozen=False)
    if row.frozen_at is not None:
        frozen_at = as_utc(row.frozen_at)
        return ClockReading(now=frozen_at, offset=frozen_at - real, frozen=True)
    offset = timedelta(microseconds=row.offset_microseconds)
    return ClockReading(now=real + offset, offset=offset, frozen=False)


def now(session: Session) -> datetime:
    return read(session).now


def advance(session: Session, by: timedelta) -> ClockReading:
    """Move the clock forward by ``by`` (a frozen clock stays frozen, later)."""
    row = _locked_row(session)
    if row.frozen_at is not None:
        row.frozen_at = as_utc(row.frozen_at) + by
    else:
        row.offset_microseconds += _microseconds(by)
    session.flush()
    return read(session)


def set_to(session: Session, instant: datetime, *, frozen: bool) -> ClockReading:
    """Make it ``instant`` now; a frozen clock stays there until moved again."""
    row = _locked_row(session)
    instant = as_utc(instant)
    if frozen:
        row.frozen_at = instant
        row.offset_microseconds = 0
    else:
        row.frozen_at = None
        row.offset_microseconds = _microseconds(instant - real_now())
    session.flush()
    return read(session)


def reset(session: Session) -> None:
    """Back to real time."""
    session.execute(delete(MockClock))


def _locked_row(session: Session) -> MockClock:
    """The clock's row, locked until the transaction ends (replicas moving it at once)."""
    row = session.scalar(select(MockClock).where(MockClock.id == _ROW_ID).with_for_update())
    if row is None:
        row = MockClock(id=_ROW_ID, offset_microseconds=0, frozen_at=None)
        session.add(row)
    return row


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every moment here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso_millis(moment: datetime) -> str:
    """The providers' timestamp form: UTC, milliseconds, ``Z`` (2026-11-30T15:23:30.395Z)."""
    utc = as_utc(moment).astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
