"""What bench/run.py starts: numbers-mock on a freshly seeded SQLite file per size, and the
ceiling apps (bench/baseline_apps.py), each through numbers_mock_testing's launcher, pinned to
the server core where two are allowed."""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2 as httpx
from common import BENCH_DIR, HOST, BenchBroken, child_setup, core_plan, git, progress

from numbers_mock_testing.process import ServerProcess, ServerStartError, free_port, start_server
from numbers_mock_testing.server import server_command, without_server_settings

SERVER_START_SECONDS = 180.0


@contextmanager
def workspace(keep_db: Path | None) -> Iterator[tuple[Path, Path]]:
    workdir = Path(tempfile.mkdtemp(prefix="numbers-mock-run-"))
    try:
        dbdir = keep_db.resolve() if keep_db else workdir
        dbdir.mkdir(parents=True, exist_ok=True)
        yield workdir, dbdir
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def db_name(count: int) -> str:
    return f"bench-{count}.db"


def numbers_mock_environment() -> dict[str, str]:
    """This process's environment without its numbers-mock settings, and random secrets."""
    env = without_server_settings()
    env.update(
        NUMBERS_MOCK_JWT_SECRET=secrets.token_hex(32),
        NUMBERS_MOCK_ADMIN_KEY=secrets.token_hex(16),
    )
    return env


def seed_database(
    dbdir: Path, count: int, env: dict[str, str], timeout: float, cpus: set[int]
) -> dict[str, Any]:
    """Seed `count` numbers into a fresh SQLite file; reuse a kept one (--keep-db) if seeded.

    The seed runs on ``cpus`` (all of them): it generates and writes on two cores at once.
    """
    path = dbdir / db_name(count)
    record = path.with_suffix(".seed.json")
    if path.exists() and record.exists():
        kept: dict[str, Any] = json.loads(record.read_text())
        if kept.get("numbers") == count:
            progress(f"reusing {path} (seeded at commit {kept.get('commit')})")
            return {**kept, "reused": True}
    for stale in dbdir.glob(path.name + "*"):
        stale.unlink()
    progress(f"seeding {count:,} numbers into {path}")
    started = time.perf_counter()
    try:
        finished = subprocess.run(
            [
                *server_command(),
                "seed",
                "--count",
                str(count),
                "--database-url",
                f"sqlite:///{path}",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=child_setup(cpus),
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BenchBroken(f"seeding {count:,} numbers took over {timeout:.0f} s") from None
    seconds = time.perf_counter() - started
    if finished.returncode != 0:
        raise BenchBroken(f"seeding failed: {finished.stderr[-2000:]}")
    reported = re.search(r"\(([\d,.]+) numbers/s\)", finished.stderr + finished.stdout)
    result: dict[str, Any] = {
        "numbers": count,
        "seconds": round(seconds, 2),
        "numbers_per_second": round(count / seconds, 1),
        "reported_numbers_per_second": float(reported[1].replace(",", "")) if reported else None,
        "database_mb": round(path.stat().st_size / 1e6, 1),
        "commit": git("rev-parse", "HEAD"),
        "reused": False,
    }
    record.write_text(json.dumps(result, indent=2))
    progress(f"seeded in {seconds:.1f} s: {result['numbers_per_second']:,.0f} numbers/s")
    return result


def mint_token(env: dict[str, str], org: str) -> str:
    finished = subprocess.run(
        [*server_command(), "token", "--org", org, "--ttl", str(7 * 24 * 3600)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if finished.returncode != 0 or not finished.stdout.strip():
        raise BenchBroken(f"numbers-mock token failed: {finished.stderr}")
    return finished.stdout.strip().splitlines()[-1]


def start_numbers_mock(
    key: str, database: Path | str, env: dict[str, str], workdir: Path
) -> ServerProcess:
    """``numbers-mock serve`` on a SQLite file, or on ``database`` as a URL."""
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    port = free_port(HOST)
    command = [*server_command(), "serve", "--host", HOST, "--port", str(port)]
    command += ["--database-url", url, "--log-level", "warning"]
    return start(key, command, env, port, workdir)


def start_baseline(framework: str, body: Path, workdir: Path) -> ServerProcess:
    port = free_port(HOST)
    command = [sys.executable, str(BENCH_DIR / "baseline_apps.py"), framework]
    command += ["--port", str(port), "--body", str(body)]
    return start(framework, command, dict(os.environ), port, workdir)


# The reference a user would pick instead: WireMock with fixed stubs, from the npm registry
# (the `wiremock` package carries the standalone jar), when Java is installed.
WIREMOCK_VERSION = "3.13.2"
WIREMOCK_CACHE = BENCH_DIR / ".wiremock"


def start_wiremock(
    body: Path, page_path: str, workdir: Path, others: dict[str, Path] | None = None
) -> ServerProcess | None:
    """WireMock serving ``body`` at ``page_path``, each of ``others`` (path: body) at its
    path, whatever the query, and 200 at /healthz; or None when Java or npm is missing (the
    report then says so)."""
    java, npm = shutil.which("java"), shutil.which("npm")
    if java is None or npm is None:
        progress("WireMock reference skipped: " + ("java" if java is None else "npm") + " missing")
        return None
    jar = _wiremock_jar(npm)
    root = workdir / "wiremock"
    (root / "mappings").mkdir(parents=True, exist_ok=True)
    pages = {page_path.partition("?")[0]: body, **(others or {})}
    stubs = {
        "mappings": [
            *(
                {
                    "request": {"method": "GET", "urlPath": path},
                    "response": {
                        "status": 200,
                        "headers": {"Content-Type": "application/json"},
                        "body": page.read_text(),
                    },
                }
                for path, page in pages.items()
            ),
            {"request": {"method": "GET", "urlPath": "/healthz"}, "response": {"status": 200}},
        ]
    }
    (root / "mappings" / "stubs.json").write_text(json.dumps(stubs))
    port = free_port(HOST)
    command = [java, "-jar", str(jar), "--port", str(port), "--bind-address", HOST]
    command += ["--root-dir", str(root), "--disable-banner", "--no-request-journal"]
    return start("wiremock", command, dict(os.environ), port, workdir)


def _wiremock_jar(npm: str) -> Path:
    build = WIREMOCK_CACHE / "node_modules" / "wiremock" / "build"
    jars = sorted(build.glob("*.jar")) if build.exists() else []
    if not jars:
        progress(f"installing wiremock@{WIREMOCK_VERSION} from npm into {WIREMOCK_CACHE}")
        WIREMOCK_CACHE.mkdir(parents=True, exist_ok=True)
        finished = subprocess.run(
            [
                *(npm, "install", "--prefix", str(WIREMOCK_CACHE), "--no-audit", "--no-fund"),
                f"wiremock@{WIREMOCK_VERSION}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        jars = sorted(build.glob("*.jar")) if build.exists() else []
        if finished.returncode != 0 or not jars:
            raise BenchBroken(f"npm install wiremock failed: {finished.stderr[-2000:]}")
    return jars[-1]


@contextmanager
def rate_limited(server: ServerProcess, env: dict[str, str], operation: str) -> Iterator[None]:
    """One scripted rate limit on ``operation`` while inside, high enough never to answer 429
    in a run; cleared after, so a database kept with --keep-db does not carry it over."""
    admin = {"Authorization": f"Bearer {env['NUMBERS_MOCK_ADMIN_KEY']}"}
    response = httpx.post(
        server.url + "/_mock/rate-limits",
        json={"operation": operation, "limit": 1_000_000, "windowSeconds": 3600},
        headers=admin,
        timeout=60,
    )
    if response.status_code != 201:
        raise BenchBroken(f"adding a rate limit: HTTP {response.status_code} {response.text}")
    try:
        yield
    finally:
        clear_scripting(server, env)


def clear_scripting(server: ServerProcess, env: dict[str, str]) -> None:
    """No faults or rate limits (a kept database may hold an interrupted run's)."""
    admin = {"Authorization": f"Bearer {env['NUMBERS_MOCK_ADMIN_KEY']}"}
    for resource in ("faults", "rate-limits"):
        response = httpx.delete(f"{server.url}/_mock/{resource}", headers=admin, timeout=60)
        if response.status_code != 204:
            raise BenchBroken(f"clearing {resource}: HTTP {response.status_code} {response.text}")


def start(
    name: str, command: list[str], env: dict[str, str], port: int, workdir: Path
) -> ServerProcess:
    """Start a server (the Python process itself, no shell), on the server core if pinned."""
    server_cpus, _ = core_plan()
    try:
        return start_server(
            command,
            url=f"http://{HOST}:{port}",
            log_path=workdir / f"{name}.log",
            env=env,
            cwd=workdir,
            name=name,
            preexec_fn=child_setup(server_cpus),
        )
    except ServerStartError as error:
        raise BenchBroken(str(error)) from None


def wait_ready(server: ServerProcess) -> None:
    try:
        server.wait_until_ready(SERVER_START_SECONDS)
    except ServerStartError as error:
        raise BenchBroken(str(error)) from None


def check_alive(server: ServerProcess) -> None:
    if server.process.poll() is not None:
        tail = server.log()[-3000:]
        raise BenchBroken(f"{server.name} exited ({server.process.returncode}):\n{tail}")


def count_access_lines(log: Path) -> int:
    """uvicorn access-log lines the server wrote (the ceilings run with access_log=False)."""
    if not log.exists():
        return 0
    with log.open(errors="replace") as lines:
        return sum(1 for line in lines if re.search(r'" \d{3}\b', line))


def fetch_page(server: ServerProcess, path: str, headers: dict[str, str]) -> bytes:
    response = httpx.get(server.url + path, headers=headers, timeout=60)
    if response.status_code != 200:
        raise BenchBroken(f"{server.name} {path}: HTTP {response.status_code} {response.text}")
    return response.content
