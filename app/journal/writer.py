"""Writes journal records by group commit: while one batch is being committed, the next
requests' records gather, and each request resumes once the batch holding its record is
committed (one transaction for many requests)."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import Engine

from app.journal import repository
from app.journal.repository import JournalRecord

logger = logging.getLogger("numbers_mock.journal")


class GroupCommitWriter:
    def __init__(self, engine: Engine, *, keep: int) -> None:
        self._engine = engine
        self._keep = keep
        self._waiting: list[tuple[JournalRecord, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, record: JournalRecord) -> None:
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
                await asyncio.to_thread(self._write, [record for record, _ in batch])
            finally:
                # Whatever happened to the write, no response waits on it for ever.
                for _, written in batch:
                    if not written.done():
                        written.set_result(None)

    def _write(self, records: list[JournalRecord]) -> None:
        try:
            with self._engine.begin() as connection:
                repository.add_entries(connection, records, keep=self._keep)
        except Exception:
            # The answer matters more than its record: never fail (or hold up) a request, or
            # the requests batched with it, over the journal.
            tracking_ids = ", ".join(record.tracking_id for record in records)
            logger.warning("could not journal trackingId=%s", tracking_ids, exc_info=True)
