"""The launcher every server of this repository starts through, on a stand-in server: a few
lines of ``http.server`` that answer ``/healthz`` and misbehave on request."""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from numbers_mock_testing.process import (
    ServerProcess,
    ServerStartError,
    free_port,
    start_server,
)

# argv: port, then behaviours: "ignore-sigterm", "child" (starts a process that ignores
# SIGTERM and would outlive the server), "exit" (exits with status 3 before listening).
STAND_IN = """
import http.server
import signal
import subprocess
import sys

port, behaviours = int(sys.argv[1]), sys.argv[2:]
if "exit" in behaviours:
    print("giving up", flush=True)
    raise SystemExit(3)
if "ignore-sigterm" in behaviours:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
else:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
if "child" in behaviours:
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"
    print("child", subprocess.Popen([sys.executable, "-c", stubborn]).pid, flush=True)


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.HTTPServer(("127.0.0.1", port), Health).serve_forever()
"""
LINUX_PROC = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def stand_in(
    tmp_path: Path, *behaviours: str, preexec_fn: Callable[[], None] | None = None
) -> ServerProcess:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    port = free_port()
    return start_server(
        [sys.executable, str(script), str(port), *behaviours],
        url=f"http://127.0.0.1:{port}",
        log_path=tmp_path / "stand-in.log",
        cwd=tmp_path,
        name="stand-in",
        preexec_fn=preexec_fn,
    ).wait_until_ready(30)


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for init, which may be slow)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def test_free_port_is_free() -> None:
    port = free_port()
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", port))


@LINUX_PROC
def test_a_server_is_ready_in_its_own_process_group_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    server = stand_in(tmp_path)
    try:
        assert server.pid == server.process.pid
        assert os.getpgid(server.pid) == server.pid
        assert os.getpgid(server.pid) != os.getpgid(0)
        assert Path(f"/proc/{server.pid}/cwd").resolve() == tmp_path.resolve()
    finally:
        assert server.stop() == 0
    assert server.stop() == 0  # stopping twice is harmless


def test_a_server_that_ignores_sigterm_is_killed_after_the_timeout(tmp_path: Path) -> None:
    server = stand_in(tmp_path, "ignore-sigterm")
    started = time.monotonic()
    assert server.stop(timeout=0.5) == -signal.SIGKILL
    assert time.monotonic() - started < 10


@LINUX_PROC
def test_stopping_leaves_no_orphan(tmp_path: Path) -> None:
    server = stand_in(tmp_path, "child")
    child = int(server.log().split()[1])
    assert is_running(child)
    assert server.stop() == 0
    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(child)


def test_a_server_that_exits_is_reported_with_its_log(tmp_path: Path) -> None:
    with pytest.raises(ServerStartError) as failed:
        stand_in(tmp_path, "exit")
    message = str(failed.value)
    assert message.startswith("stand-in could not start: the server exited with status 3.\n")
    assert "stand_in.py" in message  # the command
    assert f"log ({tmp_path / 'stand-in.log'}), last lines:\ngiving up" in message


def test_a_server_that_is_not_ready_in_time_is_stopped(tmp_path: Path) -> None:
    port = free_port()
    server = start_server(
        [sys.executable, "-c", "import time; time.sleep(600)"],
        url=f"http://127.0.0.1:{port}",
        log_path=tmp_path / "log",
        name="sleeper",
    )
    with pytest.raises(ServerStartError) as failed:
        server.wait_until_ready(0.3)
    assert str(failed.value).startswith("sleeper could not start: /healthz did not answer 200")
    assert "(empty)" in str(failed.value)
    assert server.process.poll() is not None


def test_a_command_that_cannot_run_is_a_start_error(tmp_path: Path) -> None:
    with pytest.raises(ServerStartError, match="could not run /nonexistent/server"):
        start_server(["/nonexistent/server"], url="http://127.0.0.1:1", log_path=tmp_path / "log")


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="CPU affinity (Linux)")
def test_preexec_fn_runs_in_the_server_before_it_starts(tmp_path: Path) -> None:
    """What bench/ uses to pin a server to a core."""
    first_cpu = min(os.sched_getaffinity(0))
    server = stand_in(tmp_path, preexec_fn=lambda: os.sched_setaffinity(0, {first_cpu}))
    try:
        assert os.sched_getaffinity(server.pid) == {first_cpu}
    finally:
        server.stop()
