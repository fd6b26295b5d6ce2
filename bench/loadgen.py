"""bench/run.py's fallback load generator when wrk is not installed: asyncio, raw HTTP/1.1.

    python bench/loadgen.py --url http://127.0.0.1:8000/healthz --seconds 10 \
        --connections 32 [--header "Authorization: Bearer ..."] [--targets FILE]

Closed loop: each of --connections keep-alive connections sends its next GET as soon as the
previous response is read. With --targets (a file of request targets, "/path?query", one a
line) every request takes the next target of the file, shared by all connections and cycled,
so no target is asked twice in a row (--url then gives the host and port only).

Prints one JSON object: requests, requests_per_second, p50_ms, p99_ms, non_2xx, errors.
One process, one core (bench/run.py pins it); it saturates well below wrk,
so a server faster than it looks slower than it is.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 64 * 1024


@dataclass
class Tally:
    latencies_ms: list[float] = field(default_factory=list)
    non_2xx: int = 0
    errors: int = 0


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; return its status and whether the connection stays open."""
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER_BYTES:
        raise ValueError("response head too large")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)  # the chunk and its CRLF
            if size == 0:
                break
    else:
        await reader.read()  # delimited by close
        return status, False
    return status, headers.get("connection", "").lower() != "close"


class Requests:
    """The bytes of each request: one fixed request, or the next of a cycled list."""

    def __init__(self, targets: list[str], head: list[str]) -> None:
        tail = "\r\n".join(head) + "\r\n\r\n"
        self._requests = [
            f"GET {target} HTTP/1.1\r\n{tail}".encode("latin-1") for target in targets
        ]
        self._next = 0

    def next(self) -> bytes:
        request = self._requests[self._next]
        self._next = (self._next + 1) % len(self._requests)
        return request


async def connection(
    host: str, port: int, requests: Requests, deadline: float, timeout: float, tally: Tally
) -> None:
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    try:
        while time.monotonic() < deadline:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(host, port), timeout
                )
            assert reader is not None
            assert writer is not None
            request = requests.next()
            started = time.perf_counter()
            try:
                writer.write(request)
                status, keep_alive = await asyncio.wait_for(read_response(reader), timeout)
            except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError):
                tally.errors += 1
                writer.close()
                reader = writer = None
                continue
            tally.latencies_ms.append((time.perf_counter() - started) * 1000)
            tally.non_2xx += not 200 <= status < 300
            if not keep_alive:
                writer.close()
                reader = writer = None
    except (OSError, TimeoutError):
        tally.errors += 1
    finally:
        if writer is not None:
            writer.close()


async def run(
    url: str, headers: list[str], seconds: float, connections: int, targets: list[str] | None
) -> dict[str, float]:
    parts = urlsplit(url)
    host = parts.hostname or "127.0.0.1"
    port = parts.port or 80
    if not targets:
        targets = [parts.path + (f"?{parts.query}" if parts.query else "")]
    requests = Requests(targets, [f"Host: {parts.netloc}", "Accept: */*", *headers])
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(connection(host, port, requests, deadline, 30.0, tally) for _ in range(connections))
    )
    elapsed = time.monotonic() - started
    ordered = sorted(tally.latencies_ms)
    return {
        "requests": len(ordered),
        "requests_per_second": len(ordered) / elapsed,
        "p50_ms": percentile(ordered, 0.50),
        "p99_ms": percentile(ordered, 0.99),
        "non_2xx": tally.non_2xx,
        "errors": tally.errors,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    parser.add_argument("--targets", type=Path, default=None, help="request targets, one a line")
    options = parser.parse_args()
    targets = options.targets.read_text().split() if options.targets else None
    load = run(options.url, options.header, options.seconds, options.connections, targets)
    try:
        import uvloop
    except ImportError:
        result = asyncio.run(load)
    else:
        result = uvloop.run(load)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
