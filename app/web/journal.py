"""Records every provider request in the journal, before its response leaves.

Written before the response so that a test reading the journal right after its request
finds it, on any replica. Under load the writes are grouped: while one batch is being
committed, the next requests' records gather, and each response leaves once the batch
holding its record is committed (group commit: one transaction for many requests). It sits
outside the tracking middleware, so even a 500 that middleware renders is journaled; the
Authorization header is never stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Collection
from datetime import UTC, datetime

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import journal_repository
from app.journal_repository import JournalRecord

logger = logging.getLogger("numbers_mock.journal")


class JournalMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        engine: Engine,
        journal_size: int,
        operations: Collection[str],
    ) -> None:
        self.app = app
        self._engine = engine
        self._keep = journal_size
        self._operations = frozenset(operations)
        self._waiting: list[tuple[JournalRecord, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        received_at = datetime.now(UTC)

        async def send_after_journaling(message: Message) -> None:
            if message["type"] == "http.response.start":
                record = self._record(scope, message["status"], started, received_at)
                if record is not None:
                    await self._journal(record)
            await send(message)

        await self.app(scope, receive, send_after_journaling)

    def _record(
        self, scope: Scope, status: int, started: float, received_at: datetime
    ) -> JournalRecord | None:
        operation = getattr(scope.get("route"), "operation_id", None)
        if operation not in self._operations:
            return None
        state = scope.get("state", {})
        principal = state.get("principal")
        organization_id = getattr(principal, "org", None) or scope.get("path_params", {}).get(
            "organizationId"
        )
        return JournalRecord(
            tracking_id=state.get("tracking_id", ""),
            operation=operation,
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            status=status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            received_at=received_at,
            organization_id=organization_id,
            sub=getattr(principal, "sub", None),
        )

    async def _journal(self, record: JournalRecord) -> None:
        """Returns once ``record`` is committed, with whichever batch holds it."""
        loop = asyncio.get_running_loop()
        written = loop.create_future()
        self._waiting.append((record, written))
        writer = self._writer
        # One writer per event loop at a time (an app may outlive the loop that served it).
        if writer is None or writer.done() or writer.get_loop() is not loop:
            self._writer = loop.create_task(self._write_batches())
        await written

    async def _write_batches(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                await run_in_threadpool(self._write, [record for record, _ in batch])
            finally:
                # Whatever happened to the write, no response waits on it for ever.
                for _, written in batch:
                    if not written.done():
                        written.set_result(None)

    def _write(self, records: list[JournalRecord]) -> None:
        try:
            with self._engine.begin() as connection:
                journal_repository.add_entries(connection, records, keep=self._keep)
        except Exception:
            # The answer matters more than its record: never fail (or hold up) a request, or
            # the requests batched with it, over the journal.
            tracking_ids = ", ".join(record.tracking_id for record in records)
            logger.warning("could not journal trackingId=%s", tracking_ids, exc_info=True)
