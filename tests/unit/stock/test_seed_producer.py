"""The seed's generator process: same numbers as in-process, errors and deaths reach the parent."""

from __future__ import annotations

import pytest

from app.generator.inventory import generate_inventory
from app.stock import seed_producer
from app.stock.seed_producer import seed_batches, seed_row


def test_batches_hold_the_in_process_inventory_in_order() -> None:
    batches = list(seed_batches(seed=7, total=2_500, batch_size=1_000))
    assert [len(batch.rows) for batch in batches] == [1_000, 1_000, 500]
    expected = list(generate_inventory(7, 2_500))
    assert [row for batch in batches for row in batch.rows] == [seed_row(n) for n in expected]
    assert set().union(*(batch.cells for batch in batches)) == {
        (n.country_code, n.number_type.value, n.capabilities.mask) for n in expected
    }


def test_a_generator_error_is_raised_in_the_parent() -> None:
    # More numbers than a country's plans hold: the generator refuses, in the child.
    with pytest.raises(ValueError, match="cannot hold"):
        list(seed_batches(seed=7, total=10**12, batch_size=1_000))


def test_a_dead_child_is_noticed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed_producer, "_produce", _die)
    with pytest.raises(RuntimeError, match="generator process died"):
        list(seed_batches(seed=7, total=10, batch_size=5))


def _die(*_arguments: object) -> None:
    raise SystemExit(3)
