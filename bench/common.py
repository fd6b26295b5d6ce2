"""What the bench/ scripts share: paths, the error that voids a run, progress lines, git, and
how their child processes are set up (pinned to a core, killed with the bench)."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
REPOSITORY = BENCH_DIR.parent


class BenchBroken(Exception):
    """Something that makes the figures meaningless: exit 2."""


_STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", file=sys.stderr, flush=True)


def git(*arguments: str) -> str | None:
    try:
        finished = subprocess.run(
            ["git", "-C", str(REPOSITORY), *arguments],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return finished.stdout.strip() if finished.returncode == 0 else None


def core_plan() -> tuple[set[int] | None, set[int] | None]:
    """(server cores, load generator cores): the first two allowed; (None, None) on one."""
    if len(_ALLOWED_CPUS) < 2:
        return None, None
    return {_ALLOWED_CPUS[0]}, {_ALLOWED_CPUS[1]}


# Read once at import: run.py then narrows this process's own affinity to the load core.
_ALLOWED_CPUS = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def child_setup(cpus: set[int] | None) -> Callable[[], None]:
    """Runs in the child before exec: pin it, and have it killed if this process dies.

    SIGKILL, because numbers-mock's serve ignores SIGTERM until uvicorn has started.
    """

    def setup() -> None:
        if cpus is not None:
            os.sched_setaffinity(0, cpus)
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)

    return setup


def vm_kib(pid: int, field_name: str) -> int:
    """A /proc/<pid>/status figure in KiB: VmRSS (resident now), VmHWM (its peak)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise BenchBroken(f"no {field_name} for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """A process's user and system time so far (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loop_cpu_seconds(pid: int) -> float:
    """The user and system time of a process's main thread (its event loop, for a
    numbers-mock server) so far; ``cpu_seconds`` less this is its other threads' (the
    journal writer, the workers). Measured by the kernel per thread: unlike a sampling
    profiler's, it does not count a thread waiting for the GIL."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid: int) -> int:
    """How often a process's threads have left the CPU so far, willingly or not (each
    thread's /proc/<pid>/task/<tid>/status; threads that ended are not counted)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            if line.startswith(("voluntary_ctxt_switches:", "nonvoluntary_ctxt_switches:")):
                total += int(line.split()[1])
    return total
