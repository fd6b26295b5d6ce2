"""Answers computed from the stock, kept while the stock is unchanged (SQLite files).

Why: the stock-items page and Pingram's search are read far more often than the stock
changes: a test suite lists, buys, lists again; a demo lists the same page all day. Reading
and encoding the page was most of such a request's time (the Speed issue's profile), so the
encoded answer is kept under its request's key and answered again for as long as

- the stock's version is the one it was read at (SQLite's triggers move the version on every
  insert, update or delete of the inventory or its cells, by any process: ``StockVersion``);
- no release hold may have ended since (``search.holds_check_due``);

and the script allows it: ``app.scripting.watched`` judges the request on the event loop
when only rate limits are scripted; a fault sends it the worker's way.

The version is read before the stock, in the worker thread, so a change committed between
the two leaves an answer tagged older than it is: never used, never wrong.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from app.db.engine import driver_scalar
from app.db.models import StockVersion
from app.db.state_watch import StateWatch, WatchedState
from app.stock import search

Result = TypeVar("Result")

# Pages of up to 100 items of about 400 bytes: at most a few tens of MB, usually far less.
KEPT_ANSWERS = 1024
_VERSION = f"SELECT version FROM {StockVersion.__tablename__} WHERE id = 1"


@dataclass(frozen=True, slots=True)
class _Kept:
    version: int
    answer: Any


@dataclass(frozen=True, slots=True)
class KeptAnswer:
    """An answer that still holds, with the state the watch read (what is scripted)."""

    answer: Any
    state: WatchedState


class StockAnswers:
    """The answers kept, least recently used first out, and the watch that says they hold."""

    def __init__(self, watch: StateWatch | None, *, size: int = KEPT_ANSWERS) -> None:
        self._watch = watch
        self._size = size
        self._kept: OrderedDict[Hashable, _Kept] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self._watch is not None

    def answer(self, key: Hashable) -> KeptAnswer | None:
        """The answer kept under ``key`` if the stock is still as it was read, else None
        (then compute it through ``reading`` and ``keep`` it). Never waits for the
        database. What is scripted is the caller's to judge (``KeptAnswer.state``)."""
        if self._watch is None:
            return None
        kept = self._kept.get(key)
        if kept is None or search.holds_check_due():
            return None
        state = self._watch.read()
        if state is None or state.stock_version != kept.version:
            return None
        self._kept.move_to_end(key)
        return KeptAnswer(kept.answer, state)

    def reading(
        self, key: Hashable, work: Callable[[Session], Result]
    ) -> Callable[[Session], tuple[int | None, Result]]:
        """``work`` with the stock's version read first (None where answers are not kept);
        where a kept answer already holds at that version (a scripted request, say: its
        verdict needed the database, its answer does not), that answer instead of the work."""
        if self._watch is None:
            return lambda session: (None, work(session))

        def read_then_work(session: Session) -> tuple[int | None, Result]:
            version = stock_version(session)
            kept = self._kept.get(key)
            if kept is not None and kept.version == version and not search.holds_check_due():
                answer: Result = kept.answer
                return version, answer
            return version, work(session)

        return read_then_work

    def keep(self, key: Hashable, version: int | None, answer: Any) -> None:
        if version is None or self._watch is None:
            return
        self._kept[key] = _Kept(version, answer)
        self._kept.move_to_end(key)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)

    @property
    def watch(self) -> StateWatch | None:
        return self._watch

    def close(self) -> None:
        """Forget every answer and close the watch's connection (the app is stopping)."""
        self._kept.clear()
        if self._watch is not None:
            self._watch.close()


def stock_version(session: Session) -> int:
    """The stock's version now, on the session's connection."""
    return int(driver_scalar(session, _VERSION))
