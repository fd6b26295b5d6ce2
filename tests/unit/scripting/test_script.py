"""The delay a fault adds to a request: fixed, or drawn from its distribution by the seed."""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from app.scripting.script import MAX_DELAY_MS, drawn_delay_ms


@dataclass(frozen=True)
class Rule:
    operation: str = "listStockItems"
    organization_id: str | None = None
    delay_ms: int | None = None
    delay_distribution: str | None = None
    delay_lower_ms: int | None = None
    delay_upper_ms: int | None = None
    delay_median_ms: float | None = None
    delay_sigma: float | None = None


UNIFORM = Rule(delay_distribution="uniform", delay_lower_ms=50, delay_upper_ms=150)
LOGNORMAL = Rule(delay_distribution="lognormal", delay_median_ms=80, delay_sigma=0.5)


def test_a_fixed_delay_is_the_same_for_every_request() -> None:
    assert {drawn_delay_ms(1, Rule(delay_ms=250), fired) for fired in range(1, 20)} == {250}
    assert drawn_delay_ms(1, Rule(), 1) == 0


def test_a_uniform_delay_stays_between_its_bounds_and_spreads_over_them() -> None:
    draws = [drawn_delay_ms(7, UNIFORM, fired) for fired in range(1, 1001)]
    assert min(draws) >= 50
    assert max(draws) <= 150
    assert min(draws) < 60  # the whole range, not one value
    assert max(draws) > 140
    assert 90 < statistics.median(draws) < 110


def test_a_lognormal_delay_has_its_median_and_a_long_tail() -> None:
    draws = [drawn_delay_ms(7, LOGNORMAL, fired) for fired in range(1, 2001)]
    assert 72 < statistics.median(draws) < 88
    assert max(draws) > 2 * 80  # sigma 0.5: the tail reaches well past twice the median
    assert min(draws) > 0


def test_sigma_zero_is_always_the_median() -> None:
    rule = Rule(delay_distribution="lognormal", delay_median_ms=80, delay_sigma=0)
    assert {drawn_delay_ms(3, rule, fired) for fired in range(1, 50)} == {80}


def test_draws_are_reproducible_from_the_seed_and_differ_between_seeds() -> None:
    first = [drawn_delay_ms(42, LOGNORMAL, fired) for fired in range(1, 50)]
    again = [drawn_delay_ms(42, LOGNORMAL, fired) for fired in range(1, 50)]
    other = [drawn_delay_ms(43, LOGNORMAL, fired) for fired in range(1, 50)]
    assert first == again
    assert first != other


def test_a_drawn_delay_never_exceeds_the_longest_fixed_one() -> None:
    rule = Rule(delay_distribution="lognormal", delay_median_ms=50_000, delay_sigma=5)
    draws = [drawn_delay_ms(1, rule, fired) for fired in range(1, 200)]
    assert max(draws) == MAX_DELAY_MS
