"""`numbers-mock serve` as a real process: first start seeds, second reuses, logs guide."""

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

from tests.conftest import DatabaseFactory

COMMAND = str(Path(sys.executable).parent / "numbers-mock")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def _server(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [COMMAND, "serve", "--port", str(port)],
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


def _environment(database_url: str) -> dict[str, str]:
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("NUMBERS_MOCK_")
    }
    env["NUMBERS_MOCK_DATABASE_URL"] = database_url
    env["NUMBERS_MOCK_SEED_COUNT"] = "400"
    return env


def test_serve_seeds_once_answers_and_stops_cleanly(database_factory: DatabaseFactory) -> None:
    env = _environment(database_factory("serve"))
    port = _free_port()
    with _server(env, port) as process:
        token = subprocess.run(
            [COMMAND, "token", "--org", "acme"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        base = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {token}"}
        stock = httpx.get(
            f"{base}/organizations/acme/numbers-stock-items", params={"limit": 5}, headers=headers
        )
        assert stock.status_code == 200
        assert len(stock.json()["results"]) == 5
        available = httpx.get(f"{base}/numbers/available?countryCode=US", headers=headers)
        assert available.status_code == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        first_log = process.communicate()[0]
    assert "seeded 400 numbers" in first_log
    assert "inventory: 400 numbers in stock" in first_log
    assert "database:" in first_log
    assert "DEVELOPMENT JWT SECRET" in first_log
    assert "numbers-mock token --org" in first_log

    with _server(env, port) as process:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        second_log = process.communicate()[0]
    assert "seeded" not in second_log
    assert "inventory: 400 numbers in stock" in second_log
