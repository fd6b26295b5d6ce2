"""Bird's queries beyond ``app.lifecycle.ownership``: stock items by id, workspace numbers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, OwnedNumber, OwnerProvider, Workspace


@dataclass(frozen=True, slots=True)
class LongCodeNumber:
    """A number bought into a workspace: its ownership and the number itself."""

    owned: OwnedNumber
    number: InventoryNumber


@dataclass(frozen=True, slots=True)
class WorkspaceNumberFilters:
    """What ``GET /workspaces/{workspaceId}/numbers`` looks for; None or empty: no filter."""

    country_code: str | None = None
    types: tuple[str, ...] = ()
    prefix: str | None = None  # the E.164 number starts with it ("+1415")
    search_term: str | None = None  # the E.164 number contains it


@dataclass(frozen=True, slots=True, order=True)
class ListingPosition:
    """A long code number's place in the listing: bought at, then its number."""

    created_at: datetime
    number_string: str


def stock_items_by_id(
    session: Session, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, InventoryNumber]:
    """The inventory's numbers with these ids, in stock or not."""
    statement = select(InventoryNumber).where(InventoryNumber.id.in_(list(ids)))
    return {number.id: number for number in session.scalars(statement)}


def workspace_owner(session: Session, workspace_id: str) -> str | None:
    """The organization owning the workspace; None when none has used it yet."""
    return session.scalar(select(Workspace.organization_id).where(Workspace.id == workspace_id))


def workspace_numbers(
    session: Session,
    *,
    organization_id: str,
    workspace_id: str,
    filters: WorkspaceNumberFilters,
    reverse: bool,
    start_at: ListingPosition | None,
    limit: int,
) -> list[LongCodeNumber]:
    """The workspace's active long code numbers from ``start_at`` on (inclusive), ordered by
    createdAt then number (both descending with ``reverse``)."""
    statement = _active(organization_id, workspace_id)
    if filters.country_code is not None:
        statement = statement.where(InventoryNumber.country_code == filters.country_code)
    if filters.types:
        statement = statement.where(InventoryNumber.number_type.in_(filters.types))
    # Both are digits (with an optional leading +), checked by the route: no LIKE wildcards.
    if filters.prefix is not None:
        statement = statement.where(InventoryNumber.number_string.like(filters.prefix + "%"))
    if filters.search_term is not None:
        statement = statement.where(
            InventoryNumber.number_string.like("%" + filters.search_term + "%")
        )
    created_at, number_string = OwnedNumber.created_at, InventoryNumber.number_string
    if start_at is not None:
        if reverse:
            statement = statement.where(
                or_(
                    created_at < start_at.created_at,
                    and_(
                        created_at == start_at.created_at,
                        number_string <= start_at.number_string,
                    ),
                )
            )
        else:
            statement = statement.where(
                or_(
                    created_at > start_at.created_at,
                    and_(
                        created_at == start_at.created_at,
                        number_string >= start_at.number_string,
                    ),
                )
            )
    order = (created_at.desc(), number_string.desc()) if reverse else (created_at, number_string)
    rows = session.execute(statement.order_by(*order).limit(limit))
    return [LongCodeNumber(owned, number) for owned, number in rows]


def workspace_long_code_number(
    session: Session, *, organization_id: str, workspace_id: str, long_code_number_id: uuid.UUID
) -> LongCodeNumber | None:
    """One active long code number of the workspace, by its id (which is its endpointId)."""
    statement = _active(organization_id, workspace_id).where(
        OwnedNumber.long_code_number_id == long_code_number_id
    )
    row = session.execute(statement).first()
    return None if row is None else LongCodeNumber(row[0], row[1])


def _active(organization_id: str, workspace_id: str) -> Select[OwnedNumber, InventoryNumber]:
    return (
        select(OwnedNumber, InventoryNumber)
        .join(InventoryNumber, InventoryNumber.id == OwnedNumber.number_id)
        .where(
            OwnedNumber.provider == OwnerProvider.BIRD.value,
            OwnedNumber.owner_id == organization_id,
            OwnedNumber.workspace_id == workspace_id,
            OwnedNumber.released_at.is_(None),
        )
    )
