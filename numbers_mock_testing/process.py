"""Start a server process, wait until it answers ``/healthz``, stop it with all it started.

The one launcher of this repository: the pytest plugin (``server.py``), the repository's own
tests and ``bench/`` start every server through it, numbers-mock or not. Standard library
only, and nothing of the server's package ``app``.

A server runs as the leader of its own process group, its output in a log file (a pipe
nobody reads would fill and block it). Stopping it sends SIGTERM, then SIGKILL to the whole
group after a timeout, and SIGKILL to whatever of the group outlives the server: no orphans.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from numbers_mock_testing.client import NumbersMockError

HEALTH_PATH = "/healthz"
STOP_TIMEOUT_SECONDS = 20.0
# How long what a stopped server started may take to follow it before it is killed.
LEFTOVER_GRACE_SECONDS = 1.0
LOG_TAIL_LINES = 40
_HAS_PROCESS_GROUPS = os.name == "posix"
# Probes go straight to the server, never through an HTTP proxy from the environment.
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ServerStartError(NumbersMockError):
    """The server exited, or did not answer ``/healthz``, before it was ready."""


@dataclass(frozen=True, slots=True)
class ServerProcess:
    """A server process ``start_server`` started, leader of its own process group."""

    name: str
    url: str
    command: tuple[str, ...]
    log_path: Path
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        """Everything the server wrote so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def wait_until_ready(self, timeout: float) -> ServerProcess:
        """Return it once ``/healthz`` answers 200. If the server exits first or ``timeout``
        seconds pass (or the wait is interrupted), stop it and raise ``ServerStartError``
        with the end of its log."""
        try:
            self._wait_until_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int:
        """Stop the server and all it started; returns its exit status (see ``stop_process``)."""
        return stop_process(self.process, timeout)

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            # Checked before each probe, so another process answering on a port ours failed
            # to bind is never mistaken for our server.
            if self.process.poll() is not None:
                raise self._failure(f"the server exited with status {self.process.returncode}")
            if _is_healthy(self.url):
                return
            if time.monotonic() > deadline:
                raise self._failure(f"{HEALTH_PATH} did not answer 200 within {timeout:.0f} s")
            time.sleep(0.1)

    def _failure(self, reason: str) -> ServerStartError:
        return ServerStartError(
            f"{self.name} could not start: {reason}.\n"
            f"command: {shlex.join(self.command)}\n"
            f"log ({self.log_path}), last lines:\n{_log_tail(self.log_path)}"
        )


def start_server(
    command: Sequence[str],
    *,
    url: str,
    log_path: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    name: str = "server",
    preexec_fn: Callable[[], None] | None = None,
) -> ServerProcess:
    """Start ``command`` (no shell) in a new process group, stdin closed, stdout and stderr
    into ``log_path``; don't wait for it (``.wait_until_ready(timeout)`` does). ``url`` is
    where it will answer ``/healthz``.

    ``preexec_fn`` runs in the child before the command (to pin it to a CPU, say); ``env``
    and ``cwd`` default to this process's. Raises ``ServerStartError`` if it can't be run.
    """
    with log_path.open("wb") as log:  # the child has its own handle on the file
        process = _spawn(command, env=env, cwd=cwd, log=log, preexec_fn=preexec_fn)
    return ServerProcess(name, url, tuple(command), log_path, process)


def stop_process(process: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT_SECONDS) -> int:
    """Stop a process ``start_server`` started; returns its exit status.

    SIGTERM to the process, which stops its own children (uvicorn's workers, say); SIGKILL to
    its whole process group if it is still running after ``timeout`` seconds; and SIGKILL to
    whatever of the group is left a moment after it ended. Stopping twice is harmless.
    """
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            process.wait()  # SIGKILL cannot be refused
    _kill_leftovers(process)
    return process.returncode


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` now.

    Another process could take it before the server binds it; the server then exits and its
    log shows uvicorn's "address already in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _spawn(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None,
    cwd: Path | None,
    log: IO[bytes],
    preexec_fn: Callable[[], None] | None,
) -> subprocess.Popen[bytes]:
    try:
        return subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,
            process_group=0 if _HAS_PROCESS_GROUPS else None,
        )
    except OSError as error:
        raise ServerStartError(f"could not run {command[0]}: {error}") from None


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    if not _HAS_PROCESS_GROUPS:
        process.kill()
        return
    with contextlib.suppress(ProcessLookupError):  # the group is empty
        os.killpg(process.pid, signal.SIGKILL)  # the group's id is its leader's pid


def _kill_leftovers(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL to the group of an ended leader once its members had a moment to follow it.

    While a member lives the group's id can't be a new process's pid, so this never
    reaches an unrelated process.
    """
    if not _HAS_PROCESS_GROUPS:
        return
    deadline = time.monotonic() + LEFTOVER_GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return  # nothing left
        time.sleep(0.02)
    _kill_group(process)


def _is_healthy(url: str) -> bool:
    try:
        with _DIRECT.open(url + HEALTH_PATH, timeout=2) as response:
            return bool(response.status == 200)
    except urllib.error.HTTPError as error:
        error.close()  # 503 while the database is unreachable: not ready yet
        return False
    except (OSError, ValueError):
        return False


def _log_tail(path: Path) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as error:
        return f"(log unreadable: {error})"
    return "\n".join(lines[-LOG_TAIL_LINES:]) or "(empty)"
