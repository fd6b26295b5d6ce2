"""Launch a numbers-mock server as a child process, wait until it is ready, stop it.

What makes it numbers-mock's (the command, its environment, random secrets, a database in a
temporary directory) is here; starting, waiting and stopping is ``process.py``'s.

The server's top-level package is called ``app``, a name many projects use for their own code.
Nothing here imports it: the server runs in its own process, started from the
``numbers-mock`` console script with a private working directory, ``PYTHONSAFEPATH=1`` and no
``PYTHONPATH``, so a user's ``app`` (in their working directory or on their ``PYTHONPATH``)
can't shadow the server's.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from numbers_mock_testing.process import (
    STOP_TIMEOUT_SECONDS,
    ServerStartError,
    free_port,
    start_server,
    stop_process,
)

SCRIPT = "numbers-mock"
STARTUP_TIMEOUT_SECONDS = 60.0

__all__ = [
    "STARTUP_TIMEOUT_SECONDS",
    "STOP_TIMEOUT_SECONDS",
    "LaunchedServer",
    "ServerStartError",
    "launch_server",
    "running_server",
    "server_command",
    "server_environment",
    "without_server_settings",
]


@dataclass(frozen=True, slots=True)
class LaunchedServer:
    """A numbers-mock server process this package started."""

    url: str
    admin_key: str = field(repr=False)
    log_path: Path
    command: tuple[str, ...]
    process: subprocess.Popen[bytes]

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Stop the server (SIGTERM, then SIGKILL after ``timeout`` s) and whatever it started;
        returns its exit code."""
        return stop_process(self.process, timeout)


def server_command() -> list[str]:
    """How to run the ``numbers-mock`` CLI: the script installed beside this interpreter,
    else the one on ``PATH``, else ``python -m app`` (which the plugin runs from a private
    cwd with ``PYTHONSAFEPATH=1``, see ``server_environment``)."""
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


def without_server_settings(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (default: this process's environment) without its ``NUMBERS_MOCK_*``
    settings, so a server started with it has only the settings it is given."""
    source = os.environ if environ is None else environ
    return {name: value for name, value in source.items() if not name.startswith("NUMBERS_MOCK_")}


def server_environment(
    workdir: Path, *, jwt_secret: str, admin_key: str, seed_count: int | None
) -> dict[str, str]:
    """This process's environment without its numbers-mock settings and ``PYTHONPATH``, plus
    a database in ``workdir`` and the given secrets."""
    env = without_server_settings()
    env.pop("PYTHONPATH", None)
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
    port = free_port()
    admin_key = secrets.token_urlsafe(32)
    env = server_environment(
        workdir, jwt_secret=secrets.token_urlsafe(48), admin_key=admin_key, seed_count=seed_count
    )
    server = start_server(
        [*server_command(), "serve", "--host", "127.0.0.1", "--port", str(port)],
        url=f"http://127.0.0.1:{port}",
        log_path=workdir / "server.log",
        env=env,
        cwd=workdir,
        name=SCRIPT,
    ).wait_until_ready(startup_timeout)
    return LaunchedServer(server.url, admin_key, server.log_path, server.command, server.process)


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
