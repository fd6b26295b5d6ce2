"""Races through a real server: purchases and page walks under concurrent buyers."""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2 as httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db.engine import create_db_engine
from app.db.models import InventoryNumber
from numbers_mock_testing.process import free_port
from tests.conftest import DatabaseFactory
from tests.servers import running_server, server_environment

ADMIN = {"Authorization": "Bearer races-admin-key"}
CLIENTS = 32


@pytest.fixture(scope="module")
def server(database_factory: DatabaseFactory) -> Iterator[tuple[str, str]]:
    database_url = database_factory("races")
    env = server_environment(
        database_url, NUMBERS_MOCK_ADMIN_KEY="races-admin-key", NUMBERS_MOCK_SEED_COUNT="3000"
    )
    port = free_port()
    with running_server(env, port):
        yield f"http://127.0.0.1:{port}", database_url


def _bearer(base: str, org: str) -> dict[str, str]:
    token = httpx.post(f"{base}/_mock/tokens", json={"organizationId": org}, headers=ADMIN)
    return {"Authorization": f"Bearer {token.json()['token']}"}


def _stock(base: str, auth: dict[str, str], country: str) -> list[str]:
    numbers: list[str] = []
    token = None
    while True:
        params: dict[str, str | int] = {"countryCodes": country, "limit": 99}
        if token:
            params["pageToken"] = token
        page = httpx.get(
            f"{base}/organizations/acme/numbers-stock-items", params=params, headers=auth
        ).json()
        numbers += [item["numberString"] for item in page["results"]]
        token = page.get("nextPageToken")
        if not token:
            return numbers


def test_32_buyers_never_get_the_same_number(server: tuple[str, str]) -> None:
    base, database_url = server
    httpx.post(f"{base}/_mock/reset", headers=ADMIN)
    targets = _stock(base, _bearer(base, "acme"), "US")[:100]
    assert len(targets) == 100
    statuses: dict[str, list[tuple[int, str]]] = defaultdict(list)
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def buyer(index: int) -> None:
        organization = f"org-{index}"
        order = targets[:]
        random.Random(index).shuffle(order)
        with httpx.Client(base_url=base, headers=ADMIN, timeout=30) as session:
            start.wait()
            for number in order:
                response = session.post(
                    f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
                    json={"organizationId": organization},
                )
                with lock:
                    statuses[number].append((response.status_code, organization))

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        list(pool.map(buyer, range(CLIENTS)))

    all_statuses = Counter(status for results in statuses.values() for status, _ in results)
    assert all_statuses == Counter({200: 100, 409: 100 * (CLIENTS - 1)}), all_statuses
    winners = {
        number: next(org for status, org in results if status == 200)
        for number, results in statuses.items()
    }
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(
                    InventoryNumber.number_string,
                    InventoryNumber.status,
                    InventoryNumber.purchased_by,
                ).where(InventoryNumber.number_string.in_(targets))
            ).all()
            if engine.dialect.name == "postgresql":
                waiting = session.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
                assert waiting == 0  # no deadlock or lock left behind
    finally:
        engine.dispose()
    assert {row.number_string: (row.status, row.purchased_by) for row in rows} == {
        number: ("sold", winner) for number, winner in winners.items()
    }


def test_a_walk_neither_repeats_nor_skips_while_others_buy(server: tuple[str, str]) -> None:
    base, _ = server
    httpx.post(f"{base}/_mock/reset", headers=ADMIN)
    auth = _bearer(base, "acme")
    before = _stock(base, auth, "GB")
    assert len(before) > 100
    stop = threading.Event()

    def buyer(index: int) -> int:
        rng = random.Random(index)
        bought = 0
        with httpx.Client(base_url=base, headers=ADMIN, timeout=30) as session:
            while not stop.is_set():
                number = rng.choice(before)
                response = session.post(
                    f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
                    json={"organizationId": f"buyer-{index}"},
                )
                assert response.status_code in (200, 409), response.text
                bought += response.status_code == 200
        return bought

    with ThreadPoolExecutor(max_workers=8) as pool:
        buyers = [pool.submit(buyer, index) for index in range(8)]
        walked: list[str] = []
        walked_types: list[str] = []
        token = None
        while True:
            params: dict[str, str | int] = {"countryCodes": "GB", "limit": 7}
            if token:
                params["pageToken"] = token
            response = httpx.get(
                f"{base}/organizations/acme/numbers-stock-items", params=params, headers=auth
            )
            assert response.status_code == 200
            walked += [item["numberString"] for item in response.json()["results"]]
            walked_types += [item["type"] for item in response.json()["results"]]
            token = response.json().get("nextPageToken")
            if not token:
                break
        stop.set()
        bought = sum(future.result() for future in buyers)
    after = set(_stock(base, auth, "GB"))
    assert bought > 0
    assert len(walked) == len(set(walked)), "an item came twice"
    assert after <= set(walked), "a number that stayed in stock was skipped"
    # The listing order: by type (then capability set, then number) within the country.
    assert walked_types == sorted(walked_types)
