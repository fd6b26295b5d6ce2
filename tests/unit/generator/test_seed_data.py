"""The seed data files: the bundled ones are complete and sane; broken ones are named."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from app.generator.records import NumberType
from app.generator.seed_data import SeedData, SeedDataError, load_seed_data
from app.resources import resource_dir
from tests.helpers import REQUIRED_COUNTRIES

EURO_AREA = [
    "AT",
    "BE",
    "BG",
    "CY",
    "DE",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PT",
    "SI",
    "SK",
]
# Currencies without a minor unit in practice: their prices are whole units.
WHOLE_UNIT_CURRENCIES = {"JPY", "KRW", "ISK", "CLP", "VND"}


@pytest.fixture(scope="module")
def seed_data() -> SeedData:
    return load_seed_data()


def test_the_bundled_seed_data_covers_at_least_60_countries(seed_data: SeedData) -> None:
    assert len(seed_data.countries) >= 60
    assert set(REQUIRED_COUNTRIES) <= set(seed_data.countries)
    assert list(seed_data.countries) == sorted(seed_data.countries)


def test_the_default_total_is_tens_of_thousands(seed_data: SeedData) -> None:
    assert 30_000 <= seed_data.default_total <= 60_000
    assert set(seed_data.type_weights) == set(NumberType)


def test_prices_are_integer_minor_units_in_the_local_currency(seed_data: SeedData) -> None:
    assert seed_data.price_exponent == -2
    for code, country in seed_data.countries.items():
        assert re.fullmatch(r"[A-Z]{3}", country.currency), code
        if code in EURO_AREA:
            assert country.currency == "EUR", code
        for number_type, amount in country.prices.items():
            assert isinstance(amount, int), (code, number_type)
            assert amount > 0, (code, number_type)
            if country.currency in WHOLE_UNIT_CURRENCIES:
                assert amount % 100 == 0, (code, number_type)
    assert seed_data.countries["US"].currency == "USD"
    assert seed_data.countries["GB"].currency == "GBP"
    assert seed_data.countries["JP"].currency == "JPY"


def test_capability_overrides_replace_a_countrys_patterns(seed_data: SeedData) -> None:
    us_local = seed_data.capability_profile("US", NumberType.LOCAL)
    assert [pattern.capabilities for pattern in us_local.patterns] == [
        frozenset(
            {
                "voice_inbound",
                "voice_outbound",
                "sms_inbound",
                "sms_outbound",
                "mms_inbound",
                "mms_outbound",
            }
        )
    ]
    de_local = seed_data.capability_profile("DE", NumberType.LOCAL)
    assert de_local == seed_data.capabilities[NumberType.LOCAL]
    assert len(de_local.patterns) > 1
    toll_free = seed_data.capabilities[NumberType.TOLL_FREE]
    assert all(
        not {"mms_inbound", "mms_outbound"} & pattern.capabilities for pattern in toll_free.patterns
    )


def test_area_code_weights_are_per_country(seed_data: SeedData) -> None:
    assert seed_data.countries["US"].area_code_weights["415"] > 0
    assert seed_data.countries["GB"].area_code_weights["20"] > 0
    assert seed_data.countries["IT"].area_code_weights["06"] > 0  # Italy keeps its leading 0
    assert 0 < seed_data.countries["US"].unlisted_share < 1


def test_a_missing_price_is_reported_when_asked_for(seed_data: SeedData, tmp_path: Path) -> None:
    directory = _copy_of_seed_data(tmp_path)
    _edit(
        directory / "prices.toml",
        'US = { currency = "USD", local = 115, ',
        'US = { currency = "USD", ',
    )
    broken = load_seed_data(directory)
    with pytest.raises(SeedDataError, match=r"prices\.toml: US\.local: missing"):
        broken.monthly_price("US", NumberType.LOCAL)
    assert broken.monthly_price("US", NumberType.MOBILE).amount == 115


# --- broken files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        pytest.param(
            "countries.toml",
            "[type_weights]",
            "[type_weights",
            r"countries\.toml: invalid TOML",
            id="syntax",
        ),
        pytest.param(
            "countries.toml",
            'US = { name = "United States", weight = 120 }',
            'US = { name = "United States", weight = "heavy" }',
            r"countries\.toml: countries\.US\.weight: ",
            id="wrong-type",
        ),
        pytest.param(
            "countries.toml",
            'US = { name = "United States", weight = 120 }',
            'US = { name = "United States", weight = -1 }',
            r"countries\.toml: countries\.US\.weight: ",
            id="negative-weight",
        ),
        pytest.param(
            "countries.toml",
            'NL = { name = "Netherlands", weight = 40 }',
            'NL = { name = "Netherlands", weight = 40, capital = "Amsterdam" }',
            r"countries\.toml: countries\.NL\.capital: ",
            id="unknown-key",
        ),
        pytest.param(
            "countries.toml",
            'UY = { name = "Uruguay", weight = 6 }',
            'UY = { name = "Uruguay", weight = 6 }\nQQ = { name = "Nowhere", weight = 1 }',
            r"countries\.toml: countries\.QQ: not a region libphonenumber knows",
            id="unknown-region",
        ),
        pytest.param(
            "prices.toml",
            'DE = { currency = "EUR", local = 140,',
            'DE = { currency = "EUR", local = 1.4,',
            r"prices\.toml: DE\.local: ",
            id="fractional-amount",
        ),
        pytest.param(
            "prices.toml",
            'DE = { currency = "EUR"',
            'DE = { currency = "euro"',
            r"prices\.toml: DE\.currency: ",
            id="bad-currency",
        ),
        pytest.param(
            "prices.toml",
            'FR = { currency = "EUR", local = 140, national = 280, mobile = 460, toll-free = 740 }',
            "",
            r"prices\.toml: FR: missing prices",
            id="missing-country",
        ),
        pytest.param(
            "capabilities.toml",
            '{ weight = 10, capabilities = ["sms"] }',
            '{ weight = 10, capabilities = ["fax"] }',
            r"capabilities\.toml: types\.mobile\.patterns\.2\.capabilities\.0: ",
            id="unknown-capability",
        ),
        pytest.param(
            "capabilities.toml",
            "[types.mobile]\nwhatsapp = 0.30",
            "[types.mobile]\nwhatsapp = 1.5",
            r"capabilities\.toml: types\.mobile\.whatsapp: ",
            id="probability-above-1",
        ),
        pytest.param(
            "capabilities.toml",
            "[overrides.PR.local]",
            "[overrides.ZZ.local]",
            r"capabilities\.toml: overrides\.ZZ: not a country of countries\.toml",
            id="override-for-unknown-country",
        ),
        pytest.param(
            "area_codes.toml",
            '"212" = 10  # New York',
            '"2l2" = 10  # New York',
            r"area_codes\.toml: US\.2l2\.\[key\]: ",
            id="area-code-not-digits",
        ),
    ],
)
def test_a_broken_file_is_named_with_the_key(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    directory = _copy_of_seed_data(tmp_path)
    _edit(directory / file, old, new)
    with pytest.raises(SeedDataError, match=message) as raised:
        load_seed_data(directory)
    assert str(directory / file) in str(raised.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    directory = _copy_of_seed_data(tmp_path)
    (directory / "capabilities.toml").unlink()
    with pytest.raises(SeedDataError, match=r"capabilities\.toml: missing"):
        load_seed_data(directory)


def _copy_of_seed_data(tmp_path: Path) -> Path:
    directory = tmp_path / "seed_data"
    shutil.copytree(resource_dir("seed_data"), directory)
    return directory


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} is not in {path.name}: update the test"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
