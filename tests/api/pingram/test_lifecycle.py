"""Pingram's number lifecycle through HTTP: order, list, release, released, reactivate."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.pingram import steps as pingram
from tests.api.pingram.steps import LIST, ORDER, RELEASED
from tests.conftest import Minter
from tests.helpers import AVAILABLE, assert_error

pytestmark = pytest.mark.usefixtures("seeded_state")


# --- search ----------------------------------------------------------------------------------


def test_every_available_number_has_a_monthly_price_in_usd(
    client: TestClient, mint: Minter
) -> None:
    headers = pingram.headers(mint)
    us = pingram.search(client, headers, limit=20)
    gb = pingram.search(client, headers, countryCode="GB", limit=20)
    assert us
    assert gb
    for number in us + gb:
        assert isinstance(number["monthlyPrice"], float)
        assert number["monthlyPrice"] > 0


def test_a_us_number_costs_the_same_in_both_apis(client: TestClient, mint: Minter) -> None:
    """Bird quotes US numbers in USD: Pingram's price is the same amount."""
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]
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
    assert len(pingram.search(client, pingram.headers(mint), limit="3.0")) == 3


# --- the lifecycle ---------------------------------------------------------------------------


def test_order_list_release_released_and_reactivate(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]

    order = pingram.order(client, headers, number)
    assert order["status"] == "success"
    assert order["phoneNumber"] == number
    assert not pingram.searchable(client, headers, number)

    listed = pingram.list_numbers(client, headers)
    assert listed["sharedNumber"].startswith("+1")
    [owned] = listed["numbers"]
    assert owned["phoneNumber"] == number
    assert owned["countryCode"] == "US"
    assert owned["billingStatus"] == "active"
    assert owned["numberType"] in ("local", "mobile", "toll_free")
    assert "releasedAt" not in owned
    created_at = owned["createdAt"]

    released = pingram.release(client, headers, number)
    assert released["released"] is True
    assert released["phoneNumber"] == number
    assert pingram.list_numbers(client, headers)["numbers"] == []
    [held] = pingram.list_released(client, headers)
    assert held["billingStatus"] == "released"
    assert held["releasedAt"] == released["releasedAt"]
    assert held["createdAt"] == created_at
    assert not pingram.searchable(client, headers, number), "held for the account that released it"

    again = pingram.order(client, headers, number)
    assert again["orderId"] != order["orderId"], "a reactivation is a new order"
    [back] = pingram.list_numbers(client, headers)["numbers"]
    assert back["createdAt"] == created_at, "reactivating keeps the original createdAt"
    assert back["billingStatus"] == "active"
    assert pingram.list_released(client, headers) == []

    owner = client.get(f"/_mock/numbers/{number.replace('+', '%2B')}", headers=admin).json()
    assert owner["status"] == "sold"
    assert owner["purchasedBy"] == "pingram-acct"
    assert owner["owner"]["provider"] == "pingram"
    assert owner["owner"]["orderId"] == again["orderId"]


def test_after_the_hold_a_released_number_returns_to_public_stock(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers, other = pingram.headers(mint), pingram.headers(mint, "another-acct")
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    pingram.order(client, headers, number)
    pingram.release(client, headers, number)

    error = assert_error(
        client.post(ORDER, json={"phoneNumber": number}, headers=other),
        400,
        "phone_number_owned_by_another_account",
    )
    assert "holds it" in error["message"]

    pingram.move_clock(client, admin, advance="P13DT23H")
    assert len(pingram.list_released(client, headers)) == 1, "still within the 14 days"
    pingram.move_clock(client, admin, advance="PT1H1S")
    assert pingram.list_released(client, headers) == []
    assert pingram.searchable(client, headers, number)
    assert pingram.order(client, other, number)["phoneNumber"] == number
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, other)["numbers"]] == [number]


def test_the_account_is_the_org_claim_or_else_the_sub(client: TestClient, mint: Minter) -> None:
    alice = pingram.headers(mint, "team-1", sub="alice")
    bob = pingram.headers(mint, "team-1", sub="bob")
    solo = pingram.headers(mint, None, sub="solo-user")
    number, second = (n["phoneNumber"] for n in pingram.search(client, alice, limit=2))
    pingram.order(client, alice, number)
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, bob)["numbers"]] == [number]
    pingram.order(client, solo, second)
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, solo)["numbers"]] == [second]
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, alice)["numbers"]] == [number]


def test_us_local_numbers_pass_a2p_review_three_days_after_the_order(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    pingram.order(client, headers, number)
    assert pingram.list_numbers(client, headers)["numbers"][0]["a2pStatus"] == "pending"
    pingram.move_clock(client, admin, advance="P3D")
    assert pingram.list_numbers(client, headers)["numbers"][0]["a2pStatus"] == "approved"


def test_numbers_outside_the_us_have_no_a2p_status(client: TestClient, mint: Minter) -> None:
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, countryCode="GB", limit=1)[0]
    pingram.order(client, headers, number["phoneNumber"])
    [owned] = pingram.list_numbers(client, headers)["numbers"]
    assert owned["a2pStatus"] is None
    assert owned["countryCode"] == "GB"
    assert owned["monthlyPrice"] == number["monthlyPrice"]


def test_billing_dates_follow_the_mock_clock(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    clock = pingram.move_clock(client, admin, now="2027-01-31T10:00:00Z", frozen=True)
    assert clock["now"] == "2027-01-31T10:00:00.000Z"
    assert clock["frozen"] is True
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    pingram.order(client, headers, number)
    [owned] = pingram.list_numbers(client, headers)["numbers"]
    assert owned["createdAt"] == "2027-01-31T10:00:00.000Z"
    assert owned["nextBillingDate"] == "2027-02-28", "a short month bills on its last day"
    pingram.move_clock(client, admin, advance="P29D")
    assert pingram.list_numbers(client, headers)["numbers"][0]["nextBillingDate"] == "2027-03-31"
    released = pingram.release(client, headers, number)
    assert released["releasedAt"] == "2027-03-01T10:00:00.000Z"


def test_the_control_api_shows_a_released_number_held_for_its_owner(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    pingram.move_clock(client, admin, now="2027-01-31T10:00:00.123456Z", frozen=True)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    order = pingram.order(client, headers, number)
    pingram.move_clock(client, admin, advance="P1D")
    pingram.release(client, headers, number)
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
    headers = pingram.headers(mint)

    def story() -> list[bytes]:
        pingram.move_clock(client, admin, now="2027-05-01T12:00:00Z", frozen=True)
        number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
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
    headers = pingram.headers(mint, "replay-org")
    stock = "/organizations/replay-org/numbers-stock-items"

    def story() -> list[bytes]:
        pingram.move_clock(client, admin, now="2027-05-01T12:00:00Z", frozen=True)
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
    assert_error(client.post(ORDER, json=body, headers=pingram.headers(mint)), 400, code)


def test_ordering_a_number_sold_elsewhere_or_owned_already(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    sold, mine = (n["phoneNumber"] for n in pingram.search(client, headers, limit=2))
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
    pingram.order(client, headers, mine)
    assert_error(
        client.post(ORDER, json={"phoneNumber": mine}, headers=headers),
        400,
        "phone_number_already_owned",
    )
    other = pingram.headers(mint, "another-acct")
    error = assert_error(
        client.post(ORDER, json={"phoneNumber": mine}, headers=other),
        400,
        "phone_number_owned_by_another_account",
    )
    assert "owns it" in error["message"]


def test_releasing_what_the_account_does_not_own(client: TestClient, mint: Minter) -> None:
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    quoted = f"/numbers/{number.replace('+', '%2B')}"
    assert_error(client.delete(quoted, headers=headers), 400, "phone_number_not_owned")
    pingram.order(client, headers, number)
    assert_error(
        client.delete(quoted, headers=pingram.headers(mint, "another-acct")),
        400,
        "phone_number_not_owned",
    )
    pingram.release(client, headers, number)
    assert_error(client.delete(quoted, headers=headers), 400, "phone_number_already_released")
    assert_error(client.delete("/numbers/garbage", headers=headers), 400, "invalid_number")


def test_the_lifecycle_needs_a_token_and_refuses_unknown_parameters(
    client: TestClient, mint: Minter
) -> None:
    assert_error(client.get(LIST), 401, "invalid_token")
    assert_error(client.post(ORDER, json={"phoneNumber": "+14155550123"}), 401, "invalid_token")
    error = assert_error(
        client.get(LIST, params={"limit": 5}, headers=pingram.headers(mint)),
        400,
        "unknown_parameter",
    )
    assert "limit" in error["message"]
    assert error["fix"] == "remove it; this operation takes no query parameters"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", LIST), ("GET", "/numbers/released"), ("POST", ORDER), ("DELETE", "/numbers/x")],
)
def test_the_lifecycle_checks_the_token_before_the_parameters(
    client: TestClient, method: str, path: str
) -> None:
    body = {"phoneNumber": "+14155550123"} if method == "POST" else None
    response = client.request(method, path, params={"limit": 5}, json=body)
    assert_error(response, 401, "invalid_token")


# --- scripting, journal, control API ---------------------------------------------------------


def test_faults_and_the_journal_cover_the_lifecycle(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    fault = client.post(
        "/_mock/faults",
        json={"operation": "numbersOrderNumber", "status": 502, "times": 1},
        headers=admin,
    )
    assert fault.status_code == 201, fault.text
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    error = assert_error(
        client.post(ORDER, json={"phoneNumber": number}, headers=headers), 502, "provider_error"
    )
    assert error["provider"] == "telnyx"
    assert pingram.list_numbers(client, headers)["numbers"] == [], "a failed order buys nothing"
    pingram.order(client, headers, number)
    journal = client.get("/_mock/requests", headers=admin).json()["requests"]
    operations = [entry["operation"] for entry in journal]
    assert operations[:3] == ["numbersOrderNumber", "numbersList", "numbersOrderNumber"]
    statuses = [e["status"] for e in journal if e["operation"] == "numbersOrderNumber"]
    assert statuses == [200, 502]
    assert all(e["organizationId"] == "pingram-acct" for e in journal[:4])


def test_a_rate_limit_on_listing_answers_429(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint)
    limit = client.post(
        "/_mock/rate-limits",
        json={"operation": "numbersList", "limit": 1, "windowSeconds": 60},
        headers=admin,
    )
    assert limit.status_code == 201
    pingram.list_numbers(client, headers)
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
    headers = pingram.headers(mint, "given-acct")
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    given = client.post(
        f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
        json={"organizationId": "given-acct", "provider": "pingram"},
        headers=admin,
    )
    assert given.status_code == 200, given.text
    assert given.json()["owner"]["provider"] == "pingram"
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, headers)["numbers"]] == [number]
    owners = client.get(
        "/_mock/numbers",
        params={"provider": "pingram", "organizationId": "given-acct"},
        headers=admin,
    ).json()["numbers"]
    assert [n["numberString"] for n in owners] == [number]
    released = client.post(f"/_mock/numbers/{number.replace('+', '%2B')}/release", headers=admin)
    assert released.json()["owner"] is None
    assert pingram.list_numbers(client, headers)["numbers"] == []
    assert pingram.searchable(client, pingram.headers(mint), number)


def test_a_scenario_gives_an_account_numbers_it_already_owns(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint, "story-acct")
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    scenario = {
        "purchases": [
            {"numberString": number, "organizationId": "story-acct", "provider": "pingram"}
        ]
    }
    response = client.post("/_mock/scenario", json=scenario, headers=admin)
    assert response.status_code == 200, response.text
    assert [n["phoneNumber"] for n in pingram.list_numbers(client, headers)["numbers"]] == [number]


@pytest.mark.parametrize("org", ["acme\x00", "line\nbreak", "tab\there"])
def test_control_characters_in_an_account_are_refused(
    client: TestClient, mint: Minter, admin: dict[str, str], org: str
) -> None:
    error = assert_error(client.get(LIST, headers=pingram.headers(mint, org)), 401, "invalid_token")
    assert "no control characters" in error["message"]
    purchase = client.post(
        "/_mock/numbers/%2B14155550123/purchase", json={"organizationId": org}, headers=admin
    )
    assert_error(purchase, 400, "invalid_parameter")
