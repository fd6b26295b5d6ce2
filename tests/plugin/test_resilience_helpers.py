"""The client's resilience helpers through the ``numbers_mock`` fixture: transport faults a
real httpx client meets, delay distributions as the server keeps them, and
``assert_requested`` on what the client did."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from numbers_mock_testing import ControlApiError, JournalEntry, NumbersMock, TransportFault
from numbers_mock_testing.client import _expectation, _requested_message

SEARCH = "searchAvailableNumbers"
ACCOUNT = "resilient-acct"


@pytest.fixture
def pingram(numbers_mock: NumbersMock) -> Iterator[httpx.Client]:
    """An httpx client of the mock's Pingram API, as a user's code would hold one."""
    token = numbers_mock.token(org=ACCOUNT)
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=numbers_mock.url, headers=headers, timeout=10) as client:
        yield client


def search_once(client: httpx.Client, country_code: str) -> list[Any]:
    response = client.get("/numbers/available", params={"countryCode": country_code})
    response.raise_for_status()
    numbers: list[Any] = response.json()["numbers"]
    return numbers


# The README's example: a client that tries again when the connection breaks.


def search_numbers(client: httpx.Client, country_code: str, *, attempts: int = 3) -> list[Any]:
    """A user's Pingram search that tries again when the connection breaks."""
    for _ in range(attempts - 1):
        try:
            return search_once(client, country_code)
        except httpx.TransportError:  # reset, closed early, cut short, timed out
            pass
    return search_once(client, country_code)  # the last attempt's error reaches the caller


def test_a_client_that_retries_survives_a_connection_reset(numbers_mock: NumbersMock) -> None:
    numbers_mock.fail_next("searchAvailableNumbers", fault="connection_reset", times=1)
    token = numbers_mock.token(org="acme")
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=numbers_mock.url, headers=headers) as client:
        numbers = search_numbers(client, "US")
    assert numbers
    numbers_mock.assert_requested("searchAvailableNumbers", times=2)
    numbers_mock.assert_requested("searchAvailableNumbers", fault="connection_reset", times=1)


def test_without_retries_the_reset_reaches_the_caller(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.fail_next(SEARCH, fault="connection_reset", times=1)
    with pytest.raises(httpx.ReadError):
        search_numbers(pingram, "US", attempts=1)
    [entry] = numbers_mock.assert_requested(SEARCH, times=1)
    assert (entry.fault, entry.status) == ("connection_reset", None)


# fail_next with a transport fault.


@pytest.mark.parametrize(
    ("fault", "raised", "status_sent"),
    [
        ("connection_reset", httpx.ReadError, None),
        ("empty_response", httpx.RemoteProtocolError, None),
        ("random_data_then_close", httpx.RemoteProtocolError, None),
        ("malformed_chunk", httpx.RemoteProtocolError, 200),
        ("truncated_body", httpx.RemoteProtocolError, 200),
    ],
)
def test_fail_next_breaks_the_connection_once(
    numbers_mock: NumbersMock,
    pingram: httpx.Client,
    fault: TransportFault,
    raised: type[httpx.TransportError],
    status_sent: int | None,
) -> None:
    numbers_mock.fail_next(SEARCH, fault=fault, times=1)
    [scripted] = numbers_mock.faults()
    assert (scripted["fault"], scripted["status"], scripted["times"]) == (fault, None, 1)
    with pytest.raises(raised) as caught:
        search_once(pingram, "US")
    assert type(caught.value) is raised
    assert search_once(pingram, "US")  # times=1: the next one answers
    broken, answered = numbers_mock.requests(SEARCH)
    assert (broken.fault, broken.status) == (fault, status_sent)
    assert (answered.fault, answered.status) == (None, 200)
    assert numbers_mock.requests(fault=fault) == [broken]


def test_a_hang_ends_when_the_client_gives_up(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.fail_next(SEARCH, fault="hang", hang_ms=5000, times=1)
    [scripted] = numbers_mock.faults()
    assert (scripted["fault"], scripted["hangMs"]) == ("hang", 5000)
    with pytest.raises(httpx.ReadTimeout):
        pingram.get("/numbers/available", params={"countryCode": "US"}, timeout=0.3)


def test_a_hang_that_outlasts_hang_ms_is_closed_by_the_server(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.fail_next(SEARCH, fault="hang", hang_ms=200, times=1)
    with pytest.raises(httpx.RemoteProtocolError):
        search_once(pingram, "US")


def test_fail_next_still_answers_500_by_default(numbers_mock: NumbersMock) -> None:
    numbers_mock.fail_next(SEARCH)
    numbers_mock.fail_next(SEARCH, status=502, delay_ms=20)
    numbers_mock.fail_next(SEARCH, status=None, delay_ms=30)  # no status: only slower
    assert [(f["status"], f["fault"], f["delayMs"]) for f in numbers_mock.faults()] == [
        (500, None, None),
        (502, None, 20),
        (None, None, 30),
    ]


def test_the_server_refuses_a_fault_with_a_status(numbers_mock: NumbersMock) -> None:
    with pytest.raises(ControlApiError, match="status") as caught:
        numbers_mock.fail_next(SEARCH, status=502, fault="connection_reset")
    assert caught.value.status == 400
    with pytest.raises(ControlApiError, match="hangMs") as caught:
        numbers_mock.fail_next(SEARCH, fault="connection_reset", hang_ms=100)
    assert caught.value.status == 400
    assert numbers_mock.faults() == []


# delay: distributions and dribbles, as the server keeps them.


@pytest.mark.parametrize(
    ("arguments", "delay_ms", "delay", "dribble"),
    [
        ({"delay_ms": 250}, 250, None, None),
        (
            {"distribution": "uniform", "lower_ms": 50, "upper_ms": 150},
            None,
            {"distribution": "uniform", "lowerMs": 50, "upperMs": 150},
            None,
        ),
        (
            {"distribution": "lognormal", "median_ms": 80, "sigma": 0.4},
            None,
            {"distribution": "lognormal", "medianMs": 80, "sigma": 0.4},
            None,
        ),
        (
            {"dribble_chunks": 5, "dribble_total_ms": 200},
            None,
            None,
            {"chunks": 5, "totalMs": 200},
        ),
        (
            {
                "distribution": "uniform",
                "lower_ms": 0,
                "upper_ms": 10,
                "dribble_chunks": 2,
                "dribble_total_ms": 10,
            },
            None,
            {"distribution": "uniform", "lowerMs": 0, "upperMs": 10},
            {"chunks": 2, "totalMs": 10},
        ),
    ],
    ids=["fixed", "uniform", "lognormal", "dribble", "uniform-dribbled"],
)
def test_delay_round_trips_through_faults(
    numbers_mock: NumbersMock,
    arguments: dict[str, Any],
    delay_ms: int | None,
    delay: dict[str, Any] | None,
    dribble: dict[str, Any] | None,
) -> None:
    fault_id = numbers_mock.delay(SEARCH, times=3, **arguments)
    [scripted] = numbers_mock.faults()
    assert scripted["id"] == fault_id
    assert (scripted["delayMs"], scripted["delay"], scripted["dribble"]) == (
        delay_ms,
        delay,
        dribble,
    )
    assert (scripted["status"], scripted["fault"], scripted["times"]) == (None, None, 3)


def test_delay_takes_its_milliseconds_positionally(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.delay(SEARCH, 250, organization_id=ACCOUNT)
    [scripted] = numbers_mock.faults()
    assert (scripted["delayMs"], scripted["organizationId"], scripted["times"]) == (
        250,
        ACCOUNT,
        None,
    )
    assert search_once(pingram, "US")
    [entry] = numbers_mock.requests(SEARCH)
    assert entry.duration_ms >= 250


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        ({"distribution": "uniform", "lower_ms": 150, "upper_ms": 50}, "lowerMs"),
        ({"distribution": "lognormal", "median_ms": 80}, "sigma"),
        ({"median_ms": 80, "sigma": 0.4}, "distribution"),
        ({"dribble_chunks": 5}, "totalMs"),
        ({"delay_ms": 10, "distribution": "uniform", "lower_ms": 1, "upper_ms": 2}, "delayMs"),
    ],
    ids=["unordered", "no-sigma", "no-distribution", "half-a-dribble", "two-delays"],
)
def test_the_server_says_what_a_delay_lacks(
    numbers_mock: NumbersMock, arguments: dict[str, Any], words: str
) -> None:
    with pytest.raises(ControlApiError, match=words) as caught:
        numbers_mock.delay(SEARCH, **arguments)
    assert caught.value.status == 400


# assert_requested and assert_not_requested.


def test_assert_requested_counts_what_matches(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.assert_not_requested("*")
    numbers_mock.fail_next(SEARCH, status=503, times=1)
    with pytest.raises(httpx.HTTPStatusError):
        search_once(pingram, "US")
    search_once(pingram, "GB")

    matched = numbers_mock.assert_requested(SEARCH, times=2)
    assert [entry.query for entry in matched] == ["countryCode=US", "countryCode=GB"]
    numbers_mock.assert_requested(SEARCH)
    numbers_mock.assert_requested("*", times=2, organization_id=ACCOUNT)
    numbers_mock.assert_requested(SEARCH, status=503, times=1)
    numbers_mock.assert_not_requested(SEARCH, status=500)
    numbers_mock.assert_not_requested(SEARCH, fault="connection_reset")
    numbers_mock.assert_not_requested("listStockItems")
    numbers_mock.assert_not_requested(SEARCH, organization_id="someone-else")


def test_assert_requested_fails_listing_what_was_requested(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    numbers_mock.fail_next(SEARCH, fault="connection_reset", times=1)
    search_numbers(pingram, "US")

    with pytest.raises(AssertionError) as caught:
        numbers_mock.assert_requested(SEARCH, times=3)
    target = "/numbers/available?countryCode=US"
    assert str(caught.value) == (
        "Expected exactly 3 searchAvailableNumbers requests, found 2.\n"
        "The server received 2 requests, oldest first:\n"
        f"  searchAvailableNumbers GET {target} -> connection_reset (org {ACCOUNT})\n"
        f"  searchAvailableNumbers GET {target} -> 200 (org {ACCOUNT})"
    )


def test_assert_requested_without_times_wants_at_least_one(numbers_mock: NumbersMock) -> None:
    with pytest.raises(AssertionError) as caught:
        numbers_mock.assert_requested("listStockItems", organization_id="acme", fault="hang")
    assert str(caught.value) == (
        "Expected at least 1 listStockItems request with org acme and fault hang, found 0.\n"
        "The server received no requests."
    )


def test_assert_not_requested_fails_listing_the_request(
    numbers_mock: NumbersMock, pingram: httpx.Client
) -> None:
    search_once(pingram, "FR")
    with pytest.raises(AssertionError, match=r"^Expected exactly 0 requests with status 200") as e:
        numbers_mock.assert_not_requested("*", status=200)
    assert str(e.value).endswith(
        f"\n  searchAvailableNumbers GET /numbers/available?countryCode=FR -> 200 (org {ACCOUNT})"
    )


def test_assert_requested_refuses_a_negative_count(numbers_mock: NumbersMock) -> None:
    with pytest.raises(ValueError, match="times must be 0 or more"):
        numbers_mock.assert_requested(SEARCH, times=-1)


# The failure message and the journal entry, on their own.


def journal_entry(number: int, **changes: Any) -> JournalEntry:
    fields: dict[str, Any] = {
        "tracking_id": f"t{number}",
        "operation": SEARCH,
        "method": "GET",
        "path": "/numbers/available",
        "query": f"page={number}",
        "status": 200,
        "duration_ms": 1.0,
        "received_at": "2026-01-01T00:00:00.000Z",
        "organization_id": "acme",
        "sub": None,
    }
    return JournalEntry(**(fields | changes))


def test_the_failure_lists_the_newest_twenty_and_counts_the_rest() -> None:
    received = [journal_entry(number) for number in range(1, 26)]
    lines = _requested_message("exactly 1 request", 25, received).splitlines()
    assert lines[:3] == [
        "Expected exactly 1 request, found 25.",
        "The server received 25 requests, oldest first:",
        "  ... 5 earlier not shown",
    ]
    assert lines[3] == f"  {SEARCH} GET /numbers/available?page=6 -> 200 (org acme)"
    assert lines[-1] == f"  {SEARCH} GET /numbers/available?page=25 -> 200 (org acme)"
    assert len(lines) == 3 + 20


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (("*", None, None, None, None), "at least 1 request"),
        ((SEARCH, 1, "acme", None, None), f"exactly 1 {SEARCH} request with org acme"),
        (
            (SEARCH, 0, "acme", 200, "truncated_body"),
            f"exactly 0 {SEARCH} requests with org acme, status 200 and fault truncated_body",
        ),
    ],
)
def test_the_failure_says_what_was_expected(
    arguments: tuple[str, int | None, str | None, int | None, str | None], expected: str
) -> None:
    assert _expectation(*arguments) == expected


@pytest.mark.parametrize(
    ("changes", "described"),
    [
        ({}, "listStockItems GET /organizations/acme/numbers-stock-items -> 200 (org acme)"),
        (
            {"query": "limit=1", "status": None, "fault": "hang", "organization_id": None},
            "listStockItems GET /organizations/acme/numbers-stock-items?limit=1 -> hang",
        ),
        (
            {"fault": "truncated_body"},
            "listStockItems GET /organizations/acme/numbers-stock-items -> 200 truncated_body "
            "(org acme)",
        ),
        (
            {"status": None},
            "listStockItems GET /organizations/acme/numbers-stock-items -> - (org acme)",
        ),
    ],
)
def test_an_entry_describes_itself_in_one_line(changes: dict[str, Any], described: str) -> None:
    base = {
        "operation": "listStockItems",
        "path": "/organizations/acme/numbers-stock-items",
        "query": "",
    }
    assert journal_entry(1, **(base | changes)).describe() == described


def test_an_older_servers_entry_has_no_fault() -> None:
    item = {
        "trackingId": "t1",
        "operation": SEARCH,
        "method": "GET",
        "path": "/numbers/available",
        "query": "",
        "status": 200,
        "durationMs": 2.5,
        "receivedAt": "2026-01-01T00:00:00.000Z",
        "organizationId": "acme",
        "sub": "user-1",
    }
    entry = JournalEntry.from_json(item)
    assert (entry.status, entry.fault) == (200, None)
    entry = JournalEntry.from_json(item | {"status": None, "fault": "empty_response"})
    assert (entry.status, entry.fault) == (None, "empty_response")
