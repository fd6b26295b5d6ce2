"""Load for bench/run.py: wrk when it is on PATH, else bench/loadgen.py; their output read
into a ``Run``, and the repetitions of one figure into a ``Measurement``."""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from common import BENCH_DIR, BenchBroken, child_setup

SOCKET_TIMEOUT = "30s"  # wrk's; a request slower than this counts as an error


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
    targets: str | None = None  # a file of request targets, cycled (then path describes it)
    runs: list[Run] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "path": self.path,
            "targets": self.targets,
            "requests_per_second": round(
                statistics.median(r.requests_per_second for r in self.runs), 1
            ),
            "p50_ms": round(statistics.median(r.p50_ms for r in self.runs), 3),
            "p99_ms": round(statistics.median(r.p99_ms for r in self.runs), 3),
            "runs": [asdict(r) for r in self.runs],
        }


def choose_generator(requested: str) -> str:
    """``auto`` is bench/loadgen.py: the varied workloads cycle through target files, which
    only it reads, and one generator for every row keeps the ratios comparable."""
    if requested == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("--generator wrk: wrk is not on PATH (apt-get install wrk)")
    return "python" if requested == "auto" else requested


@dataclass(frozen=True)
class LoadGenerator:
    """``wrk`` (1 thread) or ``python`` (bench/loadgen.py), with this many connections."""

    name: str
    connections: int

    def info(self) -> dict[str, Any]:
        if self.name == "wrk":
            finished = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
            version = (finished.stdout + finished.stderr).splitlines()[0:1]
            return {
                "name": "wrk",
                "version": version[0] if version else None,
                "threads": 1,
                "connections": self.connections,
                "socket_timeout": SOCKET_TIMEOUT,
            }
        return {
            "name": "python-asyncio (bench/loadgen.py)",
            "threads": 1,
            "connections": self.connections,
        }

    def run(
        self,
        url: str,
        headers: dict[str, str],
        seconds: float,
        what: str,
        targets: str | None = None,
    ) -> Run:
        """GET ``url`` (or, with ``targets``, each target of that file in turn, on ``url``'s
        server) with ``headers`` for ``seconds``, as hard as the generator can."""
        header_lines = [f"{name}: {value}" for name, value in headers.items()]
        if self.name == "wrk" and targets is not None:
            raise BenchBroken(
                f"{what}: varied workloads need bench/loadgen.py (--generator python)"
            )
        if self.name == "wrk":
            whole = max(1, round(seconds))  # wrk takes whole seconds
            command = ["wrk", "--latency", "-t1", f"-c{self.connections}", f"-d{whole}s"]
            command += ["--timeout", SOCKET_TIMEOUT]
            for line in header_lines:
                command += ["-H", line]
            output = run_generator([*command, url], whole, what)
            return parse_wrk(output, what)
        command = [sys.executable, str(BENCH_DIR / "loadgen.py"), "--url", url]
        command += ["--seconds", str(seconds), "--connections", str(self.connections)]
        if targets is not None:
            command += ["--targets", targets]
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
