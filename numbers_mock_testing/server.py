"""Launch a numbers-mock server as a child process, wait until it is ready, stop it.

The server's top-level package is called ``app``, a name many projects use for their own code.
Nothing here imports it: the server runs in its own process, started from the
``numbers-mock`` console script with a private working directory, ``PYTHONSAFEPATH=1`` and no
``PYTHONPATH``, so a user's ``app`` (in their working directory or on their ``PYTHONPATH``)
can't shadow the server's.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from numbers_mock_testing.client import NumbersMockError

SCRIPT = "numbers-mock"
STARTUP_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 20.0
LOG_TAIL_LINES = 40
# Probes go straight to the server, never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerStartError(NumbersMockError):
    """The server exited, or did not answer ``/healthz``, before it was ready."""


@dataclass(frozen=True, slots=True)
class LaunchedServer:
    """A numbers-mock server process this package started."""

    url: str
    admin_key: str = field(repr=False)
    log_path: Path
    command: tuple[str, ...]
    process: subprocess.Popen[bytes]

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` s); returns its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def server_command() -> list[str]:
    """How to run the ``numbers-mock`` CLI: the script installed beside this interpreter,
    else the one on ``PATH``, else ``python -m app`` (only ever run from a private cwd)."""
    name = SCRIPT + (".exe" if os.name == "nt" else "")
    # Not resolved: in a virtualenv, sys.executable's directory is the venv's bin/, where
    # the script lives; its symlink target is the base interpreter's.
    beside = Path(sys.executable).parent / name
    if beside.is_file():
        return [str(beside)]
    on_path = shutil.which(SCRIPT)
    if on_path is not None:
        return [on_path]
    return [sys.executable, "-m", "app"]


def server_environment(
    workdir: Path, *, jwt_secret: str, admin_key: str, seed_count: int | None
) -> dict[str, str]:
    """This process's environment without its numbers-mock settings and ``PYTHONPATH``, plus
    a database in ``workdir`` and the given secrets."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("NUMBERS_MOCK_") and name != "PYTHONPATH"
    }
    env.update(
        PYTHONSAFEPATH="1",  # neither the cwd nor the script's directory goes on sys.path
        PYTHONUNBUFFERED="1",
        NUMBERS_MOCK_DATABASE_URL=f"sqlite:///{(workdir / 'numbers-mock.db').as_posix()}",
        NUMBERS_MOCK_JWT_SECRET=jwt_secret,
        NUMBERS_MOCK_ADMIN_KEY=admin_key,
    )
    if seed_count is not None:
        env["NUMBERS_MOCK_SEED_COUNT"] = str(seed_count)
    return env


def launch_server(
    workdir: Path,
    *,
    seed_count: int | None = None,
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> LaunchedServer:
    """Start ``numbers-mock serve`` on a free port of 127.0.0.1, with a SQLite database, its
    log and its working directory in ``workdir``, a random JWT secret and a random admin key;
    return once ``/healthz`` answers.

    Raises ``ServerStartError`` (with the end of the server's log) if it exits or is not
    ready within ``startup_timeout`` seconds. Stop it with ``LaunchedServer.stop()``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    admin_key = secrets.token_urlsafe(32)
    env = server_environment(
        workdir, jwt_secret=secrets.token_urlsafe(48), admin_key=admin_key, seed_count=seed_count
    )
    command = [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:  # the child has its own handle on the file
        process = _spawn(command, env=env, cwd=workdir, log=log)
    server = LaunchedServer(
        f"http://127.0.0.1:{port}", admin_key, log_path, tuple(command), process
    )
    try:
        _wait_until_ready(server, startup_timeout)
    except BaseException:
        server.stop()
        raise
    return server


@contextmanager
def running_server(
    workdir: Path,
    *,
    seed_count: int | None = None,
    startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
) -> Iterator[LaunchedServer]:
    """``launch_server`` as a context manager that stops the server on exit."""
    server = launch_server(workdir, seed_count=seed_count, startup_timeout=startup_timeout)
    try:
        yield server
    finally:
        server.stop()


def _spawn(
    command: list[str], *, env: dict[str, str], cwd: Path, log: IO[bytes]
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    except OSError as error:
        raise ServerStartError(f"could not run {command[0]}: {error}") from None


def _free_port() -> int:
    # The port is free now; another process could take it before the server binds it, in
    # which case the server exits and the error shows uvicorn's "address already in use".
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_ready(server: LaunchedServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        # Checked before each probe, so another process answering on a port ours failed to
        # bind is never mistaken for our server.
        if server.process.poll() is not None:
            raise ServerStartError(
                _failure(server, f"the server exited with status {server.process.returncode}")
            )
        if _is_healthy(server.url):
            return
        if time.monotonic() > deadline:
            raise ServerStartError(
                _failure(server, f"/healthz did not answer 200 within {timeout:.0f} s")
            )
        time.sleep(0.1)


def _is_healthy(url: str) -> bool:
    try:
        with _DIRECT.open(url + "/healthz", timeout=2) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as error:
        error.close()  # 503 while the database is unreachable: not ready yet
        return False
    except (OSError, ValueError):
        return False


def _failure(server: LaunchedServer, reason: str) -> str:
    return (
        f"numbers-mock could not start: {reason}.\n"
        f"command: {shlex.join(server.command)}\n"
        f"log ({server.log_path}), last lines:\n{_log_tail(server.log_path)}"
    )


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"(log unreadable: {error})"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty)"
