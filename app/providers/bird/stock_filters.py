"""Bird's stock-items filters as the shared query model (framework-free: scenario files and
the CLI use it too)."""

from __future__ import annotations

from collections.abc import Sequence

from app.byte_budget import ByteBudgetCache
from app.providers.parameters import (
    parse_country_codes,
    parse_prefix,
    parse_stock_features,
    parse_types,
)
from app.stock.query import StockQuery

# The translations of the filters asked last: 256 KiB, about a thousand (the raw values, the
# query and the entry's tuples: some 250 bytes besides the values' text).
_QUERIES: ByteBudgetCache[
    tuple[tuple[str, ...], str | None, tuple[str, ...], tuple[str, ...]], StockQuery
] = ByteBudgetCache(256 * 1024)
_ENTRY_BYTES = 250


def stock_items_query(
    country_codes: Sequence[str],
    prefix: str | None = None,
    types: Sequence[str] = (),
    features: Sequence[str] = (),
) -> StockQuery:
    """Bird's stock-items filters as the shared query model: the one translation, for the
    API and for a scenario's soldOut step (which takes the same filters).

    A translation is kept while its filters are asked (a walk sends them with every page);
    invalid filters raise their error each time, never kept."""
    key = (tuple(country_codes), prefix, tuple(types), tuple(features))
    query = _QUERIES.get(key)
    if query is None:
        query = _translated(*key)
        cost = _ENTRY_BYTES + sum(len(value) for part in key if part for value in part)
        _QUERIES.put(key, query, cost)
    return query


def _translated(
    country_codes: Sequence[str], prefix: str | None, types: Sequence[str], features: Sequence[str]
) -> StockQuery:
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
