"""Searching the stock: a page of a keyset walk, or the first matches, over one filter model.

Framework-free: routes parse HTTP into a ``StockQuery`` and render what comes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.lifecycle import mock_clock, ownership
from app.page_tokens import KeysetWalk, PageTokenCodec
from app.stock import repository
from app.stock.numbers import StockNumber
from app.stock.query import StockPosition, StockQuery


@dataclass(frozen=True, slots=True)
class StockPage:
    items: list[StockNumber]
    next_page_token: str | None


def page_in_stock(
    session: Session,
    codec: PageTokenCodec,
    *,
    operation: str,
    organization_id: str,
    query: StockQuery,
    limit: int,
    page_token: str | None,
) -> StockPage:
    """One page of the stock (Bird's stock items); ``next_page_token`` only when more items
    follow. The token is sealed to ``operation``, the organization and the filters."""
    _end_expired_holds_now_and_then(session)
    walk = KeysetWalk(codec, operation, organization_id, query.digest())
    key = walk.start(page_token)
    start = StockPosition.from_parts(key) if key is not None else None
    rows = list(repository.find_in_stock(session, query, start_at=start, limit=limit + 1))
    items, token = walk.page(rows, limit, lambda row: repository.position_of(row).to_parts())
    return StockPage(items=items, next_page_token=token)


def first_in_stock(session: Session, *, query: StockQuery, limit: int) -> list[StockNumber]:
    """The first ``limit`` matches in the stable stock order (Pingram's search)."""
    _end_expired_holds_now_and_then(session)
    return list(repository.find_in_stock(session, query, start_at=None, limit=limit))


# Released numbers return to stock when their hold ends. The lifecycle operations and clock
# moves end holds at once; searches check at most this often (per process), so a demo left
# running for two weeks of real time sees them back without a query on every search.
HOLD_CHECK_SECONDS = 30.0
_next_hold_check = 0.0


def holds_check_due() -> bool:
    """Whether the next search ends expired holds first (a kept answer may be stale then)."""
    return time.monotonic() >= _next_hold_check


def _end_expired_holds_now_and_then(session: Session) -> None:
    global _next_hold_check
    if not holds_check_due():
        return
    _next_hold_check = time.monotonic() + HOLD_CHECK_SECONDS
    ownership.end_expired_holds(session, mock_clock.now(session))
