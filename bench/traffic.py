"""bench/run.py's measurements of the traffic users send (Speed II): varied queries of both
APIs, a walk through every page, the same on PostgreSQL, and the servers' memory after it.

- ``traffic``: on the small inventory, thousands of distinct valid queries of each API
  (``bench/varied.py``: 8-12 items each, cycled so none repeats back to back, more than the
  response cache holds) and every page of the stock by its page token;
- ``reference_traffic``: WireMock on the same target files (its stubs match the path and
  ignore the query, so it answers every one with its fixed page);
- ``postgres``: the varied stock-items queries on numbers-mock over PostgreSQL (a database
  of its own, seeded like the small one), when PostgreSQL answers;
- memory: a server on the default inventory after a walk through every page (limit 50) and
  ``MEMORY_QUERIES`` distinct queries, and the large one after ``LARGE_WALK_PAGES`` pages of
  99: their peak RSS (VmHWM).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
from common import BenchBroken, progress, vm_kib
from load import Measurement
from servers import clear_scripting, start_numbers_mock, wait_ready
from varied import plan_varied, stock_listing, walk_pages
from workload import ORG

from numbers_mock_testing.process import ServerProcess
from numbers_mock_testing.server import server_command

TRAFFIC = {
    "stock_varied": "stock items, varied queries",
    "available_varied": "available numbers, varied queries",
    "stock_walk": "stock items, every page by token",
}
REFERENCE_TRAFFIC = ("stock_varied", "available_varied")
MEMORY_QUERIES = 10_000  # distinct queries asked of the default inventory's server
MEMORY_WALK_LIMIT = 50
LARGE_WALK_PAGES = 2_000
LARGE_WALK_LIMIT = 99
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/numbers_mock_bench"


def plan_traffic(
    server: ServerProcess, headers: dict[str, str], env: dict[str, str], workdir: Path, queries: int
) -> dict[str, str]:
    """The target file of each varied workload, planned on ``server``: name -> path."""
    targets = plan_varied(server, headers, _admin(env), ORG, queries=queries)
    files = {}
    for name in TRAFFIC:
        path = workdir / f"{name}.targets"
        path.write_text("\n".join(targets[name]) + "\n")
        files[name] = str(path)
    return files


def traffic_measurements(
    files: dict[str, str], servers: dict[str, ServerProcess]
) -> dict[str, dict[str, Measurement]]:
    groups: dict[str, dict[str, Measurement]] = {
        "traffic": {
            name: Measurement(server="numbers-mock small", path=TRAFFIC[name], targets=files[name])
            for name in TRAFFIC
        }
    }
    if "wiremock" in servers:
        groups["reference_traffic"] = {
            name: Measurement(server="wiremock", path=TRAFFIC[name], targets=files[name])
            for name in REFERENCE_TRAFFIC
        }
    if "postgres" in servers:
        groups["postgres"] = {
            "stock_varied": Measurement(
                server="numbers-mock postgres",
                path=TRAFFIC["stock_varied"],
                targets=files["stock_varied"],
            )
        }
    return groups


def start_postgres_server(
    url: str | None, count: int, env: dict[str, str], workdir: Path, timeout: float
) -> ServerProcess | None:
    """numbers-mock on PostgreSQL at ``url`` (created if missing), seeded with ``count``
    numbers like the small SQLite file; None (the row is skipped) when PostgreSQL does not
    answer."""
    if url is None or not _postgres_answers(url):
        progress("PostgreSQL row skipped: no PostgreSQL at " + str(url))
        return None
    progress(f"seeding {count:,} numbers into {url}")
    seeded = subprocess.run(
        [*server_command(), "seed", "--count", str(count), "--reset", "--database-url", url],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if seeded.returncode != 0:
        raise BenchBroken(f"seeding PostgreSQL failed: {seeded.stderr[-2000:]}")
    server = start_numbers_mock("postgres", url, env, workdir)
    wait_ready(server)
    clear_scripting(server, env)
    return server


def _postgres_answers(url: str) -> bool:
    """Whether PostgreSQL answers at ``url``; its database is created when missing."""
    try:
        import psycopg
        from sqlalchemy.engine import make_url
    except ImportError:
        return False
    target = make_url(url)
    admin = target.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as c:
            exists = c.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
            ).fetchone()
            if exists is None:
                c.execute(f'CREATE DATABASE "{target.database}"')
    except psycopg.Error:
        return False
    return True


def memory_after_traffic(
    start_default: Callable[[], ServerProcess],
    large: ServerProcess,
    headers: dict[str, str],
    env: dict[str, str],
    quick: bool,
) -> dict[str, Any]:
    """Peak RSS of a server on the default inventory after a walk and many distinct queries,
    and of the large one after a long walk with big pages."""
    server = start_default()
    try:
        wait_ready(server)
        clear_scripting(server, env)
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            walked = walk_pages(client, stock_listing(ORG, MEMORY_WALK_LIMIT))
        queries = 300 if quick else MEMORY_QUERIES
        targets = plan_varied(server, headers, _admin(env), ORG, queries=queries // 2)
        asked = targets["stock_varied"] + targets["available_varied"]
        with httpx.Client(base_url=server.url, headers=headers, timeout=60) as client:
            for target in asked:
                _ok(client.get(target), target)
        default = {
            "pages_walked": len(walked),
            "distinct_queries": len(asked),
            "peak_mb": round(vm_kib(server.pid, "VmHWM") * 1024 / 1e6, 1),
        }
    finally:
        server.stop()
    with httpx.Client(base_url=large.url, headers=headers, timeout=60) as client:
        pages = walk_pages(
            client, stock_listing(ORG, LARGE_WALK_LIMIT), 50 if quick else LARGE_WALK_PAGES
        )
    large_after = {
        "pages_walked": len(pages),
        "page_limit": LARGE_WALK_LIMIT,
        "peak_mb": round(vm_kib(large.pid, "VmHWM") * 1024 / 1e6, 1),
    }
    progress(f"peak RSS: default {default['peak_mb']} MB, large {large_after['peak_mb']} MB")
    return {"default": default, "large": large_after}


def _ok(response: httpx.Response, target: str) -> None:
    if response.status_code != 200:
        raise BenchBroken(f"{target}: HTTP {response.status_code} {response.text[:500]}")


def _admin(env: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {env['NUMBERS_MOCK_ADMIN_KEY']}"}
