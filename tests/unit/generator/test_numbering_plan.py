"""Numbering plans: the numbers each region's plan of each type yields, and which need a check."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from app.generator.inventory import generate_numbers
from app.generator.numbering_plan import plain_pool, type_plan
from app.generator.records import NumberType
from tests.helpers import ACCEPTED_TYPES


def test_every_region_of_libphonenumber_yields_valid_numbers() -> None:
    """Beyond the inventory's countries: shared calling codes, leading digits, national
    prefixes that parse() strips, all of libphonenumber's plans."""
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for number_type in NumberType:
            plan = type_plan(region, number_type)
            if plan is None:
                continue
            pool = plain_pool(plan)
            rng = random.Random(f"{region}:{number_type.value}")
            for _ in range(10):
                drawn = pool.draw(rng)
                if drawn is None:
                    continue
                national_number, _ = drawn
                parsed = phonenumbers.parse(f"+{plan.calling_code}{national_number}")
                context = (region, number_type, national_number)
                assert phonenumbers.national_significant_number(parsed) == national_number, context
                assert phonenumbers.is_valid_number(parsed), context
                assert phonenumbers.is_valid_number_for_region(parsed, region), context
                assert phonenumbers.number_type(parsed) in ACCEPTED_TYPES[number_type], context


def test_shared_numbers_are_checked_one_by_one() -> None:
    plan = type_plan("CA", NumberType.TOLL_FREE)
    assert plan is not None
    assert not any(plan.safe)  # the US is tried first for +1 8xx numbers
    numbers = generate_numbers("CA", NumberType.TOLL_FREE, 20, rng=random.Random(3))
    for number in numbers:
        parsed = phonenumbers.parse(number.number_string)
        assert phonenumbers.is_valid_number_for_region(parsed, "CA")
        assert phonenumbers.region_code_for_number(parsed) == "US"


def test_safe_numbers_need_no_per_number_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The hot loop only fills in digits for templates proven valid."""
    for country in ("US", "GB", "DE", "NL"):
        generate_numbers(country, NumberType.LOCAL, 1, rng=random.Random(0))  # build the pool

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a safe number was checked")

    monkeypatch.setattr(phonenumbers, "parse", refuse)
    for country in ("US", "GB", "DE", "NL"):
        assert len(generate_numbers(country, NumberType.LOCAL, 500, rng=random.Random(1))) == 500
