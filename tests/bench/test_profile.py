"""bench/profile.py: its tables read py-spy's stacks right, and it runs end to end."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

LOOP = "thread (1): MainThread;<module> (numbers-mock:8);handle (app/web/hot_routes.py:120)"
RAW_STACKS = "\n".join(
    [
        f"{LOOP};rows (app/stock/reader.py:110) 30",
        f"{LOOP[:-4]}121) 10",
        "thread (2): journal;Thread._bootstrap (threading.py:1002);"
        "_write (app/journal/writer.py:90) 20",
        "not a stack line",
    ]
)


def test_the_tables_count_each_function_and_thread(
    bench_modules: Callable[[str], ModuleType], capsys: pytest.CaptureFixture[str]
) -> None:
    profile = bench_modules("profile")
    profile.print_profile(RAW_STACKS, top=10, possible=100)
    out = capsys.readouterr().out
    assert "60 samples with a thread running, 60% of a core" in out
    threads, own, under = out.split("\n\n")[1:4]
    assert "40.0%  event loop (thread (1): MainThread)" in threads
    assert "20.0%  journal writer" in threads
    # Own time is the innermost frame's, lines merged; inclusive counts a frame once a stack.
    assert "30.0%  rows (stock/reader.py)" in own
    assert "10.0%  handle (web/hot_routes.py)" in own
    assert "40.0%  handle (web/hot_routes.py)" in under
    assert "40.0%  <module> (numbers-mock)" in under


@pytest.mark.parametrize("sampling", [True, False], ids=["py-spy", "no-sample"])
def test_profile_smoke(
    repository_root: Path, bench_modules: Callable[[str], ModuleType], sampling: bool
) -> None:
    """A tiny inventory, a short run: sampled with py-spy (a dev extra), or the rate only."""
    if sampling and bench_modules("profile").find_py_spy() is None:
        pytest.skip("py-spy is not installed")
    command = [sys.executable, str(repository_root / "bench" / "profile.py")]
    command += ["--numbers", "300", "--queries", "60", "--seconds", "2", "--warmup", "0.5"]
    if not sampling:
        command.append("--no-sample")
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "stock_varied" in result.stdout
    if sampling:
        assert "samples with a thread running" in result.stdout
        assert "StockReader.rows" in result.stdout or "event loop" in result.stdout
    else:
        assert "µs a request" in result.stdout
