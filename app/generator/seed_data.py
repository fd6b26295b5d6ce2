"""The generator's declarative inputs: ``seed_data/*.toml``, loaded and validated.

* ``countries.toml``: which countries, their share of the default inventory, the default total
  and how a country's share splits over number types; Bird's back-order share per country.
* ``prices.toml``: monthly prices per country and number type.
* ``capabilities.toml``: capability patterns per number type, with per-country overrides.
* ``area_codes.toml``: area-code weights for local stock.

Each file is validated on its own (pydantic), then against the others; any problem raises
``SeedDataError`` naming the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import phonenumbers
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

from app.generator.records import Capabilities, MonthlyPrice, NumberType
from app.resources import resource_dir

COUNTRIES_FILE = "countries.toml"
PRICES_FILE = "prices.toml"
CAPABILITIES_FILE = "capabilities.toml"
AREA_CODES_FILE = "area_codes.toml"

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
AreaCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,8}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False)]
PositiveWeight = Annotated[float, Field(gt=0, allow_inf_nan=False)]
Probability = Annotated[float, Field(ge=0, le=1)]
Amount = Annotated[StrictInt, Field(ge=0)]

CapabilityName = Literal[
    "voice",
    "sms",
    "mms",
    "voice_inbound",
    "voice_outbound",
    "sms_inbound",
    "sms_outbound",
    "mms_inbound",
    "mms_outbound",
]
_DIRECTIONAL = frozenset(field.name for field in fields(Capabilities)) - {"whatsapp"}


class SeedDataError(ValueError):
    """A seed data file is missing, malformed or inconsistent with the others."""


@dataclass(frozen=True, slots=True)
class CapabilityPattern:
    weight: float
    capabilities: frozenset[str]  # Capabilities field names, whatsapp aside


@dataclass(frozen=True, slots=True)
class CapabilityProfile:
    """Numbers draw one pattern by weight, and WhatsApp with probability ``whatsapp``."""

    patterns: tuple[CapabilityPattern, ...]
    whatsapp: float


@dataclass(frozen=True, slots=True)
class CountrySeed:
    code: str  # ISO 3166-1 alpha-2
    name: str
    weight: float
    currency: str
    prices: Mapping[NumberType, int]  # amount in units of 10**price_exponent
    locality: str | None  # for local numbers where the geocoder has no areas
    area_code_weights: Mapping[str, float]
    unlisted_share: float
    # Bird: the share of the country's stock items that need a back order
    # (app.providers.bird.back_order decides which, from each number's id).
    back_order_share: float = 0.0


@dataclass(frozen=True, eq=False)  # hashed by identity: generator caches are keyed on it
class SeedData:
    directory: Path
    default_total: int
    type_weights: Mapping[NumberType, float]
    countries: Mapping[str, CountrySeed]  # sorted by code
    price_exponent: int
    usd_per_unit: Mapping[str, float]  # US dollars per unit of each currency
    capabilities: Mapping[NumberType, CapabilityProfile]
    capability_overrides: Mapping[tuple[str, NumberType], CapabilityProfile]

    def capability_profile(self, country_code: str, number_type: NumberType) -> CapabilityProfile:
        return self.capability_overrides.get(
            (country_code, number_type), self.capabilities[number_type]
        )

    def usd_amount(self, price: MonthlyPrice) -> float:
        """The price in US dollars, rounded to cents (KeyError: a currency without a rate)."""
        rate = self.usd_per_unit[price.currency_code]
        return max(round(price.amount * 10.0**price.exponent * rate, 2), 0.01)

    def monthly_price(self, country_code: str, number_type: NumberType) -> MonthlyPrice:
        country = self.countries[country_code]
        amount = country.prices.get(number_type)
        if amount is None:
            raise SeedDataError(
                f"{self.directory / PRICES_FILE}: {country_code}.{number_type.value}: "
                f"missing, but {country_code} has {number_type.value} numbers"
            )
        return MonthlyPrice(country.currency, amount, self.price_exponent)


def load_seed_data(directory: Path | None = None) -> SeedData:
    """Read and validate the seed data in ``directory`` (default: the bundled seed_data)."""
    directory = resource_dir("seed_data") if directory is None else directory
    countries = _parse(directory / COUNTRIES_FILE, _CountriesFile)
    prices = _parse_prices(directory / PRICES_FILE)
    capabilities = _parse(directory / CAPABILITIES_FILE, _CapabilitiesFile)
    area_codes = _parse_area_codes(directory / AREA_CODES_FILE)
    _check_countries(directory, countries, prices, capabilities, area_codes)
    return SeedData(
        directory=directory,
        default_total=countries.default_total,
        type_weights=countries.type_weights,
        countries={
            code: _country_seed(code, entry, prices.countries[code], area_codes)
            for code, entry in sorted(countries.countries.items())
        },
        price_exponent=prices.exponent,
        usd_per_unit=dict(prices.usd_per_unit),
        capabilities={
            number_type: _profile(profile.patterns, profile.whatsapp)
            for number_type, profile in capabilities.types.items()
        },
        capability_overrides={
            (code, number_type): _profile(
                override.patterns or capabilities.types[number_type].patterns,
                capabilities.types[number_type].whatsapp
                if override.whatsapp is None
                else override.whatsapp,
            )
            for code, per_type in capabilities.overrides.items()
            for number_type, override in per_type.items()
        },
    )


@lru_cache(maxsize=1)
def default_seed_data() -> SeedData:
    """The bundled seed data, loaded once per process."""
    return load_seed_data()


# --- file models -------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Country(_Model):
    name: Annotated[str, StringConstraints(min_length=1)]
    weight: Weight
    locality: Annotated[str, StringConstraints(min_length=1)] | None = None
    back_order_share: Probability = 0.0


class _CountriesFile(_Model):
    default_total: Annotated[StrictInt, Field(gt=0)]
    type_weights: dict[NumberType, Weight]
    countries: dict[CountryCode, _Country] = Field(min_length=1)


class _Prices(_Model):
    model_config = ConfigDict(populate_by_name=True)

    currency: CurrencyCode
    local: Amount | None = None
    national: Amount | None = None
    mobile: Amount | None = None
    toll_free: Amount | None = Field(default=None, alias="toll-free")

    def by_type(self) -> dict[NumberType, int]:
        amounts = {
            NumberType.LOCAL: self.local,
            NumberType.NATIONAL: self.national,
            NumberType.MOBILE: self.mobile,
            NumberType.TOLL_FREE: self.toll_free,
        }
        return {
            number_type: amount for number_type, amount in amounts.items() if amount is not None
        }


class _PricesFile(_Model):
    exponent: StrictInt
    usd_per_unit: dict[CurrencyCode, Annotated[float, Field(gt=0)]]
    countries: dict[CountryCode, _Prices]


class _Pattern(_Model):
    weight: PositiveWeight
    capabilities: list[CapabilityName] = Field(min_length=1)


class _TypeCapabilities(_Model):
    whatsapp: Probability
    patterns: list[_Pattern] = Field(min_length=1)


class _TypeOverride(_Model):
    whatsapp: Probability | None = None
    patterns: list[_Pattern] | None = Field(default=None, min_length=1)


class _CapabilitiesFile(_Model):
    types: dict[NumberType, _TypeCapabilities]
    overrides: dict[CountryCode, dict[NumberType, _TypeOverride]] = {}


class _AreaCodes(_Model):
    unlisted_share: Probability | None = None
    weights: dict[AreaCode, Weight]


class _AreaCodesFile(_Model):
    unlisted_share: Probability
    countries: dict[CountryCode, _AreaCodes]


# --- parsing -----------------------------------------------------------------------------

_M = TypeVar("_M", bound=BaseModel)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise SeedDataError(f"{path}: missing") from None
    except tomllib.TOMLDecodeError as error:
        raise SeedDataError(f"{path}: invalid TOML: {error}") from None


def _validate(path: Path, model: type[_M], data: object, synthetic: Collection[str] = ()) -> _M:
    """``synthetic``: levels the parser added to the file's structure, left out of messages."""
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as error:
        first = error.errors()[0]
        parts = [str(part) for part in first["loc"] if part not in synthetic]
        location = ".".join(parts) or "(top level)"
        more = f" (and {error.error_count() - 1} more problems)" if error.error_count() > 1 else ""
        raise SeedDataError(f"{path}: {location}: {first['msg']}{more}") from None


def _parse(path: Path, model: type[_M]) -> _M:
    return _validate(path, model, _read_toml(path))


def _parse_prices(path: Path) -> _PricesFile:
    """Top level: ``exponent`` and one table per country."""
    data = _read_toml(path)
    exponent = data.pop("exponent", None)
    usd_per_unit = data.pop("usd_per_unit", None)
    return _validate(
        path,
        _PricesFile,
        {"exponent": exponent, "usd_per_unit": usd_per_unit, "countries": data},
        synthetic=["countries"],
    )


def _parse_area_codes(path: Path) -> _AreaCodesFile:
    """Top level: ``unlisted_share`` and one table of area code weights per country."""
    data = _read_toml(path)
    unlisted_share = data.pop("unlisted_share", None)
    countries = {
        code: (
            {"unlisted_share": table.pop("unlisted_share", None), "weights": table}
            if isinstance(table, dict)
            else table
        )
        for code, table in data.items()
    }
    return _validate(
        path,
        _AreaCodesFile,
        {"unlisted_share": unlisted_share, "countries": countries},
        synthetic=["countries", "weights"],
    )


def _check_countries(
    directory: Path,
    countries: _CountriesFile,
    prices: _PricesFile,
    capabilities: _CapabilitiesFile,
    area_codes: _AreaCodesFile,
) -> None:
    """Cross-file consistency: every country known to libphonenumber, priced, and only
    countries of countries.toml referred to elsewhere."""
    known = set(countries.countries)
    for code in sorted(known):
        if code not in phonenumbers.SUPPORTED_REGIONS:
            raise SeedDataError(
                f"{directory / COUNTRIES_FILE}: countries.{code}: not a region libphonenumber knows"
            )
        if code not in prices.countries:
            raise SeedDataError(f"{directory / PRICES_FILE}: {code}: missing prices")
        currency = prices.countries[code].currency
        if currency not in prices.usd_per_unit:
            raise SeedDataError(
                f"{directory / PRICES_FILE}: usd_per_unit.{currency}: missing, but {code} is "
                f"priced in {currency}"
            )
    if sum(countries.countries[code].weight for code in known) <= 0:
        raise SeedDataError(f"{directory / COUNTRIES_FILE}: countries: all weights are 0")
    missing_types = sorted(set(NumberType) - set(countries.type_weights))
    if missing_types:
        raise SeedDataError(
            f"{directory / COUNTRIES_FILE}: type_weights.{missing_types[0]}: missing"
        )
    missing_types = sorted(set(NumberType) - set(capabilities.types))
    if missing_types:
        raise SeedDataError(f"{directory / CAPABILITIES_FILE}: types.{missing_types[0]}: missing")
    for file, key_prefix, codes in (
        (PRICES_FILE, "", prices.countries),
        (CAPABILITIES_FILE, "overrides.", capabilities.overrides),
        (AREA_CODES_FILE, "", area_codes.countries),
    ):
        for code in sorted(set(codes) - known):
            raise SeedDataError(
                f"{directory / file}: {key_prefix}{code}: not a country of {COUNTRIES_FILE}"
            )


def _country_seed(
    code: str, country: _Country, prices: _Prices, area_codes: _AreaCodesFile
) -> CountrySeed:
    table = area_codes.countries.get(code)
    unlisted_share = area_codes.unlisted_share
    if table is not None and table.unlisted_share is not None:
        unlisted_share = table.unlisted_share
    return CountrySeed(
        code=code,
        name=country.name,
        weight=country.weight,
        currency=prices.currency,
        prices=prices.by_type(),
        locality=country.locality,
        area_code_weights=dict(table.weights) if table is not None else {},
        unlisted_share=unlisted_share,
        back_order_share=country.back_order_share,
    )


def _profile(patterns: list[_Pattern], whatsapp: float) -> CapabilityProfile:
    return CapabilityProfile(
        patterns=tuple(
            CapabilityPattern(pattern.weight, _directional(pattern.capabilities))
            for pattern in patterns
        ),
        whatsapp=whatsapp,
    )


def _directional(names: list[CapabilityName]) -> frozenset[str]:
    """``voice`` -> ``voice_inbound`` and ``voice_outbound``; the directional names as is."""
    expanded: set[str] = set()
    for name in names:
        expanded |= {name} if name in _DIRECTIONAL else {f"{name}_inbound", f"{name}_outbound"}
    return frozenset(expanded)
