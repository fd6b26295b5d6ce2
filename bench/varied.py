"""The traffic users send, for bench/run.py: thousands of distinct valid queries of both APIs,
and a walk through every page of the stock.

Each query answers 8 to 12 items (its ``limit``, checked against the server when planned). The
load generator cycles through a list (``bench/loadgen.py --targets``), so no query is asked
twice in a row, and the lists are longer than any response cache holds (``VARIED_QUERIES``
answers of 2-4 KB each against the cache's byte budget): what is measured is the path every
new query, every page token and every first request takes.

The planning itself asks every query once; the stock is then changed (one number bought and
given back through the control API), so nothing it asked is answered from a cache during the
run.
"""

from __future__ import annotations

import itertools
import random
from urllib.parse import quote, urlencode

import httpx2 as httpx
import phonenumbers
from common import BenchBroken, progress

from numbers_mock_testing.process import ServerProcess

VARIED_QUERIES = 3_000  # per API
ITEMS = range(8, 13)  # each query's limit, and how many items it answers
WALK_LIMIT = 10
_STOCK_TYPES = ("local", "mobile", "national", "toll-free")
_STOCK_FEATURES = ("sms-outbound", "voice-outbound", "sms-inbound", "voice-inbound", "whatsapp")
_CHANNELS = ("sms", "voice", "mms")


def plan_varied(
    server: ServerProcess,
    headers: dict[str, str],
    admin: dict[str, str],
    org: str,
    *,
    queries: int = VARIED_QUERIES,
    seed: int = 1,
) -> dict[str, list[str]]:
    """The request targets of each varied workload: ``stock_varied`` and ``available_varied``
    (up to ``queries`` each) and ``stock_walk`` (every page of the default listing, by its
    page token)."""
    chooser = random.Random(seed)
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        countries = _countries(client, admin)
        area_codes = _area_codes(client, countries)
        stock = _stock_candidates(org, countries, area_codes)
        stock = _valid(client, stock, "results", "stock", chooser, queries)
        available = _available_candidates(countries, area_codes)
        available = _valid(client, available, "numbers", "Pingram", chooser, queries)
        walk = walk_pages(client, stock_listing(org, WALK_LIMIT))
        # A change of stock: nothing asked while planning is answered from a cache. (One
        # number bought and given back; adding one would load the number generator into
        # the server, and its memory into the RSS figures.)
        number = client.get(walk[0]).json()["results"][0]["numberString"].replace("+", "%2B")
        for change, body in (("purchase", {"organizationId": "bench-planner"}), ("release", None)):
            changed = client.post(f"/_mock/numbers/{number}/{change}", json=body, headers=admin)
            if changed.status_code != 200:
                raise BenchBroken(f"{change}: HTTP {changed.status_code} {changed.text}")
    return {"stock_varied": stock, "available_varied": available, "stock_walk": walk}


def _countries(client: httpx.Client, admin: dict[str, str]) -> list[str]:
    response = client.get("/_mock/stock/counts", headers=admin)
    if response.status_code != 200:
        raise BenchBroken(f"stock counts: HTTP {response.status_code} {response.text}")
    totals: dict[str, int] = {}
    for row in response.json()["counts"]:
        totals[row["countryCode"]] = totals.get(row["countryCode"], 0) + row["inStock"]
    return sorted(totals, key=lambda country: -totals[country])


def _area_codes(client: httpx.Client, countries: list[str]) -> dict[str, list[str]]:
    """Real leading digits of each country's national numbers: the first three digits of
    the numbers found under each leading digit."""
    codes: dict[str, list[str]] = {}
    for country in countries:
        found: set[str] = set()
        for digit in "123456789":
            query: dict[str, str | int] = {"countryCode": country, "areaCode": digit, "limit": 50}
            for number in client.get("/numbers/available", params=query).json()["numbers"]:
                national = str(phonenumbers.parse(number["phoneNumber"]).national_number)
                if len(national) >= 6:
                    found.add(national[:3])
        codes[country] = sorted(found)
    return codes


def _stock_candidates(
    org: str, countries: list[str], area_codes: dict[str, list[str]]
) -> list[str]:
    path = f"/organizations/{org}/numbers-stock-items"
    feature_sets: list[tuple[str, ...]] = [(), *((f,) for f in _STOCK_FEATURES)]
    feature_sets += itertools.combinations(_STOCK_FEATURES, 2)
    candidates: list[str] = []
    for country in countries:
        for types in [(), *((t,) for t in _STOCK_TYPES)]:
            for features in feature_sets:
                query: dict[str, str] = {"countryCodes": country}
                if types:
                    query["types"] = ",".join(types)
                if features:
                    query["features"] = ",".join(features)
                candidates.append(f"{path}?{urlencode(query)}")
        for code in area_codes.get(country, []):
            candidates.append(f"{path}?{urlencode({'countryCodes': country, 'prefix': code})}")
    return candidates


def _available_candidates(countries: list[str], area_codes: dict[str, list[str]]) -> list[str]:
    channel_sets = [combo for size in range(4) for combo in itertools.combinations(_CHANNELS, size)]
    candidates: list[str] = []
    for country in countries:
        for code in [None, *area_codes.get(country, [])]:
            for channels in channel_sets:
                query: dict[str, str] = {"countryCode": country}
                if code is not None:
                    query["areaCode"] = code
                if channels:
                    query["features"] = ",".join(channels)
                candidates.append(f"/numbers/available?{urlencode(query)}")
    return candidates


def _valid(
    client: httpx.Client,
    candidates: list[str],
    key: str,
    what: str,
    chooser: random.Random,
    queries: int,
) -> list[str]:
    """``queries`` targets, each a candidate with a limit it fills: a candidate that finds
    n >= 8 items at the largest limit fills every limit from 8 to n."""
    chooser.shuffle(candidates)
    chosen: list[str] = []
    for candidate in candidates:
        response = client.get(f"{candidate}&limit={ITEMS[-1]}")
        if response.status_code != 200:
            raise BenchBroken(f"{candidate}: HTTP {response.status_code} {response.text}")
        found = len(response.json()[key])
        chosen += [f"{candidate}&limit={limit}" for limit in ITEMS if limit <= found]
        if len(chosen) >= queries:
            break
    progress(f"{what}: {min(len(chosen), queries)} distinct queries of 8-12 items")
    if not chosen:
        raise BenchBroken(f"{what}: no query fills a page of 8; seed more numbers")
    chooser.shuffle(chosen)
    return chosen[:queries]


def stock_listing(org: str, limit: int) -> str:
    return f"/organizations/{org}/numbers-stock-items?limit={limit}"


def walk_pages(client: httpx.Client, first: str, pages: int | None = None) -> list[str]:
    """Every page of a listing (or the first ``pages``), each by the token the page before
    it gave: each page is asked once."""
    targets: list[str] = []
    target = first
    while pages is None or len(targets) < pages:
        targets.append(target)
        response = client.get(target)
        if response.status_code != 200:
            raise BenchBroken(f"{target}: HTTP {response.status_code} {response.text}")
        token = response.json().get("nextPageToken")
        if not token:
            break
        target = f"{first}&pageToken={quote(token, safe='')}"
    progress(f"walked {len(targets)} pages of {first}")
    return targets
