"""Queries of the scripted behaviour: faults and rate limits, shared by every replica."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.db.engine import changed_rows, driver_scalar
from app.db.models import Fault, RateLimit, RateLimitCounter

ANY_OPERATION = "*"


def add_fault(session: Session, fault: Fault) -> Fault:
    session.add(fault)
    session.flush()
    return fault


def list_faults(session: Session) -> list[Fault]:
    return list(session.scalars(select(Fault).order_by(Fault.created_at, Fault.id)))


def delete_fault(session: Session, fault_id: str) -> bool:
    result = session.execute(delete(Fault).where(Fault.id == fault_id))
    return changed_rows(result) == 1


def delete_all_faults(session: Session) -> None:
    session.execute(delete(Fault))


# Runs on every provider request computed on a worker thread: straight on the driver.
# Whether anything is scripted: one cheap query (also asked inside PostgreSQL's
# stock reads: app.web.read_path).
SCRIPTED_SQL = (
    f"SELECT EXISTS (SELECT 1 FROM {Fault.__tablename__}) "
    f"OR EXISTS (SELECT 1 FROM {RateLimit.__tablename__})"
)


def anything_scripted(session: Session) -> bool:
    """Whether any fault or rate limit exists: one cheap query for the common answer, no."""
    return bool(driver_scalar(session, SCRIPTED_SQL))


def live_faults_for(session: Session, operation: str, organization_id: str | None) -> list[Fault]:
    """Faults that may fire on this request, oldest first."""
    statement = (
        select(Fault)
        .where(
            Fault.operation.in_([operation, ANY_OPERATION]),
            or_(Fault.organization_id.is_(None), Fault.organization_id == organization_id),
            or_(Fault.times_remaining.is_(None), Fault.times_remaining > 0),
        )
        .order_by(Fault.created_at, Fault.id)
    )
    return list(session.scalars(statement))


def record_draw(session: Session, fault_id: str) -> int:
    """Count one more request the fault was tried on; returns the count (atomic)."""
    result = session.execute(
        update(Fault)
        .where(Fault.id == fault_id)
        .values(draws=Fault.draws + 1)
        .returning(Fault.draws)
    )
    return int(result.scalar_one())


def consume_fault(session: Session, fault: Fault) -> int | None:
    """Use up one of the fault's ``times``; returns how often it has fired with this request,
    None if another request took its last time."""
    if fault.times_remaining is None:
        statement = update(Fault).where(Fault.id == fault.id)
    else:
        statement = update(Fault).where(Fault.id == fault.id, Fault.times_remaining > 0)
        statement = statement.values(times_remaining=Fault.times_remaining - 1)
    result = session.execute(
        statement.values(fired=Fault.fired + 1)
        .returning(Fault.fired)
        .execution_options(synchronize_session=False)
    )
    fired = result.scalar_one_or_none()
    return None if fired is None else int(fired)


def add_rate_limit(session: Session, rate_limit: RateLimit) -> RateLimit:
    session.add(rate_limit)
    session.flush()
    return rate_limit


def list_rate_limits(session: Session) -> list[RateLimit]:
    return list(session.scalars(select(RateLimit).order_by(RateLimit.created_at, RateLimit.id)))


def delete_rate_limit(session: Session, rate_limit_id: str) -> bool:
    session.execute(delete(RateLimitCounter).where(RateLimitCounter.rate_limit_id == rate_limit_id))
    result = session.execute(delete(RateLimit).where(RateLimit.id == rate_limit_id))
    return changed_rows(result) == 1


def delete_all_rate_limits(session: Session) -> None:
    session.execute(delete(RateLimitCounter))
    session.execute(delete(RateLimit))


def rate_limits_for(
    session: Session, operation: str, organization_id: str | None
) -> Sequence[RateLimit]:
    statement = select(RateLimit).where(
        RateLimit.operation.in_([operation, ANY_OPERATION]),
        or_(RateLimit.organization_id.is_(None), RateLimit.organization_id == organization_id),
    )
    return list(session.scalars(statement))


def count_request(session: Session, rate_limit_id: str, caller: str, window_start: int) -> int:
    """Count a request in its window and return the window's count (one atomic upsert)."""
    dialect = session.get_bind().dialect.name
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(RateLimitCounter)
    statement = (
        upsert.values(
            rate_limit_id=rate_limit_id, caller=caller, window_start=window_start, count=1
        )
        .on_conflict_do_update(
            index_elements=["rate_limit_id", "caller", "window_start"],
            set_={"count": RateLimitCounter.count + 1},
        )
        .returning(RateLimitCounter.count)
    )
    count = int(session.execute(statement).scalar_one())
    if count == 1:
        # A new window: the older ones of this limit can never count again.
        session.execute(
            delete(RateLimitCounter).where(
                RateLimitCounter.rate_limit_id == rate_limit_id,
                RateLimitCounter.window_start < window_start,
            )
        )
    return count
