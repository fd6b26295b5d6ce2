"""Gives every request a tracking id, sent back as ``X-Tracking-Id`` on every response.

It is the outermost of our middleware, so it also turns any exception that escaped the
handlers into the 500 envelope: the stack goes to the log with the tracking id, never to
the client.
"""

from __future__ import annotations

import logging
import random
import time

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import InternalError

TRACKING_HEADER = "X-Tracking-Id"
logger = logging.getLogger("numbers_mock.errors")


# A tracking id must be unique, not secret: random bits from a generator seeded from
# os.urandom (reseeded after a fork) cost a fraction of uuid4()'s system call per request.
_RANDOM = random.Random()
_VERSION_7 = 0x7 << 76
_VARIANT = 0b10 << 62


def new_tracking_id() -> str:
    """A version-7 UUID (RFC 9562): the time in milliseconds, then 74 random bits.

    Time-ordered, so the journal's index of tracking ids grows at its end: with random ids
    each batch of entries touched as many index pages as it had entries, and the WAL (and
    its checkpoints) grew by a page per request (the Speed issue's writer profile).
    """
    milliseconds = time.time_ns() // 1_000_000
    value = (
        (milliseconds << 80)
        | _VERSION_7
        | (_RANDOM.getrandbits(12) << 64)
        | _VARIANT
        | _RANDOM.getrandbits(62)
    )
    digits = f"{value:032x}"  # uuid.UUID's own str(), without building one per request
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def tracking_id_of(request: Request) -> str:
    tracking_id: str = request.scope.get("state", {}).get("tracking_id") or new_tracking_id()
    return tracking_id


class TrackingMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracking_id = new_tracking_id()
        scope.setdefault("state", {})["tracking_id"] = tracking_id
        response_started = False

        async def send_with_tracking_id(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                headers = MutableHeaders(scope=message)
                headers[TRACKING_HEADER] = tracking_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_tracking_id)
        except ConnectionError:
            raise  # a scripted transport fault without a connection to break: no answer
        except Exception:
            logger.exception(
                "unexpected error trackingId=%s %s %s",
                tracking_id,
                scope.get("method"),
                scope.get("path"),
            )
            if response_started:
                raise  # too late for an envelope; the server closes the connection
            error = InternalError(
                "the server hit an unexpected error",
                fix=f"retry; if it persists, report trackingId {tracking_id} with the server log",
            )
            response = JSONResponse(error.envelope(tracking_id), status_code=error.http_status)
            await response(scope, receive, send_with_tracking_id)
