"""Soak: N minutes at 80% of the measured peak against a local numbers-mock server.

    python bench/soak.py --minutes 5          # the full soak
    python bench/soak.py --quick              # ~1 minute smoke

Starts `numbers-mock serve` on 127.0.0.1 (its own SQLite file unless --database-url), pinned
to the first allowed core with this load generator on the second where two are allowed.
Measures the peak (closed loop, 32 connections, both provider operations), then holds 80% of
it open-loop.
The journal is kept small so it is full for the whole soak. Reports errors (must be 0),
p50/p99 per interval and the server's RSS at start and end (growth must stay within 10%),
as a table and as JSON in bench/results/. Loopback only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2 as httpx
from common import HOST, child_setup, core_plan, vm_kib

from numbers_mock_testing.process import ServerProcess, ServerStartError, free_port, start_server
from numbers_mock_testing.server import server_command, without_server_settings

CONNECTIONS = 32
INTERVAL_SECONDS = 10.0


@dataclass
class Window:
    started_s: float
    requests: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        ordered = sorted(self.latencies_ms) or [0.0]
        return {
            "at_s": round(self.started_s, 1),
            "requests": self.requests,
            "errors": self.errors,
            "p50_ms": round(statistics.median(ordered), 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--quick", action="store_true", help="30 s soak, short peak: a smoke run")
    parser.add_argument("--seconds", type=float, default=None, help="soak length (overrides)")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--journal-size", type=int, default=2_000)
    parser.add_argument("--seed-count", type=int, default=None, help="default: the server's")
    parser.add_argument(
        "--output", type=Path, default=Path(__file__).parent / "results" / "soak.json"
    )
    options = parser.parse_args()
    soak_seconds = options.seconds or (30.0 if options.quick else options.minutes * 60)
    peak_seconds = 5.0 if options.quick else 20.0
    return asyncio.run(run(options, soak_seconds, peak_seconds))


async def run(options: argparse.Namespace, soak_seconds: float, peak_seconds: float) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="numbers-mock-soak-"))
    admin_key = secrets.token_hex(16)
    server = start_numbers_mock(options, workdir, admin_key)
    try:
        async with httpx.AsyncClient(
            base_url=server.url, timeout=10, limits=httpx.Limits(max_connections=256)
        ) as client:
            auth = await bearer(client, admin_key)
            await closed_loop(client, auth, 3.0)  # warm-up
            peak = await closed_loop(client, auth, peak_seconds)
            await fill_journal(client, auth, admin_key, options.journal_size)
            journal = (
                await client.get(
                    "/_mock/requests",
                    params={"limit": 10_000},
                    headers={"Authorization": f"Bearer {admin_key}"},
                )
            ).json()["requests"]
            rss_start = vm_kib(server.pid, "VmRSS")
            rate = 0.8 * peak
            windows = await open_loop(client, auth, rate, soak_seconds)
            rss_end = vm_kib(server.pid, "VmRSS")
        report = {
            "machine": {"cores": os.cpu_count(), "python": sys.version.split()[0]},
            "peak_rps": round(peak, 1),
            "target_rps": round(rate, 1),
            "soak_seconds": soak_seconds,
            "journal_entries_at_start": len(journal),
            "journal_size": options.journal_size,
            "errors": sum(w.errors for w in windows),
            "requests": sum(w.requests for w in windows),
            "achieved_rps": round(sum(w.requests for w in windows) / soak_seconds, 1),
            "rss_start_mib": round(rss_start / 1024, 1),
            "rss_end_mib": round(rss_end / 1024, 1),
            "rss_growth_pct": round(100 * (rss_end - rss_start) / rss_start, 1),
            "windows": [w.summary() for w in windows],
        }
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    print_report(report)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(report, indent=2))
    print(f"\nJSON: {options.output}")
    passed = report["errors"] == 0 and report["rss_growth_pct"] <= 10
    print("PASS" if passed else "FAIL: errors must be 0 and RSS growth at most 10%")
    return 0 if passed else 1


def start_numbers_mock(options: argparse.Namespace, workdir: Path, admin_key: str) -> ServerProcess:
    """`numbers-mock serve` on the server core, ready; this process moves to the load core."""
    port = free_port(HOST)
    env = without_server_settings()
    env.update(
        NUMBERS_MOCK_DATABASE_URL=options.database_url or f"sqlite:///{workdir / 'soak.db'}",
        NUMBERS_MOCK_JWT_SECRET=secrets.token_hex(32),
        NUMBERS_MOCK_ADMIN_KEY=admin_key,
        NUMBERS_MOCK_JOURNAL_SIZE=str(options.journal_size),
    )
    if options.seed_count:
        env["NUMBERS_MOCK_SEED_COUNT"] = str(options.seed_count)
    command = [*server_command(), "serve", "--host", HOST, "--port", str(port)]
    server_cpus, load_cpus = core_plan()
    try:
        server = start_server(
            [*command, "--log-level", "warning"],
            url=f"http://{HOST}:{port}",
            log_path=workdir / "server.log",
            env=env,
            cwd=workdir,
            name="numbers-mock",
            preexec_fn=child_setup(server_cpus),
        ).wait_until_ready(120)
    except ServerStartError as error:
        raise SystemExit(str(error)) from None
    if load_cpus is not None:
        os.sched_setaffinity(0, load_cpus)
    return server


async def bearer(client: httpx.AsyncClient, admin_key: str) -> dict[str, str]:
    response = await client.post(
        "/_mock/tokens",
        json={"organizationId": "acme"},
        headers={"Authorization": f"Bearer {admin_key}"},
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


REQUESTS = ("/organizations/acme/numbers-stock-items", "/numbers/available?countryCode=GB")


async def one(client: httpx.AsyncClient, auth: dict[str, str], index: int) -> tuple[float, bool]:
    started = time.perf_counter()
    try:
        response = await client.get(REQUESTS[index % 2], headers=auth)
        ok = response.status_code == 200
    except httpx.HTTPError:
        ok = False
    return (time.perf_counter() - started) * 1000, ok


async def closed_loop(client: httpx.AsyncClient, auth: dict[str, str], seconds: float) -> float:
    """Requests per second with CONNECTIONS requests always in flight."""
    done = 0
    deadline = time.monotonic() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        index = offset
        while time.monotonic() < deadline:
            await one(client, auth, index)
            index += 1
            done += 1

    started = time.monotonic()
    await asyncio.gather(*(worker(i) for i in range(CONNECTIONS)))
    return done / (time.monotonic() - started)


async def fill_journal(
    client: httpx.AsyncClient, auth: dict[str, str], admin_key: str, size: int
) -> None:
    """Make sure the soak runs with a full journal, where trimming happens on every write."""
    for _ in range(100):  # bounded: at most 100 rounds of CONNECTIONS requests
        journal = await client.get(
            "/_mock/requests",
            params={"limit": 10_000},
            headers={"Authorization": f"Bearer {admin_key}"},
        )
        if len(journal.json()["requests"]) >= size:
            return
        await asyncio.gather(*(one(client, auth, i) for i in range(size // 10 or 1)))


async def open_loop(
    client: httpx.AsyncClient, auth: dict[str, str], rate: float, seconds: float
) -> list[Window]:
    """Send at a fixed rate whatever the latency; at most 1,024 in flight."""
    windows = [
        Window(started_s=i * INTERVAL_SECONDS) for i in range(int(seconds // INTERVAL_SECONDS) or 1)
    ]
    in_flight = asyncio.Semaphore(1024)
    tasks: set[asyncio.Task[None]] = set()
    started = time.monotonic()

    async def send(index: int, window: Window) -> None:
        async with in_flight:
            latency, ok = await one(client, auth, index)
        window.requests += 1
        window.latencies_ms.append(latency)
        window.errors += not ok

    total = int(rate * seconds)
    for index in range(total):
        due = started + index / rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        window = windows[min(int((due - started) // INTERVAL_SECONDS), len(windows) - 1)]
        task = asyncio.create_task(send(index, window))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    return windows


def print_report(report: dict[str, Any]) -> None:
    r = report
    print(f"machine: {r['machine']} (a shared 2-core machine: figures are noisy)")
    print(f"peak {r['peak_rps']} req/s (closed loop, {CONNECTIONS} connections)")
    print(f"soak at {r['target_rps']} req/s for {r['soak_seconds']} s: {r['achieved_rps']} req/s")
    print(f"journal: {r['journal_entries_at_start']} entries at start (size {r['journal_size']})")
    print(f"requests {r['requests']}, errors {r['errors']}")
    growth = f"{r['rss_start_mib']} MiB -> {r['rss_end_mib']} MiB ({r['rss_growth_pct']}%)"
    print(f"server RSS {growth}")
    print(f"{'at s':>6} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p99 ms':>8}")
    for w in r["windows"]:
        counts = f"{w['at_s']:>6} {w['requests']:>9} {w['errors']:>7}"
        print(f"{counts} {w['p50_ms']:>8} {w['p99_ms']:>8}")


if __name__ == "__main__":
    sys.exit(main())
