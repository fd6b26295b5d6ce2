"""Crashes, shutdown and a lost database: the inventory stays consistent, clients get envelopes."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2 as httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db.engine import create_db_engine
from app.db.models import InventoryNumber
from numbers_mock_testing.process import free_port
from tests.conftest import POSTGRES_URL, DatabaseFactory
from tests.helpers import wait_until
from tests.servers import COMMAND, running_server, server_environment

ADMIN_KEY = "resilience-admin-key"
ADMIN = {"Authorization": f"Bearer {ADMIN_KEY}"}


def _statuses(database_url: str) -> Counter[str]:
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(
                select(InventoryNumber.status, func.count()).group_by(InventoryNumber.status)
            ).all()
            if engine.dialect.name == "sqlite":
                assert session.scalar(text("PRAGMA integrity_check")) == "ok"
            return Counter({status: count for status, count in rows})  # noqa: C416 - typed rows
    finally:
        engine.dispose()


def _numbers(database_url: str) -> list[str]:
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            statement = select(InventoryNumber.number_string).order_by(
                InventoryNumber.number_string
            )
            return list(session.scalars(statement))
    finally:
        engine.dispose()


def _token(base: str) -> dict[str, str]:
    response = httpx.post(f"{base}/_mock/tokens", json={"organizationId": "acme"}, headers=ADMIN)
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_kill_during_a_bulk_seed_keeps_the_previous_inventory(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory("seed_kill")
    env = server_environment(url)
    subprocess.run(
        [COMMAND, "seed", "--count", "300", "--seed", "1"], env=env, check=True, capture_output=True
    )
    before = _numbers(url)
    seeding = subprocess.Popen(
        [COMMAND, "seed", "--count", "400000", "--seed", "2", "--reset"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert seeding.stderr is not None
    # Kill it once it has deleted the old inventory and written batches of the new one.
    progress = [seeding.stderr.readline() for _ in range(3)]
    assert all("numbers written" in line for line in progress), progress
    generators = _children(seeding.pid)  # the process generating the numbers
    assert generators
    seeding.send_signal(signal.SIGKILL)
    seeding.wait(timeout=10)
    seeding.stderr.close()
    assert _numbers(url) == before
    assert _statuses(url) == Counter({"in_stock": 300})
    # Nothing outlives the seed: its generator notices it is orphaned and exits.
    wait_until(
        lambda: not any(Path(f"/proc/{pid}").exists() for pid in generators),
        timeout=15,
        what=f"the orphaned seed generator {generators} to exit",
    )


def _children(pid: int) -> list[int]:
    return [
        int(child)
        for task in Path(f"/proc/{pid}/task").iterdir()
        for child in (task / "children").read_text().split()
    ]


def test_kill_during_purchases_leaves_a_consistent_inventory(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory("purchase_kill")
    env = server_environment(url, NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY, NUMBERS_MOCK_SEED_COUNT="2000")
    port = free_port()
    sold: list[str] = []
    with running_server(env, port) as server:
        base = f"http://127.0.0.1:{port}"
        auth = _token(base)
        targets = [
            n["phoneNumber"]
            for country in ("US", "GB", "DE", "FR")
            for n in httpx.get(
                f"{base}/numbers/available?countryCode={country}&limit=50", headers=auth
            ).json()["numbers"]
        ]
        lock = threading.Lock()

        def buy(number: str) -> None:
            try:
                response = httpx.post(
                    f"{base}/_mock/numbers/{number.replace('+', '%2B')}/purchase",
                    json={"organizationId": "acme"},
                    headers=ADMIN,
                    timeout=10,
                )
            except httpx.TransportError:
                return  # the server died under this request: its outcome is unknown
            if response.status_code == 200:
                with lock:
                    sold.append(number)

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(buy, number) for number in targets]
            wait_until(lambda: len(sold) >= 20, timeout=60, what="20 acknowledged purchases")
            server.process.send_signal(signal.SIGKILL)
            for future in futures:
                future.result()
    assert 20 <= len(sold) < len(targets)
    statuses = _statuses(url)
    assert sum(statuses.values()) == 2000
    assert set(statuses) <= {"in_stock", "sold"}
    # Every acknowledged purchase survived; the rest of the stock is intact.
    with running_server(env, port) as restarted:
        base = f"http://127.0.0.1:{port}"
        auth = _token(base)
        for number in sold:
            response = httpx.get(
                f"{base}/organizations/acme/numbers-stock-items",
                params={"prefix": number},
                headers=auth,
            )
            assert response.json() == {"results": []}
        assert "inventory: " in restarted.log()
    assert statuses["sold"] >= len(sold)


def test_sigterm_drains_in_flight_requests_and_exits_0(database_factory: DatabaseFactory) -> None:
    env = server_environment(database_factory("drain"), NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY)
    port = free_port()
    with running_server(env, port) as server:
        base = f"http://127.0.0.1:{port}"
        auth = _token(base)
        httpx.post(
            f"{base}/_mock/faults",
            json={"operation": "searchAvailableNumbers", "delayMs": 1500},
            headers=ADMIN,
        )
        with ThreadPoolExecutor(max_workers=1) as pool:
            in_flight = pool.submit(
                httpx.get, f"{base}/numbers/available?countryCode=US", headers=auth, timeout=10
            )
            # The fault fires (and is counted) before its delay: the request is then
            # waiting inside the server.
            wait_until(lambda: _fired(base) == 1, timeout=10, what="the delay to hold the request")
            server.process.send_signal(signal.SIGTERM)
            assert in_flight.result().status_code == 200
        assert server.process.wait(timeout=20) == 0


def _fired(base: str) -> int:
    """How many times the one scripted fault has fired."""
    (fault,) = httpx.get(f"{base}/_mock/faults", headers=ADMIN).json()["faults"]
    fired: int = fault["fired"]
    return fired


class CuttableProxy:
    """A TCP proxy to PostgreSQL whose plug we can pull: the database 'goes away' for the
    server under test while the shared cluster keeps running for everything else."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._connections: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.create_server(("127.0.0.1", self.port), reuse_port=False)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self._lock:
            if self._listener is not None:
                # shutdown() wakes the thread blocked in accept(); close() alone would not,
                # and the kernel would keep accepting on the closed socket.
                with contextlib.suppress(OSError):
                    self._listener.shutdown(socket.SHUT_RDWR)
                self._listener.close()
                self._listener = None
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
                connection.close()
            self._connections.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                if self._listener is not listener:  # cut while this one was being accepted
                    client.close()
                    return
                upstream = socket.create_connection(self.target)
                self._connections += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.close()


@pytest.mark.skipif(
    POSTGRES_URL is None, reason="needs PostgreSQL (NUMBERS_MOCK_TEST_DATABASE_URL)"
)
def test_database_loss_is_a_503_and_recovers_without_restart(
    database_factory: DatabaseFactory,
) -> None:
    real = make_url(database_factory("db_loss"))
    proxy = CuttableProxy((real.host or "127.0.0.1", real.port or 5432))
    proxy.start()
    through_proxy = real.set(host="127.0.0.1", port=proxy.port).render_as_string(
        hide_password=False
    )
    env = server_environment(through_proxy, NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY)
    port = free_port()
    try:
        with running_server(env, port):
            base = f"http://127.0.0.1:{port}"
            auth = _token(base)
            assert (
                httpx.get(f"{base}/numbers/available?countryCode=US", headers=auth).status_code
                == 200
            )
            proxy.cut()
            for path in ("/numbers/available?countryCode=US", "/healthz"):
                response = httpx.get(f"{base}{path}", headers=auth, timeout=20)
                assert response.status_code == 503, response.text
                error = response.json()["error"]
                assert error["code"] == "database_unavailable"
                assert "NUMBERS_MOCK_DATABASE_URL" in error["fix"]
                assert response.headers["Retry-After"]
            proxy.start()
            deadline = time.monotonic() + 15
            while True:
                status = httpx.get(
                    f"{base}/numbers/available?countryCode=US", headers=auth
                ).status_code
                if status == 200 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert status == 200
    finally:
        proxy.cut()
