"""The journal under concurrency: every request recorded before its answer, none held up."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx2 as httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from app.db.engine import create_db_engine
from app.main import create_app
from tests.conftest import DatabaseFactory, Minter, make_settings
from tests.helpers import AVAILABLE


@asynccontextmanager
async def _started(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its lifespan run, and a client that calls it in this event loop."""
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://mock") as client,
    ):
        yield client


def test_concurrent_requests_are_each_journaled_before_their_answer(
    database_factory: DatabaseFactory, mint: Minter, admin: dict[str, str]
) -> None:
    app = create_app(make_settings(database_factory("journal_batches"), seed_count=500))
    auth = {"Authorization": f"Bearer {mint('acme')}"}

    async def scenario() -> None:
        async with _started(app) as client:

            async def search_then_read_journal() -> tuple[str, set[str]]:
                answer = await client.get(f"{AVAILABLE}?countryCode=US&limit=2", headers=auth)
                assert answer.status_code == 200
                journal = await client.get("/_mock/requests?limit=500", headers=admin)
                tracking_ids = {entry["trackingId"] for entry in journal.json()["requests"]}
                return answer.headers["x-tracking-id"], tracking_ids

            results = await asyncio.gather(*(search_then_read_journal() for _ in range(40)))
            for tracking_id, journaled in results:
                # Read right after the answer: the request is already in the journal.
                assert tracking_id in journaled
            journal = await client.get("/_mock/requests?limit=500", headers=admin)
            assert len(journal.json()["requests"]) == 40

    asyncio.run(scenario())


def test_a_broken_journal_never_fails_or_holds_up_a_request(
    database_factory: DatabaseFactory,
    mint: Minter,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = database_factory("journal_broken")
    app = create_app(make_settings(url, seed_count=500))
    auth = {"Authorization": f"Bearer {mint('acme')}"}

    async def scenario() -> None:
        async with _started(app) as client:
            engine = create_db_engine(url)
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE journal_entries"))
            engine.dispose()
            answers = await asyncio.wait_for(
                asyncio.gather(
                    *(
                        client.get(f"{AVAILABLE}?countryCode=GB&limit=1", headers=auth)
                        for _ in range(10)
                    )
                ),
                timeout=30,
            )
            assert [answer.status_code for answer in answers] == [200] * 10

    with caplog.at_level(logging.WARNING, logger="numbers_mock.journal"):
        asyncio.run(scenario())
    assert "could not journal" in caplog.text
