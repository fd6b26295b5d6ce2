"""The response cache, the read path's use of it, and the watch that says whether a cached
answer still holds."""

from __future__ import annotations

import asyncio
import sqlite3
import time
import tracemalloc
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from app.db.engine import create_db_engine
from app.db.migrations import upgrade_to_head
from app.db.state_watch import (
    CountedRequest,
    StateWatch,
    WatchedFault,
    WatchedState,
    state_watch_for,
)
from app.scripting.counts import RequestCounter
from app.scripting.runner import ScriptedCall
from app.stock import search
from app.stock.response_cache import ResponseCache
from app.stock.search import holds_check_due  # before any test replaces it
from app.web.read_path import ReadPath


class _Watch(StateWatch):
    """A watch whose state the test sets."""

    def __init__(self) -> None:
        super().__init__(":unused:")
        self.state: WatchedState | None = WatchedState(stock_version=1)

    def read(self) -> WatchedState | None:
        return self.state


_CALL = ScriptedCall(operation="listStockItems", organization_id="acme", caller="acme")
_KEY = ("/page", b"")


def _read_path(watch: StateWatch | None) -> ReadPath:
    engine = create_engine("sqlite://")
    return ReadPath(
        sessions=sessionmaker(engine),
        dialect=engine.dialect,
        watch=watch,
        reads=None,
        counter=None,
        executor=ThreadPoolExecutor(max_workers=1),
        seed=1,
    )


def _cached(read_path: ReadPath) -> bytes | None:
    cached = asyncio.run(read_path.cached(_KEY, _CALL))
    return None if cached is None else cached.result


@pytest.fixture(autouse=True)
def _no_hold_check_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "holds_check_due", lambda: False)


def test_an_answer_holds_while_the_version_is_the_one_it_was_read_at() -> None:
    answers = ResponseCache()
    answers.keep(("page", b""), 1, b"answer")
    assert answers.get(("page", b""), 1) == b"answer"
    assert answers.get(("page", b""), 2) is None
    assert answers.get(("another page", b""), 1) is None


def test_a_cached_answer_is_used_only_while_no_fault_may_fire_on_it() -> None:
    """A fault that may fire sends the request the worker's way; an unreadable state uses
    nothing cached."""
    watch = _Watch()
    read_path = _read_path(watch)
    read_path.answers.keep(_KEY, 1, b"answer")
    assert _cached(read_path) == b"answer"
    watch.state = WatchedState(stock_version=1, faults=(WatchedFault("listStockItems", None),))
    assert _cached(read_path) is None
    # A fault on another operation, or for another organization, cannot fire on it.
    watch.state = WatchedState(
        stock_version=1,
        faults=(WatchedFault("numbersReleaseNumber", None), WatchedFault("*", "another-org")),
    )
    assert _cached(read_path) == b"answer"
    watch.state = None
    assert _cached(read_path) is None
    watch.state = WatchedState(stock_version=2)
    assert _cached(read_path) is None


def test_a_due_hold_check_comes_before_any_cached_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    read_path = _read_path(_Watch())
    read_path.answers.keep(_KEY, 1, b"answer")
    monkeypatch.setattr(search, "holds_check_due", lambda: True)
    assert _cached(read_path) is None


def test_the_least_recently_used_answer_goes_first_once_the_byte_budget_is_spent() -> None:
    answer = b"x" * 1000
    answers = ResponseCache(byte_budget=2 * (len(answer) + 500))  # two answers and their keys
    answers.keep(("a", b""), 1, answer)
    answers.keep(("b", b""), 1, answer)
    assert answers.get(("a", b""), 1) == answer  # now b is the least recently used
    answers.keep(("c", b""), 1, answer)
    assert [answers.get((key, b""), 1) for key in "abc"] == [answer, None, answer]
    assert answers.bytes_used <= 2 * (len(answer) + 500)


def test_an_answer_larger_than_the_budget_is_not_cached() -> None:
    answers = ResponseCache(byte_budget=1000)
    answers.keep(("big", b""), 1, b"x" * 2000)
    assert answers.get(("big", b""), 1) is None
    assert answers.bytes_used == 0


def test_the_memory_answers_hold_stays_within_the_byte_budget() -> None:
    # orjson's bytes keep the 4 KiB or more they were written in: kept as they came, 100 KB
    # of tiny answers held over a megabyte.
    budget = 100_000
    answers = ResponseCache(byte_budget=budget)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for index in range(2000):
            answers.keep((f"/numbers/available?n={index}", b""), 1, orjson.dumps({"numbers": []}))
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert answers.get(("/numbers/available?n=1999", b""), 1) == b'{"numbers":[]}'
    assert held < 1.1 * budget


def test_without_a_watch_nothing_cached_is_used() -> None:
    read_path = _read_path(None)
    read_path.answers.keep(_KEY, 1, b"answer")
    assert _cached(read_path) is None


def test_only_sqlite_files_are_watched(tmp_path: Path) -> None:
    assert state_watch_for(create_engine("sqlite://")) is None
    assert state_watch_for(create_engine("postgresql+psycopg://u@h/db")) is None
    assert state_watch_for(create_engine(f"sqlite:///{tmp_path / 'n.db'}")) is not None


@pytest.fixture
def migrated(tmp_path: Path) -> str:
    path = str(tmp_path / "numbers.db")
    engine = create_db_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return path


def test_the_watch_reads_the_version_and_whether_anything_is_scripted(migrated: str) -> None:
    watch = StateWatch(migrated)
    try:
        assert watch.read() == WatchedState(stock_version=0)
        other = sqlite3.connect(migrated)
        other.execute("UPDATE stock_version SET version = 5")
        other.execute(
            'INSERT INTO rate_limits (id, operation, "limit", window_seconds, created_at) '
            "VALUES ('r', '*', 1, 60, CURRENT_TIMESTAMP)"
        )
        other.commit()
        other.close()
        state = watch.read()
        assert state is not None
        assert (state.stock_version, state.faults, state.scripted) == (5, (), True)
        assert [(r.id, r.operation, r.limit, r.window_seconds) for r in state.rate_limits] == [
            ("r", "*", 1, 60)
        ]
    finally:
        watch.close()


def test_the_watch_never_waits_for_a_lock(migrated: str) -> None:
    """Another connection holding SQLite's exclusive lock: the watch answers None at once
    (the request then computes on a worker thread), and reads again once the lock goes."""
    watch = StateWatch(migrated)
    holder = sqlite3.connect(migrated, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE stock_version SET version = version + 1")
        started = time.perf_counter()
        assert watch.read() is None
        assert time.perf_counter() - started < 0.5
        holder.execute("COMMIT")
        holder.close()  # the exclusive lock goes with its connection
        assert watch.read() == WatchedState(stock_version=1)
    finally:
        holder.close()
        watch.close()


def test_a_missing_database_is_not_created_by_the_watch(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    assert StateWatch(str(missing)).read() is None
    assert not missing.exists()


def test_holds_check_due_follows_the_search_timer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "_next_hold_check", time.monotonic() + 60)
    assert not holds_check_due()
    monkeypatch.setattr(search, "_next_hold_check", 0.0)
    assert holds_check_due()


def test_requests_counted_in_one_turn_of_the_loop_share_one_transaction(migrated: str) -> None:
    """Each gets its own count, in order; the watch commits once for all of them."""
    engine = create_db_engine(f"sqlite:///{migrated}")
    watch = StateWatch(migrated)
    other = sqlite3.connect(migrated)
    other.execute(
        'INSERT INTO rate_limits (id, operation, "limit", window_seconds, created_at) '
        "VALUES ('r', '*', 100, 60, CURRENT_TIMESTAMP)"
    )
    other.commit()
    other.close()
    batches: list[int] = []
    real = watch.count_requests

    def spied(requests: Sequence[CountedRequest]) -> list[list[int]] | None:
        batches.append(len(requests))
        return real(requests)

    watch.count_requests = spied  # type: ignore[method-assign]
    counter = RequestCounter(watch, engine, ThreadPoolExecutor(max_workers=1))

    async def five_at_once() -> list[list[int]]:
        return list(await asyncio.gather(*(counter.count([("r", 0)], "acme") for _ in range(5))))

    try:
        assert asyncio.run(five_at_once()) == [[1], [2], [3], [4], [5]]
        assert batches == [5]
        assert asyncio.run(five_at_once()) == [[6], [7], [8], [9], [10]]
    finally:
        watch.close()
        engine.dispose()
