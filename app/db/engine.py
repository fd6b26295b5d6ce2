"""Engine and session construction; the request-scoped session lives in the routes' deps."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool


def create_db_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite gets WAL and a busy timeout, shared threads."""
    parsed = make_url(url)
    # Enough pooled connections for the requests a worker serves at once: a request that
    # finds the pool empty opens (and then closes) a connection of its own, which costs
    # more than its query.
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": 30},
        "pool_size": 32,
        "max_overflow": 32,
    }
    if parsed.database in (None, "", ":memory:"):
        # One connection shared by every thread, or each would see its own empty database.
        options = {"connect_args": options["connect_args"], "poolclass": StaticPool}
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _configure_sqlite_connection)
    return engine


def _configure_sqlite_connection(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the seeding writer
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


# An arbitrary constant naming "numbers-mock is migrating or seeding" among advisory locks.
_STARTUP_LOCK_ID = 7_402_815_360


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """One process at a time migrates and seeds: replicas starting together wait here.

    PostgreSQL: a session advisory lock. SQLite: an exclusive lock on a file beside the
    database (pysqlite reads outside transactions, so its writer lock would come too late).
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _STARTUP_LOCK_ID})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _STARTUP_LOCK_ID})
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or database in (None, "", ":memory:"):
        yield
        return
    with open(f"{database}.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def driver_scalar(session: Session, sql: str) -> Any:
    """The first column of the first row of ``sql``, run straight on the session's driver
    connection: for the few queries that run on every provider request, where SQLAlchemy's
    own execution cost several times the query (the Speed issue's profile)."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        (value,) = cursor.fetchone()
    finally:
        cursor.close()
    return value


def changed_rows(result: object) -> int:
    """Rows an UPDATE or DELETE changed (conditional updates decide races on it)."""
    rowcount: int = getattr(result, "rowcount", 0)
    return rowcount


def describe_database(url: str) -> str:
    """Where the data lives, for the log: SQLite's absolute path, or the URL without password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return "SQLite in memory (lost when the process ends)"
        return f"SQLite file {Path(parsed.database).resolve()}"
    return parsed.render_as_string(hide_password=True)
