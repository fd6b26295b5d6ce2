"""Races through a real server: 32 buyers, half through Pingram's order and half through
Bird's buy, all after the same 100 numbers at once."""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx
import pytest

from numbers_mock_testing.process import free_port
from tests.conftest import DatabaseFactory
from tests.servers import running_server, server_environment

ADMIN_KEY = "lifecycle-races-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}
CLIENTS = 32
NUMBERS = 100


@pytest.fixture(scope="module")
def base(database_factory: DatabaseFactory) -> Iterator[str]:
    env = server_environment(
        database_factory("lifecycle_races"),
        NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY,
        NUMBERS_MOCK_SEED_COUNT="3000",
    )
    port = free_port()
    with running_server(env, port):
        yield f"http://127.0.0.1:{port}"


@dataclass(frozen=True, slots=True)
class Buyer:
    """A Pingram account, or a Bird organization with its own workspace."""

    index: int
    provider: str
    organization: str
    workspace: str | None
    headers: dict[str, str]


@dataclass(frozen=True, slots=True)
class Attempt:
    buyer: Buyer
    number: str
    status: int
    body: dict[str, Any]
    tracking_id: str | None


@dataclass(frozen=True, slots=True)
class StockItem:
    id: str
    number: str


def _bearer(base: str, organization: str) -> dict[str, str]:
    response = httpx.post(
        f"{base}/_mock/tokens", json={"organizationId": organization}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _buyer(base: str, index: int) -> Buyer:
    if index % 2 == 0:
        account = f"pingram-acct-{index}"
        return Buyer(index, "pingram", account, None, _bearer(base, account))
    organization = f"bird-org-{index}"
    return Buyer(index, "bird", organization, f"ws-{index}", _bearer(base, organization))


def _us_stock(base: str, count: int) -> list[StockItem]:
    """The first ``count`` US stock items (Bird's search: ids and numberStrings)."""
    headers = _bearer(base, "searcher")
    items: list[StockItem] = []
    token = None
    while len(items) < count:
        params: dict[str, str | int] = {"countryCodes": "US", "limit": 99}
        if token:
            params["pageToken"] = token
        response = httpx.get(
            f"{base}/organizations/searcher/numbers-stock-items", params=params, headers=headers
        )
        assert response.status_code == 200, response.text
        items += [StockItem(i["id"], i["numberString"]) for i in response.json()["results"]]
        token = response.json().get("nextPageToken")
        assert token or len(items) >= count, "the seed has too few US numbers"
    return items[:count]


def _buy(session: httpx.Client, buyer: Buyer, item: StockItem) -> httpx.Response:
    if buyer.provider == "pingram":
        return session.post("/numbers/order", json={"phoneNumber": item.number})
    return session.post(
        f"/workspaces/{buyer.workspace}/numbers-long-code",
        json={"numberStockItemIds": [item.id]},
    )


def _body(response: httpx.Response) -> dict[str, Any]:
    """The JSON object answered, or the raw text (a crash's page, say) for the failure report."""
    try:
        body = response.json()
    except ValueError:
        return {"notJson": response.text[:500]}
    return body if isinstance(body, dict) else {"notAnObject": body}


def _owned(base: str, buyer: Buyer) -> list[str]:
    """What the buyer's provider API says it owns: Pingram's list, Bird's workspace numbers."""
    if buyer.provider == "pingram":
        response = httpx.get(f"{base}/numbers/list", headers=buyer.headers)
        assert response.status_code == 200, response.text
        return [n["phoneNumber"] for n in response.json()["numbers"]]
    numbers: list[str] = []
    token = None
    while True:
        params: dict[str, str | int] = {"limit": 99}
        if token:
            params["pageToken"] = token
        response = httpx.get(
            f"{base}/workspaces/{buyer.workspace}/numbers", params=params, headers=buyer.headers
        )
        assert response.status_code == 200, response.text
        numbers += [n["numberString"] for n in response.json()["results"]]
        token = response.json().get("nextPageToken")
        if not token:
            return numbers


def test_pingram_and_bird_buyers_never_get_the_same_number(base: str) -> None:
    assert httpx.post(f"{base}/_mock/reset", headers=ADMIN).status_code == 200
    targets = _us_stock(base, NUMBERS)
    assert len({item.number for item in targets}) == NUMBERS
    buyers = [_buyer(base, index) for index in range(CLIENTS)]
    attempts: list[Attempt] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def run(buyer: Buyer) -> None:
        order = targets[:]
        random.Random(buyer.index).shuffle(order)
        with httpx.Client(base_url=base, headers=buyer.headers, timeout=60) as session:
            start.wait()
            for item in order:
                response = _buy(session, buyer, item)
                attempt = Attempt(
                    buyer,
                    item.number,
                    response.status_code,
                    _body(response),
                    response.headers.get("X-Tracking-Id"),
                )
                with lock:
                    attempts.append(attempt)

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(run, buyers))

    assert len(attempts) == CLIENTS * NUMBERS
    statuses = Counter((a.buyer.provider, a.status) for a in attempts)
    server_errors = [a for a in attempts if a.status >= 500]
    assert not server_errors, (statuses, [(a.status, a.body) for a in server_errors[:3]])
    wins: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in attempts:
        if attempt.status in (200, 201):
            wins[attempt.number].append(attempt)
    assert {number: len(won) for number, won in wins.items()} == {
        item.number: 1 for item in targets
    }, "every number goes to exactly one buyer"
    winner = {number: won[0].buyer for number, won in wins.items()}

    # The winners got their provider's success; the losers its refusal, as an envelope.
    for attempt in attempts:
        if winner[attempt.number] is attempt.buyer:
            if attempt.buyer.provider == "pingram":
                assert attempt.status == 200
                assert attempt.body["phoneNumber"] == attempt.number
                assert attempt.body["status"] == "success"
            else:
                assert attempt.status == 201
                [bought] = attempt.body["results"]
                assert bought["numberString"] == attempt.number
            continue
        assert attempt.body["trackingId"] == attempt.tracking_id
        code = attempt.body["error"]["code"]
        if attempt.buyer.provider == "pingram":
            assert attempt.status == 400, attempt.body
            expected = {
                "pingram": "phone_number_owned_by_another_account",
                "bird": "phone_number_unavailable",  # sold through the other API
            }[winner[attempt.number].provider]
            assert code == expected, attempt.body
        else:
            assert 400 <= attempt.status < 500, attempt.body
            assert code == "number_stock_item_unavailable", attempt.body
    assert statuses[("pingram", 200)] + statuses[("bird", 201)] == NUMBERS, statuses

    # The server's record: the winner owns each number, through the API it bought with.
    for item in targets:
        buyer = winner[item.number]
        path = f"/_mock/numbers/{item.number.replace('+', '%2B')}"
        number = httpx.get(f"{base}{path}", headers=ADMIN).json()
        assert number["status"] == "sold"
        assert number["purchasedBy"] == buyer.organization
        owner = number["owner"]
        assert (owner["provider"], owner["organizationId"], owner["workspaceId"]) == (
            buyer.provider,
            buyer.organization,
            buyer.workspace,
        ), item.number

    # What each buyer's API lists: disjoint, together the 100, each what the buyer won.
    owned = {buyer.index: _owned(base, buyer) for buyer in buyers}
    for buyer in buyers:
        won = sorted(number for number, who in winner.items() if who is buyer)
        assert sorted(owned[buyer.index]) == won, buyer.organization
    listed = [number for numbers in owned.values() for number in numbers]
    assert len(listed) == len(set(listed)) == NUMBERS
    assert set(listed) == {item.number for item in targets}
    assert {buyer.provider for buyer in winner.values()} == {"pingram", "bird"}


def test_buys_of_the_same_items_in_opposite_orders_never_fail_the_server(base: str) -> None:
    """Two organizations buy [a, b] and [b, a] at once, 12 pairs over: rows are taken in id
    order, so PostgreSQL never deadlocks (it used to answer one with a 503)."""
    httpx.post(f"{base}/_mock/reset", headers=ADMIN)
    items = _us_stock(base, 24)
    pairs = [(items[i], items[i + 1]) for i in range(0, 24, 2)]
    first, second = _bearer(base, "order-a"), _bearer(base, "order-b")
    barrier = threading.Barrier(len(pairs) * 2)

    def buy(headers: dict[str, str], workspace: str, ids: list[str]) -> httpx.Response:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as session:
            barrier.wait()
            return session.post(
                f"/workspaces/{workspace}/numbers-long-code", json={"numberStockItemIds": ids}
            )

    with ThreadPoolExecutor(max_workers=len(pairs) * 2) as pool:
        futures = []
        for index, (a, b) in enumerate(pairs):
            futures.append(pool.submit(buy, first, f"ws-a-{index}", [a.id, b.id]))
            futures.append(pool.submit(buy, second, f"ws-b-{index}", [b.id, a.id]))
        answers = [future.result() for future in futures]
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, [a.text for a in answers if a.status_code not in (201, 409)]
    assert statuses[201] == len(pairs), "each pair is bought whole by exactly one organization"
