"""Bird's listing of a workspace's long code numbers, with its own filters and keyset, over
``app.lifecycle.ownership``'s owned numbers."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, OwnedNumber, OwnerProvider
from app.generator.records import CHANNEL_BITS
from app.lifecycle import ownership


@dataclass(frozen=True, slots=True)
class LongCodeNumber:
    """A number bought into a workspace: its ownership and the number itself."""

    owned: OwnedNumber
    number: InventoryNumber


@dataclass(frozen=True, slots=True)
class WorkspaceNumberFilters:
    """What a listing of the workspace's numbers looks for; None or empty: no filter."""

    country_codes: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    prefix: str | None = None  # the E.164 number starts with it ("+1415")
    search_term: str | None = None  # the E.164 number contains it
    # (channel, wanted): whether the number supports the channel (sms, voice, mms), in
    # either direction.
    channels: tuple[tuple[str, bool], ...] = ()
    # A filter no number here matches (fax=true; providerIds without numbers-mock's).
    matches_nothing: bool = False


@dataclass(frozen=True, slots=True, order=True)
class ListingPosition:
    """A long code number's place in the listing: bought at, then its number."""

    created_at: datetime
    number_string: str


def workspace_numbers(
    session: Session,
    *,
    organization_id: str,
    workspace_id: str,
    filters: WorkspaceNumberFilters,
    reverse: bool,
    start_at: ListingPosition | None,
    limit: int | None,
    now: datetime,
) -> list[LongCodeNumber]:
    """The workspace's active long code numbers from ``start_at`` on (inclusive), ordered by
    createdAt then number (both descending with ``reverse``); all of them without limit."""
    if filters.matches_nothing:
        return []
    statement = _active(organization_id, workspace_id, now)
    if filters.country_codes:
        statement = statement.where(InventoryNumber.country_code.in_(filters.country_codes))
    for channel, wanted in filters.channels:
        bits = InventoryNumber.capability_mask.op("&")(CHANNEL_BITS[channel])
        statement = statement.where(bits != 0 if wanted else bits == 0)
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
    statement = statement.order_by(*order)
    rows = session.execute(statement if limit is None else statement.limit(limit))
    return [LongCodeNumber(owned, number) for owned, number in rows]


def workspace_long_code_number(
    session: Session,
    *,
    organization_id: str,
    workspace_id: str,
    long_code_number_id: uuid.UUID,
    now: datetime,
) -> LongCodeNumber | None:
    """One active long code number of the workspace, by its id (which is its endpointId)."""
    statement = _active(organization_id, workspace_id, now).where(
        OwnedNumber.long_code_number_id == long_code_number_id
    )
    # Fresh rows: a cancellation's conditional UPDATE bypasses the identity map.
    row = session.execute(statement.execution_options(populate_existing=True)).first()
    return None if row is None else LongCodeNumber(row[0], row[1])


def _active(
    organization_id: str, workspace_id: str, now: datetime
) -> Select[OwnedNumber, InventoryNumber]:
    """The workspace's numbers, but those whose cancelled subscription ran out by ``now``:
    gone, even before ``ownership.end_expired_holds`` returns them to stock (reads write
    nothing)."""
    return ownership.owned_by(OwnerProvider.BIRD, organization_id).where(
        OwnedNumber.workspace_id == workspace_id,
        OwnedNumber.released_at.is_(None),
        or_(OwnedNumber.deprovision_at.is_(None), OwnedNumber.deprovision_at > now),
    )
