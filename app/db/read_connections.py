"""PostgreSQL connections for stock reads: one per provider-call thread, in autocommit.

Why: through a session, a stock read on PostgreSQL cost five round trips (the pool's ping,
BEGIN, whether anything is scripted, the page, COMMIT) and SQLAlchemy's execution around
each (Speed II). A read needs no transaction of its own: each thread keeps one connection
in autocommit, on which psycopg prepares the few statement texts server-side after their
first executions, and the read path asks whether anything is scripted inside the page's own
statement, one round trip (``app.stock.reader``). A connection that fails is closed and
opened anew on the next read; the failed read goes the session's way, whose pool checks its
connections.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine


class ReadConnections:
    """One autocommit psycopg connection per thread that asks for one."""

    def __init__(self, engine: Engine) -> None:
        # The engine's own URL in libpq's spelling (psycopg takes a postgresql:// URI).
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    @property
    def errors(self) -> tuple[type[Exception], ...]:
        """What a failed connection raises (psycopg's errors)."""
        import psycopg

        return (psycopg.Error,)

    def get(self) -> Any:
        connection = getattr(self._local, "connection", None)
        if connection is None or connection.closed:
            import psycopg  # the [postgres] extra: imported only where PostgreSQL is used

            connection = psycopg.connect(self._conninfo, autocommit=True)
            # Its statements are the listing's few shapes, prepared: one generic plan each,
            # instead of PostgreSQL planning again for each request's values (its default
            # for a statement whose custom plans look cheaper): 10% less of the server's
            # time a read (Speed II, bench/profile.py --postgres-url).
            connection.execute("SET plan_cache_mode = force_generic_plan")
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        return connection

    def discard(self) -> None:
        """Close this thread's connection (it failed); the next read opens another."""
        connection = getattr(self._local, "connection", None)
        self._local.connection = None
        if connection is not None:
            connection.close()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()


def read_connections_for(engine: Engine) -> ReadConnections | None:
    """Per-thread read connections where the engine is PostgreSQL with psycopg, else None."""
    if engine.dialect.name != "postgresql" or engine.dialect.driver != "psycopg":
        return None
    return ReadConnections(engine)
