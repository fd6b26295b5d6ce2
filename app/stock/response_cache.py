"""The response cache of stock reads: encoded answers, valid while the stock is unchanged.

Why: the stock-items page and Pingram's search are read far more often than the stock
changes: a test suite lists, buys, lists again; a demo lists the same page all day. An answer
is cached under its request's key (path and raw query) with the stock's version it was read at
(SQLite's triggers move the version on every insert, update or delete of the inventory or its
cells, by any process: ``StockVersion``), and is answered again only at that same version.
The read path (``app.web.read_path``) decides when a cached answer may be used (the watched
state, the script, a due hold check); this module only keeps bytes.

Memory is bounded by bytes, not entries: least recently used answers go first once the
answers and their keys pass ``BYTE_BUDGET``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.byte_budget import ByteBudgetCache
from app.db.engine import driver_scalar
from app.db.models import StockVersion

# 2 MiB: some 500 10-item pages. A long-running server's memory levels off here whatever it
# is asked (Speed II).
BYTE_BUDGET = 2 * 1024 * 1024
# What an entry costs besides its key's and answer's bytes: the tuples, the ordered dict's
# node, the objects' headers (tracemalloc on CPython 3.11: about 400 bytes; the unit test
# holds the cache to its budget).
_ENTRY_OVERHEAD = 400

_VERSION = f"SELECT version FROM {StockVersion.__tablename__} WHERE id = 1"
AnswerKey = tuple[str, bytes]  # the request's path and raw query


class ResponseCache:
    """Encoded answers by request key, each at the stock version it was read at."""

    def __init__(self, *, byte_budget: int = BYTE_BUDGET) -> None:
        self._cache: ByteBudgetCache[AnswerKey, tuple[int, bytes]] = ByteBudgetCache(byte_budget)

    def get(self, key: AnswerKey, version: int) -> bytes | None:
        """The answer cached under ``key`` if it was read at ``version``, else None."""
        cached = self._cache.get(key)
        if cached is None or cached[0] != version:
            return None
        return cached[1]

    def keep(self, key: AnswerKey, version: int, answer: bytes) -> None:
        # A copy of exactly its length: orjson's bytes keep the buffer they were written in
        # (at least 4 KiB, grown by powers of two), so a 14-byte empty search kept as it came
        # held 4 KiB, and 2 MiB of such answers held 30 MiB (Speed II's RSS row).
        answer = bytes(memoryview(answer))
        cost = len(key[0]) + len(key[1]) + len(answer) + _ENTRY_OVERHEAD
        self._cache.put(key, (version, answer), cost)

    @property
    def bytes_used(self) -> int:
        return self._cache.bytes_used

    def clear(self) -> None:
        self._cache.clear()


def stock_version(session: Session) -> int:
    """The stock's version now, on the session's connection."""
    return int(driver_scalar(session, _VERSION))
