"""Pingram's errors: its number lifecycle's refusals.

All 400: the official SDKs type the body of 400, 402 and 502 only (ApiErrorResponse), so a
400 reaches the caller's code as a parsed error. Each class's docstring is its line in the
OpenAPI error catalogue (``app.errors.error_catalogue``).
"""

from __future__ import annotations

from app.errors import ApiError


class PhoneNumberNotFound(ApiError):
    """Pingram: no number of the inventory has this phoneNumber (order it from a search)."""

    status = 400
    code = "phone_number_not_found"


class PhoneNumberUnavailable(ApiError):
    """Pingram: the number exists but is not in stock (sold through another API or held)."""

    status = 400
    code = "phone_number_unavailable"


class PhoneNumberOwnedByAnotherAccount(ApiError):
    """Pingram: another account owns the number, or holds it after releasing it."""

    status = 400
    code = "phone_number_owned_by_another_account"


class PhoneNumberAlreadyOwned(ApiError):
    """Pingram: the account owns this number already (see GET /numbers/list)."""

    status = 400
    code = "phone_number_already_owned"


class PhoneNumberNotOwned(ApiError):
    """Pingram: the account has no active number with this phoneNumber to release."""

    status = 400
    code = "phone_number_not_owned"


class PhoneNumberAlreadyReleased(ApiError):
    """Pingram: the number was released already (see GET /numbers/released)."""

    status = 400
    code = "phone_number_already_released"
