"""Bird's stock-items filters as the shared query model (framework-free: scenario files and
the CLI use it too)."""

from __future__ import annotations

from collections.abc import Sequence

from app.providers.parameters import (
    parse_country_codes,
    parse_prefix,
    parse_stock_features,
    parse_types,
)
from app.stock.query import StockQuery


def stock_items_query(
    country_codes: Sequence[str],
    prefix: str | None = None,
    types: Sequence[str] = (),
    features: Sequence[str] = (),
) -> StockQuery:
    """Bird's stock-items filters as the shared query model: the one translation, for the
    API and for a scenario's soldOut step (which takes the same filters)."""
    countries = parse_country_codes(country_codes)
    national_prefix, international_prefix = (
        parse_prefix(prefix, has_countries=bool(countries)) if prefix else (None, None)
    )
    return StockQuery(
        country_codes=countries,
        national_prefix=national_prefix,
        international_prefix=international_prefix,
        types=parse_types(types),
        capabilities=parse_stock_features(features),
    )
