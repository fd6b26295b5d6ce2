"""GroupCommitWriter: records gather, a flush writes them at once, and what waits stays small."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from app.journal import repository
from app.journal import writer as writer_module
from app.journal.repository import JournalRecord
from app.journal.writer import BATCH_BYTES, GroupCommitWriter


class _Engine:
    """Stands in for the engine: each transaction is a batch written."""

    def __init__(self) -> None:
        self.batches: list[int] = []

    @contextlib.contextmanager
    def begin(self) -> Iterator[_Engine]:
        yield self


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> _Engine:
    fake = _Engine()

    def add_entries(connection: _Engine, records: Sequence[JournalRecord], *, keep: int) -> None:
        connection.batches.append(len(records))

    monkeypatch.setattr(repository, "add_entries", add_entries)
    monkeypatch.setattr(writer_module, "GATHER_SECONDS", 30.0)  # only a flush or size writes
    return fake


def _record() -> Any:
    return object()  # add_entries above only counts them


def test_records_gather_until_a_flush_writes_them_at_once(engine: _Engine) -> None:
    async def run() -> None:
        writer = GroupCommitWriter(engine, keep=100)  # type: ignore[arg-type]
        for _ in range(3):
            writer.submit(_record, size=100)
        await asyncio.sleep(0.05)
        assert engine.batches == []  # still gathering
        await asyncio.wait_for(writer.flush(), 5)
        assert engine.batches == [3]

    asyncio.run(run())


def test_records_holding_a_batch_worth_of_bodies_are_written_without_waiting(
    engine: _Engine,
) -> None:
    async def run() -> None:
        writer = GroupCommitWriter(engine, keep=100)  # type: ignore[arg-type]
        size = BATCH_BYTES // 4
        for _ in range(4):
            writer.submit(_record, size=size)
            await asyncio.sleep(0)  # the writer starts gathering
        for _ in range(100):  # far less than GATHER_SECONDS
            if engine.batches:
                break
            await asyncio.sleep(0.01)
        assert engine.batches == [4]

    asyncio.run(run())
