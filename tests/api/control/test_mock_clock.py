"""The mock clock through the control API: moves, bounds, and the lifecycle on it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.pingram import steps as pingram
from tests.conftest import Minter
from tests.helpers import assert_error

pytestmark = pytest.mark.usefixtures("seeded_state")


def test_the_clock_advances_and_reset_returns_it_to_real_time(
    client: TestClient, admin: dict[str, str]
) -> None:
    start = client.get("/_mock/clock", headers=admin).json()
    assert start["frozen"] is False
    assert abs(start["offsetSeconds"]) < 1
    moved = pingram.move_clock(client, admin, advance="P14D")
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
    pingram.move_clock(client, admin, now="8999-12-31T00:00:00Z", frozen=True)
    assert_error(
        client.post("/_mock/clock", json={"advance": "P2D"}, headers=admin),
        400,
        "invalid_parameter",
    )
    assert client.get("/_mock/clock", headers=admin).json()["now"] == "8999-12-31T00:00:00.000Z"
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    pingram.order(client, headers, number)
    assert pingram.list_numbers(client, headers)["numbers"][0]["nextBillingDate"] == "9000-01-31"


def test_an_instant_with_an_offset_is_kept_in_utc(
    client: TestClient, admin: dict[str, str]
) -> None:
    moved = pingram.move_clock(client, admin, now="2027-01-31T10:00:00+05:00", frozen=True)
    assert moved["now"] == "2027-01-31T05:00:00.000Z"
    assert client.get("/_mock/clock", headers=admin).json()["now"] == "2027-01-31T05:00:00.000Z"


def test_concurrent_clock_moves_add_up(client: TestClient, admin: dict[str, str]) -> None:
    pingram.move_clock(client, admin, now="2030-01-01T00:00:00Z", frozen=True)
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
    pingram.move_clock(client, admin, now="2030-01-01T00:00:00Z", frozen=True)
    headers = pingram.headers(mint)
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    first = pingram.order(client, headers, number)["orderId"]
    pingram.release(client, headers, number)
    assert pingram.order(client, headers, number)["orderId"] != first
