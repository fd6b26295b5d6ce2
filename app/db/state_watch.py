"""Reads, without ever waiting, the state that decides whether a kept answer still holds.

``StateWatch.read()`` runs on the event loop, on every request of the hot provider routes:
one query of two tiny tables on a connection of its own (about 6 µs), answering the stock's
version (``app.db.models.StockVersion``, moved by SQLite triggers whoever writes) and
whether anything is scripted (a fault or a rate limit: their verdicts need the database).
The connection never waits for a lock (``timeout=0``): should SQLite be busy, or the file be
gone, ``read()`` answers None and the request takes the worker-thread path like any other.

SQLite files only: an in-memory database is one connection shared by the whole process (a
second connection would see another, empty database), and PostgreSQL would need a round
trip per request, the very cost the kept answers save (see ``StockVersion``).
"""

from __future__ import annotations

import sqlite3
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


class StateWatch:
    """The stock's version and whether anything is scripted, read on a connection of its own."""

    def __init__(self, database: str) -> None:
        self._database = database
        self._connection: sqlite3.Connection | None = None
        self._data_version: int | None = None
        self._state: WatchedState | None = None
        # The event loop is the only reader in a server; tests may drive an app from another
        # thread, one at a time.
        self._lock = threading.Lock()

    def read(self) -> WatchedState | None:
        """The state now, or None when it cannot be read at once (busy, missing, not
        migrated): then nothing kept may be used."""
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
            return self._state

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None


def state_watch_for(engine: Engine) -> StateWatch | None:
    """A watch for ``engine``'s database, or None where answers are never kept."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        return None
    if database.startswith("file:"):
        return None  # a URI database (shared-cache memory, say): not worth the guesswork
    return StateWatch(database)
