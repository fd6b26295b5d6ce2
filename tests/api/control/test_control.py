"""The control API (/_mock): stock, purchases, faults, rate limits, journal, reset."""

from __future__ import annotations

import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import DatabaseFactory, Minter, make_settings
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error

pytestmark = pytest.mark.usefixtures("seeded_state")


def _in_pingram(client: TestClient, auth: dict[str, str], number: str, country: str) -> bool:
    # areaCode matches national prefixes, so six national digits narrow it to a few numbers.
    calling_code = {"US": "+1", "GB": "+44"}[country]
    area = number[len(calling_code) :][:6]
    response = client.get(
        AVAILABLE, params={"countryCode": country, "areaCode": area, "limit": 50}, headers=auth
    )
    return number in {found["phoneNumber"] for found in response.json()["numbers"]}


def _in_bird(client: TestClient, auth: dict[str, str], number: str) -> bool:
    response = client.get(STOCK_ITEMS, params={"prefix": number, "limit": 5}, headers=auth)
    return number in {item["numberString"] for item in response.json()["results"]}


def _first_us_number(client: TestClient, auth: dict[str, str]) -> str:
    response = client.get(AVAILABLE, params={"countryCode": "US", "limit": 1}, headers=auth)
    number: str = response.json()["numbers"][0]["phoneNumber"]
    return number


def _quoted(number: str) -> str:
    return number.replace("+", "%2B")


# --- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong-key"}, {"Authorization": "Basic abc"}],
)
def test_control_api_needs_the_admin_key(client: TestClient, headers: dict[str, str]) -> None:
    response = client.post("/_mock/reset", headers=headers)
    assert "NUMBERS_MOCK_ADMIN_KEY" in assert_error(response, 401, "invalid_admin_key")["fix"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer ")


def test_control_api_can_be_turned_off(database_factory: DatabaseFactory) -> None:
    settings = make_settings(database_factory("no_control"), control_api=False, seed_count=50)
    with TestClient(create_app(settings)) as client:
        response = client.post(
            "/_mock/reset",
            headers={"Authorization": f"Bearer {settings.admin_key.get_secret_value()}"},
        )
        assert_error(response, 404, "not_found")
        paths = client.get("/openapi.json").json()["paths"]
        assert not [path for path in paths if path.startswith("/_mock")]
        assert_error(client.get("/"), 404, "not_found")  # the console drives the control API
        assert_error(client.get("/_console/console.js"), 404, "not_found")


def test_minted_tokens_work_on_both_apis(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/_mock/tokens",
        json={"organizationId": "acme", "sub": "ci", "ttlSeconds": 60},
        headers=admin,
    )
    assert response.status_code == 200
    bearer = {"Authorization": f"Bearer {response.json()['token']}"}
    assert client.get(STOCK_ITEMS, headers=bearer).status_code == 200
    assert client.get(AVAILABLE, params={"countryCode": "GB"}, headers=bearer).status_code == 200


# --- stock ----------------------------------------------------------------------------------


def test_purchase_removes_a_number_from_both_apis_until_released(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    number = _first_us_number(client, auth)
    assert _in_bird(client, auth, number)
    bought = client.post(
        f"/_mock/numbers/{_quoted(number)}/purchase", json={"organizationId": "acme"}, headers=admin
    )
    assert bought.status_code == 200
    assert (bought.json()["status"], bought.json()["purchasedBy"]) == ("sold", "acme")
    assert not _in_bird(client, auth, number)
    assert not _in_pingram(client, auth, number, "US")

    again = client.post(
        f"/_mock/numbers/{_quoted(number)}/purchase",
        json={"organizationId": "globex"},
        headers=admin,
    )
    assert "sold to acme" in assert_error(again, 409, "number_not_in_stock")["message"]

    released = client.post(f"/_mock/numbers/{_quoted(number)}/release", headers=admin)
    assert released.json()["status"] == "in_stock"
    assert _in_bird(client, auth, number)
    assert_error(
        client.post(f"/_mock/numbers/{_quoted(number)}/release", headers=admin),
        409,
        "number_not_purchased",
    )


def test_concurrent_buyers_never_get_the_same_number(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    number = _first_us_number(client, auth)

    def buy(organization: str) -> int:
        return client.post(
            f"/_mock/numbers/{_quoted(number)}/purchase",
            json={"organizationId": organization},
            headers=admin,
        ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(buy, [f"org-{i}" for i in range(16)]))
    assert sorted(statuses) == [200] + [409] * 15


def test_unknown_number_is_a_404(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/_mock/numbers/%2B14155550199/purchase", json={"organizationId": "acme"}, headers=admin
    )
    assert_error(response, 404, "number_not_found")
    assert_error(
        client.post("/_mock/numbers/not-a-number/release", headers=admin), 400, "invalid_number"
    )


def test_delete_then_reset_brings_a_seeded_number_back(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    number = _first_us_number(client, auth)
    assert client.delete(f"/_mock/numbers/{_quoted(number)}", headers=admin).status_code == 204
    assert not _in_bird(client, auth, number)
    assert_error(
        client.delete(f"/_mock/numbers/{_quoted(number)}", headers=admin), 404, "number_not_found"
    )
    client.post("/_mock/reset", headers=admin)
    assert _in_bird(client, auth, number)


def test_generated_numbers_are_real_and_in_both_apis(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    response = client.post(
        "/_mock/numbers",
        json={
            "countryCode": "US",
            "type": "local",
            "count": 5,
            "areaCode": "415",
            "features": ["whatsapp", "mms-inbound"],
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    added = response.json()["numbers"]
    assert len(added) == 5
    for number in added:
        assert number["numberString"].startswith("+1415")
        assert (number["origin"], number["status"], number["whatsapp"]) == (
            "control",
            "in_stock",
            True,
        )
        assert number["capabilities"]["mms"]["inbound"] is True
        assert number["locality"]
        assert _in_bird(client, auth, number["numberString"])
        assert _in_pingram(client, auth, number["numberString"], "US")
    client.post("/_mock/reset", headers=admin)
    assert not _in_bird(client, auth, added[0]["numberString"])


def test_generation_is_reproducible_after_a_reset(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"countryCode": "NL", "type": "mobile", "count": 3}
    first = client.post("/_mock/numbers", json=body, headers=admin).json()["numbers"]
    client.post("/_mock/reset", headers=admin)
    second = client.post("/_mock/numbers", json=body, headers=admin).json()["numbers"]
    assert [n["numberString"] for n in first] == [n["numberString"] for n in second]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"countryCode": "US", "type": "local", "count": 2, "areaCode": "999"}, "999"),
        ({"countryCode": "AQ", "type": "local", "count": 1}, "'AQ'"),
        ({"countryCode": "US", "type": "local"}, "countryCode, type and count"),
        ({"countryCode": "US", "type": "local", "count": 0}, "count"),
        ({"countryCode": "US", "type": "cellular", "count": 1}, "type"),
        ({"count": 1, "numbers": [{"numberString": "+14155550100"}]}, "not both"),
    ],
)
def test_bad_generation_requests_are_400(
    client: TestClient, admin: dict[str, str], body: dict[str, Any], fragment: str
) -> None:
    response = client.post("/_mock/numbers", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert fragment in response.json()["error"]["message"]


def test_explicit_numbers_are_all_added_or_none(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    good = {"numberString": "+442071838750", "locality": "London"}
    bad = {"numberString": "+4420718"}
    refused = client.post("/_mock/numbers", json={"numbers": [good, bad]}, headers=admin)
    assert "+4420718" in assert_error(refused, 400, "invalid_number")["message"]
    assert not _in_bird(client, auth, "+442071838750")  # nothing of the request was written

    added = client.post("/_mock/numbers", json={"numbers": [good]}, headers=admin)
    assert added.status_code == 201
    number = added.json()["numbers"][0]
    assert (number["countryCode"], number["type"], number["locality"]) == ("GB", "local", "London")
    assert _in_bird(client, auth, "+442071838750")
    duplicate = client.post("/_mock/numbers", json={"numbers": [good]}, headers=admin)
    assert_error(duplicate, 409, "number_already_exists")


def test_explicit_number_of_the_wrong_type_is_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post(
        "/_mock/numbers",
        json={"numbers": [{"numberString": "+447400123456", "type": "local"}]},
        headers=admin,
    )
    assert "not a local number" in assert_error(response, 400, "invalid_number")["message"]


# --- faults ---------------------------------------------------------------------------------


def test_fault_fires_the_given_times_then_clears(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    created = client.post(
        "/_mock/faults",
        json={"operation": "searchAvailableNumbers", "status": 502, "times": 1},
        headers=admin,
    )
    assert created.status_code == 201
    failed = client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth)
    error = assert_error(failed, 502, "provider_error")
    assert (error["provider"], error["providerCode"]) == ("telnyx", "10007")
    assert client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth).status_code == 200
    faults = client.get("/_mock/faults", headers=admin).json()["faults"]
    assert [(f["times"], f["fired"]) for f in faults] == [(0, 1)]


def test_a_fault_and_a_rate_limit_read_back_as_scripted(
    client: TestClient, admin: dict[str, str]
) -> None:
    # Every field of a failing status; the transport's fields follow, null.
    script = {**CARRIER_DOWN, "delayMs": 5, "times": 3, "probability": 0.25}
    created = client.post("/_mock/faults", json=script, headers=admin)
    assert created.status_code == 201
    fault = created.json()
    transport = {"delay": None, "dribble": None, "fault": None, "hangMs": None}
    assert list(fault) == ["id", *script, *transport, "fired", "createdAt"]
    assert {key: fault[key] for key in transport} == transport
    assert {key: fault[key] for key in script} == script
    assert fault["fired"] == 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z", fault["createdAt"])
    assert client.get("/_mock/faults", headers=admin).json() == {"faults": [fault]}

    limit = {"operation": "*", "limit": 5, "windowSeconds": 60, "organizationId": None}
    created = client.post("/_mock/rate-limits", json=limit, headers=admin)
    assert created.status_code == 201
    rate_limit = created.json()
    keys = ["id", "operation", "organizationId", "limit", "windowSeconds", "createdAt"]
    assert list(rate_limit) == keys
    assert {key: rate_limit[key] for key in limit} == limit
    assert client.get("/_mock/rate-limits", headers=admin).json() == {"rateLimits": [rate_limit]}


@pytest.mark.parametrize(
    ("status", "code", "retry_after"),
    [
        (402, "usage_limit_exceeded", None),
        (429, "rate_limited", "1"),
        (500, "internal_error", None),
        (503, "service_unavailable", "5"),
        (418, "scripted_fault", None),
    ],
)
def test_fault_defaults_read_like_the_provider(
    client: TestClient,
    admin: dict[str, str],
    auth: dict[str, str],
    status: int,
    code: str,
    retry_after: str | None,
) -> None:
    client.post("/_mock/faults", json={"operation": "*", "status": status}, headers=admin)
    for path in (STOCK_ITEMS, AVAILABLE + "?countryCode=US"):
        response = client.get(path, headers=auth)
        assert_error(response, status, code)
        assert response.headers.get("Retry-After") == retry_after


# A fault with its own error, for one organization.
CARRIER_DOWN = {
    "operation": "listStockItems",
    "organizationId": "acme",
    "status": 502,
    "code": "carrier_down",
    "message": "Vonage is down",
    "fix": "wait",
    "provider": "vonage",
    "providerCode": "V42",
}


def test_fault_with_custom_error_and_organization_scope(
    client: TestClient, admin: dict[str, str], mint: Minter
) -> None:
    client.post("/_mock/faults", json=CARRIER_DOWN, headers=admin)
    acme = {"Authorization": f"Bearer {mint('acme')}"}
    globex = {"Authorization": f"Bearer {mint('globex')}"}
    error = assert_error(client.get(STOCK_ITEMS, headers=acme), 502, "carrier_down")
    assert error == {
        "code": "carrier_down",
        "message": "Vonage is down",
        "fix": "wait",
        "provider": "vonage",
        "providerCode": "V42",
    }
    assert (
        client.get("/organizations/globex/numbers-stock-items", headers=globex).status_code == 200
    )


def test_delay_alone_slows_then_answers(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    client.post(
        "/_mock/faults",
        json={"operation": "listStockItems", "delayMs": 300, "times": 1},
        headers=admin,
    )
    started = time.perf_counter()
    response = client.get(STOCK_ITEMS, headers=auth)
    assert response.status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_probability_is_reproducible(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    def run() -> list[int]:
        client.post("/_mock/reset", headers=admin)
        client.post(
            "/_mock/faults",
            json={"operation": "searchAvailableNumbers", "status": 503, "probability": 0.3},
            headers=admin,
        )
        return [
            client.get(AVAILABLE, params={"countryCode": "NL"}, headers=auth).status_code
            for _ in range(30)
        ]

    first = run()
    assert first == run()
    assert 503 in first
    assert 200 in first


def test_faults_can_be_listed_and_deleted(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    fault_id = client.post(
        "/_mock/faults", json={"operation": "*", "status": 500}, headers=admin
    ).json()["id"]
    assert [f["id"] for f in client.get("/_mock/faults", headers=admin).json()["faults"]] == [
        fault_id
    ]
    assert client.delete(f"/_mock/faults/{fault_id}", headers=admin).status_code == 204
    assert_error(client.delete(f"/_mock/faults/{fault_id}", headers=admin), 404, "fault_not_found")
    assert client.get(STOCK_ITEMS, headers=auth).status_code == 200
    client.post("/_mock/faults", json={"operation": "*", "status": 500}, headers=admin)
    assert client.delete("/_mock/faults", headers=admin).status_code == 204
    assert client.get("/_mock/faults", headers=admin).json() == {"faults": []}


@pytest.mark.parametrize(
    "body",
    [
        {"operation": "listStockItems"},
        {"operation": "everything", "status": 500},
        {"operation": "*", "status": 200},
        {"operation": "*", "status": 500, "probability": 1.5},
        {"operation": "*", "status": 500, "colour": "red"},
    ],
)
def test_bad_fault_bodies_are_400_envelopes(
    client: TestClient, admin: dict[str, str], body: dict[str, Any]
) -> None:
    assert_error(client.post("/_mock/faults", json=body, headers=admin), 400, "invalid_parameter")


def test_malformed_json_is_a_400_envelope(client: TestClient, admin: dict[str, str]) -> None:
    response = client.post(
        "/_mock/faults", content=b"{not json", headers={**admin, "Content-Type": "application/json"}
    )
    assert_error(response, 400, "invalid_parameter")


# --- rate limits ----------------------------------------------------------------------------


def test_rate_limit_answers_429_with_headers(
    client: TestClient, admin: dict[str, str], mint: Minter
) -> None:
    client.post(
        "/_mock/rate-limits",
        json={"operation": "searchAvailableNumbers", "limit": 2, "windowSeconds": 60},
        headers=admin,
    )
    acme = {"Authorization": f"Bearer {mint('acme')}"}
    first = client.get(AVAILABLE, params={"countryCode": "US"}, headers=acme)
    assert first.status_code == 200
    assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
        "2",
        "1",
    )
    assert client.get(AVAILABLE, params={"countryCode": "US"}, headers=acme).status_code == 200
    limited = client.get(AVAILABLE, params={"countryCode": "US"}, headers=acme)
    assert_error(limited, 429, "rate_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert int(limited.headers["X-RateLimit-Reset"]) > time.time()
    # Counted per organization; other operations are not limited.
    globex = {"Authorization": f"Bearer {mint('globex')}"}
    assert client.get(AVAILABLE, params={"countryCode": "US"}, headers=globex).status_code == 200
    assert client.get(STOCK_ITEMS, headers=acme).status_code == 200


def test_rate_limits_can_be_listed_and_lifted(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    limit_id = client.post(
        "/_mock/rate-limits",
        json={"operation": "*", "limit": 1, "windowSeconds": 60},
        headers=admin,
    ).json()["id"]
    client.get(STOCK_ITEMS, headers=auth)
    assert client.get(STOCK_ITEMS, headers=auth).status_code == 429
    assert [
        r["id"] for r in client.get("/_mock/rate-limits", headers=admin).json()["rateLimits"]
    ] == [limit_id]
    assert client.delete(f"/_mock/rate-limits/{limit_id}", headers=admin).status_code == 204
    assert client.get(STOCK_ITEMS, headers=auth).status_code == 200
    assert_error(
        client.delete(f"/_mock/rate-limits/{limit_id}", headers=admin), 404, "rate_limit_not_found"
    )


# --- journal --------------------------------------------------------------------------------


def test_journal_lists_requests_newest_first_without_tokens(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    client.post(
        "/_mock/faults",
        json={"operation": "searchAvailableNumbers", "status": 502, "times": 1},
        headers=admin,
    )
    first = client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth)
    second = client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth)
    client.get(STOCK_ITEMS, params={"limit": 3}, headers=auth)
    client.get(STOCK_ITEMS)  # 401, journaled too
    journal = client.get("/_mock/requests", headers=admin).json()["requests"]
    assert [(r["operation"], r["status"]) for r in journal] == [
        ("listStockItems", 401),
        ("listStockItems", 200),
        ("searchAvailableNumbers", 200),
        ("searchAvailableNumbers", 502),
    ]
    pingram = client.get(
        "/_mock/requests", params={"operation": "searchAvailableNumbers"}, headers=admin
    ).json()["requests"]
    assert [r["trackingId"] for r in pingram] == [
        second.headers["X-Tracking-Id"],
        first.headers["X-Tracking-Id"],
    ]
    entry = pingram[0]
    assert (entry["method"], entry["path"], entry["query"]) == (
        "GET",
        "/numbers/available",
        "countryCode=US",
    )
    assert (entry["organizationId"], entry["sub"]) == ("acme", "numbers-mock-user")
    assert entry["durationMs"] >= 0
    assert entry["receivedAt"].endswith("Z")
    token = auth["Authorization"].split()[1]
    assert token not in str(client.get("/_mock/requests", headers=admin).json())
    failed = client.get("/_mock/requests", params={"status": 502}, headers=admin).json()["requests"]
    assert [r["trackingId"] for r in failed] == [first.headers["X-Tracking-Id"]]
    assert client.delete("/_mock/requests", headers=admin).status_code == 204
    assert client.get("/_mock/requests", headers=admin).json() == {"requests": []}


def test_journal_is_bounded(database_factory: DatabaseFactory, mint: Minter) -> None:
    settings: Settings = make_settings(database_factory("journal"), journal_size=5, seed_count=50)
    admin = {"Authorization": f"Bearer {settings.admin_key.get_secret_value()}"}
    auth = {"Authorization": f"Bearer {mint('acme')}"}
    with TestClient(create_app(settings)) as client:
        ids = [
            client.get(STOCK_ITEMS, params={"limit": 1}, headers=auth).headers["X-Tracking-Id"]
            for _ in range(12)
        ]
        journal = client.get("/_mock/requests", headers=admin).json()["requests"]
    assert [entry["trackingId"] for entry in journal] == ids[::-1][:5]


# --- reset ----------------------------------------------------------------------------------


def test_reset_clears_everything_quickly(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    number = _first_us_number(client, auth)
    client.post(
        f"/_mock/numbers/{_quoted(number)}/purchase", json={"organizationId": "a"}, headers=admin
    )
    client.post(
        "/_mock/numbers", json={"countryCode": "GB", "type": "mobile", "count": 3}, headers=admin
    )
    client.post("/_mock/faults", json={"operation": "*", "status": 500}, headers=admin)
    client.post(
        "/_mock/rate-limits", json={"operation": "*", "limit": 1, "windowSeconds": 9}, headers=admin
    )
    in_stock = client.post("/_mock/reset", headers=admin).json()["inStock"]
    assert in_stock == 40_000  # the default inventory
    assert client.get("/_mock/faults", headers=admin).json() == {"faults": []}
    assert client.get("/_mock/rate-limits", headers=admin).json() == {"rateLimits": []}
    assert client.get("/_mock/requests", headers=admin).json() == {"requests": []}
    assert _in_bird(client, auth, number)
    # Timing is reported, not asserted: the closing note quotes the median.
    durations = []
    for _ in range(20):
        started = time.perf_counter()
        client.post("/_mock/reset", headers=admin)
        durations.append(time.perf_counter() - started)
    print(f"POST /_mock/reset median {statistics.median(durations) * 1000:.1f} ms")


def test_concurrent_identical_additions_never_fail_with_500(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"countryCode": "DE", "type": "mobile", "count": 50}

    def add(_: int) -> int:
        return client.post("/_mock/numbers", json=body, headers=admin).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(add, range(8)))
    assert set(statuses) <= {201, 409}, statuses
    assert 201 in statuses
