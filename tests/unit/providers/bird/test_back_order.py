"""Back orders: a deterministic, seeded share of some countries' stock."""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.generator.seed_data import SeedDataError, load_seed_data
from app.providers.bird.back_order import (
    back_order_required,
    back_order_stock_id,
    country_shares,
    draw,
    needs_back_order,
    order_completes_at,
)
from app.resources import resource_dir

IDS = [uuid.UUID(int=index * 7919 + 1) for index in range(4000)]


def test_draws_are_fixed_fractions_of_the_id() -> None:
    assert all(0 <= draw(number_id) < 1 for number_id in IDS)
    assert [draw(number_id) for number_id in IDS[:20]] == [
        draw(uuid.UUID(str(number_id))) for number_id in IDS[:20]
    ]
    # A listing's row reads its id as SQLite stores it: 32 hex digits, the same draw.
    assert [draw(number_id.hex) for number_id in IDS] == [draw(number_id) for number_id in IDS]


@pytest.mark.parametrize("share", [0.1, 0.25, 0.5])
def test_the_share_of_back_ordered_numbers_is_close_to_the_setting(share: float) -> None:
    required = sum(back_order_required(number_id, share) for number_id in IDS)
    assert abs(required / len(IDS) - share) < 0.03


def test_a_larger_share_keeps_the_numbers_of_a_smaller_one() -> None:
    small = {number_id for number_id in IDS if back_order_required(number_id, 0.1)}
    large = {number_id for number_id in IDS if back_order_required(number_id, 0.3)}
    assert small < large


def test_no_share_means_no_back_order() -> None:
    assert not any(back_order_required(number_id, 0.0) for number_id in IDS)
    assert all(back_order_required(number_id, 1.0) for number_id in IDS)


def test_the_back_order_stock_id_is_a_stable_uuid_of_the_number() -> None:
    stock_ids = {back_order_stock_id(number_id) for number_id in IDS}
    assert len(stock_ids) == len(IDS)
    assert back_order_stock_id(IDS[0]) == back_order_stock_id(uuid.UUID(str(IDS[0])))
    assert back_order_stock_id(IDS[0]).version == 5
    assert back_order_stock_id(IDS[0]) != IDS[0]


def test_the_seed_data_gives_some_countries_a_share_and_never_us_gb_ca() -> None:
    shares = country_shares()
    assert {"DE", "FR", "IT", "ES", "JP", "AU", "BR", "IN", "ZA"} <= set(shares)
    assert not {"US", "GB", "CA"} & set(shares)
    assert all(0 < share <= 1 for share in shares.values())
    assert shares == {
        code: country.back_order_share
        for code, country in load_seed_data().countries.items()
        if country.back_order_share
    }


def test_numbers_of_countries_without_a_share_never_need_one() -> None:
    assert not any(needs_back_order(number_id, "US") for number_id in IDS)
    assert not any(needs_back_order(number_id, "XX") for number_id in IDS)  # not seeded
    assert any(needs_back_order(number_id, "DE") for number_id in IDS)


def test_a_back_order_completes_two_days_after_the_purchase() -> None:
    bought = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert order_completes_at(bought) == bought + timedelta(days=2)


@pytest.mark.parametrize("share", ["1.5", "-0.1", '"half"'])
def test_a_share_outside_0_to_1_is_refused_naming_the_key(tmp_path: Path, share: str) -> None:
    directory = tmp_path / "seed_data"
    shutil.copytree(resource_dir("seed_data"), directory)
    countries = directory / "countries.toml"
    text = countries.read_text(encoding="utf-8")
    assert "back_order_share = 0.25 }" in text
    countries.write_text(
        text.replace("back_order_share = 0.25 }", f"back_order_share = {share} }}"),
        encoding="utf-8",
    )
    with pytest.raises(
        SeedDataError, match=r"countries\.toml: countries\.[A-Z]{2}\.back_order_share"
    ):
        load_seed_data(directory)


def test_the_share_is_optional_and_defaults_to_none() -> None:
    seed_data = load_seed_data()
    assert seed_data.countries["US"].back_order_share == 0
    assert seed_data.countries["DE"].back_order_share == 0.25
