"""Bird's long code numbers as a client uses them: search the stock, buy stock items into a
workspace, list and read the workspace's numbers.

The session's database is shared: every test uses its own organization and workspaces, and
picks numbers from searches (from the end of a page, away from other tests' first picks).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import phonenumbers
import pytest
from fastapi.testclient import TestClient

from app.auth.access_keys import mint_access_key
from app.main import create_app
from app.providers.bird.schemas import (
    StockItemsPage,
    WorkspaceLongCodeNumber,
    WorkspaceLongCodeNumbers,
    WorkspaceNumbersPage,
)
from tests.conftest import TEST_ADMIN_KEY, TEST_SECRET, DatabaseFactory, Minter, make_settings
from tests.helpers import AVAILABLE, assert_error

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
Headers = dict[str, str]


def _key(organization: str, *workspaces: str) -> Headers:
    return {"Authorization": f"AccessKey {mint_access_key(TEST_SECRET, organization, workspaces)}"}


def _stock(
    client: TestClient, headers: Headers, organization: str, **params: Any
) -> list[dict[str, Any]]:
    response = client.get(
        f"/organizations/{organization}/numbers-stock-items",
        params={"limit": 99, **params},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = StockItemsPage.model_validate(response.json()).model_dump(
        mode="json", exclude_none=True
    )["results"]
    assert results == response.json()["results"]
    return results


def _pick(
    client: TestClient, headers: Headers, organization: str, count: int, **params: Any
) -> list[dict[str, Any]]:
    """``count`` stock items from the end of the first page of a search."""
    items = _stock(client, headers, organization, **params)
    assert len(items) >= count
    return items[::-1][:count]


def _in_stock(client: TestClient, headers: Headers, organization: str, number: str) -> bool:
    return any(
        item["numberString"] == number
        for item in _stock(client, headers, organization, prefix=number)
    )


def _buy(
    client: TestClient, headers: Headers, workspace: str, ids: list[str]
) -> list[dict[str, Any]]:
    response = client.post(
        f"/workspaces/{workspace}/numbers-long-code",
        json={"numberStockItemIds": ids},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    WorkspaceLongCodeNumbers.model_validate(response.json())
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def _list(client: TestClient, headers: Headers, workspace: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/workspaces/{workspace}/numbers", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    WorkspaceNumbersPage.model_validate(body)
    return body


def _walk(client: TestClient, headers: Headers, workspace: str, **params: Any) -> list[str]:
    """Every number of a listing, page by page."""
    numbers: list[str] = []
    token = None
    for _ in range(50):
        page = _list(
            client, headers, workspace, **params, **({"pageToken": token} if token else {})
        )
        numbers += [item["numberString"] for item in page["results"]]
        token = page.get("nextPageToken")
        if token is None:
            return numbers
    raise AssertionError("the walk does not end")


# --- buying -------------------------------------------------------------------------------


def test_buy_two_stock_items_into_a_workspace(client: TestClient, mint: Minter) -> None:
    headers = _key("lcn-buyer")
    picked = _pick(client, headers, "lcn-buyer", 2, countryCodes="US", types="local")
    pingram = {"Authorization": f"Bearer {mint('lcn-buyer')}"}
    for item in picked:
        assert _in_stock(client, headers, "lcn-buyer", item["numberString"])
        assert _available_in_pingram(client, pingram, item["numberString"])

    bought = _buy(client, headers, "ws-buyer", [item["id"] for item in picked])

    assert [number["numberString"] for number in bought] == [
        item["numberString"] for item in picked
    ]
    for number, item in zip(bought, picked, strict=True):
        assert number["id"] == number["endpointId"] == number["endpoint"]["id"]
        assert number["id"] != item["id"]  # a long code number, not the stock item
        assert (number["countryCode"], number["type"]) == ("US", "local")
        assert number["capabilities"] == item["capabilities"]
        assert TIMESTAMP.fullmatch(number["createdAt"])
        assert TIMESTAMP.fullmatch(number["updatedAt"])
        order = number["order"]
        assert order["status"] == "completed"  # US stock never needs a back order
        assert (order["countryCode"], order["type"]) == ("US", "local")
        supported = [
            channel
            for channel in ("sms", "voice", "mms")
            if any(item["capabilities"][channel].values())
        ]
        assert order["capabilities"] == supported
        endpoint = number["endpoint"]
        assert (endpoint["type"], endpoint["name"]) == ("long-code-number", item["numberString"])
        assert [capability["name"] for capability in endpoint["capabilities"]] == supported
        for capability in endpoint["capabilities"]:
            for direction in ("inbound", "outbound"):
                expected = (
                    "active"
                    if item["capabilities"][capability["name"]][direction]
                    else ("inactive")
                )
                shown = capability[direction]
                assert (shown["status"], shown["issues"]) == (expected, [])
            # Bird's outbound direction also counts destination subscriptions: a long code
            # number has none.
            assert capability["outbound"]["supportsDestinations"] is False
            assert set(capability["outbound"]["destinationStatuses"].values()) == {0}
        assert endpoint["dependencies"] == []
        assert number["deprovisionAt"] is None
        # Gone from both providers' stock searches.
        assert not _in_stock(client, headers, "lcn-buyer", item["numberString"])
        assert not _available_in_pingram(client, pingram, item["numberString"])


def _available_in_pingram(client: TestClient, headers: Headers, number: str) -> bool:
    parsed = phonenumbers.parse(number)
    response = client.get(
        AVAILABLE,
        params={
            "countryCode": phonenumbers.region_code_for_number(parsed),
            "areaCode": str(parsed.national_number),
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return number in [found["phoneNumber"] for found in response.json()["numbers"]]


def test_a_bearer_token_with_an_org_claim_buys_too(client: TestClient, mint: Minter) -> None:
    headers = {"Authorization": f"Bearer {mint('lcn-jwt')}"}
    picked = _pick(client, headers, "lcn-jwt", 1, countryCodes="GB")
    assert len(_buy(client, headers, "ws-jwt", [picked[0]["id"]])) == 1
    listed = _list(client, headers, "ws-jwt")["results"]
    assert [number["numberString"] for number in listed] == [picked[0]["numberString"]]


def test_one_unknown_id_buys_nothing(client: TestClient) -> None:
    headers = _key("lcn-atomic")
    picked = _pick(client, headers, "lcn-atomic", 1, countryCodes="CA")
    unknown = str(uuid.uuid4())
    response = client.post(
        "/workspaces/ws-atomic/numbers-long-code",
        json={"numberStockItemIds": [picked[0]["id"], unknown]},
        headers=headers,
    )
    error = assert_error(response, 404, "number_stock_item_not_found")
    assert f"numberStockItemIds[1] {unknown}" in error["message"]
    assert "nothing was bought" in error["message"]
    assert _in_stock(client, headers, "lcn-atomic", picked[0]["numberString"])
    assert _list(client, headers, "ws-atomic")["results"] == []
    # The failed request did not claim the workspace either.
    other = _key("lcn-atomic-other")
    assert _list(client, other, "ws-atomic")["results"] == []


def test_one_sold_id_buys_nothing(client: TestClient) -> None:
    headers = _key("lcn-sold")
    first, second = _pick(client, headers, "lcn-sold", 2, countryCodes="NL")
    _buy(client, headers, "ws-sold", [first["id"]])
    response = client.post(
        "/workspaces/ws-sold/numbers-long-code",
        json={"numberStockItemIds": [second["id"], first["id"]]},
        headers=headers,
    )
    error = assert_error(response, 409, "number_stock_item_unavailable")
    assert f"numberStockItemIds[1] {first['id']} ({first['numberString']})" in error["message"]
    assert "your organization bought it already" in error["message"]
    assert _in_stock(client, headers, "lcn-sold", second["numberString"])
    listed = _list(client, headers, "ws-sold")["results"]
    assert [number["numberString"] for number in listed] == [first["numberString"]]


def test_a_number_bought_elsewhere_is_unavailable(client: TestClient) -> None:
    mine, theirs = _key("lcn-race-a"), _key("lcn-race-b")
    item = _pick(client, mine, "lcn-race-a", 1, countryCodes="SE")[0]
    _buy(client, theirs, "ws-race-b", [item["id"]])
    response = client.post(
        "/workspaces/ws-race-a/numbers-long-code",
        json={"numberStockItemIds": [item["id"]]},
        headers=mine,
    )
    error = assert_error(response, 409, "number_stock_item_unavailable")
    assert "it was bought already" in error["message"]
    assert "lcn-race-b" not in error["message"]  # never who bought it


_ID = "123e4567-e89b-12d3-a456-426614174000"


@pytest.mark.parametrize(
    ("body", "status", "code", "fragment"),
    [
        pytest.param(b"", 400, "invalid_parameter", "not valid JSON: it is empty", id="empty"),
        pytest.param(b"{", 400, "invalid_parameter", "not valid JSON", id="broken-json"),
        pytest.param(b"[]", 400, "invalid_parameter", "must be a JSON object", id="array"),
        pytest.param(b"{}", 400, "missing_parameter", "needs numberStockItemIds", id="missing-ids"),
        pytest.param(
            b'{"numberStockItemIds": "x"}',
            400,
            "invalid_parameter",
            "must be an array of stock item ids; got a string",
            id="not-an-array",
        ),
        pytest.param(
            b'{"numberStockItemIds": []}',
            400,
            "invalid_parameter",
            "must hold 1 to 25 ids; got 0",
            id="empty-array",
        ),
        pytest.param(
            (
                '{"numberStockItemIds": [' + ",".join(f'"{uuid.uuid4()}"' for _ in range(26)) + "]}"
            ).encode(),
            400,
            "invalid_parameter",
            "must hold 1 to 25 ids; got 26",
            id="26-ids",
        ),
        pytest.param(
            b'{"numberStockItemIds": ["' + _ID.encode() + b'", "not-a-uuid"]}',
            400,
            "invalid_parameter",
            "numberStockItemIds[1] must be a stock item id (a uuid); got 'not-a-uuid'",
            id="not-a-uuid",
        ),
        pytest.param(
            b'{"numberStockItemIds": [7]}',
            400,
            "invalid_parameter",
            "numberStockItemIds[0] must be a stock item id (a uuid); got a number",
            id="a-number",
        ),
        pytest.param(
            b'{"numberStockItemIds": ["' + _ID.encode() + b'", "' + _ID.upper().encode() + b'"]}',
            400,
            "invalid_parameter",
            f"lists {_ID} twice (at 0 and 1)",
            id="duplicate",
        ),
        pytest.param(
            b'{"numberStockItemIds": ["' + _ID.encode() + b'"], "testing": true}',
            400,
            "invalid_parameter",
            "unknown property 'testing'; it takes only numberStockItemIds",
            id="other-property",
        ),
    ],
)
def test_a_malformed_buy_request_is_refused_precisely(
    client: TestClient, body: bytes, status: int, code: str, fragment: str
) -> None:
    response = client.post(
        "/workspaces/ws-malformed/numbers-long-code",
        content=body,
        headers={**_key("lcn-malformed"), "Content-Type": "application/json"},
    )
    assert fragment in assert_error(response, status, code)["message"]


def test_auth_comes_before_the_body(client: TestClient) -> None:
    response = client.post("/workspaces/ws-x/numbers-long-code", content=b"{")
    assert_error(response, 401, "invalid_token")


# --- workspaces ---------------------------------------------------------------------------


def test_another_organizations_workspace_is_forbidden(client: TestClient) -> None:
    owner, intruder = _key("lcn-owner"), _key("lcn-intruder")
    item = _pick(client, owner, "lcn-owner", 1, countryCodes="US", types="toll-free")[0]
    bought = _buy(client, owner, "ws-owned", [item["id"]])[0]
    other = _pick(client, intruder, "lcn-intruder", 1, countryCodes="US", types="mobile")[0]
    for response in (
        client.post(
            "/workspaces/ws-owned/numbers-long-code",
            json={"numberStockItemIds": [other["id"]]},
            headers=intruder,
        ),
        client.get("/workspaces/ws-owned/numbers", headers=intruder),
        client.get(f"/workspaces/ws-owned/numbers-long-code/{bought['id']}", headers=intruder),
    ):
        error = assert_error(response, 403, "workspace_forbidden")
        assert "'ws-owned' belongs to another organization" in error["message"]
        assert "lcn-owner" not in error["message"]
    assert _in_stock(client, intruder, "lcn-intruder", other["numberString"])


def test_a_key_for_workspace_a_is_forbidden_in_workspace_b(client: TestClient) -> None:
    headers = _key("lcn-scoped", "ws-scoped-a")
    item = _pick(client, headers, "lcn-scoped", 1, countryCodes="IE")[0]
    response = client.post(
        "/workspaces/ws-scoped-b/numbers-long-code",
        json={"numberStockItemIds": [item["id"]]},
        headers=headers,
    )
    error = assert_error(response, 403, "workspace_forbidden")
    assert "may use only workspaces 'ws-scoped-a'; not 'ws-scoped-b'" in error["message"]
    assert "--workspace ws-scoped-b" in error["fix"]
    assert_error(
        client.get("/workspaces/ws-scoped-b/numbers", headers=headers), 403, "workspace_forbidden"
    )
    assert _in_stock(client, headers, "lcn-scoped", item["numberString"])
    assert len(_buy(client, headers, "ws-scoped-a", [item["id"]])) == 1


def test_a_token_naming_workspaces_is_held_to_them(client: TestClient, mint: Minter) -> None:
    headers = {"Authorization": f"Bearer {mint('lcn-jwt-scoped', workspaces=['ws-j1'])}"}
    assert_error(
        client.get("/workspaces/ws-j2/numbers", headers=headers), 403, "workspace_forbidden"
    )
    assert _list(client, headers, "ws-j1")["results"] == []


def test_an_unused_workspace_lists_nothing_and_stays_unclaimed(client: TestClient) -> None:
    assert _list(client, _key("lcn-reader"), "ws-unused")["results"] == []
    # Reading claimed nothing: another organization can still buy into it.
    buyer = _key("lcn-first-buyer")
    item = _pick(client, buyer, "lcn-first-buyer", 1, countryCodes="AT")[0]
    assert len(_buy(client, buyer, "ws-unused", [item["id"]])) == 1


def test_a_workspace_id_is_any_1_to_256_characters(client: TestClient) -> None:
    headers = _key("lcn-ids")
    assert _list(client, headers, "a" * 256)["results"] == []
    assert _list(client, headers, "Acme Prod (EU)")["results"] == []
    error = assert_error(
        client.get(f"/workspaces/{'a' * 257}/numbers", headers=headers), 400, "invalid_parameter"
    )
    assert "workspaceId must be 1 to 256 characters" in error["message"]
    assert "got 257 characters" in error["message"]
    error = assert_error(
        client.get("/workspaces/a%00b/numbers", headers=headers), 400, "invalid_parameter"
    )
    assert "control characters" in error["message"]


def test_another_organizations_path_is_forbidden(client: TestClient) -> None:
    response = client.get("/organizations/acme/numbers-stock-items", headers=_key("lcn-path"))
    assert (
        "'lcn-path', not 'acme'" in assert_error(response, 403, "organization_mismatch")["message"]
    )


# --- listing and reading ------------------------------------------------------------------


@pytest.fixture(scope="module")
def listed_workspace(client: TestClient) -> tuple[Headers, list[dict[str, Any]]]:
    """Workspace ws-list of lcn-lister: two US numbers bought together, then a GB one."""
    headers = _key("lcn-lister")
    us = _pick(client, headers, "lcn-lister", 2, countryCodes="US", prefix="+1415")
    gb = _pick(client, headers, "lcn-lister", 1, countryCodes="GB", types="mobile")
    first = _buy(client, headers, "ws-list", [us[1]["id"], us[0]["id"]])
    second = _buy(client, headers, "ws-list", [gb[0]["id"]])
    return headers, first + second


def test_the_listing_is_by_purchase_time_then_number_across_pages(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed_workspace
    # Bought together: the same createdAt, so by number; the GB number later.
    expected = [*sorted(number["numberString"] for number in bought[:2]), bought[2]["numberString"]]
    pages = []
    token = None
    for _ in range(3):
        page = _list(client, headers, "ws-list", limit=1, **({"pageToken": token} if token else {}))
        pages.append([number["numberString"] for number in page["results"]])
        token = page.get("nextPageToken")
    assert pages == [[number] for number in expected]
    assert token is None
    assert _walk(client, headers, "ws-list", limit=2) == expected
    assert _walk(client, headers, "ws-list", limit=1, reverse="true") == expected[::-1]
    assert _walk(client, headers, "ws-list", reverse="1") == expected[::-1]


def test_the_listing_shows_what_the_buy_answered(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed_workspace
    listed = {number["id"]: number for number in _list(client, headers, "ws-list")["results"]}
    assert listed == {number["id"]: number for number in bought}


@pytest.mark.parametrize(
    ("params", "countries"),
    [
        pytest.param({"countryCode": "GB"}, ["GB"], id="countryCode"),
        pytest.param({"types": "mobile"}, ["GB"], id="types"),
        pytest.param({"types": ["local", "mobile"]}, ["US", "US", "GB"], id="types-repeated"),
        pytest.param({"prefix": "+1415"}, ["US", "US"], id="prefix"),
        pytest.param({"prefix": "44"}, ["GB"], id="prefix-without-plus"),
        pytest.param({"countryCode": "FR"}, [], id="no-match"),
    ],
)
def test_the_listing_filters(
    client: TestClient,
    listed_workspace: tuple[Headers, list[dict[str, Any]]],
    params: dict[str, Any],
    countries: list[str],
) -> None:
    headers, _ = listed_workspace
    results = _list(client, headers, "ws-list", **params)["results"]
    assert [number["countryCode"] for number in results] == countries


def test_search_term_finds_numbers_containing_it(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed_workspace
    target = bought[2]["numberString"]
    found = _list(client, headers, "ws-list", searchTerm=target[-6:])["results"]
    assert target in [number["numberString"] for number in found]
    assert all(target[-6:] in number["numberString"] for number in found)
    assert (
        _list(client, headers, "ws-list", searchTerm=target)["results"][0]["id"] == bought[2]["id"]
    )


def test_a_page_token_only_works_with_its_filters(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, _ = listed_workspace
    token = _list(client, headers, "ws-list", limit=1)["nextPageToken"]
    for params in ({"reverse": "true"}, {"countryCode": "US"}):
        response = client.get(
            "/workspaces/ws-list/numbers",
            params={"limit": 1, "pageToken": token, **params},
            headers=headers,
        )
        assert "other filters" in assert_error(response, 400, "invalid_page_token")["message"]
    # A stock-items token is for another operation.
    other = client.get(
        "/organizations/lcn-lister/numbers-stock-items", params={"limit": 1}, headers=headers
    ).json()["nextPageToken"]
    response = client.get(
        "/workspaces/ws-list/numbers", params={"pageToken": other}, headers=headers
    )
    assert "another operation" in assert_error(response, 400, "invalid_page_token")["message"]


@pytest.mark.parametrize(
    ("params", "status", "code", "fragment"),
    [
        pytest.param(
            {"countryCodes": "US"},
            400,
            "unknown_parameter",
            "did you mean countryCode?",
            id="countryCodes",
        ),
        pytest.param({"limit": 100}, 400, "invalid_parameter", "from 1 to 99", id="limit"),
        pytest.param(
            {"reverse": "maybe"},
            400,
            "invalid_parameter",
            "reverse must be a boolean",
            id="reverse",
        ),
        pytest.param(
            {"countryCode": "us"}, 400, "invalid_parameter", "upper case", id="lower-case-country"
        ),
        pytest.param(
            {"types": "landline"}, 400, "invalid_parameter", "unknown type 'landline'", id="type"
        ),
        pytest.param(
            {"prefix": "+1 415"},
            400,
            "invalid_parameter",
            "prefix must be the leading digits",
            id="prefix",
        ),
        pytest.param(
            {"searchTerm": "555-01"},
            400,
            "invalid_parameter",
            "searchTerm must be digits",
            id="searchTerm",
        ),
        pytest.param(
            {"pageToken": "garbage"},
            400,
            "invalid_page_token",
            "not a token this server issued",
            id="pageToken",
        ),
    ],
)
def test_listing_parameters_are_checked(
    client: TestClient, params: dict[str, Any], status: int, code: str, fragment: str
) -> None:
    response = client.get("/workspaces/ws-params/numbers", params=params, headers=_key("lcn-p"))
    assert fragment in assert_error(response, status, code)["message"]


def test_get_one_by_its_id(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed_workspace
    response = client.get(
        f"/workspaces/ws-list/numbers-long-code/{bought[0]['id']}", headers=headers
    )
    assert response.status_code == 200, response.text
    WorkspaceLongCodeNumber.model_validate(response.json())
    assert response.json() == bought[0]
    upper = client.get(
        f"/workspaces/ws-list/numbers-long-code/{bought[0]['id'].upper()}", headers=headers
    )
    assert upper.json() == bought[0]


def test_get_one_answers_404_when_the_workspace_has_no_such_number(
    client: TestClient, listed_workspace: tuple[Headers, list[dict[str, Any]]]
) -> None:
    headers, bought = listed_workspace
    unknown = uuid.uuid4()
    error = assert_error(
        client.get(f"/workspaces/ws-list/numbers-long-code/{unknown}", headers=headers),
        404,
        "long_code_number_not_found",
    )
    assert f"'ws-list' has no long code number {unknown}" in error["message"]
    # Another workspace of the same organization does not have it either.
    assert_error(
        client.get(f"/workspaces/ws-list-2/numbers-long-code/{bought[0]['id']}", headers=headers),
        404,
        "long_code_number_not_found",
    )
    error = assert_error(
        client.get("/workspaces/ws-list/numbers-long-code/+14155550123", headers=headers),
        400,
        "invalid_parameter",
    )
    assert "longCodeNumberId must be a uuid" in error["message"]


# --- testing and back orders --------------------------------------------------------------


@pytest.mark.parametrize("value", ["true", "false", "TRUE", "False", "1", "0"])
def test_testing_is_accepted_and_changes_nothing(client: TestClient, value: str) -> None:
    headers = _key("lcn-testing")
    plain = _stock(client, headers, "lcn-testing", countryCodes="FR", limit=5)
    assert (
        _stock(client, headers, "lcn-testing", countryCodes="FR", limit=5, testing=value) == plain
    )


@pytest.mark.parametrize("value", ["maybe", "", "yes", "2"])
def test_testing_must_be_a_boolean(client: TestClient, value: str) -> None:
    response = client.get(
        "/organizations/lcn-testing/numbers-stock-items",
        params={"testing": value},
        headers=_key("lcn-testing"),
    )
    error = assert_error(response, 400, "invalid_parameter")
    assert (
        f"testing must be a boolean: true or false (1 or 0 also work); got {value!r}"
        in error["message"]
    )
    assert "testing=true" in error["fix"]


def test_some_de_stock_needs_a_back_order_and_no_us_stock_does(client: TestClient) -> None:
    headers = _key("lcn-back-order")
    german = _stock(client, headers, "lcn-back-order", countryCodes="DE")
    back_ordered = [item for item in german if item["backOrderRequired"]]
    assert 0 < len(back_ordered) < len(german)
    for item in german:
        assert ("backOrderStockId" in item) == item["backOrderRequired"]
    assert len({uuid.UUID(item["backOrderStockId"]) for item in back_ordered}) == len(back_ordered)
    again = _stock(client, headers, "lcn-back-order", countryCodes="DE")
    assert [item.get("backOrderStockId") for item in again] == [
        item.get("backOrderStockId") for item in german
    ]
    american = _stock(client, headers, "lcn-back-order", countryCodes="US")
    assert american
    assert not any(item["backOrderRequired"] for item in american)


@pytest.fixture(scope="module")
def own_server(database_factory: DatabaseFactory) -> Iterator[TestClient]:
    """A server of its own, whose mock clock may move without touching other tests."""
    settings = make_settings(database_factory("bird_back_order"), seed_count=2000)
    with TestClient(create_app(settings)) as own:
        yield own


def test_a_back_ordered_number_is_pending_for_two_days(own_server: TestClient) -> None:
    headers = _key("lcn-pending")
    german = _stock(own_server, headers, "lcn-pending", countryCodes="DE")
    back_ordered = next(item for item in german if item["backOrderRequired"])
    in_stock = next(item for item in german if not item["backOrderRequired"])
    pending, ready = _buy(own_server, headers, "ws-pending", [back_ordered["id"], in_stock["id"]])

    assert ready["order"]["status"] == "completed"
    assert pending["order"]["status"] == "pending"
    assert pending["order"]["updatedAt"] == pending["order"]["createdAt"]
    statuses = {
        capability[direction]["status"]
        for capability in pending["endpoint"]["capabilities"]
        for direction in ("inbound", "outbound")
    }
    assert statuses == {"inactive"}

    admin = {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}
    moved = own_server.post("/_mock/clock", json={"advance": "P1DT23H"}, headers=admin)
    assert moved.status_code == 200, moved.text
    path = f"/workspaces/ws-pending/numbers-long-code/{pending['id']}"
    assert own_server.get(path, headers=headers).json()["order"]["status"] == "pending"
    own_server.post("/_mock/clock", json={"advance": "PT1H"}, headers=admin)
    completed = own_server.get(path, headers=headers).json()
    assert completed["order"]["status"] == "completed"
    assert completed["order"]["updatedAt"] > completed["order"]["createdAt"]
    assert "active" in {
        capability[direction]["status"]
        for capability in completed["endpoint"]["capabilities"]
        for direction in ("inbound", "outbound")
    }
    assert completed["createdAt"] == pending["createdAt"]
