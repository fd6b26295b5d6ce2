"""Launching the server without the user's ``app``, and failing clearly when it won't start."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import DEVELOPMENT_ADMIN_KEY, DEVELOPMENT_JWT_SECRET
from numbers_mock_testing import ControlApiError, NumbersMock
from numbers_mock_testing import plugin as plugin_module
from numbers_mock_testing import process as process_module
from numbers_mock_testing import server as server_module
from numbers_mock_testing.server import (
    LaunchedServer,
    ServerStartError,
    launch_server,
    server_command,
    server_environment,
)

# Fails the import of `app` or any of its modules, even one a caller would catch and ignore.
IMPORT_TRAP = """
import importlib
import sys


class RefuseApp:
    def find_spec(self, name, path=None, target=None):
        if name == "app" or name.startswith("app."):
            raise AssertionError(f"imported {name}")
        return None


sys.meta_path.insert(0, RefuseApp())
for module in sys.argv[1:]:
    importlib.import_module(module)
assert not [name for name in sys.modules if name == "app" or name.startswith("app.")]
"""
TESTING_MODULES = (
    "numbers_mock_testing",
    "numbers_mock_testing.client",
    "numbers_mock_testing.process",
    "numbers_mock_testing.server",
    "numbers_mock_testing.plugin",
)


def import_in_fresh_interpreter(cwd: Path, *modules: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    return subprocess.run(
        [sys.executable, "-c", IMPORT_TRAP, *modules],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_numbers_mock_testing_never_imports_app(tmp_path: Path) -> None:
    result = import_in_fresh_interpreter(tmp_path, *TESTING_MODULES)
    assert result.returncode == 0, result.stderr


def test_the_import_trap_catches_an_import_of_app(tmp_path: Path) -> None:
    result = import_in_fresh_interpreter(tmp_path, "app.cli.main")
    assert result.returncode == 1
    assert "AssertionError: imported app" in result.stderr


# Which command, which environment.


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.mark.skipif(os.name == "nt", reason="POSIX script names")
def test_the_command_is_the_script_beside_the_interpreter_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    beside = _executable(tmp_path / "venv" / "bin" / "numbers-mock")
    on_path = _executable(tmp_path / "elsewhere" / "numbers-mock")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "venv" / "bin" / "python"))
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert server_command() == [str(beside)]
    beside.unlink()
    assert server_command() == [str(on_path)]
    on_path.unlink()
    assert server_command() == [sys.executable, "-m", "app"]


def test_the_environment_has_no_pythonpath_nor_the_users_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setenv("NUMBERS_MOCK_DATABASE_URL", "sqlite:///./mine.db")
    monkeypatch.setenv("NUMBERS_MOCK_CONTROL_API", "false")
    monkeypatch.setenv("NUMBERS_MOCK_SEED_COUNT", "5")
    env = server_environment(tmp_path, jwt_secret="s" * 40, admin_key="k", seed_count=None)
    assert "PYTHONPATH" not in env
    assert env["PYTHONSAFEPATH"] == "1"
    assert {name: value for name, value in env.items() if name.startswith("NUMBERS_MOCK_")} == {
        "NUMBERS_MOCK_DATABASE_URL": f"sqlite:///{tmp_path.as_posix()}/numbers-mock.db",
        "NUMBERS_MOCK_JWT_SECRET": "s" * 40,
        "NUMBERS_MOCK_ADMIN_KEY": "k",
    }
    assert env["PATH"] == os.environ["PATH"]
    with_count = server_environment(tmp_path, jwt_secret="s" * 40, admin_key="k", seed_count=7)
    assert with_count["NUMBERS_MOCK_SEED_COUNT"] == "7"


def test_the_plugins_default_admin_key_is_the_servers() -> None:
    assert plugin_module.DEVELOPMENT_ADMIN_KEY == DEVELOPMENT_ADMIN_KEY


# A real server.


def test_a_launched_server_has_its_own_secrets(launched_server: LaunchedServer) -> None:
    assert launched_server.admin_key != DEVELOPMENT_ADMIN_KEY
    log = launched_server.log_path.read_text()
    assert "JWT secret: " in log  # the fingerprint of a secret from the environment
    assert "DEVELOPMENT JWT SECRET" not in log
    assert DEVELOPMENT_JWT_SECRET not in log
    with pytest.raises(ControlApiError) as refused:
        NumbersMock(launched_server.url, DEVELOPMENT_ADMIN_KEY).faults()
    assert refused.value.status == 401
    assert isinstance(NumbersMock(launched_server.url, launched_server.admin_key).faults(), list)


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_a_launched_server_runs_in_its_own_directory_without_pythonpath(
    launched_server: LaunchedServer,
) -> None:
    pid = launched_server.process.pid
    assert Path(f"/proc/{pid}/cwd").resolve() == launched_server.log_path.parent.resolve()
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(item.decode().partition("=")[::2] for item in raw if item)
    assert "PYTHONPATH" not in env
    assert env["PYTHONSAFEPATH"] == "1"
    assert env["NUMBERS_MOCK_ADMIN_KEY"] == launched_server.admin_key


def test_a_server_that_exits_reports_its_log(tmp_path: Path) -> None:
    with pytest.raises(ServerStartError) as failed:
        launch_server(tmp_path, seed_count=0)  # the server's settings refuse it
    message = str(failed.value)
    assert "the server exited with status 2" in message
    assert "invalid setting NUMBERS_MOCK_SEED_COUNT" in message
    assert f"log ({tmp_path / 'server.log'})" in message


def test_a_server_that_is_not_ready_in_time_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawned: list[subprocess.Popen[bytes]] = []
    real_spawn = process_module._spawn

    def recording_spawn(*args: object, **kwargs: object) -> subprocess.Popen[bytes]:
        process = real_spawn(*args, **kwargs)  # type: ignore[arg-type]
        spawned.append(process)
        return process

    monkeypatch.setattr(process_module, "_spawn", recording_spawn)
    with pytest.raises(ServerStartError, match=r"/healthz did not answer 200 within 0 s"):
        launch_server(tmp_path, seed_count=100, startup_timeout=0)
    [process] = spawned
    assert process.poll() is not None


def test_the_python_m_app_fallback_ignores_an_app_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without PYTHONSAFEPATH, `python -m app` would import the `app` in its working directory.
    users_app = tmp_path / "app"
    users_app.mkdir()
    (users_app / "__init__.py").write_text('raise ImportError("the user\'s app")\n')
    (users_app / "__main__.py").write_text("raise SystemExit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(server_module, "server_command", lambda: [sys.executable, "-m", "app"])
    server = launch_server(tmp_path, seed_count=100)
    try:
        assert server.command[:3] == (sys.executable, "-m", "app")
        token = NumbersMock(server.url, server.admin_key).token(org="acme")
        assert token.count(".") == 2  # a JWT, minted by the real server
    finally:
        assert server.stop() == 0
