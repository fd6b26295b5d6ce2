"""A Bird client written from Bird's API reference (tests/sdk/bird_client.py), unchanged,
against a real numbers-mock server: access keys, testing, back orders, buying and listing,
the workspace searches, subscriptions, cancellation and the number's return to stock."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from numbers_mock_testing import NumbersMock
from tests.sdk.bird_client import BirdError, BirdNumbers

ORGANIZATION = "d0b85ccc-b63a-4e81-b698-c359d77d250e"  # Bird's own example ids
WORKSPACE = "d386a801-ee8d-4aba-a7e4-78671bd3b11e"


@pytest.fixture
def bird(numbers_mock: NumbersMock) -> Iterator[BirdNumbers]:
    """The client with an access key of the organization, limited to its workspace."""
    client = BirdNumbers(
        numbers_mock.url, numbers_mock.access_key(ORGANIZATION, workspaces=[WORKSPACE])
    )
    yield client
    client.close()


def test_search_buy_and_list_with_an_access_key(bird: BirdNumbers) -> None:
    stock = bird.stock_items(
        ORGANIZATION, country_codes=["US"], types=["local"], features=["sms-outbound"], testing=True
    )
    picked = list(itertools.islice(stock, 2))
    assert len(picked) == 2
    assert all(item["backOrderRequired"] is False for item in picked)
    assert all("backOrderStockId" not in item for item in picked)

    bought = bird.buy(WORKSPACE, [item["id"] for item in picked])
    assert [lcn["numberString"] for lcn in bought] == [item["numberString"] for item in picked]
    for lcn, item in zip(bought, picked, strict=True):
        assert lcn["id"] == lcn["endpointId"] == lcn["endpoint"]["id"]
        assert lcn["endpoint"]["type"] == "long-code-number"
        assert lcn["capabilities"] == item["capabilities"]
        assert lcn["order"]["status"] == "completed"
        assert lcn["createdAt"].endswith("Z")

    remaining = {
        i["numberString"] for i in bird.stock_items(ORGANIZATION, prefix=picked[0]["numberString"])
    }
    assert picked[0]["numberString"] not in remaining, "a bought number leaves the stock"

    listed = [lcn["numberString"] for lcn in bird.numbers(WORKSPACE, limit=1)]
    assert sorted(listed) == sorted(item["numberString"] for item in picked)
    newest_first = [lcn["numberString"] for lcn in bird.numbers(WORKSPACE, reverse=True, limit=1)]
    assert newest_first == listed[::-1]

    again = bird.long_code_number(WORKSPACE, bought[0]["id"])
    assert again == bought[0]


def test_a_back_ordered_number_completes_two_days_later(
    bird: BirdNumbers, numbers_mock: NumbersMock
) -> None:
    german = bird.stock_items(ORGANIZATION, country_codes=["DE"], limit=99)
    back_ordered = next(item for item in german if item["backOrderRequired"])
    assert back_ordered["backOrderStockId"]
    [lcn] = bird.buy(WORKSPACE, [back_ordered["id"]])
    assert lcn["order"]["status"] == "pending"
    assert {c["inbound"]["status"] for c in lcn["endpoint"]["capabilities"]} == {"inactive"}
    numbers_mock.advance_clock("P2D")
    assert bird.long_code_number(WORKSPACE, lcn["id"])["order"]["status"] == "completed"


def test_buying_what_is_gone_buys_nothing(bird: BirdNumbers, numbers_mock: NumbersMock) -> None:
    first, second = itertools.islice(bird.stock_items(ORGANIZATION, country_codes=["GB"]), 2)
    numbers_mock.purchase(second["numberString"], "someone-else")
    with pytest.raises(BirdError) as refused:
        bird.buy(WORKSPACE, [first["id"], second["id"]])
    assert refused.value.status == 409
    assert second["id"] in refused.value.body["error"]["message"]
    assert list(bird.numbers(WORKSPACE)) == [], "all or nothing"


def test_a_refused_access_key_gets_a_challenge(numbers_mock: NumbersMock) -> None:
    key = numbers_mock.access_key(ORGANIZATION)
    altered = BirdNumbers(numbers_mock.url, key[:-2] + ("AA" if not key.endswith("AA") else "BB"))
    with pytest.raises(BirdError) as refused:
        next(altered.stock_items(ORGANIZATION))
    altered.close()
    assert refused.value.status == 401
    assert refused.value.headers["WWW-Authenticate"].startswith("AccessKey ")
    assert refused.value.body["error"]["code"] == "invalid_access_key"


def test_a_key_is_held_to_its_organization_and_workspaces(
    bird: BirdNumbers, numbers_mock: NumbersMock
) -> None:
    with pytest.raises(BirdError) as other_org:
        next(bird.stock_items("another-organization"))
    assert other_org.value.status == 403
    with pytest.raises(BirdError) as other_workspace:
        list(bird.numbers("another-workspace"))
    assert other_workspace.value.status == 403
    assert other_workspace.value.body["error"]["code"] == "workspace_forbidden"


def test_the_workspace_searches_show_the_organizations_stock(bird: BirdNumbers) -> None:
    organization = list(itertools.islice(bird.stock_items(ORGANIZATION, country_codes=["NL"]), 3))
    workspace = list(
        itertools.islice(bird.workspace_stock_items(WORKSPACE, country_codes=["NL"]), 3)
    )
    assert workspace == organization
    assert {item["monthlyPrice"]["exponent"] for item in workspace} == {-6}
    available = list(
        itertools.islice(bird.numbers_available(WORKSPACE, country_code="NL", limit=2), 3)
    )
    assert [number["number"] for number in available] == [
        item["numberString"] for item in organization
    ]
    assert available[0]["monthlyRecurringPrice"] == organization[0]["monthlyPrice"]
    assert available[0]["capabilities"]["fax"] == {"inbound": False, "outbound": False}


def test_list_subscribe_cancel_and_the_number_returns_to_stock(
    bird: BirdNumbers, numbers_mock: NumbersMock
) -> None:
    numbers_mock.set_clock("2027-05-10T08:00:00Z", frozen=True)
    item, other = itertools.islice(bird.stock_items(ORGANIZATION, country_codes=["US"]), 2)
    kept, cancelled = bird.buy(WORKSPACE, [other["id"], item["id"]])

    listed = list(bird.long_code_numbers(WORKSPACE, country_codes=["US"], limit=1))
    assert sorted(lcn["id"] for lcn in listed) == sorted([kept["id"], cancelled["id"]])
    assert all(lcn["deprovisionAt"] is None for lcn in listed)
    by_prefix = list(bird.long_code_numbers(WORKSPACE, number_string=item["numberString"]))
    assert [lcn["id"] for lcn in by_prefix] == [cancelled["id"]]
    assert [n["id"] for n in bird.numbers(WORKSPACE, country="US", status="active")] == [
        lcn["id"] for lcn in listed
    ]

    [main] = bird.subscriptions(WORKSPACE, cancelled["endpointId"])
    assert (main["name"], main["status"]) == ("main", "active")
    assert main["price"] == item["monthlyPrice"]
    assert main["subscription"]["endAt"] == "2027-06-10T08:00:00.000Z"

    updated = bird.cancel_subscription(WORKSPACE, cancelled["id"])
    assert updated["deactivatesAt"] == "2027-06-10T08:00:00.000Z"
    assert bird.subscription(WORKSPACE, cancelled["endpointId"])["status"] == "inactive"
    with pytest.raises(BirdError) as twice:
        bird.cancel_subscription(WORKSPACE, cancelled["endpointId"])
    assert twice.value.status == 409
    assert twice.value.body["error"]["code"] == "subscription_already_cancelled"

    numbers_mock.advance_clock("P31D")
    with pytest.raises(BirdError) as gone:
        bird.long_code_number(WORKSPACE, cancelled["id"])
    assert gone.value.status == 404
    assert [lcn["id"] for lcn in bird.long_code_numbers(WORKSPACE)] == [kept["id"]]
    back = bird.stock_items(ORGANIZATION, prefix=item["numberString"], country_codes=["US"])
    assert item["numberString"] in [i["numberString"] for i in back]
    state = numbers_mock.number(item["numberString"])
    assert (state["status"], state["owner"]) == ("in_stock", None)


def test_bad_inputs_are_the_envelope(bird: BirdNumbers) -> None:
    for call in (
        lambda: list(bird.long_code_numbers(WORKSPACE, limit=100)),
        lambda: list(bird.long_code_numbers(WORKSPACE, provider_ids=["not-a-uuid"])),
        lambda: bird.subscriptions(WORKSPACE, "not-a-uuid"),
        lambda: bird.cancel_subscription(WORKSPACE, "not-a-uuid"),
    ):
        with pytest.raises(BirdError) as refused:
            call()
        assert refused.value.status == 400
        assert set(refused.value.body) == {"trackingId", "error"}
        assert refused.value.body["error"]["fix"]
    with pytest.raises(BirdError) as foreign:
        list(bird.long_code_numbers("another-workspace"))
    assert foreign.value.status == 403
