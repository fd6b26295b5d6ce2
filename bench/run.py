"""The scale benchmark: numbers-mock against a bare FastAPI/Starlette ceiling, as ratios.

    python bench/run.py                     # full: 10k and 1M numbers, 3 x 10 s per figure
    python bench/run.py --quick             # CI smoke: 2k and 20k numbers, 1 x 2 s per figure
    python bench/run.py --small 10000 --large 100000 --repeat 1

Everything runs here, on 127.0.0.1. It seeds a fresh SQLite file per size (timing the seed),
starts `numbers-mock serve` on each and the two ceiling apps (bench/baseline_apps.py, which
serve the exact bytes of a real numbers-mock 10-item page), with the same uvicorn settings.
Servers are pinned to core 0 and the load generator to core 1 where two cores are allowed.
The load generator is wrk (1 thread, 32 connections, --latency) when it is on PATH,
otherwise bench/loadgen.py (asyncio, 32 connections, one core).

Measured, per repetition, each after a warm-up: the ceilings; at each size the default
stock-items page, the same page reached by walking page tokens (2,000 pages deep, or as
deep as the data goes), the most selective filter combination that still fills a page at
both sizes, and the default and filtered available-numbers search. Then the servers' peak
RSS (VmHWM). Reported as medians of the repetitions, and as ratios against the issue's
targets; a table on stdout and JSON in bench/results/run-<UTC time>.json (or --json).

Exit status: 0 when the benchmark ran (missed targets included, unless --fail-on-miss: 1),
2 when something broke (a server did not start or died, a non-2xx response or a socket
error under load). Every wait is bounded; every process it starts is stopped on the way out.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import importlib.util
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx2 as httpx

HOST = "127.0.0.1"
CONNECTIONS = 32
ORG = "bench"
LIMIT = 10
BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent

STOCK_PAGE = f"/organizations/{ORG}/numbers-stock-items?limit={LIMIT}"
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

SERVER_START_SECONDS = 180.0
STOP_SECONDS = 20.0
WALK_SECONDS = 900.0
SOCKET_TIMEOUT = "30s"  # wrk's; a request slower than this counts as an error

# What each size is measured on: key -> what it is.
SIZE_MEASUREMENTS = {
    "stock_first": "stock items, default page",
    "stock_deep": "stock items, deep page",
    "stock_filtered": "stock items, filtered",
    "available": "available numbers, default",
    "available_filtered": "available numbers, filtered",
}
CEILINGS = {"fastapi": "bare FastAPI, fixed page", "starlette": "bare Starlette, fixed page"}


class BenchBroken(Exception):
    """Something that makes the figures meaningless: exit 2."""


@dataclass
class Plan:
    quick: bool
    small: int
    large: int
    duration_s: float
    warmup_s: float
    repeat: int
    depth: int
    connections: int
    generator: str
    seed_timeout_s: float
    keep_db: Path | None


@dataclass
class Run:
    requests: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float


@dataclass
class Measurement:
    server: str
    path: str
    runs: list[Run] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "path": self.path,
            "requests_per_second": round(
                statistics.median(r.requests_per_second for r in self.runs), 1
            ),
            "p50_ms": round(statistics.median(r.p50_ms for r in self.runs), 3),
            "p99_ms": round(statistics.median(r.p99_ms for r in self.runs), 3),
            "runs": [asdict(r) for r in self.runs],
        }


@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    base: str
    log: Path
    rss_at_start_kib: int = 0


# ---------------------------------------------------------------------------------------------
# Entry point


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="CI smoke: small sizes, short runs")
    parser.add_argument("--small", type=int, default=None, help="numbers (default 10k; quick 2k)")
    parser.add_argument("--large", type=int, default=None, help="numbers (default 1M; quick 20k)")
    parser.add_argument("--duration", type=float, default=None, help="s per figure (10; quick 2)")
    parser.add_argument("--warmup", type=float, default=None, help="s before each (2; quick 1)")
    parser.add_argument("--repeat", type=int, default=None, help="repetitions (3; quick 1)")
    parser.add_argument("--depth", type=int, default=None, help="deep page (2000; quick 200)")
    parser.add_argument("--connections", type=int, default=CONNECTIONS)
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--seed-timeout", type=float, default=3600.0, help="s per seed")
    parser.add_argument(
        "--keep-db", type=Path, default=None, help="seed into DIR and reuse what is there"
    )
    parser.add_argument("--json", type=Path, default=None, help="default: bench/results/run-*.json")
    parser.add_argument(
        "--fail-on-miss", action="store_true", help="exit 1 when a target is missed"
    )
    options = parser.parse_args()
    quick = options.quick
    plan = Plan(
        quick=quick,
        small=options.small or (2_000 if quick else 10_000),
        large=options.large or (20_000 if quick else 1_000_000),
        duration_s=options.duration or (2.0 if quick else 10.0),
        warmup_s=options.warmup if options.warmup is not None else (1.0 if quick else 2.0),
        repeat=options.repeat or (1 if quick else 3),
        depth=options.depth or (200 if quick else 2_000),
        connections=options.connections,
        generator=choose_generator(options.generator),
        seed_timeout_s=options.seed_timeout,
        keep_db=options.keep_db,
    )
    if not 0 < plan.small < plan.large:
        parser.error("--small must be positive and below --large")
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    output: Path = options.json or BENCH_DIR / "results" / f"run-{stamp}.json"
    # SIGTERM ends the run like Ctrl-C: through the finally blocks that stop the servers.
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(128 + signal.SIGTERM))
    report: dict[str, Any] = {"status": "running", "machine": machine_info(), "plan": asdict(plan)}
    report["plan"]["keep_db"] = str(plan.keep_db) if plan.keep_db else None
    try:
        run(plan, report)
    except Exception as exc:  # BenchBroken, or a bug: either way the figures are not there
        if not isinstance(exc, BenchBroken):
            traceback.print_exc()
        report["status"] = "broken"
        report["error"] = str(exc) or repr(exc)
        write_json(output, report)
        print(f"\nBROKEN: {exc!s:.4000}", file=sys.stderr)
        print(f"JSON: {output}", file=sys.stderr)
        return 2
    report["status"] = "ok"
    write_json(output, report)
    print_report(report)
    print(f"\nJSON: {output}")
    missed = report["targets_missed"]
    if missed:
        print(f"targets missed: {', '.join(missed)}")
    else:
        print("all targets met")
    return 1 if missed and options.fail_on_miss else 0


def choose_generator(requested: str) -> str:
    if requested == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("--generator wrk: wrk is not on PATH (apt-get install wrk)")
    if requested == "auto":
        return "wrk" if shutil.which("wrk") else "python"
    return requested


# ---------------------------------------------------------------------------------------------
# The run


def run(plan: Plan, report: dict[str, Any]) -> None:
    all_cpus = os.sched_getaffinity(0)  # the seeds use every core, as a user's seed does
    server_cpus, load_cpus = core_plan()
    report["machine"]["server_cpus"] = sorted(server_cpus) if server_cpus else None
    report["machine"]["load_cpus"] = sorted(load_cpus) if load_cpus else None
    report["machine"]["pinned"] = server_cpus is not None
    if load_cpus is not None:
        os.sched_setaffinity(0, load_cpus)  # this process, the seeds, walks and load generator
    report["generator"] = generator_info(plan)
    env = server_environment()
    sizes = {"small": plan.small, "large": plan.large}
    with workspace(plan.keep_db) as (workdir, dbdir):
        report["seeding"] = {
            key: seed_database(dbdir, count, env, plan.seed_timeout_s, all_cpus)
            for key, count in sizes.items()
        }
        token = mint_token(env)
        headers = {"Authorization": f"Bearer {token}"}
        servers: dict[str, Server] = {}
        try:
            for key, count in sizes.items():
                servers[key] = start_numbers_mock(key, dbdir / db_name(count), env, workdir)
            for key in sizes:
                wait_ready(servers[key])
            progress("numbers-mock servers ready")
            body = fetch_page(servers["small"], STOCK_PAGE, headers)
            (workdir / "page.json").write_bytes(body)
            for framework in CEILINGS:
                servers[framework] = start_baseline(framework, workdir / "page.json", workdir)
            for framework in CEILINGS:
                wait_ready(servers[framework])
            progress("ceiling servers ready")
            for server in servers.values():
                server.rss_at_start_kib = vm_kib(server.process.pid, "VmRSS")

            paths, notes = plan_requests(plan, sizes, servers, headers)
            report["requests"] = notes
            measurements: dict[str, dict[str, Measurement]] = {
                "ceiling": {name: Measurement(server=name, path=STOCK_PAGE) for name in CEILINGS},
                **{
                    key: {
                        name: Measurement(server=f"numbers-mock {key}", path=paths[key][name])
                        for name in SIZE_MEASUREMENTS
                    }
                    for key in sizes
                },
            }
            for repetition in range(plan.repeat):
                progress(f"repetition {repetition + 1}/{plan.repeat}")
                for group, by_name in measurements.items():
                    for name, measurement in by_name.items():
                        server = servers[name if group == "ceiling" else group]
                        url = server.base + measurement.path
                        if plan.warmup_s > 0:
                            load(plan, url, headers, plan.warmup_s, f"{group}.{name} warm-up")
                        result = load(plan, url, headers, plan.duration_s, f"{group}.{name}")
                        measurement.runs.append(result)
                        progress(
                            f"  {group}.{name}: {result.requests_per_second:.1f} req/s, "
                            f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
                        )
                        check_alive(server)
            report["rss"] = {
                key: {
                    "peak_mb": round(vm_kib(server.process.pid, "VmHWM") * 1024 / 1e6, 1),
                    "at_start_mb": round(server.rss_at_start_kib * 1024 / 1e6, 1),
                    "pid": server.process.pid,
                    "cpus": sorted(os.sched_getaffinity(server.process.pid)),
                }
                for key, server in servers.items()
            }
        finally:
            for server in servers.values():
                stop(server)
        report["access_log_lines"] = {
            key: count_access_lines(server.log) for key, server in servers.items()
        }
    report["measurements"] = {
        group: {name: m.summary() for name, m in by_name.items()}
        for group, by_name in measurements.items()
    }
    report["ratios"] = ratios(report, sizes)
    report["targets_missed"] = [
        r["name"] for r in report["ratios"] if r["target"] is not None and not r["passed"]
    ]


def plan_requests(
    plan: Plan, sizes: dict[str, int], servers: dict[str, Server], headers: dict[str, str]
) -> tuple[dict[str, dict[str, str]], dict[str, Any]]:
    """The URL path of every measurement, and what was chosen (filters, depths)."""
    stock_filter = choose_filter(
        STOCK_FILTERS,
        "results",
        f"/organizations/{ORG}/numbers-stock-items?limit={LIMIT}&",
        [servers[key] for key in sizes],
        headers,
    )
    available_filter = choose_filter(
        AVAILABLE_FILTERS,
        "numbers",
        f"/numbers/available?limit={LIMIT}&",
        [servers[key] for key in sizes],
        headers,
    )
    notes: dict[str, Any] = {
        "stock_first": STOCK_PAGE,
        "available": AVAILABLE_DEFAULT,
        "stock_filter": stock_filter,
        "available_filter": available_filter,
        "deep": {},
    }
    paths: dict[str, dict[str, str]] = {}
    for key, count in sizes.items():
        wanted = max(1, min(plan.depth, math.ceil(count / LIMIT) - 1))
        deep_path, depth, seconds = walk(servers[key], headers, wanted)
        notes["deep"][key] = {
            "numbers": count,
            "requested_depth": plan.depth,
            "depth": depth,
            "page": depth + 1,
            "walk_seconds": round(seconds, 2),
        }
        progress(f"{key}: deep page = page {depth + 1} ({depth} tokens followed)")
        paths[key] = {
            "stock_first": STOCK_PAGE,
            "stock_deep": deep_path,
            "stock_filtered": f"/organizations/{ORG}/numbers-stock-items?limit={LIMIT}&"
            + stock_filter["query"],
            "available": AVAILABLE_DEFAULT,
            "available_filtered": f"/numbers/available?limit={LIMIT}&" + available_filter["query"],
        }
    return paths, notes


def choose_filter(
    candidates: tuple[str, ...],
    key: str,
    prefix: str,
    servers: list[Server],
    headers: dict[str, str],
) -> dict[str, Any]:
    """The most selective candidate that fills a page on every server (else the last)."""
    counts: dict[str, list[int]] = {}
    for query in candidates:
        counts[query] = [
            len(json.loads(fetch_page(server, prefix + query, headers))[key]) for server in servers
        ]
        if min(counts[query]) >= LIMIT:
            return {"query": query, "full_page": True, "results": counts[query]}
    query = candidates[-1]
    return {"query": query, "full_page": False, "results": counts[query]}


def walk(server: Server, headers: dict[str, str], wanted: int) -> tuple[str, int, float]:
    """Follow nextPageToken `wanted` times; the path of the deepest full page reached."""
    started = time.monotonic()
    deadline = started + WALK_SECONDS
    path, depth = STOCK_PAGE, 0
    deepest = (path, 0)
    with httpx.Client(base_url=server.base, headers=headers, timeout=30) as client:
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


# ---------------------------------------------------------------------------------------------
# Ratios against the targets


def ratios(report: dict[str, Any], sizes: dict[str, int]) -> list[dict[str, Any]]:
    m = report["measurements"]
    small, large = human(sizes["small"]), human(sizes["large"])
    rows: list[dict[str, Any]] = []

    def add(name: str, label: str, value: float, target: float | None, op: str = "<=") -> None:
        value = round(value, 3)
        passed = None
        if target is not None:
            passed = value >= target if op == ">=" else value <= target
        rows.append(
            {
                "name": name,
                "label": label,
                "value": value,
                "target": target,
                "op": op,
                "passed": passed,
            }
        )

    fastapi, starlette = m["ceiling"]["fastapi"], m["ceiling"]["starlette"]
    stock, available = m["small"]["stock_first"], m["small"]["available"]
    add(
        "ceiling.stock.rps",
        f"stock page req/s / FastAPI req/s ({small})",
        div(stock["requests_per_second"], fastapi["requests_per_second"]),
        0.6,
        ">=",
    )
    add(
        "ceiling.stock.p99",
        f"stock page p99 / FastAPI p99 ({small})",
        div(stock["p99_ms"], fastapi["p99_ms"]),
        2.0,
    )
    add(
        "ceiling.available.rps",
        f"available search req/s / FastAPI req/s ({small})",
        div(available["requests_per_second"], fastapi["requests_per_second"]),
        None,
        ">=",
    )
    add(
        "ceiling.available.p99",
        f"available search p99 / FastAPI p99 ({small})",
        div(available["p99_ms"], fastapi["p99_ms"]),
        None,
    )
    add(
        "ceiling.stock.rps_starlette",
        f"stock page req/s / Starlette req/s ({small})",
        div(stock["requests_per_second"], starlette["requests_per_second"]),
        None,
        ">=",
    )
    add(
        "ceiling.fastapi_vs_starlette",
        "FastAPI req/s / Starlette req/s",
        div(fastapi["requests_per_second"], starlette["requests_per_second"]),
        None,
        ">=",
    )
    for key in sizes:
        label = human(sizes[key])
        first, deep = m[key]["stock_first"], m[key]["stock_deep"]
        page = report["requests"]["deep"][key]["page"]
        for stat in ("p50", "p99"):
            add(
                f"deep.{key}.{stat}",
                f"deep (page {page}) / first page {stat} ({label})",
                div(deep[f"{stat}_ms"], first[f"{stat}_ms"]),
                1.3,
            )
        for kind, unfiltered in (("stock", "stock_first"), ("available", "available")):
            filtered = m[key][f"{kind}_filtered"]
            for stat, target in (("p50", None), ("p99", 3.0)):
                add(
                    f"filtered.{key}.{kind}.{stat}",
                    f"{kind} filtered / unfiltered {stat} ({label})",
                    div(filtered[f"{stat}_ms"], m[key][unfiltered][f"{stat}_ms"]),
                    target,
                )
    for name in SIZE_MEASUREMENTS:
        for stat in ("p50", "p99"):
            add(
                f"scale.{name}.{stat}",
                f"{large} / {small}: {SIZE_MEASUREMENTS[name]} {stat}",
                div(m["large"][name][f"{stat}_ms"], m["small"][name][f"{stat}_ms"]),
                1.5,
            )
    add("rss.large", f"peak RSS at {large} numbers, MB", report["rss"]["large"]["peak_mb"], 200.0)
    return rows


def div(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def human(count: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if count >= size:
            return f"{count / size:g}{unit}"
    return str(count)


# ---------------------------------------------------------------------------------------------
# Load generation


def load(plan: Plan, url: str, headers: dict[str, str], seconds: float, what: str) -> Run:
    header_lines = [f"{name}: {value}" for name, value in headers.items()]
    if plan.generator == "wrk":
        whole = max(1, round(seconds))  # wrk takes whole seconds
        command = ["wrk", "--latency", "-t1", f"-c{plan.connections}", f"-d{whole}s"]
        command += ["--timeout", SOCKET_TIMEOUT]
        for line in header_lines:
            command += ["-H", line]
        output = run_generator([*command, url], whole, what)
        return parse_wrk(output, what)
    command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--url", url]
    command += ["--seconds", str(seconds), "--connections", str(plan.connections)]
    for line in header_lines:
        command += ["--header", line]
    result = json.loads(run_generator(command, seconds, what))
    problems = result["non_2xx"] + result["errors"]
    if problems or not result["requests"]:
        raise BenchBroken(
            f"{what}: {result['non_2xx']} non-2xx responses, {result['errors']} errors, "
            f"{result['requests']} requests"
        )
    return Run(
        requests=result["requests"],
        requests_per_second=result["requests_per_second"],
        p50_ms=result["p50_ms"],
        p99_ms=result["p99_ms"],
    )


def run_generator(command: list[str], seconds: float, what: str) -> str:
    try:
        finished = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            preexec_fn=child_setup(None),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchBroken(f"{what}: the load generator did not finish") from None
    if finished.returncode != 0:
        raise BenchBroken(f"{what}: {command[0]} failed: {finished.stderr or finished.stdout}")
    return finished.stdout


_WRK_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_wrk(output: str, what: str) -> Run:
    def number(pattern: str) -> re.Match[str]:
        match = re.search(pattern, output, re.MULTILINE)
        if match is None:
            raise BenchBroken(f"{what}: no {pattern!r} in wrk's output:\n{output}")
        return match

    def latency(percent: int) -> float:
        match = number(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$")
        return float(match[1]) * _WRK_UNITS[match[2]]

    non_2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    requests = int(number(r"(\d+) requests in")[1])
    if (non_2xx and int(non_2xx[1])) or (errors and any(int(n) for n in errors.groups())):
        raise BenchBroken(f"{what}: errors under load:\n{output}")
    if requests == 0:
        raise BenchBroken(f"{what}: no requests completed:\n{output}")
    return Run(
        requests=requests,
        requests_per_second=float(number(r"^Requests/sec:\s*([\d.]+)")[1]),
        p50_ms=latency(50),
        p99_ms=latency(99),
    )


# ---------------------------------------------------------------------------------------------
# Databases, servers and processes


@contextmanager
def workspace(keep_db: Path | None) -> Iterator[tuple[Path, Path]]:
    workdir = Path(tempfile.mkdtemp(prefix="numbers-mock-run-"))
    try:
        dbdir = keep_db.resolve() if keep_db else workdir
        dbdir.mkdir(parents=True, exist_ok=True)
        yield workdir, dbdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def db_name(count: int) -> str:
    return f"bench-{count}.db"


def seed_database(
    dbdir: Path, count: int, env: dict[str, str], timeout: float, cpus: set[int]
) -> dict[str, Any]:
    """Seed `count` numbers into a fresh SQLite file; reuse a kept one (--keep-db) if seeded.

    The seed runs on ``cpus`` (all of them): it generates and writes on two cores at once.
    """
    path = dbdir / db_name(count)
    record = path.with_suffix(".seed.json")
    if path.exists() and record.exists():
        kept: dict[str, Any] = json.loads(record.read_text())
        if kept.get("numbers") == count:
            progress(f"reusing {path} (seeded at commit {kept.get('commit')})")
            return {**kept, "reused": True}
    for stale in dbdir.glob(path.name + "*"):
        stale.unlink()
    progress(f"seeding {count:,} numbers into {path}")
    started = time.perf_counter()
    try:
        finished = subprocess.run(
            [*numbers_mock(), "seed", "--count", str(count), "--database-url", f"sqlite:///{path}"],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=child_setup(cpus),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchBroken(f"seeding {count:,} numbers took over {timeout:.0f} s") from None
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise BenchBroken(f"seeding failed: {finished.stderr[-2000:]}")
    reported = re.search(r"\(([\d,.]+) numbers/s\)", finished.stderr + finished.stdout)
    result: dict[str, Any] = {
        "numbers": count,
        "seconds": round(seconds, 2),
        "numbers_per_second": round(count / seconds, 1),
        "reported_numbers_per_second": float(reported[1].replace(",", "")) if reported else None,
        "database_mb": round(path.stat().st_size / 1e6, 1),
        "commit": git("rev-parse", "HEAD"),
        "reused": False,
    }
    record.write_text(json.dumps(result, indent=2))
    progress(f"seeded in {seconds:.1f} s: {result['numbers_per_second']:,.0f} numbers/s")
    return result


def mint_token(env: dict[str, str]) -> str:
    finished = subprocess.run(
        [*numbers_mock(), "token", "--org", ORG, "--ttl", str(7 * 24 * 3600)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if finished.returncode != 0 or not finished.stdout.strip():
        raise BenchBroken(f"numbers-mock token failed: {finished.stderr}")
    return finished.stdout.strip().splitlines()[-1]


def start_numbers_mock(key: str, database: Path, env: dict[str, str], workdir: Path) -> Server:
    port = free_port()
    command = [*numbers_mock(), "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", f"sqlite:///{database}", "--log-level", "warning"]
    return start(key, command, env, port, workdir)


def start_baseline(framework: str, body: Path, workdir: Path) -> Server:
    port = free_port()
    command = [sys.executable, str(BENCH_DIR / "baseline_apps.py"), framework]
    command += ["--port", str(port), "--body", str(body)]
    return start(framework, command, dict(os.environ), port, workdir)


def start(name: str, command: list[str], env: dict[str, str], port: int, workdir: Path) -> Server:
    """Start a server (the Python process itself, no shell), on the server core if pinned."""
    server_cpus, _ = core_plan()
    log = workdir / f"{name}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            cwd=workdir,
            preexec_fn=child_setup(server_cpus),
        )
    return Server(name=name, process=process, base=f"http://{HOST}:{port}", log=log)


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        check_alive(server)
        try:
            if httpx.get(f"{server.base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise BenchBroken(f"{server.name} did not answer /healthz in {SERVER_START_SECONDS:.0f} s")


def check_alive(server: Server) -> None:
    if server.process.poll() is not None:
        tail = server.log.read_text(errors="replace")[-3000:]
        raise BenchBroken(f"{server.name} exited ({server.process.returncode}):\n{tail}")


def stop(server: Server) -> None:
    """SIGTERM, then SIGKILL after STOP_SECONDS; always reaped."""
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            server.process.kill()
            server.process.wait()  # SIGKILL cannot be refused


def count_access_lines(log: Path) -> int:
    """uvicorn access-log lines the server wrote (the ceilings run with access_log=False)."""
    if not log.exists():
        return 0
    with log.open(errors="replace") as lines:
        return sum(1 for line in lines if re.search(r'" \d{3}\b', line))


def fetch_page(server: Server, path: str, headers: dict[str, str]) -> bytes:
    response = httpx.get(server.base + path, headers=headers, timeout=60)
    if response.status_code != 200:
        raise BenchBroken(f"{server.name} {path}: HTTP {response.status_code} {response.text}")
    return response.content


def numbers_mock() -> list[str]:
    script = Path(sys.executable).parent / "numbers-mock"
    return [str(script)] if script.exists() else [sys.executable, "-m", "app"]


def server_environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    env.update(
        NUMBERS_MOCK_JWT_SECRET=secrets.token_hex(32),
        NUMBERS_MOCK_ADMIN_KEY=secrets.token_hex(16),
    )
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def vm_kib(pid: int, field_name: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise BenchBroken(f"no {field_name} for pid {pid}")


def core_plan() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, load generator cores): the first two allowed; (None, None) on one."""
    if len(_ALLOWED_CPUS) < 2:
        return None, None
    return {_ALLOWED_CPUS[0]}, {_ALLOWED_CPUS[1]}


# Read once at import: run() then narrows this process's own affinity to the load core.
_ALLOWED_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def child_setup(cpus: set[int] | None) -> Callable[[], None]:
    """Runs in the child before exec: pin it, and have it killed if this process dies.

    SIGKILL, because numbers-mock's serve ignores SIGTERM until uvicorn has started.
    """

    def setup() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


# ---------------------------------------------------------------------------------------------
# Reporting


def machine_info() -> dict[str, Any]:
    model = None
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        match = re.search(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        model = match[1] if match else None
    return {
        "cores": os.cpu_count(),
        "allowed_cores": sorted(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else None,
        "cpu": model,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "commit": git("rev-parse", "HEAD"),
        "uncommitted_changes": bool(git("status", "--porcelain")),
        "uvicorn": {
            "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
            "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
            "log_level": "warning",
        },
    }


def generator_info(plan: Plan) -> dict[str, Any]:
    if plan.generator == "wrk":
        finished = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
        version = (finished.stdout + finished.stderr).splitlines()[0:1]
        return {
            "name": "wrk",
            "version": version[0] if version else None,
            "threads": 1,
            "connections": plan.connections,
            "socket_timeout": SOCKET_TIMEOUT,
        }
    return {
        "name": "python-asyncio (bench/loadgen.py)",
        "threads": 1,
        "connections": plan.connections,
    }


def git(*arguments: str) -> str | None:
    try:
        finished = subprocess.run(
            ["git", "-C", str(REPOSITORY), *arguments],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return finished.stdout.strip() if finished.returncode == 0 else None


_STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def write_json(path: Path, report: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, default=str))


def print_report(report: dict[str, Any]) -> None:
    machine, plan, generator = report["machine"], report["plan"], report["generator"]
    pinning = (
        f"server on core {machine['server_cpus'][0]}, load generator on core "
        f"{machine['load_cpus'][0]}"
        if machine["pinned"]
        else "NOT pinned (one core allowed): server and load generator share it"
    )
    mode = "quick" if plan["quick"] else "full"
    print(
        f"\nnumbers-mock scale benchmark ({mode}), commit {(machine['commit'] or '?')[:12]}"
        + (" + uncommitted changes" if machine["uncommitted_changes"] else "")
    )
    print(
        f"machine: {machine['cores']} cores ({machine['cpu']}), Python {machine['python']}, "
        f"{machine['platform']}"
    )
    print(f"{pinning}; generator {generator['name']}, {generator['connections']} connections")
    print(
        f"{plan['repeat']} x {plan['duration_s']:g} s per figure after {plan['warmup_s']:g} s "
        "warm-up; figures are medians of the repetitions (a shared machine is noisy: read "
        "the ratios, not the absolute numbers)"
    )
    requests = report["requests"]
    print(
        f"stock filter: {requests['stock_filter']['query']}"
        + ("" if requests["stock_filter"]["full_page"] else " (NOT a full page)")
    )
    print(
        f"available filter: {requests['available_filter']['query']}"
        + ("" if requests["available_filter"]["full_page"] else " (NOT a full page)")
    )

    print(f"\n{'measurement':<44} {'req/s':>9} {'p50 ms':>9} {'p99 ms':>9}")
    for group, by_name in report["measurements"].items():
        for name, summary in by_name.items():
            if group == "ceiling":
                label = CEILINGS[name]
            else:
                label = f"{human(report['seeding'][group]['numbers'])}: {SIZE_MEASUREMENTS[name]}"
                if name == "stock_deep":
                    label += f" (page {requests['deep'][group]['page']})"
            print(
                f"{label:<44} {summary['requests_per_second']:>9.1f} "
                f"{summary['p50_ms']:>9.2f} {summary['p99_ms']:>9.2f}"
            )

    print(f"\n{'numbers':>9} {'seed s':>8} {'seed numbers/s':>15} {'peak RSS MB':>12}")
    for key in ("small", "large"):
        seeding = report["seeding"][key]
        reused = " (reused)" if seeding.get("reused") else ""
        print(
            f"{seeding['numbers']:>9,} {seeding['seconds']:>8.1f} "
            f"{seeding['numbers_per_second']:>15,.0f} {report['rss'][key]['peak_mb']:>12.1f}"
            f"{reused}"
        )
    ceilings = ", ".join(f"{name} {report['rss'][name]['peak_mb']:.1f}" for name in CEILINGS)
    print(f"ceiling apps' peak RSS MB: {ceilings}")
    logged = sum(report["access_log_lines"].get(key, 0) for key in ("small", "large"))
    if logged:
        print(
            f"note: numbers-mock wrote {logged:,} access-log lines (uvicorn's access log is on "
            "in `numbers-mock serve`; the ceilings run with access_log=False)"
        )

    print(f"\n{'ratio':<58} {'value':>8} {'target':>8}  result")
    for row in report["ratios"]:
        target = f"{row['op']} {row['target']:g}" if row["target"] is not None else "-"
        result = "-" if row["passed"] is None else ("pass" if row["passed"] else "MISS")
        print(f"{row['label']:<58} {row['value']:>8.3f} {target:>8}  {result}")


if __name__ == "__main__":
    sys.exit(main())
