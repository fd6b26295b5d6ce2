"""ARCHITECTURE.md stays true: every file and folder it names exists, and every folder of
``app/`` is on the map."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
# Backticked paths: `app/stock/query.py`, `app/auth/`, `migrations/versions/`.
NAMED = sorted(
    set(
        re.findall(
            r"`((?:app|tests|bench|migrations|seed_data|numbers_mock_testing)"
            r"(?:/[\w.]+)*/?)`",
            MAP,
        )
    )
)


def test_the_map_names_paths_at_all() -> None:
    assert len(NAMED) > 20, NAMED


def test_every_path_the_map_names_exists() -> None:
    missing = [path for path in NAMED if "<" not in path and not (ROOT / path).exists()]
    assert missing == [], f"ARCHITECTURE.md names paths that do not exist: {missing}"


def test_every_folder_of_the_package_is_on_the_map() -> None:
    folders = sorted(
        f"app/{child.name}/"
        for child in (ROOT / "app").iterdir()
        if child.is_dir() and (child / "__init__.py").exists()
    )
    unmapped = [folder for folder in folders if f"`{folder}`" not in MAP]
    assert unmapped == [], f"add these folders to ARCHITECTURE.md: {unmapped}"
