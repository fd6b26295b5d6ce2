"""`numbers-mock serve` as a real process: first start seeds, second reuses, logs guide."""

from __future__ import annotations

import subprocess

import httpx2 as httpx

from tests.conftest import DatabaseFactory
from tests.servers import COMMAND, free_port, running_server, server_environment


def test_serve_seeds_once_answers_and_stops_cleanly(database_factory: DatabaseFactory) -> None:
    env = server_environment(database_factory("serve"))
    port = free_port()
    with running_server(env, port) as server:
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
        assert server.stop() == 0
        first_log = server.log()
    assert "seeded 400 numbers" in first_log
    assert "inventory: 400 numbers in stock" in first_log
    assert "database:" in first_log
    assert "DEVELOPMENT JWT SECRET" in first_log
    assert "numbers-mock token --org" in first_log

    with running_server(env, port) as server:
        assert server.stop() == 0
        second_log = server.log()
    assert "seeded" not in second_log
    assert "inventory: 400 numbers in stock" in second_log
