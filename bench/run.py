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
both sizes, and the default and filtered available-numbers search; WireMock serving the
same page from a fixed stub, where Java and npm are installed (the reference users would
pick instead); last, the small default page with one scripted rate limit. Then the servers'
peak RSS (VmHWM). Reported as medians of the repetitions, and as ratios against the issue's
targets; a table on stdout and JSON in bench/results/run-<UTC time>.json (or --json).

Exit status: 0 when the benchmark ran (missed targets included, unless --fail-on-miss: 1),
2 when something broke (a server did not start or died, a non-2xx response or a socket
error under load). Every wait is bounded; every process it starts is stopped on the way out.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import os
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import BENCH_DIR, BenchBroken, core_plan, cpu_seconds, progress, vm_kib
from load import LoadGenerator, Measurement, choose_generator
from report import (
    CEILINGS,
    REFERENCES,
    SIZE_MEASUREMENTS,
    machine_info,
    print_report,
    ratios,
    write_json,
)
from servers import (
    check_alive,
    clear_scripting,
    count_access_lines,
    db_name,
    fetch_page,
    mint_token,
    numbers_mock_environment,
    rate_limited,
    seed_database,
    start_baseline,
    start_numbers_mock,
    start_wiremock,
    wait_ready,
    workspace,
)
from traffic import (
    POSTGRES_URL,
    memory_after_traffic,
    plan_traffic,
    start_postgres_server,
    traffic_measurements,
)
from workload import AVAILABLE_DEFAULT, ORG, STOCK_PAGE, plan_requests

from numbers_mock_testing.process import ServerProcess

CONNECTIONS = 32
DEFAULT_INVENTORY = 40_000  # `numbers-mock serve`'s own seed: the memory row's server
RATE_LIMITED_OPERATION = "listStockItems"
JVM_WARMUP_S = 10.0  # full runs; --quick keeps its own warm-up


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
    varied: int
    postgres_url: str | None


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
    parser.add_argument(
        "--varied", type=int, default=None, help="distinct queries per API (3000; quick 200)"
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help=f"the PostgreSQL row's database, created if missing ({POSTGRES_URL}); 'none' skips it",
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
        varied=options.varied or (200 if quick else 3_000),
        postgres_url=None if options.postgres_url == "none" else options.postgres_url,
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


def run(plan: Plan, report: dict[str, Any]) -> None:
    all_cpus = os.sched_getaffinity(0)  # the seeds use every core, as a user's seed does
    server_cpus, load_cpus = core_plan()
    report["machine"]["server_cpus"] = sorted(server_cpus) if server_cpus else None
    report["machine"]["load_cpus"] = sorted(load_cpus) if load_cpus else None
    report["machine"]["pinned"] = server_cpus is not None
    if load_cpus is not None:
        os.sched_setaffinity(0, load_cpus)  # this process, the seeds, walks and load generator
    generator = LoadGenerator(plan.generator, plan.connections)
    report["generator"] = generator.info()
    env = numbers_mock_environment()
    sizes = {"small": plan.small, "large": plan.large}
    with workspace(plan.keep_db) as (workdir, dbdir):
        report["seeding"] = {
            key: seed_database(dbdir, count, env, plan.seed_timeout_s, all_cpus)
            for key, count in sizes.items()
        }
        # The memory row's server: the default inventory (quick: the small one's file).
        default_count = plan.small if plan.quick else DEFAULT_INVENTORY
        if default_count not in sizes.values():
            seed_database(dbdir, default_count, env, plan.seed_timeout_s, all_cpus)
        headers = {"Authorization": f"Bearer {mint_token(env, ORG)}"}
        servers: dict[str, ServerProcess] = {}
        try:
            start_servers(servers, sizes, env, workdir, dbdir, headers)
            postgres = start_postgres_server(
                plan.postgres_url, plan.small, env, workdir, plan.seed_timeout_s
            )
            if postgres is not None:
                servers["postgres"] = postgres
            rss_at_start_kib = {key: vm_kib(server.pid, "VmRSS") for key, server in servers.items()}
            paths, report["requests"] = plan_requests(plan.depth, sizes, servers, headers)
            files = plan_traffic(servers["small"], headers, env, workdir, plan.varied)
            report["requests"]["traffic"] = {
                name: len(Path(file).read_text().split()) for name, file in files.items()
            }
            groups = traffic_measurements(files, servers)
            measurements = measure(plan, generator, servers, paths, headers, groups)
            measurements |= measure_rate_limited(plan, generator, servers, env, headers)
            report["memory"] = memory_after_traffic(
                functools.partial(
                    start_numbers_mock, "default", dbdir / db_name(default_count), env, workdir
                ),
                servers["large"],
                headers,
                env,
                plan.quick,
            )
            report["rss"] = {
                key: {
                    "peak_mb": round(vm_kib(server.pid, "VmHWM") * 1024 / 1e6, 1),
                    "at_start_mb": round(rss_at_start_kib[key] * 1024 / 1e6, 1),
                    "pid": server.pid,
                    "cpus": sorted(os.sched_getaffinity(server.pid)),
                }
                for key, server in servers.items()
            }
        finally:
            for server in servers.values():
                server.stop()
        report["access_log_lines"] = {
            key: count_access_lines(server.log_path) for key, server in servers.items()
        }
    report["measurements"] = {
        group: {name: m.summary() for name, m in by_name.items()}
        for group, by_name in measurements.items()
    }
    report["ratios"] = ratios(report, sizes)
    report["targets_missed"] = [
        r["name"] for r in report["ratios"] if r["target"] is not None and not r["passed"]
    ]


def start_servers(
    servers: dict[str, ServerProcess],
    sizes: dict[str, int],
    env: dict[str, str],
    workdir: Path,
    dbdir: Path,
    headers: dict[str, str],
) -> None:
    """numbers-mock at each size, then the ceilings serving its first page, into ``servers``
    as they start (the caller stops them), each ready on return."""
    for key, count in sizes.items():
        servers[key] = start_numbers_mock(key, dbdir / db_name(count), env, workdir)
    for key in sizes:
        wait_ready(servers[key])
        clear_scripting(servers[key], env)
    progress("numbers-mock servers ready")
    body = fetch_page(servers["small"], STOCK_PAGE, headers)
    (workdir / "page.json").write_bytes(body)
    (workdir / "available.json").write_bytes(
        fetch_page(servers["small"], AVAILABLE_DEFAULT, headers)
    )
    for framework in CEILINGS:
        servers[framework] = start_baseline(framework, workdir / "page.json", workdir)
    for framework in CEILINGS:
        wait_ready(servers[framework])
    progress("ceiling servers ready")
    pingram = {AVAILABLE_DEFAULT.partition("?")[0]: workdir / "available.json"}
    wiremock = start_wiremock(workdir / "page.json", STOCK_PAGE, workdir, pingram)
    if wiremock is not None:
        servers["wiremock"] = wiremock
        wait_ready(wiremock)
        progress("WireMock ready")


def measure(
    plan: Plan,
    generator: LoadGenerator,
    servers: dict[str, ServerProcess],
    paths: dict[str, dict[str, str]],
    headers: dict[str, str],
    traffic: dict[str, dict[str, Measurement]],
) -> dict[str, dict[str, Measurement]]:
    """Every figure, ``plan.repeat`` times, each after its warm-up: group -> name -> runs."""
    measurements: dict[str, dict[str, Measurement]] = {
        "ceiling": {name: Measurement(server=name, path=STOCK_PAGE) for name in CEILINGS},
        "reference": {
            name: Measurement(server=name, path=STOCK_PAGE)
            for name in REFERENCES
            if name in servers
        },
        **{
            key: {
                name: Measurement(server=f"numbers-mock {key}", path=by_name[name])
                for name in SIZE_MEASUREMENTS
            }
            for key, by_name in paths.items()
        },
        **traffic,
    }
    for repetition in range(plan.repeat):
        progress(f"repetition {repetition + 1}/{plan.repeat}")
        for group, by_name in measurements.items():
            for name, measurement in by_name.items():
                server = servers[_server_of(group, name)]
                # The JVM compiles its hot paths as it runs: give WireMock a fair warm-up.
                jvm = group == "reference" and not plan.quick
                warmup = max(plan.warmup_s, JVM_WARMUP_S) if jvm else None
                run_once(plan, generator, server, measurement, headers, f"{group}.{name}", warmup)
                if group.startswith("reference"):
                    # The JVM keeps compiling and collecting on the server core after its
                    # load stops: the next figure would pay for it (seen: the repeated page
                    # measured right after WireMock at 0.3x instead of 0.6x).
                    settle(server)
    return measurements


SETTLE_SECONDS = 30.0
IDLE_SHARE = 0.05  # of a core, over half a second


def settle(server: ServerProcess) -> None:
    """Wait (at most SETTLE_SECONDS) until ``server`` uses under IDLE_SHARE of a core."""
    deadline = time.monotonic() + SETTLE_SECONDS
    used = cpu_seconds(server.pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(server.pid)
        if now - used < IDLE_SHARE * 0.5:
            return
        used = now
    progress(f"{server.name} still busy after {SETTLE_SECONDS:.0f} s; measuring on")


def _server_of(group: str, name: str) -> str:
    """Which server a group's figure is measured on."""
    if group in ("ceiling", "reference"):
        return name
    return {"traffic": "small", "reference_traffic": "wiremock"}.get(group, group)


def measure_rate_limited(
    plan: Plan,
    generator: LoadGenerator,
    servers: dict[str, ServerProcess],
    env: dict[str, str],
    headers: dict[str, str],
) -> dict[str, dict[str, Measurement]]:
    """The small inventory's default page again, with one scripted rate limit active on it
    (every request then counts in the database); measured last, so nothing else has it."""
    server = servers["small"]
    measurement = Measurement(server="numbers-mock small", path=STOCK_PAGE)
    with rate_limited(server, env, RATE_LIMITED_OPERATION):
        for _ in range(plan.repeat):
            run_once(plan, generator, server, measurement, headers, "rate_limited.stock_first")
    return {"rate_limited": {"stock_first": measurement}}


def run_once(
    plan: Plan,
    generator: LoadGenerator,
    server: ServerProcess,
    measurement: Measurement,
    headers: dict[str, str],
    what: str,
    warmup_s: float | None = None,
) -> None:
    targets = measurement.targets
    url = server.url + ("/" if targets else measurement.path)
    warmup = plan.warmup_s if warmup_s is None else warmup_s
    if warmup > 0:
        generator.run(url, headers, warmup, f"{what} warm-up", targets)
    result = generator.run(url, headers, plan.duration_s, what, targets)
    measurement.runs.append(result)
    progress(
        f"  {what}: {result.requests_per_second:.1f} req/s, "
        f"p50 {result.p50_ms:.2f} ms, p99 {result.p99_ms:.2f} ms"
    )
    check_alive(server)


if __name__ == "__main__":
    sys.exit(main())
