"""How scripted delays spread in practice: each distribution over N requests, as the client
sees it and as the journal records it.

    python bench/fault_delays.py [--requests 100]

Starts its own ``numbers-mock serve`` (SQLite, 400 numbers), scripts each delay on Pingram's
search, sends ``--requests`` distinct searches one after another, and prints min, median,
p90, p99 and max of the client's latency minus an unscripted baseline run first (the
server's own cost). Not a speed benchmark: a check that a distribution looks as scripted.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from numbers_mock_testing import NumbersMock
from numbers_mock_testing.server import running_server

OPERATION = "searchAvailableNumbers"
SCRIPTS: dict[str, dict[str, Any]] = {
    "fixed delayMs 100": {"delay_ms": 100},
    "uniform 50-150 ms": {"distribution": "uniform", "lower_ms": 50, "upper_ms": 150},
    "lognormal median 80 ms, sigma 0.4": {
        "distribution": "lognormal",
        "median_ms": 80,
        "sigma": 0.4,
    },
    "dribble 5 chunks over 200 ms": {"dribble_chunks": 5, "dribble_total_ms": 200},
}


def latencies(client: httpx.Client, token: str, count: int, offset: int) -> list[float]:
    """Milliseconds per search, each a distinct query (area codes walk along)."""
    taken = []
    for index in range(count):
        area = 201 + (offset + index) % 700
        started = time.perf_counter()
        response = client.get(
            "/numbers/available",
            params={"countryCode": "US", "areaCode": str(area), "limit": 10},
            headers={"Authorization": f"Bearer {token}"},
        )
        response.read()
        taken.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return taken


def summary(values: Sequence[float]) -> str:
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(int(share * len(ordered)), len(ordered) - 1)]

    return (
        f"min {ordered[0]:7.1f}  median {statistics.median(ordered):7.1f}  "
        f"p90 {at(0.9):7.1f}  p99 {at(0.99):7.1f}  max {ordered[-1]:7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="fault-delays-") as workdir,
        running_server(Path(workdir), seed_count=400) as server,
        httpx.Client(base_url=server.url, timeout=120) as client,
    ):
        mock = NumbersMock(server.url, server.admin_key)
        token = mock.token(org="bench")
        latencies(client, token, 20, 0)  # warm up
        base = statistics.median(latencies(client, token, args.requests, 1000))
        print(f"{args.requests} requests each; unscripted median {base:.1f} ms, subtracted")
        for offset, (name, script) in enumerate(SCRIPTS.items(), start=1):
            fault_id = mock.delay(OPERATION, **script)
            taken = latencies(client, token, args.requests, offset * 2000)
            mock.delete_fault(fault_id)
            print(f"{name:36} {summary([value - base for value in taken])}")


if __name__ == "__main__":
    main()
