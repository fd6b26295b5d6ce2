"""The journal keeps what each provider request exchanged, for the console; never secrets."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from tests.conftest import Minter
from tests.helpers import AVAILABLE, assert_error


def _latest(client: TestClient, admin: dict[str, str]) -> dict[str, object]:
    entry: dict[str, object] = client.get("/_mock/requests?limit=1", headers=admin).json()[
        "requests"
    ][0]
    return entry


def test_an_entry_opens_its_request_and_response(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    token = mint("journal-org")
    answer = client.get(
        AVAILABLE,
        params={"countryCode": "GB", "limit": 2},
        headers={"Authorization": f"Bearer {token}", "Cookie": "session=secret", "X-Demo": "1"},
    )
    listed = _latest(client, admin)
    assert listed["trackingId"] == answer.headers["X-Tracking-Id"]
    assert "request" not in listed, "the list stays light; one entry has the bodies"
    entry = client.get(f"/_mock/requests/{listed['trackingId']}", headers=admin).json()
    assert entry["status"] == 200
    assert entry["request"]["headers"]["x-demo"] == "1"
    assert "authorization" not in entry["request"]["headers"]
    assert "cookie" not in entry["request"]["headers"]
    assert token not in json.dumps(entry)
    assert entry["request"]["body"] is None
    assert json.loads(entry["response"]["body"]) == answer.json()
    assert entry["response"]["headers"]["content-type"] == "application/json"
    assert entry["response"]["headers"]["x-tracking-id"] == listed["trackingId"]


def test_a_request_body_and_an_error_answer_are_kept(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = {"Authorization": f"Bearer {mint('journal-org')}"}
    answer = client.post("/numbers/order", json={"phoneNumber": "+19999999999"}, headers=headers)
    assert_error(answer, 400, "phone_number_not_found")
    entry = client.get(f"/_mock/requests/{answer.headers['X-Tracking-Id']}", headers=admin).json()
    assert entry["operation"] == "numbersOrderNumber"
    assert json.loads(entry["request"]["body"]) == {"phoneNumber": "+19999999999"}
    assert json.loads(entry["response"]["body"])["error"]["code"] == "phone_number_not_found"


def test_an_unknown_tracking_id_is_a_404_envelope(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/_mock/requests/no-such-request", headers=admin)
    assert_error(response, 404, "journal_entry_not_found")


def test_stock_counts_per_country_and_type_add_up(
    client: TestClient, admin: dict[str, str]
) -> None:
    in_stock = client.post("/_mock/reset", headers=admin).json()["inStock"]
    counts = client.get("/_mock/stock/counts", headers=admin).json()
    assert counts["total"] == in_stock
    assert counts["total"] == sum(row["inStock"] for row in counts["counts"])
    keys = [(row["countryCode"], row["type"]) for row in counts["counts"]]
    assert keys == sorted(keys)
    assert ("US", "local") in keys
