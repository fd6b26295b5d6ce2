"""The traffic users send, for bench/run.py: thousands of distinct valid queries of both APIs,
and a walk through every page of the stock.

Each query answers 8 to 12 items (its ``limit``, checked against the server when planned). The
load generator cycles through a list (``bench/loadgen.py --targets``), so no query is asked
twice in a row, and the lists are longer than any response cache holds (``VARIED_QUERIES``
answers of 2-4 KB each against the cache's byte budget): what is measured is the path every
new query, every page token and every first request takes.

The planning itself asks every query once; the stock is then changed (one number added
through the control API), so nothing it asked is answered from a cache during the run.
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
    server: ServerProcess, headers: dict[str, str], admin: dict[str, str], org: str, seed: int
) -> dict[str, list[str]]:
    """The request targets of each varied workload: ``stock_varied``, ``available_varied`` and
    ``stock_walk`` (every page of the default listing, by its page token)."""
    chooser = random.Random(seed)
    with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
        countries = _countries(client, admin)
        area_codes = _area_codes(client, countries)
        stock = _stock_candidates(org, countries, area_codes)
        stock = _valid(client, stock, "results", "stock", chooser)
        available = _available_candidates(countries, area_codes)
        available = _valid(client, available, "numbers", "Pingram", chooser)
        walk = _walk(client, f"/organizations/{org}/numbers-stock-items?limit={WALK_LIMIT}")
        # A change of stock: nothing asked while planning is answered from a cache.
        added = client.post(
            "/_mock/numbers", json={"countryCode": "NL", "type": "local", "count": 1}, headers=admin
        )
        if added.status_code != 201:
            raise BenchBroken(f"adding stock: HTTP {added.status_code} {added.text}")
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
    client: httpx.Client, candidates: list[str], key: str, what: str, chooser: random.Random
) -> list[str]:
    """``VARIED_QUERIES`` targets, each a candidate with a limit it fills: a candidate that
    finds n >= 8 items at the largest limit fills every limit from 8 to n."""
    chooser.shuffle(candidates)
    chosen: list[str] = []
    for candidate in candidates:
        response = client.get(f"{candidate}&limit={ITEMS[-1]}")
        if response.status_code != 200:
            raise BenchBroken(f"{candidate}: HTTP {response.status_code} {response.text}")
        found = len(response.json()[key])
        chosen += [f"{candidate}&limit={limit}" for limit in ITEMS if limit <= found]
        if len(chosen) >= VARIED_QUERIES:
            break
    progress(f"{what}: {len(chosen)} distinct queries of 8-12 items")
    if len(chosen) < VARIED_QUERIES // 2:
        raise BenchBroken(f"{what}: only {len(chosen)} queries fill their page; seed more numbers")
    chooser.shuffle(chosen)
    return chosen[:VARIED_QUERIES]


def _walk(client: httpx.Client, first: str) -> list[str]:
    """Every page of a listing, each by the token the page before it gave."""
    targets, target = [], first
    while True:
        targets.append(target)
        response = client.get(target)
        if response.status_code != 200:
            raise BenchBroken(f"{target}: HTTP {response.status_code} {response.text}")
        token = response.json().get("nextPageToken")
        if not token:
            break
        target = f"{first}&pageToken={quote(token, safe='')}"
    progress(f"walk: {len(targets)} pages")
    return targets
