"""Bird's Numbers API beyond buying, as a client uses it: the long code numbers list, Bird's
filters of the numbers list, a number's main subscription, its cancellation and the number's
return to stock when the mock clock passes its deprovisionAt, the workspace-level searches
and Bird's price scale.

One server of its own (its mock clock moves); each test uses its own organization and
workspaces.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.auth.access_keys import mint_access_key
from app.db.engine import create_db_engine
from app.main import create_app
from app.providers.bird import repository
from app.providers.bird.parameters import PROVIDER_ID
from app.providers.bird.repository import WorkspaceNumberFilters
from app.providers.bird.schemas import (
    EndpointSubscriptions,
    NumbersAvailablePage,
    StockItemsPage,
    UpdatedNumber,
    WorkspaceLongCodeNumber,
    WorkspaceNumbersPage,
)
from app.settings import Settings
from tests.conftest import TEST_ADMIN_KEY, TEST_SECRET, DatabaseFactory, Minter, make_settings
from tests.helpers import AVAILABLE, assert_error

Headers = dict[str, str]
ADMIN = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
# A 31st: the next renewal falls on the last day of February.
BOUGHT_AT = "2027-01-31T10:00:00.000Z"


@pytest.fixture(scope="module")
def server_settings(database_factory: DatabaseFactory) -> Settings:
    return make_settings(database_factory("bird_subscriptions"), seed_count=2000)


@pytest.fixture(scope="module")
def server(server_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(server_settings)) as own:
        yield own


@pytest.fixture
def frozen(server: TestClient) -> TestClient:
    """The server with its clock frozen at BOUGHT_AT (each such test moves it on from there)."""
    _clock(server, {"now": BOUGHT_AT, "frozen": True})
    return server


def _clock(client: TestClient, body: dict[str, Any]) -> None:
    response = client.post("/_mock/clock", json=body, headers=ADMIN)
    assert response.status_code == 200, response.text


def _key(organization: str, *workspaces: str) -> Headers:
    return {"Authorization": f"AccessKey {mint_access_key(TEST_SECRET, organization, workspaces)}"}


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def _stock(client: TestClient, headers: Headers, org: str, **params: Any) -> list[dict[str, Any]]:
    body = _ok(
        client.get(
            f"/organizations/{org}/numbers-stock-items",
            params={"limit": 99, **params},
            headers=headers,
        )
    )
    StockItemsPage.model_validate(body)
    results: list[dict[str, Any]] = body["results"]
    return results


def _buy(client: TestClient, headers: Headers, workspace: str, items: list[dict[str, Any]]) -> Any:
    return _ok(
        client.post(
            f"/workspaces/{workspace}/numbers-long-code",
            json={"numberStockItemIds": [item["id"] for item in items]},
            headers=headers,
        ),
        201,
    )["results"]


def _long_code_numbers(
    client: TestClient, headers: Headers, workspace: str, **params: Any
) -> dict[str, Any]:
    body = _ok(
        client.get(f"/workspaces/{workspace}/numbers-long-code", params=params, headers=headers)
    )
    WorkspaceNumbersPage.model_validate(body)
    return body  # type: ignore[no-any-return]


def _numbers(client: TestClient, headers: Headers, workspace: str, **params: Any) -> list[str]:
    body = _ok(client.get(f"/workspaces/{workspace}/numbers", params=params, headers=headers))
    WorkspaceNumbersPage.model_validate(body)
    return [number["numberString"] for number in body["results"]]


def _in_bird_stock(client: TestClient, headers: Headers, org: str, number: str) -> bool:
    return number in [item["numberString"] for item in _stock(client, headers, org, prefix=number)]


def _in_pingram_stock(client: TestClient, token: str, number: str) -> bool:
    parsed = phonenumbers.parse(number)
    body = _ok(
        client.get(
            AVAILABLE,
            params={
                "countryCode": phonenumbers.region_code_for_number(parsed),
                "areaCode": str(parsed.national_number),
            },
            headers={"Authorization": f"Bearer {token}"},
        )
    )
    return number in [found["phoneNumber"] for found in body["numbers"]]


# --- GET /workspaces/{workspaceId}/numbers-long-code ---------------------------------------


@pytest.fixture(scope="module")
def listed(server: TestClient) -> tuple[Headers, list[dict[str, Any]]]:
    """Workspace ws-lcn-list of organization lcn-list: two US local numbers, then a GB one."""
    headers = _key("lcn-list")
    us = _stock(server, headers, "lcn-list", countryCodes="US", types="local", prefix="+1212")
    gb = _stock(server, headers, "lcn-list", countryCodes="GB", types="mobile")
    first = _buy(server, headers, "ws-lcn-list", us[-2:])
    _clock(server, {"advance": "PT1M"})
    return headers, first + _buy(server, headers, "ws-lcn-list", gb[-1:])


def test_the_long_code_numbers_list_pages_oldest_first(
    server: TestClient, listed: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed
    expected = [*sorted(n["numberString"] for n in bought[:2]), bought[2]["numberString"]]
    walked: list[str] = []
    token = None
    for _ in range(3):
        page = _long_code_numbers(
            server, headers, "ws-lcn-list", limit=1, **({"pageToken": token} if token else {})
        )
        walked += [number["numberString"] for number in page["results"]]
        token = page.get("nextPageToken")
    assert walked == expected
    assert token is None
    newest_first = _long_code_numbers(server, headers, "ws-lcn-list", reverse="true")["results"]
    assert [number["numberString"] for number in newest_first] == expected[::-1]
    # Each item is the long code number, its endpoint included, as GET .../{id} shows it.
    for number in newest_first:
        one = _ok(
            server.get(f"/workspaces/ws-lcn-list/numbers-long-code/{number['id']}", headers=headers)
        )
        assert one == number
        WorkspaceLongCodeNumber.model_validate(one)


@pytest.mark.parametrize(
    ("params", "countries"),
    [
        pytest.param({"countryCodes": "GB"}, ["GB"], id="countryCodes"),
        pytest.param({"countryCodes": "US,GB"}, ["US", "US", "GB"], id="comma-separated"),
        pytest.param({"countryCodes": ["GB", "FR"]}, ["GB"], id="repeated"),
        pytest.param({"numberString": "+1212"}, ["US", "US"], id="numberString"),
        pytest.param({"numberString": "44"}, ["GB"], id="numberString-without-plus"),
        pytest.param({"providerIds": str(PROVIDER_ID)}, ["US", "US", "GB"], id="our-provider"),
        pytest.param({"providerIds": str(uuid.uuid4())}, [], id="another-provider"),
    ],
)
def test_the_long_code_numbers_list_filters(
    server: TestClient,
    listed: tuple[Headers, list[dict[str, Any]]],
    params: dict[str, Any],
    countries: list[str],
) -> None:
    headers, _ = listed
    results = _long_code_numbers(server, headers, "ws-lcn-list", **params)["results"]
    assert [number["countryCode"] for number in results] == countries


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        pytest.param({"limit": 100}, "invalid_parameter", "from 1 to 99", id="limit-100"),
        pytest.param({"limit": 0}, "invalid_parameter", "from 1 to 99", id="limit-0"),
        pytest.param({"providerIds": "bird"}, "invalid_parameter", "providerIds must be a uuid"),
        pytest.param({"countryCodes": "usa"}, "invalid_parameter", "countryCodes must be"),
        pytest.param({"numberString": "+1 212"}, "invalid_parameter", "numberString must be"),
        pytest.param({"reverse": "yes"}, "invalid_parameter", "reverse must be a boolean"),
        pytest.param({"pageToken": "x" * 8001}, "invalid_page_token", "", id="long-token"),
        pytest.param({"prefix": "+1"}, "unknown_parameter", "did you mean numberString?"),
    ],
)
def test_the_long_code_numbers_list_checks_its_parameters(
    server: TestClient, params: dict[str, Any], code: str, fragment: str
) -> None:
    response = server.get(
        "/workspaces/ws-lcn-params/numbers-long-code", params=params, headers=_key("lcn-params")
    )
    assert fragment in assert_error(response, 400, code)["message"]


def test_a_page_token_belongs_to_its_list(
    server: TestClient, listed: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, _ = listed
    token = _long_code_numbers(server, headers, "ws-lcn-list", limit=1)["nextPageToken"]
    response = server.get(
        "/workspaces/ws-lcn-list/numbers", params={"limit": 1, "pageToken": token}, headers=headers
    )
    assert "another operation" in assert_error(response, 400, "invalid_page_token")["message"]


def test_another_organizations_workspace_is_forbidden_everywhere(
    server: TestClient, listed: tuple[Headers, list[dict[str, Any]]]
) -> None:
    _, bought = listed
    stranger = _key("lcn-stranger")
    number_id = bought[0]["id"]
    for method, path in [
        ("GET", "/workspaces/ws-lcn-list/numbers-long-code"),
        ("GET", f"/workspaces/ws-lcn-list/endpoints/{number_id}/subscriptions"),
        ("GET", f"/workspaces/ws-lcn-list/endpoints/{number_id}/subscriptions/main"),
        ("POST", f"/workspaces/ws-lcn-list/numbers/{number_id}/cancel-subscription"),
        ("GET", "/workspaces/ws-lcn-list/numbers-stock-items"),
        ("GET", "/workspaces/ws-lcn-list/numbers-available"),
    ]:
        response = server.request(method, path, headers=stranger)
        assert_error(response, 403, "workspace_forbidden")
    # A key naming other workspaces is held to them, before anything is read.
    named = _key("lcn-list", "ws-elsewhere")
    response = server.get("/workspaces/ws-lcn-list/numbers-long-code", headers=named)
    assert_error(response, 403, "workspace_forbidden")


def test_auth_comes_before_parameters_on_every_new_operation(server: TestClient) -> None:
    for method, path in [
        ("GET", "/workspaces/ws/numbers-long-code?limit=100"),
        ("GET", "/workspaces/ws/endpoints/not-a-uuid/subscriptions"),
        ("GET", "/workspaces/ws/endpoints/not-a-uuid/subscriptions/main"),
        ("POST", "/workspaces/ws/numbers/not-a-uuid/cancel-subscription"),
        ("GET", "/workspaces/ws/numbers-stock-items?limit=100"),
        ("GET", "/workspaces/ws/numbers-available?bogus=1"),
    ]:
        assert_error(server.request(method, path), 401, "invalid_token")


# --- Bird's filter names on GET /workspaces/{workspaceId}/numbers ---------------------------


@pytest.mark.parametrize(
    ("params", "countries"),
    [
        pytest.param({"country": "GB"}, ["GB"], id="country"),
        pytest.param({"type": "mobile"}, ["GB"], id="type"),
        pytest.param({"type": ["local", "mobile"]}, ["US", "US", "GB"], id="type-repeated"),
        pytest.param({"status": "active"}, ["US", "US", "GB"], id="status-active"),
        pytest.param({"status": "pending"}, [], id="status-pending"),
        pytest.param({"fax": "true"}, [], id="fax"),
        pytest.param({"fax": "false"}, ["US", "US", "GB"], id="no-fax"),
        pytest.param({"country": "US", "reverse": "true"}, ["US", "US"], id="reverse"),
        # numbers-mock's own names keep working.
        pytest.param({"countryCode": "GB"}, ["GB"], id="countryCode"),
        pytest.param({"types": "local"}, ["US", "US"], id="types"),
    ],
)
def test_the_numbers_list_takes_birds_filter_names(
    server: TestClient,
    listed: tuple[Headers, list[dict[str, Any]]],
    params: dict[str, Any],
    countries: list[str],
) -> None:
    headers, bought = listed
    by_number = {number["numberString"]: number["countryCode"] for number in bought}
    listed_numbers = _numbers(server, headers, "ws-lcn-list", **params)
    assert [by_number[number] for number in listed_numbers] == countries


@pytest.mark.parametrize("channel", ["sms", "voice", "mms"])
def test_the_numbers_list_filters_by_channel(
    server: TestClient, listed: tuple[Headers, list[dict[str, Any]]], channel: str
) -> None:
    headers, bought = listed
    supporting = sorted(
        number["numberString"] for number in bought if any(number["capabilities"][channel].values())
    )
    others = sorted({number["numberString"] for number in bought} - set(supporting))
    assert sorted(_numbers(server, headers, "ws-lcn-list", **{channel: "true"})) == supporting
    assert sorted(_numbers(server, headers, "ws-lcn-list", **{channel: "0"})) == others


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        pytest.param({"country": "GB", "countryCode": "GB"}, "same filter", id="both-names"),
        pytest.param({"status": "cancelled"}, "status must be one of active, pending"),
        pytest.param({"sms": "maybe"}, "sms must be a boolean"),
        pytest.param({"country": "gb"}, "upper case"),
        pytest.param({"type": "landline"}, "unknown type 'landline'"),
    ],
)
def test_the_numbers_list_checks_birds_filters(
    server: TestClient, params: dict[str, Any], fragment: str
) -> None:
    response = server.get("/workspaces/ws-p/numbers", params=params, headers=_key("lcn-p"))
    assert fragment in assert_error(response, 400, "invalid_parameter")["message"]


# --- subscriptions, cancellation, back to stock ---------------------------------------------


def test_a_bought_number_has_a_main_subscription_at_its_price(frozen: TestClient) -> None:
    headers = _key("sub-reader")
    [item] = _stock(frozen, headers, "sub-reader", countryCodes="US")[-1:]
    [number] = _buy(frozen, headers, "ws-sub-reader", [item])
    assert number["createdAt"] == BOUGHT_AT
    path = f"/workspaces/ws-sub-reader/endpoints/{number['endpointId']}/subscriptions"

    listed = _ok(frozen.get(path, headers=headers))
    EndpointSubscriptions.model_validate(listed)
    [main] = listed["results"]
    assert (main["name"], main["status"]) == ("main", "active")
    assert main["price"] == item["monthlyPrice"]
    assert main["price"]["exponent"] == -6
    details = main["subscription"]
    assert details["status"] == "active"
    assert details["subscribedAt"] == details["startAt"] == BOUGHT_AT
    assert details["endAt"] == "2027-02-28T10:00:00.000Z"  # a month later, on February's last
    assert details["canceledAt"] is None
    assert _ok(frozen.get(f"{path}/main", headers=headers)) == main

    # A month and a day later it has renewed: the current period moved on.
    _clock(frozen, {"advance": "P29D"})
    renewed = _ok(frozen.get(f"{path}/main", headers=headers))["subscription"]
    assert (renewed["startAt"], renewed["endAt"]) == (
        "2027-02-28T10:00:00.000Z",
        "2027-03-31T10:00:00.000Z",
    )


def test_subscription_errors_are_the_envelope(frozen: TestClient) -> None:
    headers = _key("sub-errors")
    [number] = _buy(
        frozen,
        headers,
        "ws-sub-errors",
        _stock(frozen, headers, "sub-errors", countryCodes="CA")[-1:],
    )
    base = "/workspaces/ws-sub-errors/endpoints"
    unknown = uuid.uuid4()
    error = assert_error(
        frozen.get(f"{base}/{unknown}/subscriptions", headers=headers), 404, "endpoint_not_found"
    )
    assert str(unknown) in error["message"]
    assert_error(
        frozen.get(f"{base}/{unknown}/subscriptions/main", headers=headers),
        404,
        "endpoint_not_found",
    )
    error = assert_error(
        frozen.get(f"{base}/{number['id']}/subscriptions/US", headers=headers),
        404,
        "subscription_not_found",
    )
    assert "'main'" in error["message"]
    error = assert_error(
        frozen.get(f"{base}/not-a-uuid/subscriptions", headers=headers), 400, "invalid_parameter"
    )
    assert "endpointId must be a uuid" in error["message"]
    response = frozen.get(f"{base}/{number['id']}/subscriptions", params={"x": 1}, headers=headers)
    assert_error(response, 400, "unknown_parameter")


def test_cancel_then_the_clock_passes_deprovision_at_and_the_number_is_back_in_stock(
    frozen: TestClient, mint: Minter
) -> None:
    headers = _key("sub-cancel")
    pingram = mint("sub-cancel-pingram")
    [item] = _stock(frozen, headers, "sub-cancel", countryCodes="US", types="local")[-1:]
    [number] = _buy(frozen, headers, "ws-sub-cancel", [item])
    phone = number["numberString"]
    assert not _in_bird_stock(frozen, headers, "sub-cancel", phone)
    assert not _in_pingram_stock(frozen, pingram, phone)

    _clock(frozen, {"advance": "P10D"})  # cancelled mid-month: paid until February 28th
    cancel = f"/workspaces/ws-sub-cancel/numbers/{number['id']}/cancel-subscription"
    updated = _ok(frozen.post(cancel, headers=headers))
    UpdatedNumber.model_validate(updated)
    assert (updated["id"], updated["number"], updated["country"]) == (number["id"], phone, "US")
    assert updated["status"] == "active"
    assert updated["monthlyRecurringPrice"] == item["monthlyPrice"]
    assert updated["capabilities"]["fax"] == {"inbound": False, "outbound": False}
    assert updated["subscription"]["status"] == "cancelled"
    assert updated["subscription"]["cancelledAt"] == "2027-02-10T10:00:00.000Z"
    assert updated["deactivatesAt"] == "2027-02-28T10:00:00.000Z"
    assert updated["endpointSubscription"]["endAt"] == updated["deactivatesAt"]

    # Still in the workspace until then, with its deprovisionAt; the subscription inactive.
    one = f"/workspaces/ws-sub-cancel/numbers-long-code/{number['id']}"
    assert _ok(frozen.get(one, headers=headers))["deprovisionAt"] == "2027-02-28T10:00:00.000Z"
    main = _ok(
        frozen.get(
            f"/workspaces/ws-sub-cancel/endpoints/{number['id']}/subscriptions/main",
            headers=headers,
        )
    )
    assert (main["status"], main["subscription"]["status"]) == ("inactive", "canceled")
    assert main["subscription"]["canceledAt"] == "2027-02-10T10:00:00.000Z"

    # A second cancellation is refused and changes nothing.
    error = assert_error(
        frozen.post(cancel, headers=headers), 409, "subscription_already_cancelled"
    )
    assert "2027-02-28T10:00:00.000Z" in error["message"]
    assert _ok(frozen.get(one, headers=headers))["deprovisionAt"] == "2027-02-28T10:00:00.000Z"

    _clock(frozen, {"now": "2027-02-28T09:59:59.000Z", "frozen": True})
    assert _numbers(frozen, headers, "ws-sub-cancel") == [phone]
    assert not _in_bird_stock(frozen, headers, "sub-cancel", phone)

    _clock(frozen, {"now": "2027-02-28T10:00:00.000Z", "frozen": True})
    assert_error(frozen.get(one, headers=headers), 404, "long_code_number_not_found")
    assert _numbers(frozen, headers, "ws-sub-cancel") == []
    assert _long_code_numbers(frozen, headers, "ws-sub-cancel")["results"] == []
    assert_error(
        frozen.get(
            f"/workspaces/ws-sub-cancel/endpoints/{number['id']}/subscriptions", headers=headers
        ),
        404,
        "endpoint_not_found",
    )
    assert_error(frozen.post(cancel, headers=headers), 404, "long_code_number_not_found")
    assert _in_bird_stock(frozen, headers, "sub-cancel", phone)
    assert _in_pingram_stock(frozen, pingram, phone)
    # And anyone may buy it again.
    [again] = _buy(frozen, _key("sub-cancel-next"), "ws-sub-next", [item])
    assert again["numberString"] == phone
    assert again["deprovisionAt"] is None


def test_the_control_api_shows_a_cancelled_number(frozen: TestClient) -> None:
    headers = _key("sub-control")
    [number] = _buy(
        frozen,
        headers,
        "ws-sub-control",
        _stock(frozen, headers, "sub-control", countryCodes="GB")[-1:],
    )
    path = f"/workspaces/ws-sub-control/numbers/{number['endpointId']}/cancel-subscription"
    _ok(frozen.post(path, headers=headers))  # the endpoint id works as numberId
    state = _ok(frozen.get(f"/_mock/numbers/{number['numberString']}", headers=ADMIN))
    assert state["owner"]["cancelledAt"] == BOUGHT_AT
    assert state["owner"]["deprovisionAt"] == "2027-02-28T10:00:00.000Z"


def test_cancellation_errors_are_the_envelope(server: TestClient) -> None:
    headers = _key("sub-cancel-errors")
    base = "/workspaces/ws-cancel-errors/numbers"
    error = assert_error(
        server.post(f"{base}/12345/cancel-subscription", headers=headers), 400, "invalid_parameter"
    )
    assert "numberId must be a uuid" in error["message"]
    assert_error(
        server.post(f"{base}/{uuid.uuid4()}/cancel-subscription", headers=headers),
        404,
        "long_code_number_not_found",
    )
    assert_error(
        server.get(f"{base}/{uuid.uuid4()}/cancel-subscription", headers=headers),
        405,
        "method_not_allowed",
    )


# --- workspace-level searches ----------------------------------------------------------------


def test_the_workspace_stock_search_is_the_organizations(server: TestClient) -> None:
    headers = _key("ws-search")
    params: dict[str, Any] = {"countryCodes": "GB,NL", "types": "mobile", "limit": 5}
    organization = _ok(
        server.get("/organizations/ws-search/numbers-stock-items", params=params, headers=headers)
    )
    workspace = _ok(
        server.get("/workspaces/ws-search-1/numbers-stock-items", params=params, headers=headers)
    )
    StockItemsPage.model_validate(workspace)
    assert workspace["results"] == organization["results"]
    assert workspace["results"][0]["monthlyPrice"]["exponent"] == -6
    following = _ok(
        server.get(
            "/workspaces/ws-search-1/numbers-stock-items",
            params={**params, "pageToken": workspace["nextPageToken"]},
            headers=headers,
        )
    )
    assert following["results"][0] not in workspace["results"]
    # Its tokens are its own.
    response = server.get(
        "/organizations/ws-search/numbers-stock-items",
        params={**params, "pageToken": workspace["nextPageToken"]},
        headers=headers,
    )
    assert_error(response, 400, "invalid_page_token")
    response = server.get(
        "/workspaces/ws-search-1/numbers-stock-items", params={"limit": 100}, headers=headers
    )
    assert_error(response, 400, "invalid_parameter")


def test_the_legacy_available_numbers_come_from_the_same_inventory(server: TestClient) -> None:
    headers = _key("ws-available")
    stock = _stock(server, headers, "ws-available", countryCodes="US", types="local")[:3]
    body = _ok(
        server.get(
            "/workspaces/ws-available-1/numbers-available",
            params={"countryCode": "US", "type": "local", "limit": 2},
            headers=headers,
        )
    )
    NumbersAvailablePage.model_validate(body)
    first = body["results"][0]
    assert set(first) == {
        "type",
        "capabilities",
        "number",
        "country",
        "monthlyRecurringPrice",
        "complianceRequirements",
    }
    assert (first["number"], first["country"], first["type"]) == (
        stock[0]["numberString"],
        "US",
        "local",
    )
    assert first["monthlyRecurringPrice"] == stock[0]["monthlyPrice"]
    assert {k: first["capabilities"][k] for k in ("sms", "voice", "mms")} == stock[0][
        "capabilities"
    ]
    following = _ok(
        server.get(
            "/workspaces/ws-available-1/numbers-available",
            params={
                "countryCode": "US",
                "type": "local",
                "limit": 2,
                "pageToken": body["nextPageToken"],
            },
            headers=headers,
        )
    )
    assert [n["number"] for n in body["results"] + following["results"]][:3] == [
        item["numberString"] for item in stock
    ]
    response = server.get(
        "/workspaces/ws-available-1/numbers-available",
        params={"countryCodes": "US"},
        headers=headers,
    )
    assert (
        "did you mean countryCode?" in assert_error(response, 400, "unknown_parameter")["message"]
    )


def test_reads_drop_a_number_past_its_deprovision_at_before_the_stock_takes_it_back(
    frozen: TestClient, server_settings: Settings
) -> None:
    """On a running clock nothing may have returned the number to stock yet when the
    workspace is read: the reads drop it themselves, and write nothing."""
    headers = _key("sub-reads")
    [number] = _buy(
        frozen,
        headers,
        "ws-sub-reads",
        _stock(frozen, headers, "sub-reads", countryCodes="NL")[-1:],
    )
    path = f"/workspaces/ws-sub-reads/numbers/{number['id']}/cancel-subscription"
    deprovision_at = datetime.fromisoformat(
        _ok(frozen.post(path, headers=headers))["deactivatesAt"]
    )
    engine = create_db_engine(server_settings.database_url)
    try:
        with Session(engine) as session:
            for now, listed in (
                (deprovision_at - timedelta(microseconds=1), 1),
                (deprovision_at, 0),
            ):
                found = repository.workspace_numbers(
                    session,
                    organization_id="sub-reads",
                    workspace_id="ws-sub-reads",
                    filters=WorkspaceNumberFilters(),
                    reverse=False,
                    start_at=None,
                    limit=None,
                    now=now,
                )
                assert len(found) == listed
                one = repository.workspace_long_code_number(
                    session,
                    organization_id="sub-reads",
                    workspace_id="ws-sub-reads",
                    long_code_number_id=uuid.UUID(number["id"]),
                    now=now,
                )
                assert (one is not None) == bool(listed)
    finally:
        engine.dispose()
    # Nothing moved the clock past it: the number still waits, sold, for the stock.
    state = _ok(frozen.get(f"/_mock/numbers/{number['numberString']}", headers=ADMIN))
    assert state["status"] == "sold"
    assert state["owner"]["deprovisionAt"] == number_deprovision_at(deprovision_at)


def number_deprovision_at(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
