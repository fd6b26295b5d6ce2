"""Transport faults over real TCP: what httpx and Pingram's official SDK raise when numbers-mock
breaks the connection, as a user's retry code catches it.

A real ``numbers-mock serve`` (the plugin's ``numbers_mock`` fixture): only a real connection
can be reset, cut short or left hanging.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from pingram import Pingram

from numbers_mock_testing import NumbersMock, TransportFault

SEARCH = "searchAvailableNumbers"
ACCOUNT = "transport-acct"
QUERY: dict[str, str | int] = {"countryCode": "US", "limit": 3}

# What each fault makes httpx raise, and words of its message (None: it varies, e.g. an
# async client's reset has an empty message, a sync one's "Connection reset by peer").
HTTPX_SEES: dict[TransportFault, tuple[type[httpx.TransportError], str | None]] = {
    "connection_reset": (httpx.ReadError, None),
    "empty_response": (httpx.RemoteProtocolError, "without sending a response"),
    "random_data_then_close": (httpx.RemoteProtocolError, "illegal"),
    "malformed_chunk": (httpx.RemoteProtocolError, "chunk"),
    "truncated_body": (httpx.RemoteProtocolError, "without sending complete message body"),
}
# The status line each fault sent before breaking (the journal's status).
STATUS_SENT = {"malformed_chunk": 200, "truncated_body": 200}


@pytest.fixture
def mock(numbers_mock: NumbersMock) -> NumbersMock:
    numbers_mock.clear_requests()
    return numbers_mock


def search(mock: NumbersMock, *, timeout: float = 10.0) -> httpx.Response:
    headers = {"Authorization": f"Bearer {mock.token(org=ACCOUNT)}"}
    return httpx.get(
        f"{mock.url}/numbers/available", params=QUERY, headers=headers, timeout=timeout
    )


def journaled(mock: NumbersMock, count: int, deadline_s: float = 10.0) -> list[Any]:
    """The journal's SEARCH entries once it has ``count`` (a hang is journaled when it ends)."""
    give_up = time.monotonic() + deadline_s
    while True:
        entries = mock.requests(SEARCH)
        if len(entries) >= count or time.monotonic() > give_up:
            return entries
        time.sleep(0.05)


@pytest.mark.parametrize("kind", sorted(HTTPX_SEES))
def test_httpx_sees_each_transport_fault_and_the_journal_names_it(
    mock: NumbersMock, kind: TransportFault
) -> None:
    mock.fail_next(SEARCH, fault=kind, times=1)
    raised, words = HTTPX_SEES[kind]
    with pytest.raises(raised, match=words) as caught:
        search(mock)
    assert type(caught.value) is raised
    assert search(mock).status_code == 200  # times=1: the next request answers
    broken, answered = journaled(mock, 2)
    assert (broken.fault, broken.status) == (kind, STATUS_SENT.get(kind))
    assert (answered.fault, answered.status) == (None, 200)


def test_a_hang_lasts_until_the_client_gives_up(mock: NumbersMock) -> None:
    mock.fail_next(SEARCH, fault="hang", times=1)
    with pytest.raises(httpx.ReadTimeout):
        search(mock, timeout=0.5)
    [entry] = journaled(mock, 1)
    assert (entry.fault, entry.status) == ("hang", None)
    assert entry.duration_ms >= 500


def test_a_hang_that_outlasts_hang_ms_is_closed_by_the_server(mock: NumbersMock) -> None:
    mock.fail_next(SEARCH, fault="hang", hang_ms=300, times=1)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        search(mock, timeout=30)
    assert time.monotonic() - started >= 0.3
    assert search(mock).status_code == 200


def test_a_transport_fault_fires_only_on_its_operation_and_organization(
    mock: NumbersMock,
) -> None:
    mock.fail_next(SEARCH, fault="connection_reset", times=1, organization_id="someone-else")
    assert search(mock).status_code == 200
    mock.fail_next("listStockItems", fault="connection_reset", times=1)
    assert search(mock).status_code == 200
    mock.clear_faults()


def test_a_dribbled_answer_arrives_whole_in_pieces(mock: NumbersMock) -> None:
    expected = search(mock).json()
    mock.delay(SEARCH, dribble_chunks=4, dribble_total_ms=300, times=1)
    headers = {"Authorization": f"Bearer {mock.token(org=ACCOUNT)}"}
    pieces: list[float] = []
    started = time.monotonic()
    with httpx.stream(
        "GET", f"{mock.url}/numbers/available", params=QUERY, headers=headers
    ) as response:
        body = b""
        for chunk in response.iter_raw():
            pieces.append(time.monotonic() - started)
            body += chunk
    assert response.status_code == 200
    assert httpx.Response(200, content=body).json() == expected
    assert len(pieces) >= 2  # more than one read: the body came in parts
    assert pieces[-1] >= 0.3


# --- Pingram's official SDK ------------------------------------------------------------------


def sdk_search(mock: NumbersMock) -> Callable[[], Any]:
    async def run() -> Any:
        async with Pingram(api_key=mock.token(org=ACCOUNT), base_url=mock.url) as client:
            return await client.numbers.numbers_search_available(country_code="US", limit=3)

    return run


@pytest.mark.anyio
@pytest.mark.parametrize("kind", sorted(HTTPX_SEES))
async def test_the_pingram_sdk_raises_httpx_transport_errors(
    mock: NumbersMock, kind: TransportFault
) -> None:
    """The SDK does not wrap transport errors: its users catch httpx's."""
    mock.fail_next(SEARCH, fault=kind, times=1)
    raised, words = HTTPX_SEES[kind]
    with pytest.raises(raised, match=words):
        await sdk_search(mock)()
    page = await sdk_search(mock)()
    assert len(page.numbers) == 3


@pytest.mark.anyio
async def test_a_retrying_sdk_caller_survives_a_reset_then_succeeds(mock: NumbersMock) -> None:
    mock.fail_next(SEARCH, fault="connection_reset", times=2)
    attempts = 0

    async def with_retries() -> Any:
        nonlocal attempts
        for _ in range(3):
            attempts += 1
            try:
                return await sdk_search(mock)()
            except httpx.TransportError:
                continue
        raise AssertionError("three attempts failed")

    page = await with_retries()
    assert (attempts, len(page.numbers)) == (3, 3)
    assert [entry.fault for entry in journaled(mock, 3)] == ["connection_reset"] * 2 + [None]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the SDK runs on httpx.AsyncClient
