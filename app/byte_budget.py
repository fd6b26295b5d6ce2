"""A least-recently-used cache bounded by bytes, not entries: ``ByteBudgetCache``.

Why: a long-running server (a demo, a CI farm) is asked for new things all day; a cache
bounded by entries grows with the size of what it holds (a 99-item page is forty times a
1-item one), so its memory never levels off where one can say. Every cache of the request
path states its budget in bytes where it is built, and the callers say what an entry costs.
Thread-safe: the event loop and the provider-call threads share these caches.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

_Key = TypeVar("_Key", bound=Hashable)
_Value = TypeVar("_Value")


class ByteBudgetCache(Generic[_Key, _Value]):
    """Values by key; the least recently used go first once their costs pass the budget."""

    def __init__(self, byte_budget: int) -> None:
        self._budget = byte_budget
        self._bytes = 0
        self._entries: OrderedDict[_Key, tuple[_Value, int]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: _Key) -> _Value | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: _Key, value: _Value, cost: int) -> None:
        """Keep ``value`` at ``cost`` bytes (its key's and its own, with their overhead);
        a value dearer than the whole budget is not kept."""
        if cost > self._budget:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, cost)
            self._bytes += cost
            while self._bytes > self._budget:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0
