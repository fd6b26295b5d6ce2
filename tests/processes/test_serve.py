"""`numbers-mock serve` as a real process: first start seeds, second reuses, logs guide."""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest

from app.cli.main import GRACEFUL_SHUTDOWN_SECONDS
from numbers_mock_testing.process import free_port
from tests.conftest import DatabaseFactory
from tests.servers import COMMAND, running_server, server_environment


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


def _children(pid: int) -> list[int]:
    children: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
def test_serve_with_workers_runs_that_many_processes_on_one_inventory(
    database_factory: DatabaseFactory,
) -> None:
    env = server_environment(database_factory("workers"))
    port = free_port()
    with running_server(env, port, "--workers", "2", "--no-access-log") as server:
        token = subprocess.run(
            [COMMAND, "token", "--org", "acme"], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        headers = {"Authorization": f"Bearer {token}"}
        url = f"http://127.0.0.1:{port}/organizations/acme/numbers-stock-items"
        # A walk over new connections lands on both workers; tokens work on either.
        walked: list[str] = []
        params: dict[str, str | int] = {"limit": 50}
        while True:
            page = httpx.get(url, params=params, headers=headers)
            assert page.status_code == 200, page.text
            walked += [item["numberString"] for item in page.json()["results"]]
            if "nextPageToken" not in page.json():
                break
            params["pageToken"] = page.json()["nextPageToken"]
        assert len(walked) == len(set(walked)) == 400
        # uvicorn's supervisor, and under it one process per worker.
        workers = [
            child
            for child in _children(server.process.pid)
            if "multiprocessing.resource_tracker" not in Path(f"/proc/{child}/cmdline").read_text()
        ]
        assert len(workers) == 2, workers
        assert server.stop() == 0
        log = server.log()
    assert "seeded 400 numbers" in log
    assert log.count("Started server process") == 2
    assert "GET /organizations/acme" not in log  # --no-access-log


def test_a_stop_does_not_wait_out_a_scripted_hang(database_factory: DatabaseFactory) -> None:
    """A hang lasts a minute by default; a stopping server cancels it after its grace period
    and the hanging client sees the connection closed."""
    env = server_environment(database_factory("serve_hang"), NUMBERS_MOCK_ADMIN_KEY="hang-admin")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    admin = {"Authorization": "Bearer hang-admin"}
    with running_server(env, port) as server, ThreadPoolExecutor(1) as pool:
        token = httpx.post(f"{base}/_mock/tokens", json={"organizationId": "acme"}, headers=admin)
        headers = {"Authorization": f"Bearer {token.json()['token']}"}
        scripted = httpx.post(
            f"{base}/_mock/faults", json={"operation": "*", "fault": "hang"}, headers=admin
        )
        assert scripted.status_code == 201
        hanging = pool.submit(
            httpx.get, f"{base}/numbers/available?countryCode=US", headers=headers, timeout=120
        )
        deadline = time.monotonic() + 10
        while not httpx.get(f"{base}/_mock/faults", headers=admin).json()["faults"][0]["fired"]:
            assert time.monotonic() < deadline, "the hang never began"
            time.sleep(0.05)
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < GRACEFUL_SHUTDOWN_SECONDS + 10
        with pytest.raises(httpx.RemoteProtocolError):
            hanging.result(timeout=30)
