"""Writes journal records by group commit, off the requests' path.

A request hands its record over (``submit``, as a function that builds it: built here, on
the writer's thread) and its response leaves at once; a background task commits what has
gathered in one transaction while the next records gather. Readers of
the journal ``flush`` first: every record submitted before the call is then committed, so a
journal read on this server always shows the requests answered before it. Another replica
sees them once their batch commits (``COMMIT_BOUND_SECONDS``); a crash loses at most the
records not yet committed, never anything else (inventory changes commit with their request).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy import Engine

from app.journal import repository
from app.journal.repository import JournalRecord

logger = logging.getLogger("numbers_mock.journal")

RecordSource = Callable[[], JournalRecord]

# How long a flush waits for the batches before it; a batch is one multi-row insert, so it
# takes milliseconds unless the database stalls (then the read goes ahead without them).
COMMIT_BOUND_SECONDS = 5.0
# How long records gather before a batch is written, unless a reader flushes first: under
# load, one commit per this many seconds instead of one per request or two. Every commit
# also makes each reader of the database fetch its pages again (app.db.state_watch reads on
# every hot request), and each batch trims the journal once, so fewer, larger batches cost
# less than the records they carry: 0.2 s instead of 0.05 s took about 8% off a varied
# request's server CPU (Speed II, bench/profile.py --no-sample). Another replica still sees
# a request well within the README's 1 s; a reader here flushes first.
GATHER_SECONDS = 0.2
# A batch is written once its records hold this much, gathered or not: each holds its
# request's scope and bodies until then, and its text while the batch is written. Without
# it, 0.2 s of a page walk or of a load of 4,000 requests a second held 20-25 MiB more at
# peak (bench/run.py's memory rows).
BATCH_BYTES = 1024 * 1024
RECORD_OVERHEAD_BYTES = 2048  # the scope, the exchange and the record built from them


class GroupCommitWriter:
    def __init__(self, engine: Engine, *, keep: int) -> None:
        self._engine = engine
        self._keep = keep
        self._waiting: list[RecordSource] = []
        self._waiting_bytes = 0  # what the waiting records hold, roughly
        self._submitted = 0
        self._committed = 0  # written, or given up on: never waited on again
        self._flushes: list[tuple[int, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._flush_wanted: asyncio.Event | None = None  # the writer's loop's

    def submit(self, record: RecordSource, *, size: int = 0) -> None:
        """Queue the record ``record()`` builds for the next batch; never waits. ``size``:
        the bytes it holds until then (its bodies)."""
        self._waiting.append(record)
        self._waiting_bytes += size + RECORD_OVERHEAD_BYTES
        self._submitted += 1
        self._start_writer()
        if self._waiting_bytes >= BATCH_BYTES and self._flush_wanted is not None:
            self._flush_wanted.set()  # a full batch goes now: what waits is held in memory

    async def flush(self) -> None:
        """Returns once every record submitted before the call is committed (or, should the
        database stall, after ``COMMIT_BOUND_SECONDS``)."""
        if self._committed >= self._submitted:
            return
        done = asyncio.get_running_loop().create_future()
        self._flushes.append((self._submitted, done))
        self._start_writer()
        if self._flush_wanted is not None:
            self._flush_wanted.set()
        try:
            await asyncio.wait_for(asyncio.shield(done), COMMIT_BOUND_SECONDS)
        except TimeoutError:
            logger.warning("journal flush gave up after %.0f s", COMMIT_BOUND_SECONDS)

    def _start_writer(self) -> None:
        loop = asyncio.get_running_loop()
        writer = self._writer
        # One writer per event loop at a time (an app may outlive the loop that served it).
        if writer is None or writer.done() or writer.get_loop() is not loop:
            self._flush_wanted = asyncio.Event()
            self._writer = loop.create_task(self._write_batches(self._flush_wanted))

    async def _write_batches(self, flush_wanted: asyncio.Event) -> None:
        self._wake_flushes()
        while self._waiting:
            if not self._flushes:
                flush_wanted.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(flush_wanted.wait(), GATHER_SECONDS)
            batch, self._waiting, self._waiting_bytes = self._waiting, [], 0
            try:
                await asyncio.to_thread(self._write, batch)
            finally:
                self._committed += len(batch)
                self._wake_flushes()

    def _wake_flushes(self) -> None:
        waiting = []
        for target, done in self._flushes:
            if self._committed < target:
                waiting.append((target, done))
            elif not done.done() and not done.get_loop().is_closed():
                done.set_result(None)
        self._flushes = waiting

    def _write(self, sources: list[RecordSource]) -> None:
        records: list[JournalRecord] = []
        try:
            records = [record() for record in sources]
            with self._engine.begin() as connection:
                repository.add_entries(connection, records, keep=self._keep)
        except Exception:
            # The answer matters more than its record: never fail a request, or the requests
            # batched with it, over the journal.
            tracking_ids = ", ".join(record.tracking_id for record in records)
            logger.warning("could not journal trackingId=%s", tracking_ids, exc_info=True)
