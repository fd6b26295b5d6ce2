"""Renders every error as the envelope, including FastAPI's own 404, 405 and 422."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any

from annotated_types import Ge, Le
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import (
    ApiError,
    ConcurrentChange,
    DatabaseUnavailable,
    InternalError,
    InvalidParameter,
    MethodNotAllowed,
    MissingParameter,
    NotFound,
)
from app.web.tracking import tracking_id_of
from app.web.transport import Dribbled, TransportFaultMet, dribble_of, handle_transport_fault

logger = logging.getLogger("numbers_mock.errors")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _handle_api_error)  # type: ignore[arg-type]
    app.add_exception_handler(TransportFaultMet, handle_transport_fault)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)  # type: ignore[arg-type]
    app.add_exception_handler(OperationalError, _handle_database_error)  # type: ignore[arg-type]
    app.add_exception_handler(IntegrityError, _handle_lost_race)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _handle_unstorable_value)  # type: ignore[arg-type]


def error_response(request: Request, error: ApiError) -> Response:
    answer = JSONResponse(
        error.envelope(tracking_id_of(request)),
        status_code=error.http_status,
        headers=error.headers,
    )
    dribble = dribble_of(request.scope)  # a scripted failure can be slow too
    return answer if dribble is None else Dribbled(answer, dribble)


async def _handle_api_error(request: Request, error: ApiError) -> Response:
    return error_response(request, error)


# PostgreSQL's SQLSTATEs of a transaction that lost to a concurrent one: a retry succeeds or
# says why not (deadlock_detected, serialization_failure).
_LOST_TO_A_CONCURRENT_TRANSACTION = frozenset({"40P01", "40001"})


async def _handle_database_error(request: Request, exc: OperationalError) -> Response:
    if getattr(exc.orig, "sqlstate", None) in _LOST_TO_A_CONCURRENT_TRANSACTION:
        return await _handle_lost_race(request, exc)
    logger.warning(
        "database unavailable trackingId=%s: %s", tracking_id_of(request), exc.orig or exc
    )
    error = DatabaseUnavailable(
        "the inventory database cannot be reached",
        fix="retry shortly; if it persists, check NUMBERS_MOCK_DATABASE_URL and that the "
        "database server is up",
        headers={"Retry-After": "1"},
    )
    return error_response(request, error)


async def _handle_unstorable_value(request: Request, exc: DataError) -> Response:
    """A value the database refuses to store or compare (PostgreSQL and a NUL character):
    the input's fault, and nothing of the request was kept."""
    logger.info("unstorable value trackingId=%s: %s", tracking_id_of(request), exc.orig or exc)
    error = InvalidParameter(
        "the request carries a value the database cannot store (a NUL or another control "
        "character?); nothing of it was kept",
        fix="send printable text in identifiers and parameters",
    )
    return error_response(request, error)


async def _handle_lost_race(request: Request, exc: IntegrityError | OperationalError) -> Response:
    """A unique constraint refused a write another request made first (the request's session
    has rolled back, so nothing of it is kept)."""
    logger.info("concurrent change trackingId=%s: %s", tracking_id_of(request), exc.orig or exc)
    error = ConcurrentChange(
        "another request changed the same data at the same moment; nothing of this one was kept",
        fix="retry the request",
    )
    return error_response(request, error)


async def _handle_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    method, path = request.method, request.url.path
    error: ApiError
    if exc.status_code == 404:
        error = NotFound(
            f"no such path: {path}",
            fix="see /docs or openapi.yaml for the paths this server serves",
        )
    elif exc.status_code == 405:
        allowed = _allowed_methods(request) or (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(
            f"{method} is not allowed on {path}; allowed: {allowed}",
            fix=f"use {allowed}" if "," not in allowed else f"use one of {allowed}",
            headers={"Allow": allowed},
        )
    else:
        error = _status_error(exc.status_code, str(exc.detail))
    return error_response(request, error)


def _allowed_methods(request: Request) -> str:
    """Every method the OpenAPI document gives the path (Starlette's Allow names only the
    methods of the first route whose path matches)."""
    path = request.url.path
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if _path_pattern(template).fullmatch(path):
            methods |= {method.upper() for method in operations if method in _HTTP_METHODS}
    return ", ".join(sorted(methods))


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


@functools.cache
def _path_pattern(template: str) -> re.Pattern[str]:
    """``/numbers/{numberString}`` → a pattern matching ``/numbers/+1415...`` (one segment)."""
    return re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)))


async def _handle_validation_error(request: Request, exc: RequestValidationError) -> Response:
    # FastAPI checked types and ranges; report the first failure the way our own checks do.
    first: dict[str, Any] = exc.errors()[0]
    location = first.get("loc", ())
    if location and location[0] == "body":
        return error_response(request, _body_error(first))
    name = str(location[-1]) if location else "request"
    if first.get("type") == "missing":
        error: ApiError = MissingParameter(f"{name} is required", fix=f"send {name}")
    else:
        expected = _expectation(first, _integer_range(request, name))
        error = InvalidParameter(
            f"{name} must be {expected}; got {first.get('input')!r}",
            fix=f"send {name} as {expected}",
        )
    return error_response(request, error)


def _body_error(error: dict[str, Any]) -> ApiError:
    if error.get("type") == "json_invalid":
        return InvalidParameter(
            f"the request body is not valid JSON: {error.get('ctx', {}).get('error', '')}",
            fix="send a JSON object with Content-Type: application/json",
        )
    field = ".".join(str(part) for part in error.get("loc", ())[1:])
    if error.get("type") == "missing":
        return MissingParameter(
            f"the request body needs {field}" if field else "the request has no body",
            fix="see this operation's schema in /docs",
        )
    message = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    # A check of the whole body (which fields go together) names no field.
    where = f"the request body's {field}" if field else "the request body"
    # A check of fields that go together says how to fix it (app.control.schemas).
    fix = error.get("ctx", {}).get("fix") or "see this operation's schema in /docs"
    return InvalidParameter(f"{where} is invalid: {message}", fix=str(fix))


def _integer_range(request: Request, name: str) -> tuple[int, int] | None:
    """The declared ge/le of a query parameter, to name the whole range in one message."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return None
    for param in route.dependant.query_params:
        if param.alias == name:
            bounds = {type(item): item for item in param.field_info.metadata}
            low, high = bounds.get(Ge), bounds.get(Le)
            if isinstance(low, Ge) and isinstance(high, Le):
                return int(str(low.ge)), int(str(high.le))
    return None


def _expectation(error: dict[str, Any], integer_range: tuple[int, int] | None) -> str:
    """What the parameter must be, from pydantic's error type and context."""
    kind = error.get("type", "")
    context = error.get("ctx", {})
    if integer_range is not None and kind in {
        "int_parsing",
        "int_type",
        "int_from_float",
        "greater_than_equal",
        "less_than_equal",
    }:
        return f"an integer from {integer_range[0]} to {integer_range[1]}"
    if kind == "string_too_short":
        return f"at least {context.get('min_length')} characters"
    if kind == "string_too_long":
        return f"at most {context.get('max_length')} characters"
    message = str(error.get("msg", "valid"))
    return message[:1].lower() + message[1:]


def _status_error(status: int, detail: str) -> ApiError:
    """Any other framework HTTP error: a client mistake or ours, in the envelope."""
    if 400 <= status < 500:
        return InvalidParameter(detail, fix="check the request against openapi.yaml")
    return InternalError(detail, fix="retry; if it persists, report the trackingId")
