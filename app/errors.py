"""The one error hierarchy; every non-2xx response is rendered from an ``ApiError``.

This module is a leaf: it knows nothing of HTTP frameworks. ``app.error_handlers`` renders
these errors as the envelope ``{"trackingId", "error": {code, message, fix, provider,
providerCode}}``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar


@dataclass
class ApiError(Exception):
    """An error the client caused or should know about; ``code`` is stable snake_case."""

    message: str
    fix: str | None = None
    provider: str | None = None
    provider_code: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __post_init__(self) -> None:
        """Subclasses add their headers here (the dataclass __init__ calls it)."""

    @property
    def http_status(self) -> int:
        return self.status

    @property
    def error_code(self) -> str:
        return self.code

    def envelope(self, tracking_id: str) -> dict[str, object]:
        """The body of every error response."""
        return {
            "trackingId": tracking_id,
            "error": {
                "code": self.error_code,
                "message": self.message,
                "fix": self.fix,
                "provider": self.provider,
                "providerCode": self.provider_code,
            },
        }

    def __str__(self) -> str:
        return f"{self.error_code}: {self.message}"


class InvalidParameter(ApiError):
    """A query or path parameter has a value the API does not accept."""

    status = 400
    code = "invalid_parameter"


class MissingParameter(ApiError):
    """A required parameter is absent, or one parameter needs another."""

    status = 400
    code = "missing_parameter"


class UnknownParameter(ApiError):
    """The request names a query parameter the operation does not have."""

    status = 400
    code = "unknown_parameter"


class InvalidPageToken(ApiError):
    """The pageToken is malformed, altered, sealed with another secret, or for another query."""

    status = 400
    code = "invalid_page_token"


class InvalidToken(ApiError):
    """Missing or unacceptable bearer token (RFC 6750 ``invalid_token``)."""

    status = 401
    code = "invalid_token"

    def __post_init__(self) -> None:
        self.headers.setdefault("WWW-Authenticate", _bearer_challenge("numbers-mock", self.message))


class OrganizationMismatch(ApiError):
    """The token's org claim is not the organization in the path."""

    status = 403
    code = "organization_mismatch"


class NotFound(ApiError):
    """No route matches the path."""

    status = 404
    code = "not_found"


class MethodNotAllowed(ApiError):
    """The path exists but not with this HTTP method; see the Allow header."""

    status = 405
    code = "method_not_allowed"


class DatabaseUnavailable(ApiError):
    """The inventory database cannot be reached; the server recovers when it is back."""

    status = 503
    code = "database_unavailable"


class InternalError(ApiError):
    """An unexpected server error; the trackingId finds it in the server log."""

    status = 500
    code = "internal_error"


def _bearer_challenge(realm: str, message: str) -> str:
    """An RFC 6750 challenge for a refused bearer token."""
    return (
        f'Bearer realm="{realm}", error="invalid_token", '
        f'error_description="{_rfc6750_text(message)}"'
    )


def _rfc6750_text(text: str) -> str:
    """RFC 6750 allows printable ASCII except ``"`` and backslash in error_description."""
    return "".join(
        char if 0x20 <= ord(char) <= 0x7E and char not in '"\\' else "'" for char in text
    )


class InvalidAdminKey(ApiError):
    """The control API's bearer key is missing or wrong."""

    status = 401
    code = "invalid_admin_key"

    def __post_init__(self) -> None:
        self.headers.setdefault(
            "WWW-Authenticate", _bearer_challenge("numbers-mock-control", self.message)
        )


class InvalidNumber(ApiError):
    """A phone number given to the control API is not a valid number of its kind."""

    status = 400
    code = "invalid_number"


class NumberNotFound(ApiError):
    """The inventory has no such number."""

    status = 404
    code = "number_not_found"


class FaultNotFound(ApiError):
    """No scripted fault has this id."""

    status = 404
    code = "fault_not_found"


class JournalEntryNotFound(ApiError):
    """The journal has no request with this trackingId (never made, or trimmed away)."""

    status = 404
    code = "journal_entry_not_found"


class RateLimitNotFound(ApiError):
    """No rate limit has this id."""

    status = 404
    code = "rate_limit_not_found"


class NumberNotInStock(ApiError):
    """The number is sold, reserved or removed, so it cannot be purchased."""

    status = 409
    code = "number_not_in_stock"


class NumberNotPurchased(ApiError):
    """The number is in stock already, so it cannot be released."""

    status = 409
    code = "number_not_purchased"


class ConcurrentChange(ApiError):
    """Another request changed the same data at the same moment; a retry succeeds or says why
    not."""

    status = 409
    code = "concurrent_change"


class NumberAlreadyExists(ApiError):
    """The inventory holds this number already."""

    status = 409
    code = "number_already_exists"


@dataclass
class ScriptedFailure(ApiError):
    """A failure scripted through the control API (a fault or a rate limit)."""

    scripted_status: int = 500
    scripted_code: str = "scripted_fault"

    code = "scripted_fault"

    @property
    def http_status(self) -> int:
        return self.scripted_status

    @property
    def error_code(self) -> str:
        return self.scripted_code


# Bird's, but raised by the access keys' codec (app/auth/access_keys.py), a leaf that may
# not import app/providers/.
class InvalidAccessKey(ApiError):
    """Bird: the `Authorization: AccessKey <key>` key is missing, malformed, altered, or was
    minted with another secret."""

    status = 401
    code = "invalid_access_key"

    def __post_init__(self) -> None:
        self.headers.setdefault(
            "WWW-Authenticate", access_key_challenge("numbers-mock", self.message)
        )


def access_key_challenge(realm: str, message: str) -> str:
    """The challenge for a refused access key (RFC 6750's description rules)."""
    return f'AccessKey realm="{realm}", error_description="{_rfc6750_text(message)}"'


def bearer_or_access_key_challenge(message: str) -> str:
    """Both schemes Bird's operations accept, for a request that used neither (one header:
    RFC 9110 allows several challenges in one WWW-Authenticate value)."""
    return f'{_bearer_challenge("numbers-mock", message)}, AccessKey realm="numbers-mock"'


# Codes only scripted failures answer with (their defaults read like the real providers').
SCRIPTED_CODES: dict[str, str] = {
    "usage_limit_exceeded": "402, scripted: the organization's usage limits are exceeded.",
    "rate_limited": "429, scripted or over a rate limit: slow down; see Retry-After.",
    "provider_error": "502, scripted: an upstream carrier failed (see provider, providerCode).",
    "service_unavailable": "503, scripted: the provider is unavailable; see Retry-After.",
}


def _all_error_classes(base: type[ApiError]) -> list[type[ApiError]]:
    found: list[type[ApiError]] = []
    for subclass in base.__subclasses__():
        found += [subclass, *_all_error_classes(subclass)]
    return found


def error_catalogue() -> dict[str, str]:
    """Every code the API can answer with and its meaning, for the OpenAPI document: each
    ``ApiError`` subclass loaded when it is called (the app has imported every provider's
    ``errors`` module through its routes by then), plus the scripted codes. A test keeps it
    complete."""
    return {
        **{cls.code: (cls.__doc__ or "").strip() for cls in _all_error_classes(ApiError)},
        **SCRIPTED_CODES,
    }
