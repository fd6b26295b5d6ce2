"""Searching the stock: a page of a keyset walk, or the first matches, over one filter model.

Framework-free: routes parse HTTP into a ``StockQuery``, the read path (``app.web.read_path``)
gives a ``StockReader``, and routes render what comes back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.lifecycle import mock_clock, ownership
from app.page_tokens import KeysetWalk, PageTokenCodec
from app.stock import repository
from app.stock.query import StockPosition, StockQuery
from app.stock.reader import StockReader, StockRow


@dataclass(frozen=True, slots=True)
class StockPage:
    items: list[StockRow]
    next_page_token: str | None


def page_in_stock(
    reader: StockReader,
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
    walk = KeysetWalk(codec, operation, organization_id, query.digest())
    key = walk.start(page_token)
    start = StockPosition.from_parts(key) if key is not None else None
    rows = repository.find_in_stock(reader, query, start_at=start, limit=limit + 1)
    items, token = walk.page(rows, limit, lambda row: repository.position_of(row).to_parts())
    return StockPage(items=items, next_page_token=token)


def first_in_stock(reader: StockReader, *, query: StockQuery, limit: int) -> list[StockRow]:
    """The first ``limit`` matches in the stable stock order (Pingram's search)."""
    return repository.find_in_stock(reader, query, start_at=None, limit=limit)


# Released numbers return to stock when their hold ends. The lifecycle operations and clock
# moves end holds at once; searches (their read path, app.web.read_path) check at most this
# often (per process), so a demo left running for two weeks of real time sees them back
# without a query on every search.
HOLD_CHECK_SECONDS = 30.0
_next_hold_check = 0.0


def holds_check_due() -> bool:
    """Whether the next search ends expired holds first (a cached answer may be stale then)."""
    return time.monotonic() >= _next_hold_check


def end_expired_holds_if_due(session: Session) -> None:
    """Before a search reads the stock: numbers whose release hold has ended return to it,
    at most once per ``HOLD_CHECK_SECONDS``."""
    global _next_hold_check
    if not holds_check_due():
        return
    _next_hold_check = time.monotonic() + HOLD_CHECK_SECONDS
    ownership.end_expired_holds(session, mock_clock.now(session))
