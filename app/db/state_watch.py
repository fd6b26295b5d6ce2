"""Reads, without ever waiting, the state that decides whether a cached answer still holds.

``StateWatch.read()`` runs on the event loop, on every request of the hot provider routes,
and answers the stock's version (``app.db.models.StockVersion``, moved by SQLite triggers
whoever writes) and what is scripted (the live faults' operations and organizations, the
rate limits), so that a request no fault can fire on is judged without a worker.

Most of the time nothing has been committed since the last read, and the watch knows it
without calling SQLite: every commit, by any connection of any process, rewrites the
WAL-index header at the start of the database's ``-shm`` file (two copies, written one
after the other: https://www.sqlite.org/walformat.html, 2.1), which the watch maps and
compares, as SQLite's own readers do. Why: a query, even ``PRAGMA data_version``, takes
SQLite's shared-memory locks (system calls) and lets go of the interpreter lock; under load
the journal's writer thread then held the event loop up for 49 µs per request on average
(Speed issue, measured in the server). When the header moved, or cannot be read, the watch
queries its own connection, which never waits for a lock (``timeout=0``): should SQLite be
busy, or the file be gone, ``read()`` answers None and the request takes the worker-thread
path like any other.

SQLite files only: an in-memory database is one connection shared by the whole process (a
second connection would see another, empty database), and PostgreSQL would need a round
trip per request, the very cost the response cache saves (see ``StockVersion``).
"""

from __future__ import annotations

import mmap
import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Engine

from app.db.models import Fault, RateLimit, RateLimitCounter, StockVersion

_STOCK = f"SELECT version FROM {StockVersion.__tablename__} WHERE id = 1"
# The faults that may still fire (a spent one no longer sends requests the worker's way).
_FAULTS = (
    f"SELECT operation, organization_id FROM {Fault.__tablename__} "
    "WHERE times_remaining IS NULL OR times_remaining > 0"
)
_RATE_LIMITS = (
    f'SELECT id, operation, organization_id, "limit", window_seconds FROM {RateLimit.__tablename__}'
)
_COUNTERS = RateLimitCounter.__tablename__
# One request more in a window (as app.scripting.repository.count_request counts it).
_COUNT = (
    f"INSERT INTO {_COUNTERS} (rate_limit_id, caller, window_start, count) VALUES (?, ?, ?, 1) "
    "ON CONFLICT (rate_limit_id, caller, window_start) DO UPDATE SET count = count + 1 "
    "RETURNING count"
)
_DROP_OLDER_WINDOWS = f"DELETE FROM {_COUNTERS} WHERE rate_limit_id = ? AND window_start < ?"


_Read = TypeVar("_Read")
READ_CACHE_BYTES = 4 * 1024 * 1024  # the watch connection's page cache (SQLite's cache_size)
# A request to count: its (rate limit id, window start) pairs, and its caller.
CountedRequest = tuple[Sequence[tuple[str, int]], str]


class WatchedRateLimit(NamedTuple):
    """A rate limit as the watch read it (``app.scripting.script.RateLimitRule``)."""

    id: str
    operation: str
    organization_id: str | None
    limit: int
    window_seconds: int


class WatchedFault(NamedTuple):
    """Which requests a live fault may fire on (its verdict needs the database)."""

    operation: str
    organization_id: str | None


@dataclass(frozen=True, slots=True)
class WatchedState:
    stock_version: int
    faults: tuple[WatchedFault, ...] = ()  # those that may still fire
    rate_limits: tuple[WatchedRateLimit, ...] = ()

    @property
    def scripted(self) -> bool:
        return bool(self.faults) or bool(self.rate_limits)


# The WAL-index header: 48 bytes, twice. Its first field is the format's version.
_HEADER_BYTES = 48
_WAL_INDEX_VERSION = (3007000).to_bytes(4, sys.byteorder)


class _WalIndexHeader:
    """The database's WAL-index header, read straight from the mapped ``-shm`` file."""

    def __init__(self, shm_path: str) -> None:
        with open(shm_path, "rb") as shm:
            self._map = mmap.mmap(shm.fileno(), 2 * _HEADER_BYTES, access=mmap.ACCESS_READ)
        if self._map[:4] != _WAL_INDEX_VERSION:
            self._map.close()
            raise ValueError("not a WAL-index this watch knows")

    def read(self) -> bytes | None:
        """The header now; None while a commit is rewriting it (the two copies differ)."""
        first = self._map[:_HEADER_BYTES]  # SQLite writes the second copy first
        second = self._map[_HEADER_BYTES : 2 * _HEADER_BYTES]
        return first if first == second else None

    def close(self) -> None:
        self._map.close()


class StateWatch:
    """The stock's version and whether anything is scripted, read on a connection of its own."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._connection: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._state: WatchedState | None = None
        self._header: _WalIndexHeader | None = None
        self._state_header: bytes | None = None  # the header as it was before _state was read
        # The event loop is the only reader in a server; tests may drive an app from another
        # thread, one at a time.
        self._lock = threading.Lock()

    def read(self) -> WatchedState | None:
        """The state now, or None when it cannot be read at once (busy, missing, not
        migrated): then no cached answer may be used."""
        header = self._header.read() if self._header is not None else None
        state = self._state
        if header is not None and header == self._state_header and state is not None:
            return state  # nothing committed since the state was read
        with self._lock:
            try:
                connection = self._open()
                # Unchanged when no other connection committed since the last read (this
                # one's own commits, counting requests, change no state it reads).
                (data_version,) = connection.execute("PRAGMA data_version").fetchone()
                if data_version != self._data_version or self._state is None:
                    self._state = _read_state(connection)
                    self._data_version = data_version
            except sqlite3.Error:
                self._state = None
                return None
            # Read before the state: a commit in between moved it, and the next read queries.
            self._state_header = header
            if self._header is None:
                self._header = _map_header(connection, self._database)
            return self._state

    def run(self, read: Callable[[sqlite3.Connection], _Read]) -> _Read | None:
        """``read`` on the watch's connection, which never waits: None when SQLite is busy
        (or the file is gone); then the caller reads on a worker thread, which waits. Any
        other error of ``read`` is the caller's."""
        with self._lock:
            try:
                return read(self._open())
            except sqlite3.Error:
                return None

    def count_requests(self, requests: Sequence[CountedRequest]) -> list[list[int]] | None:
        """One request more for each request's caller in each of its (rate limit id, window
        start), all in one short transaction; each request's counts with it. None, counting
        nothing, when SQLite is busy: never waits (``count_requests_waiting`` does, on a
        worker thread)."""
        with self._lock:
            before = self._header.read() if self._header is not None else None
            try:
                connection = self._open()
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.Error:
                return None
            try:
                counts = _count_all(connection, requests)
                connection.execute("COMMIT")
            except sqlite3.Error:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                return None
            self._own_commit(before)
        return counts

    def _own_commit(self, before: bytes | None) -> None:
        """After this connection's own commit: when the header moved by exactly one
        transaction since it matched the state, nobody else committed, and the state still
        holds (else the next read asks SQLite)."""
        if before is None or before != self._state_header or self._header is None:
            return
        after = self._header.read()
        if after is not None and _transactions(after) == (_transactions(before) + 1) % (1 << 32):
            self._state_header = after

    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            # Opened on first use, in the process that serves (never across a fork).
            # mode=rw: a missing file stays missing (a plain connect would create it).
            connection = sqlite3.connect(
                Path(self._database).absolute().as_uri() + "?mode=rw",
                uri=True,
                timeout=0,
                check_same_thread=False,
                isolation_level=None,
            )
            # Its commits (counting requests) never run a checkpoint on the event loop (the
            # other connections' do), and never wait for the disk, as the engine's connections
            # (app.db.engine: WAL, synchronous=NORMAL).
            connection.execute("PRAGMA wal_autocheckpoint=0")
            connection.execute("PRAGMA synchronous=NORMAL")
            # The stock reads of the event loop run here (app.web.read_path): a page cache of
            # 4 MiB (SQLite's default is 2) keeps the inventory's index and hot pages, so a
            # read seldom asks the system for a page.
            connection.execute(f"PRAGMA cache_size=-{READ_CACHE_BYTES // 1024}")
            self._connection = connection
        return self._connection

    def close(self) -> None:
        with self._lock:
            self._state = None
            if self._header is not None:
                self._header.close()
                self._header = None
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def count_requests_waiting(engine: Engine, requests: Sequence[CountedRequest]) -> list[list[int]]:
    """``StateWatch.count_requests`` on one of the engine's connections, which waits for a
    busy database as every worker does (runs on a worker thread)."""
    with engine.begin() as connection:
        return _count_all(connection.connection.driver_connection, requests)


def _count_all(connection: Any, requests: Sequence[CountedRequest]) -> list[list[int]]:
    return [
        [_count(connection, rate_limit_id, caller, start) for rate_limit_id, start in windows]
        for windows, caller in requests
    ]


def _count(connection: Any, rate_limit_id: str, caller: str, window_start: int) -> int:
    """The count with this request (as app.scripting.repository.count_request counts)."""
    (count,) = connection.execute(_COUNT, (rate_limit_id, caller, window_start)).fetchone()
    if count == 1:  # a new window: the older ones never count again
        connection.execute(_DROP_OLDER_WINDOWS, (rate_limit_id, window_start))
    return int(count)


def _transactions(header: bytes) -> int:
    """The header's iChange: one more with each transaction committed (walformat.html)."""
    return int.from_bytes(header[8:12], sys.byteorder)


def _read_state(connection: sqlite3.Connection) -> WatchedState | None:
    connection.execute("BEGIN")  # one snapshot for both reads
    try:
        row = connection.execute(_STOCK).fetchone()
        faults = connection.execute(_FAULTS).fetchall()
        rate_limits = connection.execute(_RATE_LIMITS).fetchall()
    finally:
        connection.execute("COMMIT")
    if row is None:
        return None
    return WatchedState(
        stock_version=int(row[0]),
        faults=tuple(WatchedFault(*fault) for fault in faults),
        rate_limits=tuple(WatchedRateLimit(*limit) for limit in rate_limits),
    )


def _map_header(connection: sqlite3.Connection, database: str) -> _WalIndexHeader | None:
    """The WAL-index header of a database in WAL mode (which our open connection keeps from
    being removed), or None: then every read queries."""
    (journal_mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    if str(journal_mode).lower() != "wal":
        return None
    try:
        return _WalIndexHeader(str(Path(database).absolute()) + "-shm")
    except (OSError, ValueError):
        return None


def state_watch_for(engine: Engine) -> StateWatch | None:
    """A watch for ``engine``'s database, or None where answers are never cached."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):
        return None  # a URI database (shared-cache memory, say): not worth the guesswork
    return StateWatch(database)
