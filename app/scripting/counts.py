"""Counts requests for the rate limits by group commit, from the event loop.

Why: a rate-limited request answered on the event loop (``app.scripting.watched``) must be
counted before it is answered, and one SQLite commit per request was most of such a
request's time (the Speed issue's profile: the WAL append and its shared-memory locks). The
requests that reach their count in the same turn of the event loop are counted together, in
one transaction on the watch's connection, each with its own exact count, in order. That
connection never waits: when SQLite is busy the batch is counted on a worker thread instead,
which waits as any database work does, and the event loop goes on meanwhile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import Executor

from sqlalchemy import Engine

from app.db.state_watch import CountedRequest, StateWatch, count_requests_waiting

_Waiting = tuple[CountedRequest, "asyncio.Future[list[int]]"]


class RequestCounter:
    def __init__(self, watch: StateWatch, engine: Engine, executor: Executor) -> None:
        self._watch = watch
        self._engine = engine
        self._executor = executor
        self._waiting: list[_Waiting] = []

    async def count(self, windows: Sequence[tuple[str, int]], caller: str) -> list[int]:
        """The request counted in each (rate limit id, window start): the counts with it."""
        loop = asyncio.get_running_loop()
        counted: asyncio.Future[list[int]] = loop.create_future()
        self._waiting.append(((windows, caller), counted))
        if len(self._waiting) == 1:
            # After the requests already on their way in this turn of the loop.
            loop.call_soon(self._commit, loop)
        return await counted

    def _commit(self, loop: asyncio.AbstractEventLoop) -> None:
        batch, self._waiting = self._waiting, []
        requests = [request for request, _ in batch]
        counts = self._watch.count_requests(requests)
        if counts is not None:
            _deliver(batch, counts)
            return
        on_worker = loop.run_in_executor(
            self._executor, count_requests_waiting, self._engine, requests
        )
        on_worker.add_done_callback(lambda done: _deliver_outcome(batch, done))


def _deliver(batch: Sequence[_Waiting], counts: Sequence[list[int]]) -> None:
    for (_, counted), request_counts in zip(batch, counts, strict=True):
        if not counted.done():  # a request cancelled meanwhile was counted all the same
            counted.set_result(request_counts)


def _deliver_outcome(batch: Sequence[_Waiting], done: asyncio.Future[list[list[int]]]) -> None:
    error = asyncio.CancelledError() if done.cancelled() else done.exception()
    if error is None:
        _deliver(batch, done.result())
        return
    for _, counted in batch:
        if not counted.done():
            counted.set_exception(error)
