"""Bird's long code numbers: buying stock items into a workspace, listing and reading them,
their ``main`` subscription and its cancellation.

Framework-free: routes parse HTTP, run these in one ``ProviderCall`` transaction (an error
rolls everything back) and render what comes back with ``app.providers.bird.views``.

A workspace belongs to the first organization that buys into it; callers whose key or token
names workspaces may use only those.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, OwnerProvider, StockStatus
from app.errors import InvalidPageToken
from app.lifecycle import mock_clock, ownership
from app.page_tokens import RESTART_FIX, KeysetWalk, PageTokenCodec, filter_digest
from app.providers.bird import repository
from app.providers.bird.errors import (
    EndpointNotFound,
    LongCodeNumberNotFound,
    NumberStockItemNotFound,
    NumberStockItemUnavailable,
    SubscriptionAlreadyCancelled,
    SubscriptionNotFound,
    WorkspaceForbidden,
)
from app.providers.bird.repository import ListingPosition, LongCodeNumber, WorkspaceNumberFilters
from app.providers.bird.views import MAIN_SUBSCRIPTION, order_completes_at
from app.stock.repository import find_numbers_by_id, purchase_number_by_id


@dataclass(frozen=True, slots=True)
class LongCodeNumbers:
    """Long code numbers, and the mock clock's time they were read at (orders' status)."""

    items: list[LongCodeNumber]
    now: datetime
    next_page_token: str | None = None


def check_named_workspace(workspaces: Sequence[str], workspace_id: str) -> None:
    """A caller whose key or token names workspaces may use only those (none named: any)."""
    if workspaces and workspace_id not in workspaces:
        named = ", ".join(repr(name) for name in workspaces[:5])
        more = f" and {len(workspaces) - 5} more" if len(workspaces) > 5 else ""
        raise WorkspaceForbidden(
            f"the access key or token may use only workspaces {named}{more}; not {workspace_id!r}",
            fix="call a workspace it names, or mint one for this workspace with "
            "`numbers-mock token --access-key --org <organizationId> --workspace "
            f"{workspace_id}`",
        )


def buy(
    session: Session,
    *,
    organization_id: str,
    workspace_id: str,
    stock_item_ids: Sequence[uuid.UUID],
) -> LongCodeNumbers:
    """Take every stock item out of stock into the workspace, or none: an error rolls back."""
    now = mock_clock.now(session)
    ownership.end_expired_holds(session, now)  # a number whose hold just ended is for sale
    owner = ownership.claim_workspace(session, workspace_id, organization_id, now)
    check_owner(owner, organization_id, workspace_id)
    numbers = find_numbers_by_id(session, stock_item_ids)
    stock_items = f"GET /organizations/{organization_id}/numbers-stock-items"
    for index, item_id in enumerate(stock_item_ids):
        if item_id not in numbers:
            raise NumberStockItemNotFound(
                f"numberStockItemIds[{index}] {item_id} is not a stock item of this "
                "inventory; nothing was bought",
                fix=f"use the id of an item from {stock_items}",
            )
    # Rows are taken in id order, whatever the request's order: two buys of the same items
    # in different orders then never wait on each other in a cycle (a deadlock).
    sold = {
        item_id
        for item_id in sorted(set(stock_item_ids))
        if numbers[item_id].status == StockStatus.IN_STOCK.value
        and purchase_number_by_id(session, item_id, organization_id)
    }
    for index, item_id in enumerate(stock_item_ids):
        if item_id not in sold:
            number = numbers[item_id]
            raise NumberStockItemUnavailable(
                f"numberStockItemIds[{index}] {item_id} ({number.number_string}) is not in "
                f"stock: {_why_unavailable(number, organization_id)}; nothing was bought",
                fix=f"remove it and buy the others, or pick another item from {stock_items}",
            )
    taken: list[InventoryNumber] = [numbers[item_id] for item_id in stock_item_ids]
    bought = [
        LongCodeNumber(
            ownership.record_ownership(
                session,
                number,
                provider=OwnerProvider.BIRD,
                owner_id=organization_id,
                workspace_id=workspace_id,
                now=now,
            ),
            number,
        )
        for number in taken
    ]
    return LongCodeNumbers(items=bought, now=now)


@dataclass(frozen=True, slots=True)
class WorkspaceNumbersQuery:
    """One listing: the workspace, its filters and direction (``limit`` aside)."""

    workspace_id: str
    filters: WorkspaceNumberFilters
    reverse: bool = False
    # active or pending (the order's status as of the listing); None: both. Not SQL: a
    # back order is decided from the number's id (app.providers.bird.back_order).
    status: str | None = None

    def digest(self) -> str:
        return filter_digest(
            {
                "workspace": self.workspace_id,
                "reverse": self.reverse,
                "status": self.status,
                **asdict(self.filters),
            }
        )


def list_numbers(
    session: Session,
    codec: PageTokenCodec,
    *,
    operation: str,
    organization_id: str,
    query: WorkspaceNumbersQuery,
    limit: int,
    page_token: str | None,
) -> LongCodeNumbers:
    """One page of the workspace's active long code numbers (a keyset walk, like stock
    items); the token is sealed to ``operation`` (each listing its own)."""
    walk = KeysetWalk(codec, operation, organization_id, query.digest())
    key = walk.start(page_token)
    start = _position_from_parts(key) if key is not None else None
    now = mock_clock.now(session)
    if not _may_read(session, organization_id, query.workspace_id):
        return LongCodeNumbers(items=[], now=now)
    rows = repository.workspace_numbers(
        session,
        organization_id=organization_id,
        workspace_id=query.workspace_id,
        filters=query.filters,
        reverse=query.reverse,
        start_at=start,
        # A workspace holds few numbers: the status filter reads them all.
        limit=limit + 1 if query.status is None else None,
        now=now,
    )
    if query.status is not None:
        rows = [row for row in rows if number_status(row, now) == query.status][: limit + 1]
    items, token = walk.page(rows, limit, _position_of)
    return LongCodeNumbers(items=items, now=now, next_page_token=token)


def _position_of(row: LongCodeNumber) -> tuple[str, ...]:
    """A long code number's place in the listing: when it was bought, then its number."""
    return (mock_clock.as_utc(row.owned.created_at).isoformat(), row.number.number_string)


def number_status(row: LongCodeNumber, now: datetime) -> str:
    """pending while its order waits for a back order, then active (a cancelled number too,
    until its deprovisionAt)."""
    return "pending" if mock_clock.as_utc(now) < order_completes_at(row) else "active"


def get_number(
    session: Session, *, organization_id: str, workspace_id: str, long_code_number_id: uuid.UUID
) -> LongCodeNumbers:
    """The workspace's active long code number with this id (or endpointId)."""
    now = mock_clock.now(session)
    found = _find(session, organization_id, workspace_id, long_code_number_id, now)
    if found is None:
        raise LongCodeNumberNotFound(
            f"workspace {workspace_id!r} has no long code number {long_code_number_id}",
            fix="use the id (or endpointId) of a number from GET "
            f"/workspaces/{workspace_id}/numbers",
        )
    return LongCodeNumbers(items=[found], now=now)


def endpoint_subscriptions(
    session: Session,
    *,
    organization_id: str,
    workspace_id: str,
    endpoint_id: uuid.UUID,
    name: str | None = None,
) -> LongCodeNumbers:
    """The endpoint (a long code number) whose subscriptions are read; with ``name``, that
    subscription must exist (a long code number has one: main)."""
    now = mock_clock.now(session)
    found = _find(session, organization_id, workspace_id, endpoint_id, now)
    if found is None:
        raise EndpointNotFound(
            f"workspace {workspace_id!r} has no endpoint {endpoint_id}",
            fix="use the endpointId of a number from GET "
            f"/workspaces/{workspace_id}/numbers-long-code",
        )
    if name is not None and name != MAIN_SUBSCRIPTION:
        raise SubscriptionNotFound(
            f"endpoint {endpoint_id} has no subscription {name[:64]!r}; a long code number "
            f"has one, {MAIN_SUBSCRIPTION!r}",
            fix=f"ask for .../subscriptions/{MAIN_SUBSCRIPTION}",
        )
    return LongCodeNumbers(items=[found], now=now)


def cancel_subscription(
    session: Session, *, organization_id: str, workspace_id: str, number_id: uuid.UUID
) -> LongCodeNumbers:
    """Cancel the number's subscription: it stays in the workspace until the end of the
    period already paid (its deprovisionAt), then goes back to stock."""
    now = mock_clock.now(session)
    found = _find(session, organization_id, workspace_id, number_id, now)
    if found is None:
        raise LongCodeNumberNotFound(
            f"workspace {workspace_id!r} has no number {number_id}",
            fix="use the id (or endpointId) of a number from GET "
            f"/workspaces/{workspace_id}/numbers",
        )
    owned = found.owned
    if owned.cancelled_at is not None:
        raise SubscriptionAlreadyCancelled(_already_cancelled(found), fix=_KEEP_FIX)
    if not ownership.cancel_subscription(session, owned, now):
        raise SubscriptionAlreadyCancelled(
            f"the subscription of {found.number.number_string} was cancelled by another "
            "request at the same moment",
            fix=_KEEP_FIX,
        )
    cancelled = _find(session, organization_id, workspace_id, number_id, now)
    assert cancelled is not None  # cancelled, still here until its deprovisionAt
    return LongCodeNumbers(items=[cancelled], now=now)


_KEEP_FIX = (
    "nothing to do: the number leaves the workspace at its deprovisionAt; to keep a number, "
    "buy it again from the stock once it is back"
)


def _already_cancelled(found: LongCodeNumber) -> str:
    deprovision_at = found.owned.deprovision_at
    assert deprovision_at is not None
    return (
        f"the subscription of {found.number.number_string} was cancelled already; the number "
        f"leaves the workspace at {mock_clock.iso_millis(deprovision_at)}"
    )


def _find(
    session: Session,
    organization_id: str,
    workspace_id: str,
    long_code_number_id: uuid.UUID,
    now: datetime,
) -> LongCodeNumber | None:
    """The workspace's number with this id (or endpointId); not one past its deprovisionAt."""
    if not _may_read(session, organization_id, workspace_id):
        return None
    return repository.workspace_long_code_number(
        session,
        organization_id=organization_id,
        workspace_id=workspace_id,
        long_code_number_id=long_code_number_id,
        now=now,
    )


def _may_read(session: Session, organization_id: str, workspace_id: str) -> bool:
    """Whether the workspace has numbers to show the organization (reads claim nothing)."""
    owner = ownership.workspace_owner(session, workspace_id)
    if owner is None:
        return False
    check_owner(owner, organization_id, workspace_id)
    return True


def check_owner(owner: str, organization_id: str, workspace_id: str) -> None:
    if owner != organization_id:
        raise WorkspaceForbidden(
            f"workspace {workspace_id!r} belongs to another organization",
            fix=f"use a workspace of organization {organization_id!r} (the first organization "
            "to buy into a workspace owns it), or a new workspace id",
        )


def _why_unavailable(number: InventoryNumber, organization_id: str) -> str:
    if number.status == StockStatus.SOLD.value:
        if number.purchased_by == organization_id:
            return "your organization bought it already"
        return "it was bought already"
    if number.status == StockStatus.RESERVED.value:
        return "it is held for its previous owner after a release"
    if number.status == StockStatus.REMOVED.value:
        return "it was removed from the inventory"
    return "another request bought it at the same moment"


def _position_from_parts(parts: Sequence[str]) -> ListingPosition:
    """A page token's key; anything else was issued by another version."""
    try:
        created_at, number_string = parts
        return ListingPosition(mock_clock.as_utc(datetime.fromisoformat(created_at)), number_string)
    except ValueError:
        raise InvalidPageToken(
            "this pageToken was issued by another version of numbers-mock, whose listing "
            "order differs",
            fix=RESTART_FIX,
        ) from None
