"""Filling the database from the generator: all or nothing, in one transaction."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.stock import repository
from app.stock.seed_producer import seed_batches

BATCH_SIZE = 5_000
ProgressCallback = Callable[[int], None]


@dataclass(frozen=True, slots=True)
class SeedReport:
    numbers: int
    seconds: float
    seeded: bool  # False when the inventory was already there and was kept

    @property
    def numbers_per_second(self) -> float:
        return self.numbers / self.seconds if self.seconds else 0.0


class InventoryNotEmpty(Exception):
    def __init__(self, numbers: int) -> None:
        super().__init__(f"the inventory already has {numbers} numbers")
        self.numbers = numbers


def seed_inventory(
    engine: Engine,
    *,
    seed: int,
    total: int | None,
    reset: bool,
    on_progress: ProgressCallback | None = None,
) -> SeedReport:
    """Generate and insert the inventory; with ``reset``, replace what is there.

    Everything happens in one transaction, so an interrupted seed leaves the previous
    inventory as it was.
    """
    started = time.perf_counter()
    inserted = 0
    with Session(engine) as session, session.begin():
        repository.lock_inventory_for_seeding(session)
        existing = repository.count_numbers(session)
        if existing and not reset:
            raise InventoryNotEmpty(existing)
        if existing:
            repository.delete_all_numbers(session)
        with repository.indexes_built_afterwards(session):
            for batch in seed_batches(seed, total, BATCH_SIZE):
                inserted += repository.bulk_insert_seed_batch(session, batch)
                if on_progress is not None:
                    on_progress(inserted)
        repository.refresh_planner_statistics(session)
    return SeedReport(numbers=inserted, seconds=time.perf_counter() - started, seeded=True)


def ensure_seeded(engine: Engine, *, seed: int, total: int | None) -> SeedReport:
    """Seed an empty inventory; keep one that has numbers (a second start reuses it)."""
    with Session(engine) as session:
        existing = repository.count_numbers(session)
    if existing:
        return SeedReport(numbers=existing, seconds=0.0, seeded=False)
    try:
        return seed_inventory(engine, seed=seed, total=total, reset=False)
    except InventoryNotEmpty as race:
        # Another process seeded it between our count and our insert.
        return SeedReport(numbers=race.numbers, seconds=0.0, seeded=False)
