"""Places from libphonenumber's geocoder descriptions: a locality and its administrative area."""

from __future__ import annotations

import phonenumbers

from app.generator.geocoding import split_description
from app.generator.seed_data import default_seed_data


def test_split_description() -> None:
    assert split_description("San Francisco, CA") == ("San Francisco", "CA")
    assert split_description("São Paulo - SP") == ("São Paulo", "SP")
    assert split_description("London") == ("London", None)
    assert split_description("Sapporo, Hokkaido") == ("Sapporo, Hokkaido", None)
    assert split_description("Forster/Comboyne/Coopernook") == ("Forster", None)
    assert split_description("Bolzano/Bozen, BZ") == ("Bolzano", "BZ")


def test_every_place_fits_the_inventory_columns() -> None:
    """A million-number seed reaches rare areas: their names must fit (PostgreSQL enforces it)."""
    from sqlalchemy import String

    from app.db.models import InventoryNumber
    from app.generator.geocoding import geographic_areas

    columns = InventoryNumber.__table__.columns
    locality_type, area_type = columns["locality"].type, columns["administrative_area"].type
    assert isinstance(locality_type, String)
    assert isinstance(area_type, String)
    longest_locality, longest_area = locality_type.length or 0, area_type.length or 0
    calling_codes = frozenset(
        phonenumbers.country_code_for_region(country) for country in default_seed_data().countries
    )
    places = [place for table in geographic_areas(calling_codes).values() for place in table.places]
    assert len(places) > 1000
    assert max(len(place.locality) for place in places) <= longest_locality
    assert max(len(place.administrative_area or "") for place in places) <= longest_area
