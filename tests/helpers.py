"""Assertions and expectations shared by the tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

import httpx2 as httpx
from phonenumbers import PhoneNumberType

from app.generator.records import NumberType
from app.web.schemas import ErrorEnvelope

Result = TypeVar("Result")
# How often a wait looks at its condition again.
POLL_SECONDS = 0.005

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


def wait_until(condition: Callable[[], Result], *, timeout: float, what: str) -> Result:
    """``condition``'s first truthy value, looked at every few milliseconds; the test fails
    naming ``what`` if none comes within ``timeout`` seconds. Tests wait for what they need
    with it, never a fixed time."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        time.sleep(POLL_SECONDS)
    return result


async def wait_until_async(condition: Callable[[], Result], *, timeout: float, what: str) -> Result:
    """``wait_until`` for a test on an event loop: the loop goes on between looks."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, f"waited {timeout} s for {what}"
        await asyncio.sleep(POLL_SECONDS)
    return result
