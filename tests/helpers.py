"""Assertions and expectations shared by the tests."""

from __future__ import annotations

from typing import Any

import httpx2 as httpx
from phonenumbers import PhoneNumberType

from app.generator.records import NumberType
from app.web.schemas import ErrorEnvelope

# The countries the Foundation issue requires in the default inventory.
REQUIRED_COUNTRIES = [
    "US",
    "CA",
    "GB",
    "IE",
    "DE",
    "FR",
    "NL",
    "BE",
    "ES",
    "IT",
    "PT",
    "AT",
    "CH",
    "SE",
    "NO",
    "DK",
    "FI",
    "PL",
    "CZ",
    "AU",
    "NZ",
    "JP",
    "SG",
    "HK",
    "IN",
    "IL",
    "ZA",
    "BR",
    "MX",
    "AR",
]
# The libphonenumber types a generated number of each type may have.
ACCEPTED_TYPES = {
    NumberType.LOCAL: {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    NumberType.MOBILE: {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE},
    NumberType.TOLL_FREE: {PhoneNumberType.TOLL_FREE},
    NumberType.NATIONAL: {PhoneNumberType.UAN, PhoneNumberType.VOIP},
}
STOCK_ITEMS = "/organizations/acme/numbers-stock-items"
AVAILABLE = "/numbers/available"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with this status and code; returns its error."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    ErrorEnvelope.model_validate(body)
    assert body["trackingId"] == response.headers["X-Tracking-Id"]
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert body["error"]["fix"]
    assert "detail" not in body
    error: dict[str, Any] = body["error"]
    return error
