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


# --- Layers ----------------------------------------------------------------------------------
# ARCHITECTURE.md's order, lowest first: a module may import its own layer and the ones below.
LAYERS: tuple[tuple[str, ...], ...] = (
    (
        "app.settings",
        "app.errors",
        "app.page_tokens",
        "app.base64url",
        "app.byte_budget",
        "app.resources",
        "app.auth",
        "app.generator",
    ),
    ("app.db",),
    ("app.stock", "app.lifecycle", "app.scripting", "app.journal"),
    ("app.web",),
    ("app.providers",),
    ("app.control", "app.console"),
    ("app.cli", "app.main", "app.__main__"),
)
APP = ROOT / "app"


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_of(path): path for path in sorted(APP.rglob("*.py"))}


def _unit(module: str) -> str:
    """What a layer is made of: a folder of ``app`` (``app.stock``) or a top module."""
    return ".".join(module.split(".")[:2])


def _layer(module: str) -> int:
    unit = _unit(module)
    return next(index for index, units in enumerate(LAYERS) if unit in units)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """The nodes under ``if TYPE_CHECKING:`` (imports for annotations only)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            inside |= {id(child) for child in ast.walk(node)}
    return inside


def _app_imports(module: str) -> list[tuple[int, str]]:
    """(line, module) of every ``app`` module this one imports, at the top or inside a
    function (``from app.x import y`` names ``app.x.y`` when that is a module)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for_types = _type_checking_nodes(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in for_types:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("app.")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("app"):
            for alias in node.names:
                named = f"{node.module}.{alias.name}"
                found.append((node.lineno, named if named in MODULES else node.module))
    kept = {(line, target) for line, target in found if target in MODULES}
    return sorted((line, target) for line, target in kept if target not in (module, "app"))


IMPORTS = {module: _app_imports(module) for module in MODULES}


def _where(module: str, line: int) -> str:
    return f"{MODULES[module].relative_to(ROOT)}:{line}"


def _provider_folder(module: str) -> str | None:
    """``app.providers.bird`` for a module in Bird's folder; None outside any provider's."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "providers" and (APP / "providers" / parts[2]).is_dir():
        return ".".join(parts[:3])
    return None


def test_every_module_is_in_a_layer() -> None:
    unplaced = [module for module in MODULES if _unit(module) != "app" and not _layered(module)]
    assert unplaced == [], f"add these to LAYERS (and to ARCHITECTURE.md's order): {unplaced}"


def _layered(module: str) -> bool:
    return any(_unit(module) in units for units in LAYERS)


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{_where(module, line)}: {module} imports {target}, a higher layer"
        for module, imports in IMPORTS.items()
        if _unit(module) != "app"
        for line, target in imports
        if _layer(target) > _layer(module)
    ]
    assert upward == [], "\n".join(upward)


def test_a_providers_folder_is_reached_only_through_the_registry() -> None:
    """Outside ``app/providers/<name>/``, only the registry imports it, and only its
    ``api.py``."""
    reaching_in = [
        f"{_where(module, line)}: {module} imports {target}"
        for module, imports in IMPORTS.items()
        for line, target in imports
        if (folder := _provider_folder(target)) is not None
        and _provider_folder(module) != folder
        and not (module == "app.providers.registry" and target == f"{folder}.api")
    ]
    assert reaching_in == [], "go through app.providers.registry:\n" + "\n".join(reaching_in)


def test_no_two_modules_import_each_other_even_through_others() -> None:
    cycles = [
        " -> ".join(cycle) for cycle in _cycles({m: {t for _, t in i} for m, i in IMPORTS.items()})
    ]
    assert cycles == [], "import cycles:\n" + "\n".join(cycles)


def _sibling_folders(module: str, target: str) -> tuple[str, str] | None:
    """Where two modules' paths part: the two sibling folders they are in (``app.web`` and
    ``app.providers`` for ``app.web.context`` and ``app.providers.bird.api``), if both are
    folders."""
    one, other = module.split("."), target.split(".")
    for depth in range(1, min(len(one), len(other))):
        if one[depth] != other[depth]:
            first, second = ".".join(one[: depth + 1]), ".".join(other[: depth + 1])
            folders = depth + 1 < len(one) and depth + 1 < len(other)
            return (first, second) if folders else None
    return None


def test_no_two_folders_import_each_other() -> None:
    edges: dict[tuple[str, str], str] = {}
    for module, imports in IMPORTS.items():
        for line, target in imports:
            siblings = _sibling_folders(module, target)
            if siblings is not None:
                edges.setdefault(siblings, _where(module, line))
    mutual = sorted(
        f"{one} <-> {other} ({where}; {edges[(other, one)]})"
        for (one, other), where in edges.items()
        if one < other and (other, one) in edges
    )
    assert mutual == [], "folders importing each other:\n" + "\n".join(mutual)


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each strongly connected group of more than one module (Tarjan), as one cycle in it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups
