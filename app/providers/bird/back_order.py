"""Bird's back orders: which stock items need one, and how long a back-ordered number takes.

Stock items carry ``backOrderRequired`` (and, when true, ``backOrderStockId``). Here a share
of some countries' stock needs a back order (``back_order_share`` in seed_data/countries.toml);
which numbers is decided from each number's id, so it is the same on every run, seed, replica
and restart, and needs no column. A back-ordered number, once bought, has a pending order
for ``BACK_ORDER_DELAY`` on the mock clock, then a completed one.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from app.generator.seed_data import default_seed_data

BACK_ORDER_DELAY = timedelta(days=2)
_STOCK_NAMESPACE = uuid.UUID("b1a4c0de-0b5e-4d7a-9c3e-6261636b6f72")


def draw(number_id: uuid.UUID | str) -> float:
    """A number's fixed draw in [0, 1): the first 32 bits of the SHA-256 of its id's 16
    bytes. The id is a uuid, or its 32 hex digits as SQLite stores them (a listing's row:
    read without building a UUID, a third of a stock item's time in the countries with
    back orders)."""
    raw = bytes.fromhex(number_id) if isinstance(number_id, str) else number_id.bytes
    digest = hashlib.sha256(raw).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def back_order_required(number_id: uuid.UUID | str, share: float) -> bool:
    """Whether the number is in the back-ordered ``share`` of its country's stock."""
    return draw(number_id) < share


def back_order_stock_id(number_id: uuid.UUID) -> uuid.UUID:
    """The back-order stock the number comes from (stable per number)."""
    return uuid.uuid5(_STOCK_NAMESPACE, str(number_id))


@functools.cache
def country_shares() -> Mapping[str, float]:
    """Each seeded country's back-order share (countries not listed have none)."""
    return {
        code: country.back_order_share
        for code, country in default_seed_data().countries.items()
        if country.back_order_share > 0
    }


def needs_back_order(number_id: uuid.UUID, country_code: str) -> bool:
    return back_order_required(number_id, country_shares().get(country_code, 0.0))


def order_completes_at(created_at: datetime) -> datetime:
    """When the order of a back-ordered number bought at ``created_at`` completes."""
    return created_at + BACK_ORDER_DELAY
