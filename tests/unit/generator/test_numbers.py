"""The inventory generator: valid, unique, deterministic numbers from libphonenumber's data."""

from __future__ import annotations

import dataclasses
import itertools
import os
import random
import re
import subprocess
import sys
import uuid
from collections import Counter, defaultdict

import phonenumbers
import pytest
from phonenumbers import PhoneMetadata, PhoneNumberFormat

from app.generator.geocoding import split_description
from app.generator.inventory import (
    generate_inventory,
    generate_numbers,
    inventory_counts,
    largest_remainder,
    supported_countries,
)
from app.generator.records import GeneratedNumber, NumberType
from app.generator.seed_data import SeedData, default_seed_data
from tests.helpers import ACCEPTED_TYPES, REQUIRED_COUNTRIES

SEED = 20260101
# The libphonenumber descriptions whose presence means a country has stock of a type.
DESCRIPTIONS = {
    NumberType.LOCAL: ("fixed_line",),
    NumberType.MOBILE: ("mobile",),
    NumberType.TOLL_FREE: ("toll_free",),
    NumberType.NATIONAL: ("uan", "voip"),
}

Inventory = list[GeneratedNumber]


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return list(generate_inventory(SEED))


@pytest.fixture(scope="module")
def by_country_and_type(inventory: Inventory) -> dict[tuple[str, NumberType], Inventory]:
    grouped: dict[tuple[str, NumberType], Inventory] = defaultdict(list)
    for number in inventory:
        grouped[number.country_code, number.number_type].append(number)
    return grouped


def _local(inventory: Inventory, country: str, area_code: str = "") -> Inventory:
    return [
        number
        for number in inventory
        if number.country_code == country
        and number.number_type is NumberType.LOCAL
        and number.national_number.startswith(area_code)
    ]


# --- validity ------------------------------------------------------------------------------


def test_every_number_is_valid_in_its_country_and_of_its_type(inventory: Inventory) -> None:
    for number in inventory:
        parsed = phonenumbers.parse(number.number_string)
        context = (number.country_code, number.number_type, number.number_string)
        assert phonenumbers.is_valid_number(parsed), context
        assert phonenumbers.is_valid_number_for_region(parsed, number.country_code), context
        assert phonenumbers.number_type(parsed) in ACCEPTED_TYPES[number.number_type], context
        region = phonenumbers.region_code_for_number(parsed)
        if region != number.country_code:
            # Only NANP toll-free numbers are shared: valid in CA and PR, reported as US.
            assert number.number_type is NumberType.TOLL_FREE, context
            assert number.country_code in {"CA", "PR"}, context
            assert region == "US", context


def test_numbers_are_e164_with_the_national_significant_number(inventory: Inventory) -> None:
    for number in inventory:
        parsed = phonenumbers.parse(number.number_string)
        assert re.fullmatch(r"\+[1-9]\d{6,14}", number.number_string), number.number_string
        assert phonenumbers.format_number(parsed, PhoneNumberFormat.E164) == number.number_string
        assert phonenumbers.national_significant_number(parsed) == number.national_number
        calling_code = phonenumbers.country_code_for_region(number.country_code)
        assert number.number_string == f"+{calling_code}{number.national_number}"


def test_italian_numbers_keep_their_leading_zero(inventory: Inventory) -> None:
    rome = _local(inventory, "IT", "06")
    assert rome
    assert all(number.number_string.startswith("+3906") for number in rome)


def test_numbers_and_ids_are_unique(inventory: Inventory) -> None:
    assert len({number.number_string for number in inventory}) == len(inventory)
    assert len({number.id for number in inventory}) == len(inventory)


def test_ids_are_uuid4(inventory: Inventory) -> None:
    for number in inventory[:1000]:
        assert isinstance(number.id, uuid.UUID)
        assert number.id.version == 4
        assert number.id.variant == uuid.RFC_4122


# --- coverage and size ---------------------------------------------------------------------


def test_at_least_60_countries_including_the_required_ones(inventory: Inventory) -> None:
    countries = {number.country_code for number in inventory}
    assert len(countries) >= 60
    assert set(REQUIRED_COUNTRIES) <= countries
    assert sorted(countries) == supported_countries()


def test_every_country_has_stock_of_each_type_its_plan_has(
    by_country_and_type: dict[tuple[str, NumberType], Inventory],
) -> None:
    for country in supported_countries():
        metadata = PhoneMetadata.metadata_for_region(country)
        assert metadata is not None
        for number_type, names in DESCRIPTIONS.items():
            in_plan = any(
                getattr(metadata, name) is not None
                and getattr(metadata, name).national_number_pattern
                for name in names
            )
            has_stock = bool(by_country_and_type.get((country, number_type)))
            assert has_stock == in_plan, (country, number_type)
        if metadata.toll_free is not None and metadata.toll_free.national_number_pattern:
            assert by_country_and_type[country, NumberType.TOLL_FREE], country


def test_the_default_inventory_has_exactly_the_default_total(inventory: Inventory) -> None:
    assert len(inventory) == default_seed_data().default_total
    counts = inventory_counts(default_seed_data().default_total)
    assert Counter((n.country_code, n.number_type) for n in inventory) == {
        (country, number_type): count for country, number_type, count in counts if count
    }


def test_every_country_has_hundreds_to_thousands(inventory: Inventory) -> None:
    per_country = Counter(number.country_code for number in inventory)
    assert min(per_country.values()) >= 200
    assert max(per_country.values()) <= 6000


@pytest.mark.parametrize("total", [0, 1, 7, 68, 500, 1234])
def test_small_totals_are_exact(total: int) -> None:
    numbers = list(generate_inventory(SEED, total))
    assert len(numbers) == total
    assert len({number.number_string for number in numbers}) == total


def test_small_pools_are_not_overdrawn() -> None:
    """Greece has 1,000 UANs: a huge inventory takes at most half, the rest goes elsewhere."""
    counts = inventory_counts(3_000_000)
    assert sum(count for _, _, count in counts) == 3_000_000
    by_key = {(country, number_type): count for country, number_type, count in counts}
    assert by_key["GR", NumberType.NATIONAL] == 500
    assert by_key["GR", NumberType.LOCAL] > 3_000_000 * 8 / 1010 * 0.45


def test_largest_remainder_adds_up_and_favours_the_largest_remainders() -> None:
    assert largest_remainder(10, [1, 1, 1]) == [4, 3, 3]
    assert largest_remainder(5, [0.5, 0.25, 0.25]) == [3, 1, 1]
    assert largest_remainder(0, [1, 2]) == [0, 0]
    assert sum(largest_remainder(40_000, [7.3, 1.1, 0.9, 120])) == 40_000
    with pytest.raises(ValueError, match="zero weights"):
        largest_remainder(3, [0, 0])


@pytest.mark.parametrize("country", ["NL", "US", "GB"])
def test_big_markets_fill_several_pages_of_every_type(
    country: str, by_country_and_type: dict[tuple[str, NumberType], Inventory]
) -> None:
    types = [number_type for (code, number_type) in by_country_and_type if code == country]
    assert NumberType.LOCAL in types
    for number_type in types:
        assert len(by_country_and_type[country, number_type]) > 75, number_type


@pytest.mark.parametrize(
    ("country", "area_code", "locality"),
    [("US", "212", "New York"), ("US", "415", "San Francisco"), ("GB", "20", "London"),
     ("NL", "20", "Amsterdam")],
)  # fmt: skip
def test_big_cities_fill_several_pages(
    inventory: Inventory, country: str, area_code: str, locality: str
) -> None:
    numbers = _local(inventory, country, area_code)
    assert len(numbers) > 75
    assert Counter(number.locality for number in numbers).most_common(1)[0][0] == locality


# --- localities ----------------------------------------------------------------------------


def test_us_area_codes_have_city_and_state(inventory: Inventory) -> None:
    new_york = _local(inventory, "US", "212")
    assert {(n.locality, n.administrative_area) for n in new_york} == {("New York", "NY")}
    san_francisco = _local(inventory, "US", "415")
    assert {n.administrative_area for n in san_francisco} == {"CA"}
    assert "San Francisco" in {n.locality for n in san_francisco}


def test_london_has_no_administrative_area(inventory: Inventory) -> None:
    london = _local(inventory, "GB", "20")
    assert {(n.locality, n.administrative_area) for n in london} == {("London", None)}


def test_localities_are_cities_not_states(inventory: Inventory) -> None:
    for country in ("US", "CA", "BR"):
        numbers = _local(inventory, country)
        assert all(re.fullmatch(r"[A-Z]{2}", n.administrative_area or "") for n in numbers)
        assert "California" not in {n.locality for n in numbers}
    assert {n.administrative_area for n in _local(inventory, "BR", "11")} == {"SP"}


def test_local_numbers_have_a_locality_where_the_geocoder_has_areas(inventory: Inventory) -> None:
    without_areas = {"DK", "MT", "CY", "CR", "PA", "PR"}  # no geocoder data for these
    for number in inventory:
        if number.number_type is NumberType.LOCAL and number.country_code not in without_areas:
            assert number.locality, number
        elif number.number_type is not NumberType.LOCAL:
            assert (number.locality, number.administrative_area) == (None, None), number
    assert {n.locality for n in _local(inventory, "SG")} == {"Singapore"}


def test_the_locality_is_what_the_geocoder_says(inventory: Inventory) -> None:
    from phonenumbers import geocoder  # loads all of the geocoder data: only here

    sample = [n for n in inventory if n.number_type is NumberType.LOCAL and n.locality][::7]
    assert len(sample) > 1000
    for number in sample:
        description = geocoder.description_for_number(
            phonenumbers.parse(number.number_string), "en"
        )
        place = split_description(description)
        assert (place.locality, place.administrative_area) == (
            number.locality,
            number.administrative_area,
        ), number.number_string


# --- capabilities and prices ---------------------------------------------------------------


def test_capabilities_vary_within_each_type(inventory: Inventory) -> None:
    for number_type in NumberType:
        kinds = {n.capabilities for n in inventory if n.number_type is number_type}
        assert len(kinds) > 1, number_type
    assert len({n.capabilities for n in _local(inventory, "DE")}) > 1


def test_capabilities_follow_the_type(inventory: Inventory) -> None:
    for number in inventory:
        capabilities = number.capabilities
        assert capabilities.voice_inbound or capabilities.sms_inbound, number
        if number.number_type is NumberType.TOLL_FREE:
            assert not capabilities.mms_inbound, number
            assert not capabilities.mms_outbound, number
            assert capabilities.voice_inbound, number
    for number in _local(inventory, "US"):
        capabilities = number.capabilities
        assert capabilities.sms_outbound, number
        assert capabilities.mms_inbound, number
    whatsapp = Counter(
        n.capabilities.whatsapp for n in inventory if n.number_type.value == "mobile"
    )
    assert 0.2 < whatsapp[True] / whatsapp.total() < 0.4


def test_prices_are_one_per_country_and_type(
    by_country_and_type: dict[tuple[str, NumberType], Inventory],
) -> None:
    seed_data = default_seed_data()
    for (country, number_type), numbers in by_country_and_type.items():
        prices = {number.monthly_price for number in numbers}
        assert len(prices) == 1, (country, number_type)
        (price,) = prices
        assert isinstance(price.amount, int)
        assert price.amount > 0
        assert price.exponent == -2
        assert price.currency_code == seed_data.countries[country].currency
        assert price.amount == seed_data.countries[country].prices[number_type]
    gb_local = by_country_and_type["GB", NumberType.LOCAL][0].monthly_price
    assert (gb_local.currency_code, gb_local.amount) == ("GBP", 99)


# --- determinism ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_inventory(inventory: Inventory) -> None:
    again = list(itertools.islice(generate_inventory(SEED), 5000))
    assert again == inventory[:5000]  # numbers, ids, order, everything


def test_a_different_seed_gives_a_different_inventory(inventory: Inventory) -> None:
    other = list(generate_inventory(SEED + 1, 5000))
    ours = {number.number_string for number in inventory}
    assert len(ours & {number.number_string for number in other}) < 50
    assert not {number.id for number in inventory} & {number.id for number in other}


def test_each_country_and_type_has_its_own_random_stream() -> None:
    """A smaller inventory holds the first numbers of each stream of a larger one: a country's
    stock does not move when counts elsewhere change."""
    small = list(generate_inventory(SEED, 3000))
    large = list(generate_inventory(SEED, 9000))
    for key, numbers in _grouped(small).items():
        assert numbers == _grouped(large)[key][: len(numbers)], key


def test_a_countrys_stock_does_not_depend_on_the_other_countries() -> None:
    seed_data = default_seed_data()
    fewer = dataclasses.replace(
        seed_data, countries={k: v for k, v in seed_data.countries.items() if k != "FR"}
    )
    for country, number_type in [("DE", NumberType.LOCAL), ("US", NumberType.MOBILE)]:
        ours = generate_numbers(
            country, number_type, 30, rng=random.Random(f"{SEED}:{country}:{number_type.value}")
        )
        theirs = generate_numbers(
            country,
            number_type,
            30,
            rng=random.Random(f"{SEED}:{country}:{number_type.value}"),
            seed_data=fewer,
        )
        assert ours == theirs


def test_the_inventory_streams_are_what_generate_numbers_draws(
    by_country_and_type: dict[tuple[str, NumberType], Inventory],
) -> None:
    numbers = by_country_and_type["DE", NumberType.LOCAL]
    rng = random.Random(f"{SEED}:DE:local")
    assert generate_numbers("DE", NumberType.LOCAL, len(numbers), rng=rng) == numbers


def test_generation_does_not_use_the_global_random_state() -> None:
    random.seed(1)
    first = list(generate_inventory(SEED, 300))
    random.seed(2)
    assert list(generate_inventory(SEED, 300)) == first


def _grouped(numbers: Inventory) -> dict[tuple[str, NumberType], Inventory]:
    grouped: dict[tuple[str, NumberType], Inventory] = defaultdict(list)
    for number in numbers:
        grouped[number.country_code, number.number_type].append(number)
    return grouped


# --- generate_numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "number_type", "area_code", "locality"),
    [
        ("US", NumberType.LOCAL, "415", "San Francisco"),
        ("US", NumberType.MOBILE, "415", None),
        ("US", NumberType.TOLL_FREE, "888", None),
        ("GB", NumberType.LOCAL, "20", "London"),
        ("IT", NumberType.LOCAL, "06", "Rome"),
        ("DE", NumberType.LOCAL, "89", "Munich"),
        ("CA", NumberType.TOLL_FREE, "800", None),
        ("AU", NumberType.LOCAL, "3", None),
    ],
)
def test_generate_numbers_in_an_area_code(
    country: str, number_type: NumberType, area_code: str, locality: str | None
) -> None:
    numbers = generate_numbers(country, number_type, 40, rng=random.Random(1), area_code=area_code)
    assert len(numbers) == 40
    calling_code = phonenumbers.country_code_for_region(country)
    for number in numbers:
        assert number.national_number.startswith(area_code)
        assert number.number_string.startswith(f"+{calling_code}{area_code}")
        parsed = phonenumbers.parse(number.number_string)
        assert phonenumbers.is_valid_number_for_region(parsed, country)
        assert phonenumbers.number_type(parsed) in ACCEPTED_TYPES[number_type]
    if locality is not None:
        assert locality in {number.locality for number in numbers}


def test_every_listed_area_code_has_local_stock() -> None:
    seed_data = default_seed_data()
    for country in seed_data.countries.values():
        for area_code in country.area_code_weights:
            (number,) = generate_numbers(
                country.code, NumberType.LOCAL, 1, rng=random.Random(0), area_code=area_code
            )
            assert number.locality, (country.code, area_code)


def test_generate_numbers_avoids_excluded_numbers() -> None:
    first = generate_numbers("NL", NumberType.LOCAL, 50, rng=random.Random(5), area_code="20")
    taken = {number.number_string for number in first}
    again = generate_numbers(
        "NL", NumberType.LOCAL, 50, rng=random.Random(5), area_code="20", exclude=taken
    )
    assert not taken & {number.number_string for number in again}


def test_generate_numbers_reports_a_nearly_exhausted_range() -> None:
    # Greece's UANs: 5005 000 000 to 5005 000 999, of which more than half are taken.
    taken = {f"+30500500{n:04d}" for n in range(10_000)}
    with pytest.raises(ValueError, match=r"free numbers|holds at most"):
        generate_numbers("GR", NumberType.NATIONAL, 900, rng=random.Random(0), exclude=taken)


@pytest.mark.parametrize(
    ("country", "number_type", "area_code", "message"),
    [
        ("US", NumberType.LOCAL, "999", "no US local numbers in area code 999"),
        ("US", NumberType.LOCAL, "1", "no US local numbers in area code 1"),
        ("GB", NumberType.MOBILE, "20", "no GB mobile numbers in area code 20"),
        ("US", NumberType.LOCAL, "4l5", "area code must be national digits"),
        ("US", NumberType.NATIONAL, None, "US's numbering plan has no national numbers"),
        ("XX", NumberType.LOCAL, None, "unknown country 'XX'"),
    ],
)
def test_generate_numbers_rejects_what_does_not_exist(
    country: str, number_type: NumberType, area_code: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        generate_numbers(country, number_type, 1, rng=random.Random(0), area_code=area_code)


def test_generate_numbers_rejects_a_negative_count() -> None:
    with pytest.raises(ValueError, match="negative"):
        generate_numbers("US", NumberType.LOCAL, -1, rng=random.Random(0))
    assert generate_numbers("US", NumberType.LOCAL, 0, rng=random.Random(0)) == []


def test_a_custom_seed_data_is_used(inventory: Inventory) -> None:
    seed_data: SeedData = default_seed_data()
    only_two = dataclasses.replace(
        seed_data, countries={code: seed_data.countries[code] for code in ("NL", "SG")}
    )
    numbers = list(generate_inventory(SEED, 400, only_two))
    assert {number.country_code for number in numbers} == {"NL", "SG"}
    assert supported_countries(only_two) == ["NL", "SG"]


_FRESH_PROCESS_SCRIPT = """
import hashlib, sys
from app.generator.inventory import generate_inventory
digest = hashlib.sha256()
for number in generate_inventory(7, 2000):
    digest.update(repr(number).encode())
print(digest.hexdigest(), "phonenumbers.geodata" in sys.modules)
"""


@pytest.fixture(scope="module")
def fresh_processes() -> list[tuple[str, str]]:
    """(digest of a small inventory, whether phonenumbers.geodata got imported) from two
    processes with different string hash seeds."""
    runs = []
    for hash_seed in ("1", "2"):
        completed = subprocess.run(
            [sys.executable, "-c", _FRESH_PROCESS_SCRIPT],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        digest, imported = completed.stdout.split()
        runs.append((digest, imported))
    return runs


def test_the_inventory_does_not_depend_on_string_hashing(
    fresh_processes: list[tuple[str, str]],
) -> None:
    assert fresh_processes[0][0] == fresh_processes[1][0]


def test_the_geocoder_package_is_not_imported(fresh_processes: list[tuple[str, str]]) -> None:
    """Only the chunks of geocoder data it needs are read, not phonenumbers.geodata's ~100 MB."""
    assert [imported for _, imported in fresh_processes] == ["False", "False"]
