"""Where the migrations and seed data live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    """Return ``migrations`` or ``seed_data``.

    A wheel bundles them under ``app/_bundled`` (see pyproject.toml); a checkout or an
    editable install keeps them at the repository root, next to ``app/``.
    """
    for candidate in (_PACKAGE_DIR / "_bundled" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"numbers-mock is missing its {name!r} directory (broken install?)")
