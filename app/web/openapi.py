"""The OpenAPI document: FastAPI's, minus its 422 responses, plus our error catalogue."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.errors import error_catalogue
from app.web.schemas import ErrorEnvelope

_STATUS_DESCRIPTIONS = {
    400: "Bad Request - validation errors, invalid input",
    401: "Unauthorized - missing or invalid bearer token (see WWW-Authenticate)",
    402: "Payment Required - usage limits exceeded (scripted through /_mock/faults)",
    403: "Forbidden - the token's organization is not the one in the path",
    404: "Not Found",
    405: "Method Not Allowed (see the Allow header)",
    409: "Conflict - the number is not in the state this change needs",
    429: "Too Many Requests - a rate limit or a scripted fault (see Retry-After)",
    500: "Internal Server Error",
    502: "Bad Gateway - provider error (scripted; see provider and providerCode)",
    503: "Service Unavailable - the database cannot be reached, or a scripted outage",
}
_TRACKING_HEADER = {
    "X-Tracking-Id": {
        "description": "Unique per request; the trackingId of error bodies.",
        "schema": {"type": "string"},
    }
}


def success_headers() -> dict[str, Any]:
    return {"headers": _TRACKING_HEADER}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: each status with the envelope and its headers."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        headers = dict(_TRACKING_HEADER)
        if status in (429, 503):
            headers["Retry-After"] = {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer"},
            }
        if status == 429:
            for name, meaning in (
                ("X-RateLimit-Limit", "Requests allowed in the window."),
                ("X-RateLimit-Remaining", "Requests left in the window."),
                ("X-RateLimit-Reset", "Unix time when the window resets."),
            ):
                headers[name] = {"description": meaning, "schema": {"type": "integer"}}
        if status == 401:
            headers["WWW-Authenticate"] = {
                "description": 'RFC 6750: Bearer error="invalid_token", error_description="..."',
                "schema": {"type": "string"},
            }
        responses[status] = {
            "model": ErrorEnvelope,
            "description": _STATUS_DESCRIPTIONS[status],
            "headers": headers,
        }
    return responses


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _build(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _build(app: FastAPI) -> dict[str, Any]:
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
        tags=app.openapi_tags,
    )
    # Bad input is a 400 envelope here, never FastAPI's 422 {"detail": ...}.
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
    components = schema.get("components", {}).get("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    code = components["ErrorDetail"]["properties"]["code"]
    catalogue = error_catalogue()
    code["enum"] = sorted(catalogue)
    code["description"] = "Machine-readable error code, stable across versions:\n" + "\n".join(
        f"- `{name}`: {meaning}" for name, meaning in sorted(catalogue.items())
    )
    return schema
