"""Every filter combination of both APIs is index seeks: no scan, no sort of the matches, no OFFSET.

The query planners are asked directly (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN), for
the first page and for a page deep in the walk, and the pages themselves are checked against
the same filters applied in Python to the whole inventory.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from app.db.engine import create_db_engine
from app.db.migrations import upgrade_to_head
from app.db.models import InventoryNumber, StockStatus
from app.generator.records import CAPABILITY_BITS, CHANNEL_BITS, NumberType
from app.stock import repository
from app.stock.page_query import stock_page_statement
from app.stock.query import StockPosition, StockQuery
from app.stock.seeding import seed_inventory
from tests.conftest import DatabaseFactory

PAGE = 11  # a page of 10 and the probe for the next one, as the searches ask


def _bird_queries() -> Iterator[StockQuery]:
    countries: list[tuple[str, ...]] = [(), ("US",), ("GB", "US")]
    prefixes: list[tuple[str | None, str | None]] = [
        (None, None),
        ("415", None),  # an area code: only valid with countryCodes
        (None, "+1415"),
        (None, "+44"),
        (None, "+4"),  # shorter than a calling code: every country whose code starts with 4
    ]
    types: list[tuple[NumberType, ...]] = [
        (),
        (NumberType.LOCAL,),
        (NumberType.MOBILE, NumberType.TOLL_FREE),
    ]
    capabilities: list[tuple[str, ...]] = [(), ("sms_outbound",), ("mms_inbound", "whatsapp")]
    for country, (national, international), kind, capability in itertools.product(
        countries, prefixes, types, capabilities
    ):
        if national is not None and not country:
            continue
        yield StockQuery(
            country_codes=country,
            national_prefix=national,
            international_prefix=international,
            types=kind,
            capabilities=capability,
        )


def _pingram_queries() -> Iterator[StockQuery]:
    for country, area, channels in itertools.product(
        ["US", "GB", "DE"], [None, "415", "20", "7"], [(), ("sms",), ("voice", "mms")]
    ):
        yield StockQuery(country_codes=(country,), national_prefix=area, channels=channels)


QUERIES = [*_bird_queries(), *_pingram_queries()]


@pytest.fixture(scope="module")
def engine(database_factory: DatabaseFactory) -> Iterator[Engine]:
    engine = create_db_engine(database_factory("plans"))
    upgrade_to_head(engine)
    seed_inventory(engine, seed=424242, total=20_000, reset=False)
    with Session(engine) as session, session.begin():
        # Some numbers out of stock, as a used demo environment has them.
        session.execute(
            text("UPDATE inventory_numbers SET status = 'sold' WHERE monthly_amount % 7 = 0")
        )
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def stock(engine: Engine) -> list[InventoryNumber]:
    """The whole stock in the listing order."""
    with Session(engine) as session:
        rows = session.scalars(
            select(InventoryNumber).where(InventoryNumber.status == StockStatus.IN_STOCK.value)
        )
        return sorted(rows, key=repository.position_of)


def _matches(number: InventoryNumber, query: StockQuery) -> bool:
    if query.country_codes and number.country_code not in query.country_codes:
        return False
    if query.national_prefix and not number.national_number.startswith(query.national_prefix):
        return False
    if query.international_prefix and not number.number_string.startswith(
        query.international_prefix
    ):
        return False
    if query.types and number.number_type not in {t.value for t in query.types}:
        return False
    mask = number.capability_mask
    if any(not mask & CAPABILITY_BITS[name] for name in query.capabilities):
        return False
    return all(mask & CHANNEL_BITS[channel] for channel in query.channels)


def _starts(expected: list[InventoryNumber]) -> list[StockPosition | None]:
    """The first page, a page deep in the walk, and a position between two numbers."""
    starts: list[StockPosition | None] = [None]
    if expected:
        deep = expected[len(expected) * 3 // 4]
        starts.append(repository.position_of(deep))
        position = repository.position_of(deep)
        # Just after ``deep``: the walk must start at the next number, not skip a cell.
        starts.append(
            StockPosition(
                position.country_code,
                position.number_type,
                position.capability_mask,
                position.national_number + "0",
            )
        )
    return starts


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_pages_match_the_filters_in_the_listing_order(
    engine: Engine, stock: list[InventoryNumber], query: StockQuery
) -> None:
    expected = [number for number in stock if _matches(number, query)]
    with Session(engine) as session:
        for start in _starts(expected):
            page = repository.find_in_stock(session, query, start_at=start, limit=PAGE)
            following = [
                number
                for number in expected
                if start is None or repository.position_of(number) >= start
            ][:PAGE]
            assert [n.number_string for n in page] == [n.number_string for n in following]


def test_the_filters_are_selective(stock: list[InventoryNumber]) -> None:
    """The inventory has matches and non-matches for most queries, so the pages test something."""
    sizes = [sum(_matches(number, query) for number in stock) for query in QUERIES]
    assert sum(1 for size in sizes if 0 < size < len(stock)) > len(QUERIES) * 2 // 3
    assert 0 in sizes  # and some match nothing, which must cost nothing either


@pytest.mark.parametrize("query", QUERIES, ids=repr)
def test_every_filter_combination_is_index_seeks(
    engine: Engine, stock: list[InventoryNumber], query: StockQuery
) -> None:
    expected = [number for number in stock if _matches(number, query)]
    with Session(engine) as session:
        for start in _starts(expected) or [None]:
            page = stock_page_statement(session, query, start_at=start, limit=PAGE)
            if page is None:
                # e.g. countryCodes=GB with prefix=+1415: answered without a query.
                assert not expected
                continue
            statement, parameters = page
            bound = statement.params(parameters)
            sql = str(bound.compile(engine, compile_kwargs={"literal_binds": True}))
            # SQLAlchemy's SQLite dialect spells a bare LIMIT as "LIMIT n OFFSET 0".
            assert re.findall(r"OFFSET \S+", sql.upper()) in ([], ["OFFSET 0"]), sql
            if engine.dialect.name == "postgresql":
                _assert_postgresql_plan(session, sql)
            else:
                _assert_sqlite_plan(session, sql)


def _assert_sqlite_plan(session: Session, sql: str) -> None:
    details = [row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {sql}"))]
    assert not any("TEMP B-TREE" in detail for detail in details), details
    assert not any(detail.startswith("SCAN inventory_numbers") for detail in details), details
    inventory = [detail for detail in details if "inventory_numbers" in detail]
    assert len(inventory) == 1, details
    assert inventory[0].startswith(
        "SEARCH inventory_numbers USING INDEX ix_inventory_numbers_stock_cell_order "
        "(status=? AND country_code=? AND number_type=? AND capability_mask=?"
    ), details


def _assert_postgresql_plan(session: Session, sql: str) -> None:
    (plan,) = session.execute(text(f"EXPLAIN (FORMAT JSON) {sql}")).scalar_one()
    rendered = json.dumps(plan, indent=1)
    scans = list(_inventory_scans(plan["Plan"], parent=None))
    assert scans, rendered
    for node, parent in scans:
        # Each cell is one index descent, cut at a page: whatever sorts above sees at most
        # (cells) x (page) rows, never the inventory.
        assert node["Node Type"] == "Index Scan", rendered
        assert node["Index Name"] == "ix_inventory_numbers_stock_cell_order", rendered
        assert parent is not None, rendered
        assert parent["Node Type"] == "Limit", rendered
        condition = node["Index Cond"]
        for column in ("status", "country_code", "number_type", "capability_mask"):
            assert f"({column}" in condition, rendered


def _inventory_scans(
    node: dict[str, Any], parent: dict[str, Any] | None
) -> Iterator[tuple[dict[str, Any], dict[str, Any] | None]]:
    if node.get("Relation Name") == "inventory_numbers":
        yield node, parent
    for child in node.get("Plans", []):
        yield from _inventory_scans(child, node)
