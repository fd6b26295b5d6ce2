"""bench/run.py still runs end to end (tiny sizes, 1 s figures), and its parts read right."""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from numbers_mock_testing.process import free_port, start_server

SIZE_MEASUREMENTS = (
    "stock_first",
    "stock_deep",
    "stock_filtered",
    "available",
    "available_filtered",
)
SIZES = ("small", "large")
# bench/run.py adds WireMock as a reference where Java and npm are installed (as in CI).
WIREMOCK_RUNS = shutil.which("java") is not None and shutil.which("npm") is not None


TRAFFIC = ("stock_varied", "available_varied", "stock_walk")


def expected_ratios(postgres: bool) -> set[str]:
    names = {
        "ceiling.stock.rps",
        "ceiling.stock.p99",
        "ceiling.available.rps",
        "ceiling.available.p99",
        "ceiling.stock.rps_starlette",
        "ceiling.fastapi_vs_starlette",
        "ceiling.stock.rate_limited.rps",
        "rss.large",
        "rss.default_after_traffic",
        *(f"traffic.{name}.{stat}" for name in TRAFFIC for stat in ("rps", "p99")),
    }
    if WIREMOCK_RUNS:
        names |= {
            "reference.wiremock.rps",
            "ceiling.stock.vs_wiremock",
            "ceiling.available.vs_wiremock",
            "traffic.stock_varied.vs_wiremock",
            "traffic.available_varied.vs_wiremock",
        }
    if postgres:
        names.add("postgres.stock_varied.rps")
    for stat in ("p50", "p99"):
        for size in SIZES:
            names.add(f"deep.{size}.{stat}")
            names |= {f"filtered.{size}.{kind}.{stat}" for kind in ("stock", "available")}
        names |= {f"scale.{name}.{stat}" for name in SIZE_MEASUREMENTS}
    return names


def run_bounded(command: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run in its own process group, so a timeout takes the servers it started with it."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(f"timed out after {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def test_run_smoke(repository_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "run.json"
    result = run_bounded(
        [
            sys.executable,
            str(repository_root / "bench" / "run.py"),
            "--quick",
            "--small",
            "300",
            "--large",
            "1500",
            "--duration",
            "1",
            "--warmup",
            "0",
            "--depth",
            "50",
            "--json",
            str(output),
        ],
        timeout=240,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(output.read_text())
    assert report["status"] == "ok"
    assert report["generator"]["name"]
    assert report["machine"]["python"]

    measurements = report["measurements"]
    assert set(measurements["ceiling"]) == {"fastapi", "starlette"}
    assert set(measurements["reference"]) == ({"wiremock"} if WIREMOCK_RUNS else set())
    assert set(measurements["rate_limited"]) == {"stock_first"}
    for size in SIZES:
        assert set(measurements[size]) == set(SIZE_MEASUREMENTS)
    assert set(measurements["traffic"]) == set(TRAFFIC)
    assert set(measurements.get("reference_traffic", {})) == (
        {"stock_varied", "available_varied"} if WIREMOCK_RUNS else set()
    )
    # PostgreSQL's row runs where PostgreSQL answers (CI's second pass), else it is skipped.
    postgres = "postgres" in report["rss"]
    assert set(measurements.get("postgres", {})) == ({"stock_varied"} if postgres else set())
    for name in TRAFFIC:
        assert report["requests"]["traffic"][name] > 0
    for by_name in measurements.values():
        for summary in by_name.values():
            assert summary["requests_per_second"] > 0
            assert summary["p99_ms"] >= summary["p50_ms"] > 0

    ratios = {row["name"]: row for row in report["ratios"]}
    assert set(ratios) == expected_ratios(postgres)
    for row in ratios.values():
        assert math.isfinite(row["value"]), row
        assert row["value"] > 0, row
    assert set(report["targets_missed"]) <= set(ratios)

    for server in ("small", "large", "fastapi", "starlette"):
        assert report["rss"][server]["peak_mb"] > 0
    assert report["memory"]["default"]["distinct_queries"] > 0
    assert report["memory"]["large"]["pages_walked"] > 0
    for size, count in (("small", 300), ("large", 1500)):
        assert report["seeding"][size]["numbers"] == count
        assert report["seeding"][size]["numbers_per_second"] > 0
        assert report["requests"]["deep"][size]["depth"] >= 1
    assert "p99 ms" in result.stdout
    assert "pass" in result.stdout or "MISS" in result.stdout


WRK_OUTPUT = """\
Running 10s test @ http://127.0.0.1:8000/organizations/bench/numbers-stock-items?limit=10
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   325.62ms   47.83ms   1.20s    73.50%
    Req/Sec    99.00     81.94   232.00     65.38%
  Latency Distribution
     50%  850.00us
     75%  350.04ms
     90%  404.33ms
     99%    1.25s
  2830 requests in 10.01s, 9.60MB read
Requests/sec:    282.73
Transfer/sec:    326.01KB
"""


def test_wrk_output_parsing(bench_modules: Callable[[str], ModuleType]) -> None:
    bench = bench_modules("load")
    parsed: Any = bench.parse_wrk(WRK_OUTPUT, "test")
    assert parsed.requests == 2830
    assert parsed.requests_per_second == pytest.approx(282.73)
    assert parsed.p50_ms == pytest.approx(0.85)
    assert parsed.p99_ms == pytest.approx(1250.0)
    broken = WRK_OUTPUT.replace("Requests/sec", "  Non-2xx or 3xx responses: 3\nRequests/sec")
    with pytest.raises(bench.BenchBroken, match="errors under load"):
        bench.parse_wrk(broken, "test")
    timeouts = WRK_OUTPUT.replace(
        "Requests/sec", "  Socket errors: connect 0, read 0, write 0, timeout 7\nRequests/sec"
    )
    with pytest.raises(bench.BenchBroken, match="errors under load"):
        bench.parse_wrk(timeouts, "test")


def test_python_load_generator(repository_root: Path, tmp_path: Path) -> None:
    """The fallback when wrk is absent: counts requests, and non-2xx responses as such."""
    body = tmp_path / "page.json"
    body.write_bytes(b'{"results":[]}')
    port = free_port()
    server = start_server(
        [
            sys.executable,
            str(repository_root / "bench" / "baseline_apps.py"),
            "starlette",
            "--port",
            str(port),
            "--body",
            str(body),
        ],
        url=f"http://127.0.0.1:{port}",
        log_path=tmp_path / "starlette.log",
        name="starlette",
    ).wait_until_ready(30)
    try:
        results = {}
        for name, path in (("ok", "/organizations/bench/numbers-stock-items"), ("404", "/nope")):
            finished = subprocess.run(
                [
                    sys.executable,
                    str(repository_root / "bench" / "loadgen.py"),
                    "--url",
                    server.url + path,
                    "--seconds",
                    "0.5",
                    "--connections",
                    "4",
                    "--header",
                    "Authorization: Bearer x",
                ],
                capture_output=True,
                text=True,
                timeout=60,
                check=True,
            )
            results[name] = json.loads(finished.stdout)
    finally:
        server.stop()
    assert results["ok"]["requests"] > 0
    assert results["ok"]["requests_per_second"] > 0
    assert results["ok"]["non_2xx"] == results["ok"]["errors"] == 0
    assert results["ok"]["p99_ms"] >= results["ok"]["p50_ms"] > 0
    assert results["404"]["requests"] == results["404"]["non_2xx"] > 0
