"""Helpers of the tests that drive Pingram's lifecycle and the mock clock it runs on."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.providers.pingram.schemas import (
    AvailableNumbers,
    ListPhoneNumbersResponse,
    ListReleasedPhoneNumbersResponse,
    OrderPhoneNumberResponse,
    ReleasePhoneNumberResponse,
)
from tests.conftest import Minter
from tests.helpers import AVAILABLE, STOCK_ITEMS

ORDER = "/numbers/order"
LIST = "/numbers/list"
RELEASED = "/numbers/released"


def headers(mint: Minter, org: str | None = "pingram-acct", **claims: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(org, **claims)}"}


def search(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(AVAILABLE, params={"countryCode": "US", **params}, headers=headers)
    assert response.status_code == 200, response.text
    numbers: list[dict[str, Any]] = AvailableNumbers.model_validate(response.json()).model_dump()[
        "numbers"
    ]
    return numbers


def searchable(client: TestClient, headers: dict[str, str], number: str) -> bool:
    """Whether ``number`` is in both providers' stock searches (headers of pingram-acct)."""
    pingram = client.get(
        AVAILABLE,
        params={"countryCode": "US", "areaCode": number[2:8], "limit": 50},
        headers=headers,
    ).json()["numbers"]
    bird = client.get(
        STOCK_ITEMS.replace("acme", "pingram-acct"),
        params={"prefix": number, "limit": 5},
        headers=headers,
    ).json()["results"]
    in_pingram = number in {n["phoneNumber"] for n in pingram}
    in_bird = number in {n["numberString"] for n in bird}
    assert in_pingram == in_bird, "both providers serve one inventory"
    return in_pingram


def order(client: TestClient, headers: dict[str, str], number: str) -> dict[str, Any]:
    response = client.post(ORDER, json={"phoneNumber": number}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = OrderPhoneNumberResponse.model_validate(response.json()).model_dump()
    return body


def list_numbers(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(LIST, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ListPhoneNumbersResponse.model_validate(body)
    return body


def list_released(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(RELEASED, headers=headers)
    assert response.status_code == 200, response.text
    ListReleasedPhoneNumbersResponse.model_validate(response.json())
    numbers: list[dict[str, Any]] = response.json()["numbers"]
    return numbers


def release(client: TestClient, headers: dict[str, str], number: str) -> dict[str, Any]:
    response = client.delete(f"/numbers/{number.replace('+', '%2B')}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ReleasePhoneNumberResponse.model_validate(body)
    return body


def move_clock(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/_mock/clock", json=body, headers=admin)
    assert response.status_code == 200, response.text
    clock: dict[str, Any] = response.json()
    return clock
