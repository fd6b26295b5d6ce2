"""What the bench/ tests share."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest


@pytest.fixture
def bench_modules(
    repository_root: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[str], ModuleType]]:
    """Imports a bench/ module as its scripts do (bench/ first on sys.path), and forgets
    bench/'s modules afterwards."""
    bench_dir = repository_root / "bench"
    monkeypatch.syspath_prepend(str(bench_dir))
    yield importlib.import_module
    for name, module in list(sys.modules.items()):
        if Path(getattr(module, "__file__", None) or "/").parent == bench_dir:
            del sys.modules[name]
