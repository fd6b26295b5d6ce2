"""The kept answers and the watch that says whether they still hold."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from app.db.engine import create_db_engine
from app.db.migrations import upgrade_to_head
from app.db.state_watch import CountedRequest, StateWatch, WatchedState, state_watch_for
from app.scripting.counts import RequestCounter
from app.stock import search
from app.stock.answers import StockAnswers
from app.stock.search import holds_check_due  # before any test replaces it


class _Watch(StateWatch):
    """A watch whose state the test sets."""

    def __init__(self) -> None:
        super().__init__(":unused:")
        self.state: WatchedState | None = WatchedState(stock_version=1)

    def read(self) -> WatchedState | None:
        return self.state


def _answer(answers: StockAnswers, key: str) -> object:
    kept = answers.answer(key)
    return None if kept is None else kept.answer


@pytest.fixture(autouse=True)
def _no_hold_check_due(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "holds_check_due", lambda: False)


def test_an_answer_holds_while_the_version_is_the_one_it_was_read_at() -> None:
    watch = _Watch()
    answers = StockAnswers(watch)
    answers.keep("page", 1, b"answer")
    assert _answer(answers, "page") == b"answer"
    watch.state = WatchedState(stock_version=2)
    assert answers.answer("page") is None
    assert answers.answer("another page") is None


def test_a_kept_answer_comes_with_the_state_it_holds_in_and_none_when_unreadable() -> None:
    watch = _Watch()
    answers = StockAnswers(watch)
    answers.keep("page", 1, b"answer")
    watch.state = WatchedState(stock_version=1, faults=True)
    kept = answers.answer("page")
    assert kept is not None
    assert (kept.answer, kept.state.scripted) == (b"answer", True)
    watch.state = None
    assert answers.answer("page") is None


def test_a_due_hold_check_comes_before_any_kept_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = StockAnswers(_Watch())
    answers.keep("page", 1, b"answer")
    monkeypatch.setattr(search, "holds_check_due", lambda: True)
    assert answers.answer("page") is None


def test_the_least_recently_used_answer_goes_first() -> None:
    answers = StockAnswers(_Watch(), size=2)
    answers.keep("a", 1, b"a")
    answers.keep("b", 1, b"b")
    assert _answer(answers, "a") == b"a"  # now b is the least recently used
    answers.keep("c", 1, b"c")
    assert [_answer(answers, key) for key in "abc"] == [b"a", None, b"c"]


def test_without_a_watch_nothing_is_kept() -> None:
    answers = StockAnswers(None)
    answers.keep("page", 1, b"answer")
    assert not answers.enabled
    assert answers.answer("page") is None


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
        assert (state.stock_version, state.faults, state.scripted) == (5, False, True)
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
