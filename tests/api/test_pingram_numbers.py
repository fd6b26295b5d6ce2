"""Pingram's number lifecycle through HTTP: order, list, release, released, reactivate, and
the mock clock it runs on."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.providers.pingram.schemas import (
    AvailableNumbers,
    ListPhoneNumbersResponse,
    ListReleasedPhoneNumbersResponse,
    OrderPhoneNumberResponse,
    ReleasePhoneNumberResponse,
)
from tests.conftest import Minter
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error

ORDER = "/numbers/order"
LIST = "/numbers/list"
RELEASED = "/numbers/released"


@pytest.fixture(autouse=True)
def seeded_state(client: TestClient, admin: dict[str, str]) -> Iterator[None]:
    """Every test starts, and leaves the shared database, at the seed on real time."""
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    yield
    assert client.post("/_mock/reset", headers=admin).status_code == 200


def _headers(mint: Minter, org: str | None = "pingram-acct", **claims: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint(org, **claims)}"}


def _search(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = client.get(AVAILABLE, params={"countryCode": "US", **params}, headers=headers)
    assert response.status_code == 200, response.text
    numbers: list[dict[str, Any]] = AvailableNumbers.model_validate(response.json()).model_dump()[
        "numbers"
    ]
    return numbers


def _searchable(client: TestClient, headers: dict[str, str], number: str) -> bool:
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


def _order(client: TestClient, headers: dict[str, str], number: str) -> dict[str, Any]:
    response = client.post(ORDER, json={"phoneNumber": number}, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = OrderPhoneNumberResponse.model_validate(response.json()).model_dump()
    return body


def _list(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get(LIST, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ListPhoneNumbersResponse.model_validate(body)
    return body


def _released(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get(RELEASED, headers=headers)
    assert response.status_code == 200, response.text
    ListReleasedPhoneNumbersResponse.model_validate(response.json())
    numbers: list[dict[str, Any]] = response.json()["numbers"]
    return numbers


def _release(client: TestClient, headers: dict[str, str], number: str) -> dict[str, Any]:
    response = client.delete(f"/numbers/{number.replace('+', '%2B')}", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    ReleasePhoneNumberResponse.model_validate(body)
    return body


def _move_clock(client: TestClient, admin: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/_mock/clock", json=body, headers=admin)
    assert response.status_code == 200, response.text
    clock: dict[str, Any] = response.json()
    return clock


# --- search ----------------------------------------------------------------------------------


def test_every_available_number_has_a_monthly_price_in_usd(
    client: TestClient, mint: Minter
) -> None:
    headers = _headers(mint)
    us = _search(client, headers, limit=20)
    gb = _search(client, headers, countryCode="GB", limit=20)
    assert us
    assert gb
    for number in us + gb:
        assert isinstance(number["monthlyPrice"], float)
        assert number["monthlyPrice"] > 0


def test_a_us_number_costs_the_same_in_both_apis(client: TestClient, mint: Minter) -> None:
    """Bird quotes US numbers in USD: Pingram's price is the same amount."""
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]
    bird = client.get(
        "/organizations/pingram-acct/numbers-stock-items",
        params={"prefix": number["phoneNumber"]},
        headers=headers,
    ).json()["results"][0]
    price = bird["monthlyPrice"]
    assert price["currencyCode"] == "USD"
    assert number["monthlyPrice"] == round(price["amount"] * 10 ** price["exponent"], 2)


def test_a_float_limit_as_the_python_sdk_sends_it_is_accepted(
    client: TestClient, mint: Minter
) -> None:
    assert len(_search(client, _headers(mint), limit="3.0")) == 3


# --- the lifecycle ---------------------------------------------------------------------------


def test_order_list_release_released_and_reactivate(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]

    order = _order(client, headers, number)
    assert order["status"] == "success"
    assert order["phoneNumber"] == number
    assert not _searchable(client, headers, number)

    listed = _list(client, headers)
    assert listed["sharedNumber"].startswith("+1")
    [owned] = listed["numbers"]
    assert owned["phoneNumber"] == number
    assert owned["countryCode"] == "US"
    assert owned["billingStatus"] == "active"
    assert owned["numberType"] in ("local", "mobile", "toll_free")
    assert "releasedAt" not in owned
    created_at = owned["createdAt"]

    released = _release(client, headers, number)
    assert released["released"] is True
    assert released["phoneNumber"] == number
    assert _list(client, headers)["numbers"] == []
    [held] = _released(client, headers)
    assert held["billingStatus"] == "released"
    assert held["releasedAt"] == released["releasedAt"]
    assert held["createdAt"] == created_at
    assert not _searchable(client, headers, number), "held for the account that released it"

    again = _order(client, headers, number)
    assert again["orderId"] != order["orderId"], "a reactivation is a new order"
    [back] = _list(client, headers)["numbers"]
    assert back["createdAt"] == created_at, "reactivating keeps the original createdAt"
    assert back["billingStatus"] == "active"
    assert _released(client, headers) == []

    owner = client.get(f"/_mock/numbers/{number.replace('+', '%2B')}", headers=admin).json()
    assert owner["status"] == "sold"
    assert owner["purchasedBy"] == "pingram-acct"
    assert owner["owner"]["provider"] == "pingram"
    assert owner["owner"]["orderId"] == again["orderId"]


def test_after_the_hold_a_released_number_returns_to_public_stock(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers, other = _headers(mint), _headers(mint, "another-acct")
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    _order(client, headers, number)
    _release(client, headers, number)

    error = assert_error(
        client.post(ORDER, json={"phoneNumber": number}, headers=other),
        400,
        "phone_number_owned_by_another_account",
    )
    assert "holds it" in error["message"]

    _move_clock(client, admin, advance="P13DT23H")
    assert len(_released(client, headers)) == 1, "still within the 14 days"
    _move_clock(client, admin, advance="PT1H1S")
    assert _released(client, headers) == []
    assert _searchable(client, headers, number)
    assert _order(client, other, number)["phoneNumber"] == number
    assert [n["phoneNumber"] for n in _list(client, other)["numbers"]] == [number]


def test_the_account_is_the_org_claim_or_else_the_sub(client: TestClient, mint: Minter) -> None:
    alice = _headers(mint, "team-1", sub="alice")
    bob = _headers(mint, "team-1", sub="bob")
    solo = _headers(mint, None, sub="solo-user")
    number, second = (n["phoneNumber"] for n in _search(client, alice, limit=2))
    _order(client, alice, number)
    assert [n["phoneNumber"] for n in _list(client, bob)["numbers"]] == [number]
    _order(client, solo, second)
    assert [n["phoneNumber"] for n in _list(client, solo)["numbers"]] == [second]
    assert [n["phoneNumber"] for n in _list(client, alice)["numbers"]] == [number]


def test_us_local_numbers_pass_a2p_review_three_days_after_the_order(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    _order(client, headers, number)
    assert _list(client, headers)["numbers"][0]["a2pStatus"] == "pending"
    _move_clock(client, admin, advance="P3D")
    assert _list(client, headers)["numbers"][0]["a2pStatus"] == "approved"


def test_numbers_outside_the_us_have_no_a2p_status(client: TestClient, mint: Minter) -> None:
    headers = _headers(mint)
    number = _search(client, headers, countryCode="GB", limit=1)[0]
    _order(client, headers, number["phoneNumber"])
    [owned] = _list(client, headers)["numbers"]
    assert owned["a2pStatus"] is None
    assert owned["countryCode"] == "GB"
    assert owned["monthlyPrice"] == number["monthlyPrice"]


def test_billing_dates_follow_the_mock_clock(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    clock = _move_clock(client, admin, now="2027-01-31T10:00:00Z", frozen=True)
    assert clock["now"] == "2027-01-31T10:00:00.000Z"
    assert clock["frozen"] is True
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    _order(client, headers, number)
    [owned] = _list(client, headers)["numbers"]
    assert owned["createdAt"] == "2027-01-31T10:00:00.000Z"
    assert owned["nextBillingDate"] == "2027-02-28", "a short month bills on its last day"
    _move_clock(client, admin, advance="P29D")
    assert _list(client, headers)["numbers"][0]["nextBillingDate"] == "2027-03-31"
    released = _release(client, headers, number)
    assert released["releasedAt"] == "2027-03-01T10:00:00.000Z"


def test_the_control_api_shows_a_released_number_held_for_its_owner(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    _move_clock(client, admin, now="2027-01-31T10:00:00.123456Z", frozen=True)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    order = _order(client, headers, number)
    _move_clock(client, admin, advance="P1D")
    _release(client, headers, number)
    path = f"/_mock/numbers/{number.replace('+', '%2B')}"
    shown = client.get(path, headers=admin).json()
    assert (shown["status"], shown["purchasedBy"]) == ("reserved", "pingram-acct")
    assert shown["owner"] == {
        "provider": "pingram",
        "organizationId": "pingram-acct",
        "workspaceId": None,
        "orderId": order["orderId"],
        "longCodeNumberId": None,
        "createdAt": "2027-01-31T10:00:00.123Z",
        "updatedAt": "2027-02-01T10:00:00.123Z",
        "releasedAt": "2027-02-01T10:00:00.123Z",
        "holdEndsAt": "2027-02-15T10:00:00.123Z",
    }


def test_the_same_requests_on_the_same_state_answer_byte_for_byte_the_same(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)

    def story() -> list[bytes]:
        _move_clock(client, admin, now="2027-05-01T12:00:00Z", frozen=True)
        number = _search(client, headers, limit=1)[0]["phoneNumber"]
        bodies = [client.get(AVAILABLE, params={"countryCode": "US"}, headers=headers).content]
        bodies.append(client.post(ORDER, json={"phoneNumber": number}, headers=headers).content)
        bodies.append(client.get(LIST, headers=headers).content)
        bodies.append(
            client.delete(f"/numbers/{number.replace('+', '%2B')}", headers=headers).content
        )
        bodies.append(client.get(RELEASED, headers=headers).content)
        return bodies

    first = story()
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    assert story() == first


def test_birds_flow_answers_byte_for_byte_the_same_on_replay(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    """Stock pages (their nextPageToken too), a buy and the workspace's pages."""
    headers = _headers(mint, "replay-org")
    stock = "/organizations/replay-org/numbers-stock-items"

    def story() -> list[bytes]:
        _move_clock(client, admin, now="2027-05-01T12:00:00Z", frozen=True)
        first = client.get(stock, params={"countryCodes": "US", "limit": 2}, headers=headers)
        ids = [item["id"] for item in first.json()["results"]]
        token = first.json()["nextPageToken"]
        bodies = [first.content]
        bodies.append(
            client.get(
                stock, params={"countryCodes": "US", "pageToken": token}, headers=headers
            ).content
        )
        bodies.append(
            client.post(
                "/workspaces/ws-replay/numbers-long-code",
                json={"numberStockItemIds": ids},
                headers=headers,
            ).content
        )
        bodies.append(client.get("/workspaces/ws-replay/numbers?limit=1", headers=headers).content)
        return bodies

    first_run = story()
    assert b"nextPageToken" in first_run[3]
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    assert story() == first_run


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"phoneNumber": "not-a-number"}, "invalid_number"),
        ({"phoneNumber": "+1"}, "invalid_number"),
        ({"phoneNumber": "+19999999999"}, "phone_number_not_found"),
        ({}, "missing_parameter"),
        ({"phoneNumber": "+14155550123", "label": "x"}, "invalid_parameter"),
        ({"phoneNumber": 14155550123}, "invalid_parameter"),
    ],
)
def test_a_bad_order_is_a_400_envelope(
    client: TestClient, mint: Minter, body: dict[str, Any], code: str
) -> None:
    assert_error(client.post(ORDER, json=body, headers=_headers(mint)), 400, code)


def test_ordering_a_number_sold_elsewhere_or_owned_already(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    sold, mine = (n["phoneNumber"] for n in _search(client, headers, limit=2))
    purchase = client.post(
        f"/_mock/numbers/{sold.replace('+', '%2B')}/purchase",
        json={"organizationId": "someone-else"},
        headers=admin,
    )
    assert purchase.status_code == 200
    assert_error(
        client.post(ORDER, json={"phoneNumber": sold}, headers=headers),
        400,
        "phone_number_unavailable",
    )
    _order(client, headers, mine)
    assert_error(
        client.post(ORDER, json={"phoneNumber": mine}, headers=headers),
        400,
        "phone_number_already_owned",
    )
    other = _headers(mint, "another-acct")
    error = assert_error(
        client.post(ORDER, json={"phoneNumber": mine}, headers=other),
        400,
        "phone_number_owned_by_another_account",
    )
    assert "owns it" in error["message"]


def test_releasing_what_the_account_does_not_own(client: TestClient, mint: Minter) -> None:
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    quoted = f"/numbers/{number.replace('+', '%2B')}"
    assert_error(client.delete(quoted, headers=headers), 400, "phone_number_not_owned")
    _order(client, headers, number)
    assert_error(
        client.delete(quoted, headers=_headers(mint, "another-acct")),
        400,
        "phone_number_not_owned",
    )
    _release(client, headers, number)
    assert_error(client.delete(quoted, headers=headers), 400, "phone_number_already_released")
    assert_error(client.delete("/numbers/garbage", headers=headers), 400, "invalid_number")


def test_the_lifecycle_needs_a_token_and_refuses_unknown_parameters(
    client: TestClient, mint: Minter
) -> None:
    assert_error(client.get(LIST), 401, "invalid_token")
    assert_error(client.post(ORDER, json={"phoneNumber": "+14155550123"}), 401, "invalid_token")
    error = assert_error(
        client.get(LIST, params={"limit": 5}, headers=_headers(mint)), 400, "unknown_parameter"
    )
    assert "limit" in error["message"]
    assert error["fix"] == "remove it; this operation takes no query parameters"


# --- scripting, journal, control API ---------------------------------------------------------


def test_faults_and_the_journal_cover_the_lifecycle(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    fault = client.post(
        "/_mock/faults",
        json={"operation": "numbersOrderNumber", "status": 502, "times": 1},
        headers=admin,
    )
    assert fault.status_code == 201, fault.text
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    error = assert_error(
        client.post(ORDER, json={"phoneNumber": number}, headers=headers), 502, "provider_error"
    )
    assert error["provider"] == "telnyx"
    assert _list(client, headers)["numbers"] == [], "a failed order buys nothing"
    _order(client, headers, number)
    journal = client.get("/_mock/requests", headers=admin).json()["requests"]
    operations = [entry["operation"] for entry in journal]
    assert operations[:3] == ["numbersOrderNumber", "numbersList", "numbersOrderNumber"]
    statuses = [e["status"] for e in journal if e["operation"] == "numbersOrderNumber"]
    assert statuses == [200, 502]
    assert all(e["organizationId"] == "pingram-acct" for e in journal[:4])


def test_a_rate_limit_on_listing_answers_429(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint)
    limit = client.post(
        "/_mock/rate-limits",
        json={"operation": "numbersList", "limit": 1, "windowSeconds": 60},
        headers=admin,
    )
    assert limit.status_code == 201
    _list(client, headers)
    response = client.get(LIST, headers=headers)
    assert_error(response, 429, "rate_limited")
    assert response.headers["Retry-After"]


def test_an_unknown_operation_is_refused_by_the_control_api(
    client: TestClient, admin: dict[str, str]
) -> None:
    error = assert_error(
        client.post(
            "/_mock/faults", json={"operation": "orderNumbers", "status": 500}, headers=admin
        ),
        400,
        "invalid_parameter",
    )
    assert "numbersOrderNumber" in error["message"]


def test_the_control_api_gives_an_account_a_number_and_lists_owners(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint, "given-acct")
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    given = client.post(
        f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
        json={"organizationId": "given-acct", "provider": "pingram"},
        headers=admin,
    )
    assert given.status_code == 200, given.text
    assert given.json()["owner"]["provider"] == "pingram"
    assert [n["phoneNumber"] for n in _list(client, headers)["numbers"]] == [number]
    owners = client.get(
        "/_mock/numbers",
        params={"provider": "pingram", "organizationId": "given-acct"},
        headers=admin,
    ).json()["numbers"]
    assert [n["numberString"] for n in owners] == [number]
    released = client.post(f"/_mock/numbers/{number.replace('+', '%2B')}/release", headers=admin)
    assert released.json()["owner"] is None
    assert _list(client, headers)["numbers"] == []
    assert _searchable(client, _headers(mint), number)


def test_a_scenario_gives_an_account_numbers_it_already_owns(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint, "story-acct")
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    scenario = {
        "purchases": [
            {"numberString": number, "organizationId": "story-acct", "provider": "pingram"}
        ]
    }
    response = client.post("/_mock/scenario", json=scenario, headers=admin)
    assert response.status_code == 200, response.text
    assert [n["phoneNumber"] for n in _list(client, headers)["numbers"]] == [number]


# --- the mock clock --------------------------------------------------------------------------


def test_the_clock_advances_and_reset_returns_it_to_real_time(
    client: TestClient, admin: dict[str, str]
) -> None:
    start = client.get("/_mock/clock", headers=admin).json()
    assert start["frozen"] is False
    assert abs(start["offsetSeconds"]) < 1
    moved = _move_clock(client, admin, advance="P14D")
    assert 14 * 86_400 - 1 < moved["offsetSeconds"] < 14 * 86_400 + 1
    assert moved["now"] > start["now"]
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    assert abs(client.get("/_mock/clock", headers=admin).json()["offsetSeconds"]) < 1


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"advance": "P1D", "now": "2027-01-01T00:00:00Z"},
        {"advance": "-PT1S"},
        {"advance": "soon"},
        {"now": "2027-01-01T00:00:00"},
        {"advance": "P1D", "frozen": True},
    ],
)
def test_a_bad_clock_move_is_a_400_envelope(
    client: TestClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    error = assert_error(
        client.post("/_mock/clock", json=body, headers=admin), 400, "invalid_parameter"
    )
    assert "body's body" not in error["message"]
    assert error["message"].startswith("the request body")


def test_a_scenario_gives_a_bird_workspace_a_long_code_number(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = _headers(mint, "story-org")
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    scenario = {
        "purchases": [
            {
                "numberString": number,
                "organizationId": "story-org",
                "provider": "bird",
                "workspaceId": "ws-story",
            }
        ]
    }
    assert client.post("/_mock/scenario", json=scenario, headers=admin).status_code == 200
    listed = client.get("/workspaces/ws-story/numbers", headers=headers)
    assert listed.status_code == 200, listed.text
    [lcn] = listed.json()["results"]
    assert lcn["numberString"] == number
    owner = client.get(f"/_mock/numbers/{number.replace('+', '%2B')}", headers=admin).json()
    assert owner["owner"]["workspaceId"] == "ws-story"
    assert owner["owner"]["longCodeNumberId"] == lcn["id"]
    forbidden = client.get("/workspaces/ws-story/numbers", headers=_headers(mint, "intruder"))
    assert_error(forbidden, 403, "workspace_forbidden")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"organizationId": "o", "provider": "bird"}, "workspaceId is missing"),
        ({"organizationId": "o", "workspaceId": "ws"}, "only for numbers bought through Bird"),
    ],
)
def test_the_control_api_refuses_an_incomplete_bird_purchase(
    client: TestClient, mint: Minter, admin: dict[str, str], body: dict[str, Any], fragment: str
) -> None:
    number = _search(client, _headers(mint), limit=1)[0]["phoneNumber"]
    error = assert_error(
        client.post(
            f"/_mock/numbers/{number.replace('+', '%2B')}/purchase", json=body, headers=admin
        ),
        400,
        "invalid_parameter",
    )
    assert fragment in error["message"]


def test_a_workspace_belongs_to_one_organization_in_the_control_api_too(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    first, second = (n["phoneNumber"] for n in _search(client, _headers(mint), limit=2))
    for number, organization, status in ((first, "org-a", 200), (second, "org-b", 400)):
        response = client.post(
            f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
            json={"organizationId": organization, "provider": "bird", "workspaceId": "ws-shared"},
            headers=admin,
        )
        assert response.status_code == status, response.text
    assert "belongs to organization 'org-a'" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"now": "0001-01-01T00:00:00Z", "frozen": True},
        {"now": "1969-12-31T23:59:59Z"},
        {"now": "9999-12-31T23:59:59Z", "frozen": True},
        {"now": "9000-01-01T00:00:00Z"},
    ],
)
def test_the_clock_stays_within_1970_and_9000(
    client: TestClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    error = assert_error(
        client.post("/_mock/clock", json=body, headers=admin), 400, "invalid_parameter"
    )
    assert "did not move" in error["message"]
    assert client.get("/_mock/clock", headers=admin).json()["frozen"] is False


def test_advancing_past_the_last_instant_leaves_the_clock_where_it_was(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    _move_clock(client, admin, now="8999-12-31T00:00:00Z", frozen=True)
    assert_error(
        client.post("/_mock/clock", json={"advance": "P2D"}, headers=admin),
        400,
        "invalid_parameter",
    )
    assert client.get("/_mock/clock", headers=admin).json()["now"] == "8999-12-31T00:00:00.000Z"
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    _order(client, headers, number)
    assert _list(client, headers)["numbers"][0]["nextBillingDate"] == "9000-01-31"


def test_an_instant_with_an_offset_is_kept_in_utc(
    client: TestClient, admin: dict[str, str]
) -> None:
    moved = _move_clock(client, admin, now="2027-01-31T10:00:00+05:00", frozen=True)
    assert moved["now"] == "2027-01-31T05:00:00.000Z"
    assert client.get("/_mock/clock", headers=admin).json()["now"] == "2027-01-31T05:00:00.000Z"


def test_concurrent_clock_moves_add_up(client: TestClient, admin: dict[str, str]) -> None:
    _move_clock(client, admin, now="2030-01-01T00:00:00Z", frozen=True)
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(
            pool.map(
                lambda _: client.post("/_mock/clock", json={"advance": "PT1H"}, headers=admin),
                range(8),
            )
        )
    assert [answer.status_code for answer in answers] == [200] * 8
    assert client.get("/_mock/clock", headers=admin).json()["now"] == "2030-01-01T08:00:00.000Z"


def test_a_reactivation_gets_its_own_order_id_on_a_frozen_clock(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    _move_clock(client, admin, now="2030-01-01T00:00:00Z", frozen=True)
    headers = _headers(mint)
    number = _search(client, headers, limit=1)[0]["phoneNumber"]
    first = _order(client, headers, number)["orderId"]
    _release(client, headers, number)
    assert _order(client, headers, number)["orderId"] != first


@pytest.mark.parametrize("org", ["acme\x00", "line\nbreak", "tab\there"])
def test_control_characters_in_an_account_are_refused(
    client: TestClient, mint: Minter, admin: dict[str, str], org: str
) -> None:
    error = assert_error(client.get(LIST, headers=_headers(mint, org)), 401, "invalid_token")
    assert "no control characters" in error["message"]
    purchase = client.post(
        "/_mock/numbers/%2B14155550123/purchase", json={"organizationId": org}, headers=admin
    )
    assert_error(purchase, 400, "invalid_parameter")
