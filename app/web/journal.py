"""Records every provider request in the journal as its response leaves.

What the exchange was is handed to ``app.journal.writer`` before the response's last part is
sent, and journal reads flush the writer first, so a test reading the journal right after its
request finds it. The record is built and written with others on the writer's thread, off the
request's path: on it, only references are kept (building the record there cost a tenth of a
hot request, the Speed issue's profile). It sits
outside the tracking middleware, so even a 500 that middleware renders is journaled. Each
record keeps the request's and the response's headers and bodies (the first 64 KiB) for the
console; the Authorization and Cookie headers are never stored.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.byte_budget import ByteBudgetCache
from app.journal.repository import JournalRecord
from app.journal.writer import GroupCommitWriter
from app.web.transport import met_transport_fault

_CALLER = "numbers_mock.journal.caller"


def note_caller(scope: Scope, organization_id: str | None, sub: str) -> None:
    """Record who made this request, once its credential is checked: the journal's entry
    names them. (The ASGI scope's state is the one channel from a route to its middleware.)"""
    scope.setdefault("state", {})[_CALLER] = (organization_id, sub)


class JournalMiddleware:
    def __init__(
        self, app: ASGIApp, *, writer: GroupCommitWriter, operations: Collection[str]
    ) -> None:
        self.app = app
        self._writer = writer
        self._operations = frozenset(operations)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = _Exchange(started=time.perf_counter(), received_at=time.time())

        async def receive_and_keep() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                exchange.request_body.keep(message.get("body", b""))
            return message

        async def send_and_record(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and getattr(scope.get("route"), "operation_id", None) not in self._operations
            ):
                exchange.passing_through = True
            if exchange.passing_through:
                await send(message)
                return
            if message["type"] == "http.response.start":
                exchange.start = message
            elif message["type"] == "http.response.body":
                exchange.response_body.keep(message.get("body", b""))
                if not message.get("more_body", False):
                    exchange.finished = time.perf_counter()
                    # Handed over before the last part leaves: a journal read that follows
                    # the response (which flushes) finds it.
                    self._writer.submit(
                        functools.partial(_record, scope, exchange), size=exchange.size
                    )
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_record)
        finally:
            broken = met_transport_fault(scope)
            if broken is not None and exchange.finished == 0.0:
                # A transport fault broke the connection instead of answering: journaled
                # with the fault, and the status line it sent, if any.
                exchange.finished = time.perf_counter()
                exchange.response_body.keep(broken.sent.partition(b"\r\n\r\n")[2])
                self._writer.submit(functools.partial(_record, scope, exchange), size=exchange.size)


def _record(scope: Scope, exchange: _Exchange) -> JournalRecord:
    """The journal's record of a finished exchange (built on the writer's thread)."""
    start = exchange.start
    state = scope.get("state", {})
    broken = met_transport_fault(scope)
    caller_organization, sub = state.get(_CALLER, (None, None))
    organization_id = caller_organization or scope.get("path_params", {}).get("organizationId")
    return JournalRecord(
        tracking_id=state.get("tracking_id", ""),
        operation=getattr(scope.get("route"), "operation_id", ""),
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        status=start["status"] if broken is None else broken.status,
        fault=None if broken is None else broken.fault,
        duration_ms=round((exchange.finished - exchange.started) * 1000, 3),
        received_at=datetime.fromtimestamp(exchange.received_at, UTC),
        organization_id=organization_id,
        sub=sub,
        # A client sends the same headers request after request: turned into JSON once.
        request_headers=_request_headers_json(scope.get("headers", ())),
        request_body=exchange.request_body.text(),
        response_headers=None if broken is not None else _headers_json(start.get("headers", ())),
        response_body=exchange.response_body.text(),
    )


# Bodies are kept up to this many bytes: a page of 99 stock items is about 40 KB.
MAX_BODY_BYTES = 65_536
# Never stored: credentials.
_SECRET_HEADERS = frozenset({b"authorization", b"cookie", b"proxy-authorization"})


class _Body:
    """The first MAX_BODY_BYTES of a body, as text (None when empty)."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []  # as sent: joined and decoded on the writer's thread
        self._size = 0

    @property
    def size(self) -> int:
        return self._size

    def keep(self, chunk: bytes) -> None:
        if chunk and self._size <= MAX_BODY_BYTES:
            self._chunks.append(chunk)
            self._size += len(chunk)

    def text(self) -> str | None:
        if not self._size:
            return None
        kept = self._chunks[0] if len(self._chunks) == 1 else b"".join(self._chunks)
        if len(kept) > MAX_BODY_BYTES:
            return _decoded(kept)  # never remembered: a big body must not stay in memory
        return _remembered_text(kept)


def _decoded(kept: bytes) -> str:
    text = kept[:MAX_BODY_BYTES].decode("utf-8", errors="replace")
    return text + "\n[cut at 64 KiB]" if len(kept) > MAX_BODY_BYTES else text


# A cached answer is sent as the same bytes every time (app.stock.response_cache): decoded once, and
# the same text then finds its digest at once (app.journal.repository.body_digest). At most
# 16 bodies of at most MAX_BODY_BYTES each are remembered, with their texts. A body first
# sent is orjson's buffer, which can hold up to twice its length (a cached one is an exact
# copy, app.stock.response_cache): 3 MiB at worst, a few hundred KB for pages of 10.
@functools.lru_cache(maxsize=16)
def _remembered_text(kept: bytes) -> str:
    return _decoded(kept)


@dataclass
class _Exchange:
    """One request on its way through: when it came, what it sent, the response so far."""

    started: float  # time.perf_counter()
    received_at: float  # time.time()
    finished: float = 0.0  # time.perf_counter(), as the last part of the answer left
    request_body: _Body = field(default_factory=_Body)
    response_body: _Body = field(default_factory=_Body)
    start: Message = field(default_factory=dict)  # http.response.start, once sent
    passing_through: bool = False  # not a provider operation: nothing to journal

    @property
    def size(self) -> int:
        """The bytes of its bodies (kept until the record is written)."""
        return self.request_body.size + self.response_body.size


def _headers_json(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """Headers as a JSON object (repeated names joined with ", "), credentials left out."""
    kept: dict[str, str] = {}
    for raw_name, raw_value in headers:
        name = raw_name.decode("latin-1").lower()
        if raw_name.lower() in _SECRET_HEADERS:
            continue
        value = raw_value.decode("latin-1")
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return orjson.dumps(kept).decode()


def _request_headers_json(headers: Iterable[tuple[bytes, bytes]]) -> str:
    """``_headers_json``, once per distinct set (a server may send lists, not tuples)."""
    try:
        return _remembered_headers_json(tuple(headers))
    except TypeError:
        return _headers_json(headers)


def _remembered_headers_json(headers: tuple[tuple[bytes, bytes], ...]) -> str:
    text = _HEADERS_JSON.get(headers)
    if text is None:
        text = _headers_json(headers)
        _HEADERS_JSON.put(headers, text, 2 * len(text) + _HEADERS_OVERHEAD)
    return text


# The JSON of the request headers seen last (clients send the same ones request after
# request): 1 MiB of them (the headers and their text, about twice the text).
_HEADERS_JSON: ByteBudgetCache[tuple[tuple[bytes, bytes], ...], str] = ByteBudgetCache(1024 * 1024)
_HEADERS_OVERHEAD = 400
