"""StockQuery: the digest page tokens name its filters by."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from app.generator.records import NumberType
from app.stock.query import StockQuery

QUERIES = [
    StockQuery(),
    StockQuery(country_codes=("US",), national_prefix="415", types=(NumberType.LOCAL,)),
    StockQuery(country_codes=("GB", "US"), capabilities=("sms_inbound", "whatsapp")),
    StockQuery(international_prefix="+1415", channels=("sms", "voice")),
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_digest_is_the_one_earlier_releases_sealed(query: StockQuery) -> None:
    # A page token sealed before (another replica, an earlier start) still opens.
    canonical = json.dumps(
        dataclasses.asdict(query), sort_keys=True, separators=(",", ":"), default=str
    )
    assert query.digest() == hashlib.sha256(canonical.encode()).hexdigest()[:32]


def test_the_digest_tells_filters_apart() -> None:
    digests = {query.digest() for query in QUERIES}
    assert len(digests) == len(QUERIES)
    assert QUERIES[1].digest() != StockQuery(country_codes=("US",), national_prefix="416").digest()
