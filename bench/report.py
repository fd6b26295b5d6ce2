"""bench/run.py's report: the ratios against the issue's targets, the table on stdout, the
JSON file, and the machine they were measured on."""

from __future__ import annotations

import importlib.util
import json
import math
import os
import platform
import re
import sys
from pathlib import Path
from typing import Any

from common import git
from traffic import TRAFFIC

# What each size is measured on: key -> what it is.
SIZE_MEASUREMENTS = {
    "stock_first": "stock items, default page",
    "stock_deep": "stock items, deep page",
    "stock_filtered": "stock items, filtered",
    "available": "available numbers, default",
    "available_filtered": "available numbers, filtered",
}
CEILINGS = {"fastapi": "bare FastAPI, fixed page", "starlette": "bare Starlette, fixed page"}
# What users would run instead, serving the same page (when it can run here).
REFERENCES = {"wiremock": "WireMock, fixed stub"}
# bench/traffic.py's groups, and what each figure is.
TRAFFIC_GROUPS = {
    "traffic": "SQLite",
    "reference_traffic": "WireMock, fixed stubs",
    "postgres": "PostgreSQL",
}


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
            elif group == "reference":
                label = REFERENCES[name]
            elif group == "rate_limited":
                label = f"{human(report['seeding']['small']['numbers'])}: stock page, 1 rate limit"
            elif group in TRAFFIC_GROUPS:
                count = report["requests"]["traffic"][name]
                label = f"{TRAFFIC_GROUPS[group]}: {TRAFFIC[name]} ({count:,})"
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
    memory = report.get("memory")
    if memory:
        default, large = memory["default"], memory["large"]
        print(
            f"peak RSS after traffic: default inventory {default['peak_mb']:.1f} MB (a walk of "
            f"{default['pages_walked']} pages, {default['distinct_queries']:,} distinct queries); "
            f"large {large['peak_mb']:.1f} MB (a walk of {large['pages_walked']} pages of "
            f"{large['page_limit']})"
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
        0.6,
        ">=",
    )
    add(
        "ceiling.available.p99",
        f"available search p99 / FastAPI p99 ({small})",
        div(available["p99_ms"], fastapi["p99_ms"]),
        2.0,
    )
    wiremock = m.get("reference", {}).get("wiremock")
    if wiremock is not None:
        add(
            "reference.wiremock.rps",
            "WireMock req/s / FastAPI req/s (fixed stub)",
            div(wiremock["requests_per_second"], fastapi["requests_per_second"]),
            None,
            ">=",
        )
        for kind, measured in (("stock", stock), ("available", available)):
            add(
                f"ceiling.{kind}.vs_wiremock",
                f"{kind} req/s / WireMock req/s ({small})",
                div(measured["requests_per_second"], wiremock["requests_per_second"]),
                1.0,
                ">=",
            )
    limited = m.get("rate_limited", {}).get("stock_first")
    if limited is not None:
        add(
            "ceiling.stock.rate_limited.rps",
            f"stock page, 1 rate limit, req/s / FastAPI req/s ({small})",
            div(limited["requests_per_second"], fastapi["requests_per_second"]),
            0.5,
            ">=",
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
    _traffic_ratios(m, add)
    memory = report.get("memory")
    if memory:
        add(
            "rss.default_after_traffic",
            "peak RSS, default inventory after walk + distinct queries, MB",
            memory["default"]["peak_mb"],
            150.0,
        )
    add(
        "rss.large",
        f"peak RSS at {large} numbers (after the walk), MB",
        report["rss"]["large"]["peak_mb"],
        200.0,
    )
    return rows


def _traffic_ratios(m: dict[str, Any], add: Any) -> None:
    """Speed II's targets: the traffic users send, against the bare route and WireMock."""
    fastapi = m["ceiling"]["fastapi"]
    traffic = m.get("traffic", {})
    for name, measured in traffic.items():
        varied = name != "stock_walk"  # the walk is reported; the issue sets no target on it
        add(
            f"traffic.{name}.rps",
            f"{TRAFFIC[name]} req/s / FastAPI req/s",
            div(measured["requests_per_second"], fastapi["requests_per_second"]),
            0.5 if varied else None,
            ">=",
        )
        add(
            f"traffic.{name}.p99",
            f"{TRAFFIC[name]} p99 / FastAPI p99",
            div(measured["p99_ms"], fastapi["p99_ms"]),
            3.0 if varied else None,
        )
        reference = m.get("reference_traffic", {}).get(name)
        if reference is not None:
            add(
                f"traffic.{name}.vs_wiremock",
                f"{TRAFFIC[name]} req/s / WireMock req/s (same targets)",
                div(measured["requests_per_second"], reference["requests_per_second"]),
                1.0,
                ">=",
            )
    postgres = m.get("postgres", {}).get("stock_varied")
    if postgres is not None:
        add(
            "postgres.stock_varied.rps",
            "PostgreSQL: stock items, varied, req/s / FastAPI req/s",
            div(postgres["requests_per_second"], fastapi["requests_per_second"]),
            0.3,
            ">=",
        )


def div(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def human(count: int) -> str:
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if count >= size:
            return f"{count / size:g}{unit}"
    return str(count)
