"""The response cache (app.stock.response_cache), which holds answers while the stock is
unchanged: asked again, a page is not read again, yet every change, whoever makes it, and every
script show at once, and the caller is checked on every request."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from app.main import create_app
from app.scripting import runner
from app.settings import Settings
from app.stock import search
from tests.api.pingram import steps as pingram
from tests.conftest import DatabaseFactory, Minter, make_settings
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error, wait_until_async

pytestmark = pytest.mark.usefixtures("seeded_state")

PAGE: dict[str, Any] = {"limit": 5, "countryCodes": "GB"}
Params = ParamSpec("Params")
Result = TypeVar("Result")


@pytest.fixture
def stock_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each read of the stock the two searches make, by name."""
    reads: list[str] = []
    for name in ("page_in_stock", "first_in_stock"):
        real = getattr(search, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            reads.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(search, name, counted)
    return reads


def _sqlite_path(settings: Settings) -> str:
    database = make_url(settings.database_url).database
    if make_url(settings.database_url).get_backend_name() != "sqlite" or not database:
        pytest.skip("answers are cached on SQLite files only")
    return database


def _page(client: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(STOCK_ITEMS, params={**PAGE, **params}, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_same_page_asked_again_is_not_read_again(
    client: TestClient, auth: dict[str, str], settings: Settings, stock_reads: list[str]
) -> None:
    _sqlite_path(settings)
    first = client.get(STOCK_ITEMS, params=PAGE, headers=auth)
    again = client.get(STOCK_ITEMS, params=PAGE, headers=auth)
    assert again.content == first.content
    assert again.headers["X-Tracking-Id"] != first.headers["X-Tracking-Id"]
    assert stock_reads == ["page_in_stock"]
    # Another spelling of the query, or another page, is read (and cached) on its own.
    client.get(STOCK_ITEMS, params={**PAGE, "limit": 4}, headers=auth)
    assert stock_reads == ["page_in_stock"] * 2
    client.get(AVAILABLE, params={"countryCode": "GB", "limit": 3}, headers=auth)
    client.get(AVAILABLE, params={"countryCode": "GB", "limit": 3}, headers=auth)
    assert stock_reads == ["page_in_stock"] * 2 + ["first_in_stock"]


def test_a_purchase_leaves_both_searches_at_once(
    client: TestClient, auth: dict[str, str], mint: Minter
) -> None:
    item = _page(client, auth)["results"][0]
    bought = client.post(
        "/workspaces/ws-cached/numbers-long-code",
        json={"numberStockItemIds": [item["id"]]},
        headers=auth,
    )
    assert bought.status_code == 201, bought.text
    assert item["id"] not in [i["id"] for i in _page(client, auth)["results"]]

    headers = pingram.headers(mint)
    number = pingram.search(client, headers, countryCode="GB", limit=3)[0]["phoneNumber"]
    pingram.order(client, headers, number)
    found = pingram.search(client, headers, countryCode="GB", limit=3)
    assert number not in [n["phoneNumber"] for n in found]


def test_a_change_by_another_process_shows_at_once(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    """Another server on the same file (``serve --workers``), or the CLI, writes without
    this process knowing: the stock's version tells."""
    database = _sqlite_path(settings)
    item = _page(client, auth)["results"][0]
    sold = (
        "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
        "c.execute(\"UPDATE inventory_numbers SET status = 'sold' WHERE number_string = ?\", "
        "(sys.argv[2],)); c.commit()"
    )
    subprocess.run([sys.executable, "-c", sold, database, item["numberString"]], check=True)
    assert item["id"] not in [i["id"] for i in _page(client, auth)["results"]]


def test_a_script_applies_to_a_page_cached_before_it(
    client: TestClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    _page(client, auth)
    fault = {"operation": "listStockItems", "status": 503, "times": 1}
    assert client.post("/_mock/faults", json=fault, headers=admin).status_code == 201
    assert_error(client.get(STOCK_ITEMS, params=PAGE, headers=auth), 503, "service_unavailable")
    _page(client, auth)  # the fault is spent

    limit = {"operation": "listStockItems", "limit": 2, "windowSeconds": 60}
    assert client.post("/_mock/rate-limits", json=limit, headers=admin).status_code == 201
    answers = [client.get(STOCK_ITEMS, params=PAGE, headers=auth) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert [a.headers["X-RateLimit-Remaining"] for a in answers] == ["1", "0", "0"]
    assert answers[0].content == answers[1].content


def test_a_fault_on_another_operation_leaves_a_page_on_the_event_loop(
    client: TestClient,
    auth: dict[str, str],
    admin: dict[str, str],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only a fault that may fire on the request sends it to a worker thread (the verdict in
    the database); one on another operation or organization does not."""
    _sqlite_path(settings)
    judged: list[str] = []
    real = runner.judge_then_work

    def counted(*args: Any, **kwargs: Any) -> Any:
        judged.append(args[1].operation)
        return real(*args, **kwargs)

    monkeypatch.setattr("app.web.read_path.judge_then_work", counted)
    for fault in (
        {"operation": "numbersReleaseNumber", "status": 500},
        {"operation": "listStockItems", "organizationId": "globex", "status": 500},
    ):
        assert client.post("/_mock/faults", json=fault, headers=admin).status_code == 201
    _page(client, auth)
    _page(client, auth, limit=3)
    assert judged == []
    fault = {"operation": "listStockItems", "status": 503, "times": 1}
    assert client.post("/_mock/faults", json=fault, headers=admin).status_code == 201
    assert_error(client.get(STOCK_ITEMS, params=PAGE, headers=auth), 503, "service_unavailable")
    assert judged == ["listStockItems"]
    _page(client, auth)  # spent: the event loop's again
    assert judged == ["listStockItems"]


def test_the_caller_is_checked_before_a_cached_answer(
    client: TestClient, auth: dict[str, str], mint: Minter
) -> None:
    _page(client, auth)
    assert_error(client.get(STOCK_ITEMS, params=PAGE), 401, "invalid_token")
    expired = {"Authorization": f"Bearer {mint('acme', ttl_seconds=-120)}"}
    assert_error(client.get(STOCK_ITEMS, params=PAGE, headers=expired), 401, "invalid_token")
    other = {"Authorization": f"Bearer {mint('globex')}"}
    assert_error(client.get(STOCK_ITEMS, params=PAGE, headers=other), 403, "organization_mismatch")


def test_every_cached_answer_is_journaled_with_its_body(
    client: TestClient, auth: dict[str, str], admin: dict[str, str]
) -> None:
    answers = [client.get(STOCK_ITEMS, params=PAGE, headers=auth) for _ in range(3)]
    listed = client.get("/_mock/requests?limit=3", headers=admin).json()["requests"]
    assert [e["trackingId"] for e in listed] == [
        a.headers["X-Tracking-Id"] for a in reversed(answers)
    ]
    for answer in answers:
        entry = client.get(f"/_mock/requests/{answer.headers['X-Tracking-Id']}", headers=admin)
        assert entry.json()["response"]["body"] == answer.text
        assert (
            entry.json()["response"]["headers"]["x-tracking-id"]
            == (answer.headers["X-Tracking-Id"])
        )


def test_a_rate_limit_counts_every_request_whichever_path_answers_it(
    client: TestClient, auth: dict[str, str], admin: dict[str, str], mint: Minter
) -> None:
    """Cached answers are counted on the event loop, others on a worker thread: one count."""
    limit = {"operation": "listStockItems", "limit": 3, "windowSeconds": 3600}
    assert client.post("/_mock/rate-limits", json=limit, headers=admin).status_code == 201
    cached = client.get(STOCK_ITEMS, params=PAGE, headers=auth)  # computed, then cached
    again = client.get(STOCK_ITEMS, params=PAGE, headers=auth)  # cached
    other = client.get(STOCK_ITEMS, params={**PAGE, "limit": 2}, headers=auth)  # computed
    over = client.get(STOCK_ITEMS, params=PAGE, headers=auth)  # cached, and one too many
    assert [r.headers["X-RateLimit-Remaining"] for r in (cached, again, other)] == ["2", "1", "0"]
    error = assert_error(over, 429, "rate_limited")
    assert over.headers["Retry-After"]
    assert "3 requests" in error["message"]
    # Another caller has a count of its own.
    globex = client.get(
        "/organizations/globex/numbers-stock-items",
        params=PAGE,
        headers={"Authorization": f"Bearer {mint('globex')}"},
    )
    assert globex.headers["X-RateLimit-Remaining"] == "2"


class CountedWorkers(ThreadPoolExecutor):
    """The provider-call workers (``app.web.read_path.PROVIDER_WORKERS``), counting the calls
    handed to them."""

    def __init__(self) -> None:
        super().__init__(max_workers=4, thread_name_prefix="provider-call")
        self.handed = 0

    def submit(
        self, fn: Callable[Params, Result], /, *args: Params.args, **kwargs: Params.kwargs
    ) -> Future[Result]:
        self.handed += 1
        return super().submit(fn, *args, **kwargs)


def test_a_busy_database_holds_the_request_counted_not_the_event_loop(
    database_factory: DatabaseFactory,
    mint: Minter,
    admin: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While another connection holds SQLite's write lock, a cached answer under a rate limit
    cannot be counted on the event loop: it waits on a worker thread (counted once, after
    the lock goes), and meanwhile the server answers other requests."""
    url = database_factory("cache_busy")
    if make_url(url).get_backend_name() != "sqlite":
        pytest.skip("answers are cached on SQLite files only")
    workers = CountedWorkers()
    monkeypatch.setattr("app.main.PROVIDER_WORKERS", workers)
    app = create_app(make_settings(url, seed_count=300))
    auth = {"Authorization": f"Bearer {mint('acme')}"}
    limit = {"operation": "listStockItems", "limit": 10, "windowSeconds": 3600}

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://mock") as client,
        ):
            assert (await client.post("/_mock/rate-limits", json=limit, headers=admin)).is_success
            first = await client.get(STOCK_ITEMS, params=PAGE, headers=auth)
            assert first.headers["X-RateLimit-Remaining"] == "9"
            holder = sqlite3.connect(make_url(url).database or "", isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                handed = workers.handed
                held = asyncio.create_task(client.get(STOCK_ITEMS, params=PAGE, headers=auth))
                await wait_until_async(
                    lambda: workers.handed > handed, timeout=10, what="the request on a worker"
                )
                assert not held.done()
                health = await asyncio.wait_for(client.get("/healthz"), 2)
                assert health.status_code == 200
            finally:
                holder.execute("COMMIT")
                holder.close()
            answer = await asyncio.wait_for(held, 10)
            assert answer.status_code == 200
            assert answer.content == first.content
            assert answer.headers["X-RateLimit-Remaining"] == "8"

    try:
        asyncio.run(scenario())
    finally:
        workers.shutdown()
