"""Real `numbers-mock serve` processes for tests that need HTTP on a port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx2 as httpx

COMMAND = str(Path(sys.executable).parent / "numbers-mock")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The test process's environment without NUMBERS_MOCK_*, plus these settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBERS_MOCK_")}
    env["NUMBERS_MOCK_DATABASE_URL"] = database_url
    env["NUMBERS_MOCK_SEED_COUNT"] = "400"
    env.update(extra)
    return env


@contextmanager
def running_server(
    env: dict[str, str], port: int, *arguments: str
) -> Iterator[subprocess.Popen[str]]:
    """Start `numbers-mock serve`, wait for /healthz, stop it with SIGTERM at the end."""
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()[0]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not become ready in 60 s")
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=20)
        if process.stdout is not None and not process.stdout.closed:
            process.stdout.close()
