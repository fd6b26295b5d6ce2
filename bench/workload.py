"""What bench/run.py asks the servers for: the pages measured, the filters chosen on the data,
and the deep page reached by walking page tokens."""

from __future__ import annotations

import json
import math
import time
from typing import Any
from urllib.parse import quote

import httpx2 as httpx
from common import BenchBroken, progress
from servers import fetch_page

from numbers_mock_testing.process import ServerProcess

ORG = "bench"
LIMIT = 10
WALK_SECONDS = 900.0

STOCK_PAGE = f"/organizations/{ORG}/numbers-stock-items?limit={LIMIT}"
AVAILABLE_PAGE = f"/numbers/available?limit={LIMIT}"
AVAILABLE_DEFAULT = f"/numbers/available?countryCode=US&limit={LIMIT}"  # countryCode is required
# Most selective first; the first that fills a page at both sizes is measured.
STOCK_FILTERS = (
    "countryCodes=US&prefix=415&types=local&features=sms-outbound,whatsapp",
    "countryCodes=US&prefix=415&types=local&features=sms-outbound",
    "countryCodes=US&types=local&features=sms-outbound,voice-outbound",
    "countryCodes=US&types=local",
    "countryCodes=US",
)
AVAILABLE_FILTERS = (
    "countryCode=US&areaCode=415&features=sms,voice,mms",
    "countryCode=US&features=sms,voice,mms",
    "countryCode=US",
)


def plan_requests(
    depth: int, sizes: dict[str, int], servers: dict[str, ServerProcess], headers: dict[str, str]
) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """The URL path of every measurement, and what was chosen (filters, depths)."""
    sized = [servers[key] for key in sizes]  # numbers-mock at each size, not the ceilings
    stock_filter = choose_filter(STOCK_FILTERS, "results", STOCK_PAGE, sized, headers)
    available_filter = choose_filter(AVAILABLE_FILTERS, "numbers", AVAILABLE_PAGE, sized, headers)
    notes: dict[str, Any] = {
        "stock_first": STOCK_PAGE,
        "available": AVAILABLE_DEFAULT,
        "stock_filter": stock_filter,
        "available_filter": available_filter,
        "deep": {},
    }
    paths: dict[str, dict[str, str]] = {}
    for key, count in sizes.items():
        wanted = max(1, min(depth, math.ceil(count / LIMIT) - 1))
        deep_path, reached, seconds = walk(servers[key], headers, wanted)
        notes["deep"][key] = {
            "numbers": count,
            "requested_depth": depth,
            "depth": reached,
            "page": reached + 1,
            "walk_seconds": round(seconds, 2),
        }
        progress(f"{key}: deep page = page {reached + 1} ({reached} tokens followed)")
        paths[key] = {
            "stock_first": STOCK_PAGE,
            "stock_deep": deep_path,
            "stock_filtered": f"{STOCK_PAGE}&{stock_filter['query']}",
            "available": AVAILABLE_DEFAULT,
            "available_filtered": f"{AVAILABLE_PAGE}&{available_filter['query']}",
        }
    return paths, notes


def choose_filter(
    candidates: tuple[str, ...],
    key: str,
    page: str,
    servers: list[ServerProcess],
    headers: dict[str, str],
) -> dict[str, Any]:
    """The most selective candidate that fills ``page`` on every server (else the last)."""
    counts: dict[str, list[int]] = {}
    for query in candidates:
        path = f"{page}&{query}"
        counts[query] = [
            len(json.loads(fetch_page(server, path, headers))[key]) for server in servers
        ]
        if min(counts[query]) >= LIMIT:
            return {"query": query, "full_page": True, "results": counts[query]}
    query = candidates[-1]
    return {"query": query, "full_page": False, "results": counts[query]}


def walk(server: ServerProcess, headers: dict[str, str], wanted: int) -> tuple[str, int, float]:
    """Follow nextPageToken `wanted` times; the path of the deepest full page reached."""
    started = time.monotonic()
    deadline = started + WALK_SECONDS
    path, depth = STOCK_PAGE, 0
    deepest = (path, 0)
    with httpx.Client(base_url=server.url, headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            response = client.get(path)
            if response.status_code != 200:
                raise BenchBroken(f"{server.name} {path}: HTTP {response.status_code}")
            page = response.json()
            if len(page["results"]) < LIMIT:
                break
            deepest = (path, depth)
            token = page.get("nextPageToken")
            if depth >= wanted or not token:
                break
            path = f"{STOCK_PAGE}&pageToken={quote(token, safe='')}"
            depth += 1
        else:
            raise BenchBroken(f"walking {wanted} pages took over {WALK_SECONDS:.0f} s")
    return deepest[0], deepest[1], time.monotonic() - started
