"""bench/soak.py still runs: a few seconds of it, as a smoke test (the soak itself is long)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_soak_smoke(repository_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "soak.json"
    result = subprocess.run(
        [
            sys.executable,
            str(repository_root / "bench" / "soak.py"),
            "--quick",
            "--seconds",
            "3",
            "--seed-count",
            "500",
            "--journal-size",
            "100",
            "--output",
            str(output),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(output.read_text())
    assert report["errors"] == 0
    assert report["requests"] > 0
    assert report["journal_entries_at_start"] >= 100
    assert "p99 ms" in result.stdout
