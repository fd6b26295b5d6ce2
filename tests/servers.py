"""Real `numbers-mock serve` processes for tests that need HTTP on a port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
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


class RunningServer:
    """A server process and its log (a file: a pipe nobody reads would fill and block it)."""

    def __init__(self, process: subprocess.Popen[bytes], log_path: Path) -> None:
        self.process = process
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 20) -> int:
        """SIGTERM, then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still there after 20 s; nothing if it already ended."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_server(env: dict[str, str], port: int, *arguments: str) -> Iterator[RunningServer]:
    """Start `numbers-mock serve`, wait for /healthz, stop it with SIGTERM at the end."""
    log_path = Path(tempfile.mkstemp(prefix="numbers-mock-", suffix=".log")[1])
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [COMMAND, "serve", "--port", str(port), *arguments],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(process, log_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, server.log()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not become ready in 60 s")
        yield server
    finally:
        stop_process(process)
        log_path.unlink(missing_ok=True)
