"""ARCHITECTURE.md stays true: every file and folder it names exists, and every folder of
``app/`` is on the map."""

from __future__ import annotations

import ast
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


# The libraries whose private modules (a leading underscore) a release may change at will.
_FRAMEWORKS = ("fastapi", "starlette", "pydantic", "sqlalchemy", "uvicorn")


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def test_the_server_imports_no_private_module_of_its_frameworks() -> None:
    """A fresh install takes the frameworks' next releases (pyproject.toml pins no upper
    bound): only their public modules may be imported."""
    private = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / "app").rglob("*.py"))
        for line, module in _imported_modules(path)
        if module.split(".")[0] in _FRAMEWORKS
        and any(part.startswith("_") for part in module.split(".")[1:])
    ]
    assert private == [], private
