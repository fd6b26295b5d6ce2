"""Records every provider request in the journal, before its response leaves.

Written before the response so that a test reading the journal right after its request
finds it, on any replica. Under load the writes are grouped: while one batch is being
committed, the next requests' records gather, and each response leaves once the batch
holding its record is committed (group commit: one transaction for many requests). It sits
outside the tracking middleware, so even a 500 that middleware renders is journaled. Each
record keeps the request's and the response's headers and bodies (the first 64 KiB) for the
console; the Authorization and Cookie headers are never stored.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.journal import repository as journal_repository
from app.journal.repository import JournalRecord

logger = logging.getLogger("numbers_mock.journal")

_CALLER = "numbers_mock.journal.caller"


def note_caller(scope: Scope, organization_id: str | None, sub: str) -> None:
    """Record who made this request, once its credential is checked: the journal's entry
    names them. (The ASGI scope's state is the one channel from a route to its middleware.)"""
    scope.setdefault("state", {})[_CALLER] = (organization_id, sub)


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
        exchange = _Exchange(started=time.perf_counter(), received_at=datetime.now(UTC))

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                exchange.request_body.keep(message.get("body", b""))
            return message

        async def send_after_journaling(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and getattr(scope.get("route"), "operation_id", None) not in self._operations
            ):
                exchange.passing_through = True
            if exchange.passing_through:
                await send(message)
                return
            # A journaled response is held until its last body part: its record (with the
            # body) is committed first, then the response leaves.
            exchange.held.append(message)
            if message["type"] == "http.response.body":
                exchange.response_body.keep(message.get("body", b""))
                if message.get("more_body", False):
                    return
            else:
                return
            await self._journal(self._record(scope, exchange))
            for held in exchange.held:
                await send(held)
            exchange.held.clear()

        await self.app(scope, receive_and_keep, send_after_journaling)

    def _record(self, scope: Scope, exchange: _Exchange) -> JournalRecord:
        start = exchange.held[0]
        state = scope.get("state", {})
        caller_organization, sub = state.get(_CALLER, (None, None))
        organization_id = caller_organization or scope.get("path_params", {}).get("organizationId")
        return JournalRecord(
            tracking_id=state.get("tracking_id", ""),
            operation=getattr(scope.get("route"), "operation_id", ""),
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            status=start["status"],
            duration_ms=round((time.perf_counter() - exchange.started) * 1000, 3),
            received_at=exchange.received_at,
            organization_id=organization_id,
            sub=sub,
            request_headers=_headers_json(scope.get("headers", [])),
            request_body=exchange.request_body.text(),
            response_headers=_headers_json(start.get("headers", [])),
            response_body=exchange.response_body.text(),
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


# Bodies are kept up to this many bytes: a page of 99 stock items is about 40 KB.
MAX_BODY_BYTES = 65_536
# Never stored: credentials.
_SECRET_HEADERS = frozenset({b"authorization", b"cookie", b"proxy-authorization"})


class _Body:
    """The first MAX_BODY_BYTES of a body, as text (None when empty)."""

    def __init__(self) -> None:
        self._kept = bytearray()
        self._cut = False

    def keep(self, chunk: bytes) -> None:
        room = MAX_BODY_BYTES - len(self._kept)
        self._kept += chunk[:room]
        self._cut = self._cut or len(chunk) > room

    def text(self) -> str | None:
        if not self._kept:
            return None
        text = self._kept.decode("utf-8", errors="replace")
        return text + "\n[cut at 64 KiB]" if self._cut else text


@dataclass
class _Exchange:
    """One request on its way through: when it came, what it sent, the response so far."""

    started: float
    received_at: datetime
    request_body: _Body = field(default_factory=_Body)
    response_body: _Body = field(default_factory=_Body)
    held: list[Message] = field(default_factory=list)
    passing_through: bool = False  # not a provider operation: nothing to journal


def _headers_json(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """Headers as a JSON object (repeated names joined with ", "), credentials left out."""
    kept: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if raw_name.lower() in _SECRET_HEADERS:
            continue
        value = raw_value.decode("latin-1")
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return json.dumps(kept)
