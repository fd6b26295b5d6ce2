"""Transport faults and dribbled bodies: what a scripted fault does below HTTP.

A transport fault (``app.scripting.script.TRANSPORT_FAULTS``) breaks the connection instead
of answering: a reset, a close with nothing sent, bytes that are not HTTP, a broken chunked
body, a body shorter than its Content-Length, or no answer at all. ASGI has no word for any
of these, so the server runs uvicorn's own HTTP protocol inside ``ConnectionAwareProtocol``,
which gives each request its connection's transport through the ASGI scope's ``state`` (the
lifespan-state copy uvicorn puts in every request's scope). ``app.web.read_path`` raises
``TransportFaultMet``, whose exception handler answers with a response that breaks the
connection instead; a dribbled answer is ``Dribbled``.

Where there is no transport (an in-process client such as Starlette's TestClient, or a
server started without ``numbers-mock serve``'s protocol), the fault is raised in the app as
``ConnectionResetError`` or ``ConnectionAbortedError``: an in-process client sees that.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from dataclasses import dataclass
from typing import Any, cast

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send
from uvicorn.protocols.http.auto import AutoHTTPProtocol

from app.scripting.script import TRANSPORT_FAULT_STATUS, Dribble, TransportFault
from app.web.responses import ProviderJSONResponse

_CONNECTION = "numbers_mock.connection"
_EFFECTS = "numbers_mock.transport"


class Connection:
    """One client connection's transport, once uvicorn has it."""

    __slots__ = ("transport",)

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None


class ConnectionAwareProtocol(asyncio.Protocol):
    """uvicorn's HTTP protocol (httptools or h11, as its ``auto`` picks), whose requests find
    their connection in ``scope["state"]``: ``numbers-mock serve`` runs uvicorn with it
    (``uvicorn --http app.web.transport:ConnectionAwareProtocol`` does the same)."""

    def __init__(self, *args: Any, app_state: dict[str, Any], **kwargs: Any) -> None:
        self._connection = Connection()
        # uvicorn copies app_state into each request's scope["state"]: a copy per connection
        # carries this connection to its requests.
        state = {**app_state, _CONNECTION: self._connection}
        self._http: asyncio.Protocol = AutoHTTPProtocol(*args, app_state=state, **kwargs)  # type: ignore[call-arg]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's is not a subclass of asyncio's, so no isinstance).
        self._connection.transport = cast(asyncio.Transport, transport)
        self._http.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self._connection.transport = None
        self._http.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._http.data_received(data)

    def eof_received(self) -> bool | None:
        return self._http.eof_received()

    def pause_writing(self) -> None:
        self._http.pause_writing()

    def resume_writing(self) -> None:
        self._http.resume_writing()


class TransportFaultMet(Exception):
    """The verdict of this request is a transport fault: ``handle_transport_fault`` breaks
    the connection."""

    def __init__(self, fault: TransportFault) -> None:
        super().__init__(fault.kind)
        self.fault = fault


@dataclass
class TransportEffects:
    """What the script did to this request's transport, for the journal (and, for an error
    answer, the dribble its handler applies)."""

    dribble: Dribble | None = None
    fault: str | None = None  # the transport fault the request met
    status: int | None = None  # the status line sent before the connection broke, if any
    sent: bytes = b""  # what was sent before it broke


def transport_effects(scope: Scope) -> TransportEffects:
    """This request's effects (created on first use: only a scripted request has any)."""
    state: dict[str, Any] = scope.setdefault("state", {})
    effects: TransportEffects | None = state.get(_EFFECTS)
    if effects is None:
        effects = state[_EFFECTS] = TransportEffects()
    return effects


def met_transport_fault(scope: Scope) -> TransportEffects | None:
    """The effects of a request whose connection a transport fault broke; None otherwise."""
    effects: TransportEffects | None = scope.get("state", {}).get(_EFFECTS)
    return effects if effects is not None and effects.fault is not None else None


def dribble_of(scope: Scope) -> Dribble | None:
    """The dribble scripted on this request, if any."""
    effects: TransportEffects | None = scope.get("state", {}).get(_EFFECTS)
    return None if effects is None else effects.dribble


# Why an exception handler and a response, not a middleware: nothing runs for a request
# nothing is scripted on (a middleware would cost every request a layer).
async def handle_transport_fault(request: Request, met: Exception) -> Response:
    """The exception handler of ``TransportFaultMet``: an answer that breaks the connection."""
    assert isinstance(met, TransportFaultMet)
    return _BrokenConnection(met.fault)


class _BrokenConnection(Response):
    """Not an answer: sending it breaks the connection as the fault says."""

    def __init__(self, fault: TransportFault) -> None:
        super().__init__()
        self.fault = fault

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await _break_connection(scope, receive, self.fault)


class Dribbled(ProviderJSONResponse):
    """``answer`` (any response) with its body sent in ``dribble.chunks`` pieces spread over
    ``dribble.total_ms`` (a slow network). A ``ProviderJSONResponse``, so that a provider
    route's answer keeps its type."""

    def __init__(self, answer: Response, dribble: Dribble) -> None:
        super().__init__()
        self.answer = answer
        self.dribble = dribble
        self.status_code = answer.status_code
        self.raw_headers = answer.raw_headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_in_pieces(message: Message) -> None:
            if message["type"] == "http.response.body":
                await _dribble(send, message, self.dribble)
            else:
                await send(message)

        await self.answer(scope, receive, send_in_pieces)


async def _dribble(send: Send, message: Message, dribble: Dribble) -> None:
    """The body in ``dribble.chunks`` pieces, a pause before each after the first."""
    body: bytes = message.get("body", b"")
    more = message.get("more_body", False)
    chunks = max(min(dribble.chunks, len(body)), 1)
    size = -(-len(body) // chunks)  # ceiling: the last piece is the shortest
    pause = dribble.total_ms / 1000 / max(chunks - 1, 1)
    for index in range(chunks):
        if index:
            await asyncio.sleep(pause)
        piece = body[index * size : (index + 1) * size]
        last = index == chunks - 1
        await send({"type": "http.response.body", "body": piece, "more_body": more or not last})


async def _break_connection(scope: Scope, receive: Receive, fault: TransportFault) -> None:
    effects = transport_effects(scope)
    effects.fault = fault.kind
    effects.status = TRANSPORT_FAULT_STATUS.get(fault.kind)
    connection: Connection | None = scope.get("state", {}).get(_CONNECTION)
    transport = None if connection is None else connection.transport
    if fault.kind == "hang":
        try:
            await _hang(receive, fault.hang_ms)
        except asyncio.CancelledError:
            if transport is not None:
                transport.close()  # a stopping server: closed with nothing sent, as at hang_ms
            raise
    if transport is None or transport.is_closing():
        if fault.kind == "hang":
            return  # the client gave up: nothing left to break
        # No connection to break (an in-process client): raised where that client sees it.
        error = ConnectionResetError if fault.kind == "connection_reset" else ConnectionAbortedError
        raise error(f"numbers-mock: scripted transport fault {fault.kind}")
    tracking_id = str(scope.get("state", {}).get("tracking_id", ""))
    if fault.kind == "connection_reset":
        _reset(transport)
    else:
        effects.sent = _broken_bytes(fault.kind, tracking_id)
        transport.write(effects.sent)
        transport.close()  # sends what was written, then FIN
    # Let the server see the connection lost before the app returns, so it does not try to
    # answer on it.
    for _ in range(3):
        await asyncio.sleep(0)


async def _hang(receive: Receive, hang_ms: int) -> None:
    """Waits until the client disconnects, at most ``hang_ms``."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), hang_ms / 1000)


def _reset(transport: asyncio.Transport) -> None:
    """Closes with a TCP reset: SO_LINGER on, timeout 0, then close without flushing."""
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()


# What the faults that answer before breaking put in their body: JSON cut short.
def _broken_bytes(kind: str, tracking_id: str) -> bytes:
    if kind in ("empty_response", "hang"):  # a hang that outlasted hang_ms closes silently
        return b""
    if kind == "random_data_then_close":
        garbage = random.Random(tracking_id).randbytes(64)
        return b"\x00" + garbage  # never "HTTP/": no client can take it for a status line
    body = orjson.dumps(
        {
            "trackingId": tracking_id,
            "note": f"numbers-mock scripted {kind}: the connection breaks inside this body",
        }
    )
    sent = body[: len(body) // 2]
    head = [b"HTTP/1.1 200 OK", b"content-type: application/json"]
    if tracking_id:
        head.append(b"x-tracking-id: " + tracking_id.encode())
    if kind == "truncated_body":
        head.append(b"content-length: %d" % len(body))
        return b"\r\n".join(head) + b"\r\n\r\n" + sent
    # malformed_chunk: one good chunk, then a chunk-size line that is not hexadecimal.
    head.append(b"transfer-encoding: chunked")
    return b"\r\n".join(head) + b"\r\n\r\n" + b"%x\r\n%s\r\nzz\r\n" % (len(sent), sent)
