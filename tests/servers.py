"""Real `numbers-mock serve` processes for tests that need HTTP on a port.

Started, waited for and stopped by the plugin's launcher (``numbers_mock_testing.process``),
each with its log and working directory in a temporary directory.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from numbers_mock_testing.process import ServerProcess, start_server
from numbers_mock_testing.server import without_server_settings

COMMAND = str(Path(sys.executable).parent / "numbers-mock")
STARTUP_TIMEOUT_SECONDS = 60.0


def server_environment(database_url: str, **extra: str) -> dict[str, str]:
    """The test process's environment without NUMBERS_MOCK_*, plus these settings."""
    env = without_server_settings()
    env["NUMBERS_MOCK_DATABASE_URL"] = database_url
    env["NUMBERS_MOCK_SEED_COUNT"] = "400"
    env.update(extra)
    return env


def start_serve(env: dict[str, str], port: int, workdir: Path, *arguments: str) -> ServerProcess:
    """Start `numbers-mock serve` on ``port`` of 127.0.0.1 without waiting for it; its log
    (``server.log()``) and working directory are ``workdir``."""
    return start_server(
        [COMMAND, "serve", "--port", str(port), *arguments],
        url=f"http://127.0.0.1:{port}",
        log_path=workdir / "server.log",
        env=env,
        cwd=workdir,
        name="numbers-mock",
    )


@contextmanager
def running_server(env: dict[str, str], port: int, *arguments: str) -> Iterator[ServerProcess]:
    """Start `numbers-mock serve`, wait for /healthz, stop it at the end (SIGTERM, then
    SIGKILL after 20 s); ``stop()`` inside the block gives its exit status."""
    with tempfile.TemporaryDirectory(prefix="numbers-mock-") as workdir:
        server = start_serve(env, port, Path(workdir), *arguments)
        try:
            server.wait_until_ready(STARTUP_TIMEOUT_SECONDS)
            yield server
        finally:
            server.stop()
