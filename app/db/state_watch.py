"""Reads, without ever waiting, the state that decides whether a kept answer still holds.

``StateWatch.read()`` runs on the event loop, on every request of the hot provider routes,
and answers the stock's version (``app.db.models.StockVersion``, moved by SQLite triggers
whoever writes) and whether anything is scripted (a fault or a rate limit: their verdicts
need the database).

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
trip per request, the very cost the kept answers save (see ``StockVersion``).
"""

from __future__ import annotations

import mmap
import sqlite3
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from app.db.models import Fault, RateLimit, StockVersion

_STATE = (
    f"SELECT version, EXISTS (SELECT 1 FROM {Fault.__tablename__}) "
    f"OR EXISTS (SELECT 1 FROM {RateLimit.__tablename__}) "
    f"FROM {StockVersion.__tablename__} WHERE id = 1"
)


@dataclass(frozen=True, slots=True)
class WatchedState:
    stock_version: int
    scripted: bool  # a fault or a rate limit exists


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
        migrated): then nothing kept may be used."""
        header = self._header.read() if self._header is not None else None
        state = self._state
        if header is not None and header == self._state_header and state is not None:
            return state  # nothing committed since the state was read
        with self._lock:
            try:
                if self._connection is None:
                    # Opened on first use, in the process that serves (never across a fork).
                    # mode=rw: a missing file stays missing (a plain connect would create it).
                    self._connection = sqlite3.connect(
                        Path(self._database).absolute().as_uri() + "?mode=rw",
                        uri=True,
                        timeout=0,
                        check_same_thread=False,
                        isolation_level=None,
                    )
                # Unchanged since the last read when no connection committed since: far
                # cheaper than the read itself, which any commit (the journal's too) makes
                # fetch its pages again.
                (data_version,) = self._connection.execute("PRAGMA data_version").fetchone()
                if data_version == self._data_version and self._state is not None:
                    return self._state
                row = self._connection.execute(_STATE).fetchone()
            except sqlite3.Error:
                return None
            if row is None:
                return None
            self._state = WatchedState(stock_version=int(row[0]), scripted=bool(row[1]))
            self._data_version = data_version
            # Read before the state: a commit in between moved it, and the next read queries.
            self._state_header = header
            if self._header is None:
                self._header = _map_header(self._connection, self._database)
            return self._state

    def close(self) -> None:
        with self._lock:
            if self._header is not None:
                self._header.close()
                self._header = None
            if self._connection is not None:
                self._connection.close()
                self._connection = None


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
    """A watch for ``engine``'s database, or None where answers are never kept."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):
        return None  # a URI database (shared-cache memory, say): not worth the guesswork
    return StateWatch(database)
