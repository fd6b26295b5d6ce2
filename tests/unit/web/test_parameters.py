"""app/web/parameters.py: the query parsed as Starlette parses it, and the name checks."""

from __future__ import annotations

import random

import pytest
from starlette.datastructures import QueryParams
from starlette.requests import Request

from app.errors import InvalidParameter, UnknownParameter
from app.web.parameters import known_parameters, parse_query, query_items, query_value

# What a query can hold that changes its parsing: separators, blanks, '+', escapes (valid,
# broken, UTF-8 and not), raw non-ASCII bytes.
_PIECES = (
    b"a", b"limit", b"=", b"&", b"&&", b"+", b"%", b"%2", b"%2C", b"%2B", b"%3D", b"%26",
    b"%C3%A9", b"%FF", b"%zz", b"\xc3\xa9", b"\xff", b" ", b"10", b";", b"%%",
)  # fmt: skip


def _request(query: bytes) -> Request:
    return Request({"type": "http", "query_string": query, "headers": []})


@pytest.mark.parametrize(
    "query",
    [
        b"",
        b"limit=10",
        b"countryCodes=SE&features=voice-outbound%2Csms-inbound&limit=10",
        b"a=1&a=2&b",
        b"&&a=&=b&",
        b"prefix=%2B1415&x=a+b",
        b"name=%C3%A9t%C3%A9&bad=%FF&raw=\xc3\xa9",
        b"a=b=c",
    ],
)
def test_a_query_parses_as_starlette_parses_it(query: bytes) -> None:
    assert parse_query(query) == QueryParams(query).multi_items()


def test_random_queries_parse_as_starlette_parses_them() -> None:
    chooser = random.Random(20261205)
    for _ in range(5000):
        query = b"".join(chooser.choices(_PIECES, k=chooser.randint(0, 12)))
        assert parse_query(query) == QueryParams(query).multi_items(), query


def test_a_request_is_parsed_once_and_its_last_value_counts() -> None:
    request = _request(b"limit=5&testing=true&limit=7")
    items = query_items(request)
    assert query_items(request) is items
    assert query_value(request, "limit") == "7"
    assert query_value(request, "pageToken") is None


def test_the_name_checks_read_the_parsed_query() -> None:
    check = known_parameters(("limit", "types"), repeatable=("types",))
    check(_request(b"limit=5&types=local&types=mobile"))
    with pytest.raises(UnknownParameter, match="did you mean limit"):
        check(_request(b"limt=5"))
    with pytest.raises(InvalidParameter, match="limit is given 2 times"):
        check(_request(b"limit=5&limit=6"))
