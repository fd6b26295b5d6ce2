"""A Bird client written from Bird's API reference (tests/sdk/bird_client.py), unchanged,
against a real numbers-mock server: access keys, testing, back orders, buying and listing."""

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
