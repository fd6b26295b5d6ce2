"""The deterministic inventory generator: numbers from libphonenumber's own metadata.

``generate_inventory(seed)`` yields the default inventory: ``total`` numbers split across the
seed data's countries by weight, then across each country's number types (largest remainder,
so the counts add up exactly), in order of country code, then type (local, national, mobile,
toll-free), then generation order. Each (seed, country, type) draws from its own
``random.Random`` stream, seeded with a string (deterministic across processes, unlike
``hash()``), so one country's stock does not move when another's changes.

``generate_numbers`` draws new numbers of one country and type, optionally in one area code,
e.g. for a control API adding stock at runtime.

How numbers are drawn, and which libphonenumber types our types map to, is in
``numbering_plan``; the inputs (countries, prices, capabilities, area codes) are in
``seed_data``.
"""

from __future__ import annotations

import bisect
import dataclasses
import itertools
import random
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

import phonenumbers

from app.generator.geocoding import Place, geographic_areas
from app.generator.numbering_plan import (
    AreaWeights,
    NumberPool,
    geographic_pool,
    plain_pool,
    type_plan,
)
from app.generator.records import Capabilities, GeneratedNumber, MonthlyPrice, NumberType
from app.generator.seed_data import (
    SeedData,
    SeedDataError,
    default_seed_data,
    load_seed_data,
)

__all__ = [
    "SeedData",
    "SeedDataError",
    "generate_inventory",
    "generate_numbers",
    "inventory_counts",
    "load_seed_data",
    "supported_countries",
]

# Draw at most this share of a pool, so that finding an unused number stays cheap.
_MAX_POOL_SHARE = Fraction(1, 2)


def supported_countries(seed_data: SeedData | None = None) -> list[str]:
    """The country codes of the inventory, sorted."""
    return list(_resolve(seed_data).countries)


def generate_inventory(
    seed: int, total: int | None = None, seed_data: SeedData | None = None
) -> Iterator[GeneratedNumber]:
    """The whole default inventory, lazily, in a deterministic order (country, then type,
    then generation order)."""
    data = _resolve(seed_data)
    counts = inventory_counts(data.default_total if total is None else total, data)
    # Countries sharing a calling code can share numbers (NANP toll-free is valid in US, CA
    # and PR), so uniqueness is tracked per calling code, and forgotten after its last use.
    last_use = {_calling_code(country): index for index, (country, _, _) in enumerate(counts)}
    taken: dict[int, set[str]] = {}
    for index, (country, number_type, count) in enumerate(counts):
        calling_code = _calling_code(country)
        taken_here = taken.setdefault(calling_code, set())
        rng = random.Random(f"{seed}:{country}:{number_type.value}")
        numbers = generate_numbers(
            country, number_type, count, rng=rng, exclude=taken_here, seed_data=data
        )
        taken_here.update(number.number_string for number in numbers)
        if last_use[calling_code] == index:
            del taken[calling_code]
        yield from numbers


def generate_numbers(
    country_code: str,
    number_type: NumberType,
    count: int,
    *,
    rng: random.Random,
    area_code: str | None = None,
    exclude: Collection[str] = (),
    seed_data: SeedData | None = None,
) -> list[GeneratedNumber]:
    """``count`` new valid numbers of one country and type (e.g. for a control API that adds
    stock at runtime).

    ``area_code`` (national digits, e.g. "415", "20") restricts to national numbers starting
    with it. ``exclude`` holds E.164 strings already taken (pass a set: it is probed once per
    candidate). Raises ValueError when the country, type or area code has no numbers, or not
    enough free ones.
    """
    data = _resolve(seed_data)
    number_type = NumberType(number_type)  # also accepts "toll-free"
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    pool = _pool_for(data, country_code, number_type, area_code)
    if count == 0:
        return []
    if count > pool.capacity:
        raise ValueError(
            f"{_describe(country_code, number_type, area_code)} holds at most "
            f"{pool.capacity} numbers; {count} requested"
        )
    offer = _offer(data, country_code, number_type)
    calling_code = f"+{pool.plan.calling_code}"
    drawn: set[str] = set()
    numbers: list[GeneratedNumber] = []
    for _ in range(_attempt_budget(count)):
        candidate = pool.draw(rng)
        if candidate is None:
            continue
        national_number, place = candidate
        e164 = calling_code + national_number
        if e164 in drawn or e164 in exclude:
            continue
        drawn.add(e164)
        capabilities = offer.capabilities(rng)
        numbers.append(
            GeneratedNumber(
                id=uuid.UUID(int=rng.getrandbits(128), version=4),
                country_code=country_code,
                number_type=number_type,
                number_string=e164,
                national_number=national_number,
                locality=None if place is None else place.locality,
                administrative_area=None if place is None else place.administrative_area,
                capabilities=capabilities,
                monthly_price=offer.price,
            )
        )
        if len(numbers) == count:
            return numbers
    raise ValueError(
        f"found only {len(numbers)} of {count} free numbers in "
        f"{_describe(country_code, number_type, area_code)}: nearly all are taken"
    )


def draw_capabilities(
    country_code: str,
    number_type: NumberType,
    rng: random.Random,
    seed_data: SeedData | None = None,
) -> Capabilities:
    """What a number of this country and type can do, drawn like the seed draws it."""
    return _offer(_resolve(seed_data), country_code, NumberType(number_type)).capabilities(rng)


def monthly_price(
    country_code: str, number_type: NumberType, seed_data: SeedData | None = None
) -> MonthlyPrice:
    """The seed data's price; KeyError for a country the seed data does not list."""
    return _resolve(seed_data).monthly_price(country_code, NumberType(number_type))


def inventory_counts(
    total: int, seed_data: SeedData | None = None
) -> list[tuple[str, NumberType, int]]:
    """How many numbers of each country and type an inventory of ``total`` holds, in
    generation order; types a country lacks are left out, zero counts kept."""
    if total < 0:
        raise ValueError(f"total must not be negative, got {total}")
    data = _resolve(seed_data)
    codes = list(data.countries)
    per_country = largest_remainder(total, [data.countries[code].weight for code in codes])
    counts = []
    for code, country_total in zip(codes, per_country, strict=True):
        types = [
            number_type for number_type in NumberType if _pool(data, code, number_type) is not None
        ]
        per_type = _split_over_types(data, code, types, country_total)
        counts += [(code, number_type, n) for number_type, n in zip(types, per_type, strict=True)]
    return counts


def largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole numbers adding up to ``total``.

    Each part gets the floor of its exact quota; the leftover units go to the largest
    fractional remainders, earlier parts first on ties. Exact (rational) arithmetic keeps it
    deterministic.
    """
    exact = [Fraction(weight) for weight in weights]
    weight_sum = sum(exact)
    if total and weight_sum <= 0:
        raise ValueError("cannot split a positive total over zero weights")
    if not total:
        return [0] * len(exact)
    quotas = [total * weight / weight_sum for weight in exact]
    parts = [int(quota) for quota in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: (parts[i] - quotas[i], i))
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


# --- internals -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Offer:
    """What every number of one country and type costs and can do."""

    price: MonthlyPrice
    cumulative_weights: tuple[float, ...]  # of the capability patterns
    without_whatsapp: tuple[Capabilities, ...]  # per pattern
    with_whatsapp: tuple[Capabilities, ...]
    whatsapp: float

    def capabilities(self, rng: random.Random) -> Capabilities:
        """One pattern by weight, and WhatsApp or not; always two draws from ``rng``."""
        weights = self.cumulative_weights
        index = min(bisect.bisect_right(weights, rng.random() * weights[-1]), len(weights) - 1)
        has_whatsapp = rng.random() < self.whatsapp
        return (self.with_whatsapp if has_whatsapp else self.without_whatsapp)[index]


def _resolve(seed_data: SeedData | None) -> SeedData:
    return default_seed_data() if seed_data is None else seed_data


def _calling_code(country_code: str) -> int:
    return phonenumbers.country_code_for_region(country_code)


def _describe(country_code: str, number_type: NumberType, area_code: str | None) -> str:
    where = f" in area code {area_code}" if area_code is not None else ""
    return f"{country_code} {number_type.value} numbers{where}"


def _attempt_budget(count: int) -> int:
    # Pools are at most half used and most candidates are safe, so this is only hit when
    # ``exclude`` covers nearly all of a small area code.
    return 1_000 + 50 * count


def _pool_for(
    data: SeedData, country_code: str, number_type: NumberType, area_code: str | None
) -> NumberPool:
    if country_code not in data.countries:
        raise ValueError(
            f"unknown country {country_code!r}; supported: {', '.join(data.countries)}"
        )
    pool = _pool(data, country_code, number_type)
    if pool is None:
        raise ValueError(f"{country_code}'s numbering plan has no {number_type.value} numbers")
    if area_code is None:
        return pool
    if not area_code.isascii() or not area_code.isdigit():
        raise ValueError(f"area code must be national digits, e.g. '415', got {area_code!r}")
    restricted = _restricted_pool(data, country_code, number_type, area_code)
    if restricted is None:
        raise ValueError(f"there are no {_describe(country_code, number_type, area_code)}")
    return restricted


@lru_cache(maxsize=1024)
def _pool(data: SeedData, country_code: str, number_type: NumberType) -> NumberPool | None:
    """The numbers of one country and type, or None if its numbering plan has none."""
    plan = type_plan(country_code, number_type)
    if plan is None:
        return None
    country = data.countries[country_code]
    pool = None
    if number_type is NumberType.LOCAL:
        areas = geographic_areas(_calling_codes(data))[plan.calling_code]
        weights = AreaWeights(country.area_code_weights, country.unlisted_share)
        pool = geographic_pool(plan, areas, weights)
        if not pool:  # the geocoder has no areas in this region: plain fixed-line numbers
            place = None if country.locality is None else Place(country.locality, None)
            pool = plain_pool(plan, place)
    else:
        pool = plain_pool(plan)
    return pool if pool else None


@lru_cache(maxsize=256)
def _restricted_pool(
    data: SeedData, country_code: str, number_type: NumberType, area_code: str
) -> NumberPool | None:
    pool = _pool(data, country_code, number_type)
    restricted = pool.restricted_to(area_code) if pool is not None else None
    return restricted if restricted else None


@lru_cache(maxsize=4)
def _calling_codes(data: SeedData) -> frozenset[int]:
    return frozenset(_calling_code(code) for code in data.countries)


@lru_cache(maxsize=1024)
def _offer(data: SeedData, country_code: str, number_type: NumberType) -> _Offer:
    profile = data.capability_profile(country_code, number_type)
    without = tuple(
        Capabilities(**_flags(pattern.capabilities), whatsapp=False) for pattern in profile.patterns
    )
    return _Offer(
        price=data.monthly_price(country_code, number_type),
        cumulative_weights=tuple(itertools.accumulate(p.weight for p in profile.patterns)),
        without_whatsapp=without,
        with_whatsapp=tuple(dataclasses.replace(c, whatsapp=True) for c in without),
        whatsapp=profile.whatsapp,
    )


def _flags(capabilities: Collection[str]) -> Mapping[str, bool]:
    names = [f.name for f in dataclasses.fields(Capabilities) if f.name != "whatsapp"]
    return {name: name in capabilities for name in names}


def _split_over_types(
    data: SeedData, country_code: str, types: Sequence[NumberType], count: int
) -> list[int]:
    """``count`` split over ``types`` by type weight; what a small pool (a few thousand UANs)
    cannot hold goes to the country's other types."""
    weights = [data.type_weights[number_type] for number_type in types]
    caps = []
    for number_type in types:
        pool = _pool(data, country_code, number_type)
        assert pool is not None
        caps.append(int(pool.capacity * _MAX_POOL_SHARE))
    parts = [0] * len(types)
    open_types = [i for i in range(len(types)) if weights[i] > 0 and caps[i] > 0]
    remaining = count
    while remaining and open_types:
        shares = largest_remainder(remaining, [weights[i] for i in open_types])
        remaining = 0
        for i, share in zip(open_types, shares, strict=True):
            taken = min(share, caps[i] - parts[i])
            parts[i] += taken
            remaining += share - taken
        open_types = [i for i in open_types if parts[i] < caps[i]]
    if remaining:
        raise ValueError(f"{country_code} cannot hold {count} numbers")
    return parts
