"""Numbers bought through the provider APIs: who owns them, and the release hold.

Every query of ``owned_numbers`` and ``workspaces`` lives here, or starts here (``owned_by``,
which Bird's workspace listing narrows). A bought number is ``sold`` in the inventory (so it
leaves both providers' searches at once) and has one ownership row; a released number is
``reserved`` for its owner until the hold ends, then back in stock.
A Bird number whose subscription was cancelled stays ``sold`` in its workspace until its
``deprovision_at`` (the end of the period already paid), then goes straight back to stock.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, delete, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db.engine import changed_rows
from app.db.models import InventoryNumber, OwnedNumber, OwnerProvider, StockStatus, Workspace
from app.lifecycle import billing
from app.lifecycle.mock_clock import as_utc

# Pingram: "Released numbers may be purchased again within 2 weeks of being released."
RELEASE_HOLD = timedelta(days=14)

# Order and long code number ids derive from what they identify, so the same requests on
# the same state answer with the same ids (replayable tests, byte-identical responses).
_ID_NAMESPACE = uuid.UUID("5b0f7c1e-8d0a-4c55-9a61-6e756d626572")


def derived_id(*parts: object) -> uuid.UUID:
    return uuid.uuid5(_ID_NAMESPACE, "\x1f".join(str(part) for part in parts))


def record_ownership(
    session: Session,
    number: InventoryNumber,
    *,
    provider: OwnerProvider,
    owner_id: str,
    workspace_id: str | None,
    now: datetime,
) -> OwnedNumber:
    """The ownership of a number just taken from stock."""
    owned = OwnedNumber(
        number_id=number.id,
        provider=provider.value,
        owner_id=owner_id,
        workspace_id=workspace_id,
        order_id=derived_id("order", number.id, provider.value, owner_id, now.isoformat()),
        long_code_number_id=derived_id("lcn", number.id, owner_id, workspace_id, now.isoformat()),
        created_at=now,
        updated_at=now,
        released_at=None,
    )
    session.add(owned)
    session.flush()
    return owned


def find_ownership(session: Session, number_id: uuid.UUID) -> OwnedNumber | None:
    return session.get(OwnedNumber, number_id, populate_existing=True)


def owned_numbers(
    session: Session,
    *,
    provider: OwnerProvider,
    owner_id: str,
    released: bool,
) -> list[tuple[OwnedNumber, InventoryNumber]]:
    """An owner's active (or released, still held) numbers, oldest first."""
    statement = owned_by(provider, owner_id).order_by(
        OwnedNumber.created_at, InventoryNumber.number_string
    )
    if released:
        statement = statement.where(OwnedNumber.released_at.is_not(None))
    else:
        statement = statement.where(OwnedNumber.released_at.is_(None))
    return [(owned, number) for owned, number in session.execute(statement)]


def owned_by(provider: OwnerProvider, owner_id: str) -> Select[OwnedNumber, InventoryNumber]:
    """Every ownership of an owner through ``provider``, with its number: the statement that
    listings narrow (active or held; Bird's, to one workspace)."""
    return (
        select(OwnedNumber, InventoryNumber)
        .join(InventoryNumber, InventoryNumber.id == OwnedNumber.number_id)
        .where(OwnedNumber.provider == provider.value, OwnedNumber.owner_id == owner_id)
    )


def release(session: Session, owned: OwnedNumber, now: datetime) -> bool:
    """Start the hold of an active number; False when it was released already (a race)."""
    result = session.execute(
        update(OwnedNumber)
        .where(_same_ownership(owned), OwnedNumber.released_at.is_(None))
        .values(released_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed_rows(result) != 1:
        return False
    _set_status(session, owned.number_id, StockStatus.SOLD, StockStatus.RESERVED)
    return True


def reactivate(session: Session, owned: OwnedNumber, now: datetime) -> bool:
    """End the hold of a released number for its owner (a new order); its createdAt stays."""
    order_id = derived_id("reorder", owned.order_id, now.isoformat())  # never the first's
    result = session.execute(
        update(OwnedNumber)
        .where(
            _same_ownership(owned),
            OwnedNumber.released_at.is_not(None),
            OwnedNumber.released_at > now - RELEASE_HOLD,
        )
        .values(released_at=None, updated_at=now, order_id=order_id)
        .execution_options(synchronize_session=False)
    )
    if changed_rows(result) != 1:
        return False
    _set_status(session, owned.number_id, StockStatus.RESERVED, StockStatus.SOLD)
    return True


def cancel_subscription(session: Session, owned: OwnedNumber, now: datetime) -> bool:
    """Cancel an active number's subscription: it leaves at the end of the month already
    paid (its ``deprovision_at``); False when it was cancelled already (a race)."""
    _, deprovision_at = billing.paid_period(as_utc(owned.created_at), now)
    result = session.execute(
        update(OwnedNumber)
        .where(
            _same_ownership(owned),
            OwnedNumber.released_at.is_(None),
            OwnedNumber.cancelled_at.is_(None),
        )
        .values(cancelled_at=now, deprovision_at=deprovision_at, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return changed_rows(result) == 1


def end_expired_holds(session: Session, now: datetime) -> int:
    """Numbers released more than the hold ago, and numbers whose cancelled subscription
    has run out (``deprovision_at`` passed), go back to stock; returns how many.

    The DELETE decides which: a number another request reordered or bought in the meantime
    has a fresh row (not released, not cancelled) that this never matches.
    """
    held = _delete_ownerships(session, OwnedNumber.released_at <= now - RELEASE_HOLD)
    deprovisioned = _delete_ownerships(session, OwnedNumber.deprovision_at <= now)
    for expired, status in ((held, StockStatus.RESERVED), (deprovisioned, StockStatus.SOLD)):
        if expired:
            session.execute(
                update(InventoryNumber)
                .where(InventoryNumber.id.in_(expired), InventoryNumber.status == status.value)
                .values(status=StockStatus.IN_STOCK.value, purchased_by=None)
                .execution_options(synchronize_session=False)
            )
    return len(held) + len(deprovisioned)


def _delete_ownerships(session: Session, condition: ColumnElement[bool]) -> list[uuid.UUID]:
    return list(
        session.scalars(delete(OwnedNumber).where(condition).returning(OwnedNumber.number_id))
    )


def forget(session: Session, number_ids: Iterable[uuid.UUID]) -> None:
    """Drop the ownership of numbers the control API put back into stock or removed."""
    ids = list(number_ids)
    if ids:
        session.execute(delete(OwnedNumber).where(OwnedNumber.number_id.in_(ids)))


def clear(session: Session) -> None:
    """Every ownership and workspace goes (a reset)."""
    session.execute(delete(OwnedNumber))
    session.execute(delete(Workspace))


def claim_workspace(
    session: Session, workspace_id: str, organization_id: str, now: datetime
) -> str:
    """The organization owning the workspace: the first one to use it becomes its owner."""
    is_postgresql = session.get_bind().dialect.name == "postgresql"
    dialect_insert = postgresql_insert if is_postgresql else sqlite_insert
    session.execute(
        dialect_insert(Workspace)
        .values(id=workspace_id, organization_id=organization_id, created_at=now)
        .on_conflict_do_nothing()
    )
    owner = workspace_owner(session, workspace_id)
    assert owner is not None  # inserted above, or there already
    return owner


def workspace_owner(session: Session, workspace_id: str) -> str | None:
    """The organization owning a Bird workspace; None when none has used it yet."""
    return session.scalar(select(Workspace.organization_id).where(Workspace.id == workspace_id))


def _same_ownership(owned: OwnedNumber) -> ColumnElement[bool]:
    """This owner's row of the number, not one a later buyer has since."""
    return and_(
        OwnedNumber.number_id == owned.number_id,
        OwnedNumber.provider == owned.provider,
        OwnedNumber.owner_id == owned.owner_id,
        OwnedNumber.order_id == owned.order_id,
    )


def _set_status(
    session: Session, number_id: uuid.UUID, before: StockStatus, after: StockStatus
) -> None:
    session.execute(
        update(InventoryNumber)
        .where(InventoryNumber.id == number_id, InventoryNumber.status == before.value)
        .values(status=after.value)
        .execution_options(synchronize_session=False)
    )


def numbers_out_of_stock(
    session: Session,
    *,
    organization_id: str | None,
    provider: OwnerProvider | None,
    workspace_id: str | None,
    limit: int,
) -> list[tuple[InventoryNumber, OwnedNumber | None]]:
    """Sold and held numbers with their owners (the control API's view), by number."""
    statement = (
        select(InventoryNumber, OwnedNumber)
        .outerjoin(OwnedNumber, OwnedNumber.number_id == InventoryNumber.id)
        .where(InventoryNumber.status.in_([StockStatus.SOLD.value, StockStatus.RESERVED.value]))
        .order_by(InventoryNumber.number_string)
        .limit(limit)
    )
    if organization_id is not None:
        statement = statement.where(InventoryNumber.purchased_by == organization_id)
    if provider is not None:
        statement = statement.where(OwnedNumber.provider == provider.value)
    if workspace_id is not None:
        statement = statement.where(OwnedNumber.workspace_id == workspace_id)
    return [(number, owned) for number, owned in session.execute(statement)]
