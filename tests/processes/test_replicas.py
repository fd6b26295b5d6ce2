"""Two `numbers-mock serve` replicas on one database behave as one provider."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest

from numbers_mock_testing.process import ServerProcess, free_port
from tests.conftest import DatabaseFactory
from tests.servers import (
    STARTUP_TIMEOUT_SECONDS,
    running_server,
    server_environment,
    start_serve,
)

ADMIN = {"Authorization": "Bearer replicas-admin-key"}


@pytest.fixture(scope="module")
def replicas(database_factory: DatabaseFactory) -> Iterator[tuple[str, str]]:
    env = server_environment(
        database_factory("replicas"),
        NUMBERS_MOCK_ADMIN_KEY="replicas-admin-key",
        NUMBERS_MOCK_JWT_SECRET="replicas-shared-secret-0123456789abcdef",
        NUMBERS_MOCK_SEED_COUNT="2000",
    )
    first_port, second_port = free_port(), free_port()
    with running_server(env, first_port), running_server(env, second_port):
        yield f"http://127.0.0.1:{first_port}", f"http://127.0.0.1:{second_port}"


def _token(base: str) -> dict[str, str]:
    response = httpx.post(f"{base}/_mock/tokens", json={"organizationId": "acme"}, headers=ADMIN)
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_page_token_from_one_replica_works_on_the_other(replicas: tuple[str, str]) -> None:
    one, two = replicas
    auth = _token(one)
    path = "/organizations/acme/numbers-stock-items"
    first = httpx.get(
        f"{one}{path}", params={"countryCodes": "US", "limit": 5}, headers=auth
    ).json()
    second = httpx.get(
        f"{two}{path}",
        params={"countryCodes": "US", "limit": 5, "pageToken": first["nextPageToken"]},
        headers=auth,
    )
    assert second.status_code == 200
    whole = httpx.get(f"{one}{path}", params={"countryCodes": "US", "limit": 10}, headers=auth)
    assert first["results"] + second.json()["results"] == whole.json()["results"]


def test_fault_scripted_on_one_fires_on_the_other(replicas: tuple[str, str]) -> None:
    one, two = replicas
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)
    httpx.post(
        f"{one}/_mock/faults",
        json={"operation": "searchAvailableNumbers", "status": 503, "times": 1},
        headers=ADMIN,
    )
    auth = _token(two)
    statuses = [
        httpx.get(f"{base}/numbers/available?countryCode=GB", headers=auth).status_code
        for base in (two, one)
    ]
    assert statuses == [503, 200]


def test_a_transport_fault_scripted_on_one_breaks_the_others_connection(
    replicas: tuple[str, str],
) -> None:
    one, two = replicas
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)
    scripted = httpx.post(
        f"{one}/_mock/faults",
        json={"operation": "listStockItems", "fault": "empty_response", "times": 1},
        headers=ADMIN,
    )
    assert scripted.status_code == 201
    auth = _token(two)
    path = "/organizations/acme/numbers-stock-items?countryCodes=US"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{two}{path}", headers=auth)
    assert httpx.get(f"{one}{path}", headers=auth).status_code == 200
    faults = httpx.get(f"{one}/_mock/faults", headers=ADMIN).json()["faults"]
    assert [(f["fault"], f["fired"], f["times"]) for f in faults] == [("empty_response", 1, 0)]


def test_the_lifecycle_and_its_clock_are_shared(replicas: tuple[str, str]) -> None:
    """An order on one is listed by the other; the clock moved on one ends the hold on both;
    an access key minted by one is accepted by the other."""
    one, two = replicas
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)
    auth = _token(one)
    number = httpx.get(f"{one}/numbers/available?countryCode=US&limit=1", headers=auth).json()[
        "numbers"
    ][0]["phoneNumber"]
    ordered = httpx.post(f"{one}/numbers/order", json={"phoneNumber": number}, headers=auth)
    assert ordered.status_code == 200, ordered.text
    listed = httpx.get(f"{two}/numbers/list", headers=auth).json()["numbers"]
    assert [n["phoneNumber"] for n in listed] == [number]
    released = httpx.delete(f"{two}/numbers/{number.replace('+', '%2B')}", headers=auth)
    assert released.status_code == 200, released.text
    moved = httpx.post(f"{one}/_mock/clock", json={"advance": "P14D"}, headers=ADMIN).json()
    assert httpx.get(f"{two}/_mock/clock", headers=ADMIN).json()["now"][:16] == moved["now"][:16]
    assert httpx.get(f"{two}/numbers/released", headers=auth).json()["numbers"] == []
    key = httpx.post(
        f"{one}/_mock/access-keys", json={"organizationId": "acme"}, headers=ADMIN
    ).json()["accessKey"]
    stock = httpx.get(
        f"{two}/organizations/acme/numbers-stock-items",
        params={"prefix": number},
        headers={"Authorization": f"AccessKey {key}"},
    )
    assert stock.status_code == 200, stock.text
    assert [item["numberString"] for item in stock.json()["results"]] == [number]
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)


def test_a_bird_cancellation_on_one_ends_on_the_other(replicas: tuple[str, str]) -> None:
    """Bought and cancelled on one; the clock moved on the other returns it to stock there,
    and the first no longer has it."""
    one, two = replicas
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)
    key = httpx.post(
        f"{one}/_mock/access-keys", json={"organizationId": "acme"}, headers=ADMIN
    ).json()["accessKey"]
    bird = {"Authorization": f"AccessKey {key}"}
    [item] = httpx.get(
        f"{one}/organizations/acme/numbers-stock-items?countryCodes=GB&limit=1", headers=bird
    ).json()["results"]
    bought = httpx.post(
        f"{one}/workspaces/ws-replicas/numbers-long-code",
        json={"numberStockItemIds": [item["id"]]},
        headers=bird,
    )
    assert bought.status_code == 201, bought.text
    number_id = bought.json()["results"][0]["id"]
    cancelled = httpx.post(
        f"{two}/workspaces/ws-replicas/numbers/{number_id}/cancel-subscription", headers=bird
    )
    assert cancelled.status_code == 200, cancelled.text
    again = httpx.post(
        f"{one}/workspaces/ws-replicas/numbers/{number_id}/cancel-subscription", headers=bird
    )
    assert again.status_code == 409, again.text
    httpx.post(f"{two}/_mock/clock", json={"advance": "P32D"}, headers=ADMIN)
    gone = httpx.get(f"{one}/workspaces/ws-replicas/numbers-long-code/{number_id}", headers=bird)
    assert gone.status_code == 404, gone.text
    stock = httpx.get(
        f"{one}/organizations/acme/numbers-stock-items",
        params={"prefix": item["numberString"]},
        headers=bird,
    ).json()["results"]
    assert [found["numberString"] for found in stock] == [item["numberString"]]
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)


def test_purchase_on_one_is_gone_from_the_other(replicas: tuple[str, str]) -> None:
    one, two = replicas
    httpx.post(f"{one}/_mock/reset", headers=ADMIN)
    auth = _token(one)
    number = httpx.get(f"{two}/numbers/available?countryCode=NL&limit=1", headers=auth).json()[
        "numbers"
    ][0]["phoneNumber"]
    bought = httpx.post(
        f"{one}/_mock/numbers/{number.replace('+', '%2B')}/purchase",
        json={"organizationId": "acme"},
        headers=ADMIN,
    )
    assert bought.status_code == 200
    after = httpx.get(f"{two}/numbers/available?countryCode=NL&limit=50", headers=auth).json()
    assert number not in {n["phoneNumber"] for n in after["numbers"]}
    again = httpx.post(
        f"{two}/_mock/numbers/{number.replace('+', '%2B')}/purchase",
        json={"organizationId": "globex"},
        headers=ADMIN,
    )
    assert again.status_code == 409


def test_either_journal_lists_both_replicas_requests(replicas: tuple[str, str]) -> None:
    one, two = replicas
    httpx.post(f"{two}/_mock/reset", headers=ADMIN)
    auth = _token(one)
    ids = [
        httpx.get(f"{base}/numbers/available?countryCode=DE", headers=auth).headers["X-Tracking-Id"]
        for base in (one, two)
    ]
    for base in (one, two):
        journal = _journal_once_committed(base, count=2)
        assert [entry["trackingId"] for entry in journal] == ids[::-1]


def test_a_replica_sees_anothers_requests_within_the_readmes_bound(
    replicas: tuple[str, str],
) -> None:
    """The README promises another replica's requests in the journal within 1 s."""
    one, two = replicas
    auth = _token(one)
    waits = []
    for _ in range(20):
        answer = httpx.get(f"{one}/numbers/available?countryCode=DE&limit=1", headers=auth)
        answered = time.monotonic()
        tracking_id = answer.headers["X-Tracking-Id"]
        while True:
            found = httpx.get(f"{two}/_mock/requests/{tracking_id}", headers=ADMIN)
            if found.status_code == 200:
                break
            assert found.status_code == 404, found.text
            assert time.monotonic() - answered < JOURNAL_BOUND_SECONDS, "not journaled in time"
            time.sleep(0.005)
        waits.append(time.monotonic() - answered)
    print(f"another replica saw each request after at most {max(waits) * 1000:.1f} ms")


JOURNAL_BOUND_SECONDS = 1.0


def _journal_once_committed(base: str, *, count: int) -> list[dict[str, Any]]:
    """The journal once it holds ``count`` entries (another replica's commit within the
    README's bound)."""
    deadline = time.monotonic() + JOURNAL_BOUND_SECONDS
    while True:
        journal: list[dict[str, Any]] = httpx.get(f"{base}/_mock/requests", headers=ADMIN).json()[
            "requests"
        ]
        if len(journal) >= count or time.monotonic() > deadline:
            return journal
        time.sleep(0.005)


def test_replicas_starting_together_on_an_empty_database(
    database_factory: DatabaseFactory, tmp_path: Path
) -> None:
    """Both migrate-and-seed at once: the startup lock lets one do it, the other reuses it."""
    env = server_environment(database_factory("replicas_race"), NUMBERS_MOCK_SEED_COUNT="3000")
    servers: list[ServerProcess] = []
    with contextlib.ExitStack() as stack:
        for replica in ("one", "two"):  # both processes start before either is waited for
            workdir = tmp_path / replica
            workdir.mkdir()
            server = start_serve(env, free_port(), workdir)
            stack.callback(server.stop)
            servers.append(server)
        for server in servers:
            server.wait_until_ready(STARTUP_TIMEOUT_SECONDS)
        counts = [
            httpx.post(
                f"{server.url}/_mock/reset",
                headers={"Authorization": "Bearer numbers-mock-development-admin-key"},
            ).json()["inStock"]
            for server in servers
        ]
        for server in servers:
            server.stop()
    log_text = "".join(server.log() for server in servers)
    assert counts == [3000, 3000]
    assert log_text.count("seeded 3000 numbers") == 1, log_text
