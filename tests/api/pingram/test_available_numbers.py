"""Pingram's GET /numbers/available, as a client uses it."""

from __future__ import annotations

from typing import Any

import phonenumbers
import pytest
from fastapi.testclient import TestClient

from app.providers.pingram.schemas import AvailableNumbers
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error


def _search(client: TestClient, auth: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(AVAILABLE, params=params, headers=auth)
    assert response.status_code == 200, response.text
    body = response.json()
    AvailableNumbers.model_validate(body)
    numbers: list[dict[str, Any]] = body["numbers"]
    return numbers


def test_search_by_country_and_features(client: TestClient, auth: dict[str, str]) -> None:
    numbers = _search(client, auth, countryCode="GB", features="sms,voice")
    assert len(numbers) == 10  # the default limit
    for number in numbers:
        assert set(number) == {
            "phoneNumber",
            "locality",
            "administrativeArea",
            "phoneNumberType",
            "features",
            "monthlyPrice",  # the official SDKs require it
        }
        assert {"sms", "voice"} <= set(number["features"])
        parsed = phonenumbers.parse(number["phoneNumber"])
        assert phonenumbers.region_code_for_number(parsed) == "GB"


def test_area_code_finds_the_city(client: TestClient, auth: dict[str, str]) -> None:
    numbers = _search(client, auth, countryCode="US", areaCode="415", limit=50)
    assert numbers
    assert all(number["phoneNumber"].startswith("+1415") for number in numbers)
    local = [number for number in numbers if number["phoneNumberType"] == "local"]
    assert local
    assert all(number["administrativeArea"] == "CA" for number in local)
    assert any(number["locality"] == "San Francisco" for number in local)


def test_london_has_no_administrative_area(client: TestClient, auth: dict[str, str]) -> None:
    numbers = _search(client, auth, countryCode="GB", areaCode="20", limit=20)
    assert numbers
    assert {number["locality"] for number in numbers} == {"London"}
    assert {number["administrativeArea"] for number in numbers} == {None}


def test_number_types_use_pingram_spelling(client: TestClient, auth: dict[str, str]) -> None:
    seen: set[str] = set()
    for country in ("GB", "US", "FR", "DE"):
        seen |= {n["phoneNumberType"] for n in _search(client, auth, countryCode=country, limit=50)}
    assert seen <= {"local", "mobile", "toll_free", "national"}
    numbers = _search(client, auth, countryCode="US", areaCode="800", limit=5)
    assert {number["phoneNumberType"] for number in numbers} == {"toll_free"}


def test_limit_bounds(client: TestClient, auth: dict[str, str]) -> None:
    assert len(_search(client, auth, countryCode="US", limit=50)) == 50
    assert len(_search(client, auth, countryCode="US", limit=1)) == 1


def test_numbers_found_here_are_found_by_the_stock_items_api(
    client: TestClient, auth: dict[str, str]
) -> None:
    found = {n["phoneNumber"] for n in _search(client, auth, countryCode="US", areaCode="212")}
    response = client.get(
        STOCK_ITEMS, params={"countryCodes": "US", "prefix": "212", "limit": 99}, headers=auth
    )
    listed = {item["numberString"] for item in response.json()["results"]}
    assert found
    assert found <= listed


def test_a_token_without_org_is_enough(client: TestClient, mint: Any) -> None:
    response = client.get(
        AVAILABLE,
        params={"countryCode": "NL"},
        headers={"Authorization": f"Bearer {mint(org=None)}"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({}, "missing_parameter", "countryCode is required"),
        ({"countryCode": "gb"}, "invalid_parameter", "upper case"),
        ({"countryCode": "GBR"}, "invalid_parameter", "'GBR'"),
        ({"countryCode": "GB", "limit": "51"}, "invalid_parameter", "from 1 to 50"),
        ({"countryCode": "GB", "limit": "0"}, "invalid_parameter", "from 1 to 50"),
        ({"countryCode": "GB", "features": "sms,fax"}, "invalid_parameter", "'fax'"),
        ({"countryCode": "GB", "areaCode": "+4420"}, "invalid_parameter", "areaCode"),
        ({"countryCodes": "GB"}, "unknown_parameter", "did you mean countryCode?"),
        ({"countryCode": "GB", "prefix": "20"}, "unknown_parameter", "did you mean areaCode?"),
        ({"countryCode": "GB", "pageToken": "x"}, "unknown_parameter", "'pageToken'"),
    ],
)
def test_bad_parameters_get_a_precise_400(
    client: TestClient, auth: dict[str, str], params: dict[str, str], code: str, fragment: str
) -> None:
    error = assert_error(client.get(AVAILABLE, params=params, headers=auth), 400, code)
    assert fragment in error["message"]
