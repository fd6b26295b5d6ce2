"""Where a numbers-mock server spends its time under one of bench/run.py's workloads.

    python bench/profile.py                                  # varied stock-items, SQLite
    python bench/profile.py --workload available_varied --seconds 20
    python bench/profile.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/numbers_mock_bench

Starts `numbers-mock serve` on a seeded inventory (the server on core 0, load on core 1, as
bench/run.py does), plans the same targets bench/run.py measures, drives them with
bench/loadgen.py, and samples the server with py-spy meanwhile (``pip install py-spy``). Prints
the functions with the most samples on the server's threads, by their own time (self) and by
the time under them (inclusive), with the request rate it had while sampled (py-spy slows it
somewhat; compare profiles with profiles, rates with bench/run.py). The raw stacks are kept in
``--stacks`` (a flame graph tool reads them) when asked. ``--no-sample`` measures instead:
the request rate and the server's CPU a request, the event loop's and the other threads'.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from common import (
    BenchBroken,
    context_switches,
    core_plan,
    cpu_seconds,
    loop_cpu_seconds,
    progress,
)
from load import LoadGenerator
from servers import (
    clear_scripting,
    db_name,
    mint_token,
    numbers_mock_environment,
    seed_database,
    start_numbers_mock,
    wait_ready,
)
from traffic import POSTGRES_URL, TRAFFIC, plan_traffic, start_postgres_server
from workload import ORG, STOCK_PAGE

from numbers_mock_testing.process import ServerProcess

# The varied workloads bench/run.py measures, and its repeated first stock page.
WORKLOADS = (*TRAFFIC, "stock_page")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workload", choices=WORKLOADS, default="stock_varied")
    parser.add_argument("--numbers", type=int, default=10_000, help="inventory size (10k)")
    parser.add_argument("--seconds", type=float, default=15.0, help="sampled seconds (15)")
    parser.add_argument("--warmup", type=float, default=3.0, help="s of load before (3)")
    parser.add_argument("--queries", type=int, default=3_000, help="distinct queries (3000)")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--top", type=int, default=30, help="functions listed per table (30)")
    parser.add_argument("--keep-db", type=Path, default=None, help="seed into DIR, reuse it")
    parser.add_argument(
        "--no-sample",
        action="store_true",
        help="measure the request rate and the server's CPU a request, by thread; no py-spy",
    )
    parser.add_argument("--stacks", type=Path, default=None, help="keep the raw stacks here")
    parser.add_argument(
        "--postgres-url",
        nargs="?",
        const=POSTGRES_URL,
        default=None,
        help=f"profile the server on PostgreSQL instead (default URL {POSTGRES_URL})",
    )
    options = parser.parse_args()
    spy = find_py_spy()
    if spy is None and not options.no_sample:
        print("py-spy is not installed: pip install py-spy (or use --no-sample)", file=sys.stderr)
        return 2
    try:
        profile(options, spy)
    except BenchBroken as error:
        print(f"BROKEN: {error}", file=sys.stderr)
        return 2
    return 0


def find_py_spy() -> str | None:
    """py-spy on PATH, or beside this Python (a virtualenv's, not activated)."""
    beside = Path(sys.executable).parent / "py-spy"
    return shutil.which("py-spy") or (str(beside) if beside.exists() else None)


def profile(options: argparse.Namespace, spy: str | None) -> None:
    _, load_cpus = core_plan()
    if load_cpus is not None:
        os.sched_setaffinity(0, load_cpus)
    env = numbers_mock_environment()
    headers = {"Authorization": f"Bearer {mint_token(env, ORG)}"}
    workdir = Path(tempfile.mkdtemp(prefix="numbers-mock-profile-"))
    dbdir = options.keep_db.resolve() if options.keep_db else workdir
    dbdir.mkdir(parents=True, exist_ok=True)
    try:
        sqlite = start_numbers_mock_seeded(options, env, workdir, dbdir)
        server = sqlite
        try:
            wait_ready(sqlite)
            clear_scripting(sqlite, env)
            files = _targets(options, sqlite, headers, env, workdir, dbdir)
            if options.postgres_url is not None:
                server = _postgres(options, env, workdir)
            stacks = options.stacks or workdir / "stacks.txt"
            generator = LoadGenerator("python", 32)
            targets = files.get(options.workload) or _repeated_page(workdir)
            generator.run(server.url + "/", headers, options.warmup, "warm-up", targets)
            if options.no_sample:
                before = cpu_seconds(server.pid)
                loop_before = loop_cpu_seconds(server.pid)
                switches = context_switches(server.pid)
                run = generator.run(server.url + "/", headers, options.seconds, "run", targets)
                used = cpu_seconds(server.pid) - before
                loop_used = loop_cpu_seconds(server.pid) - loop_before
                switches = context_switches(server.pid) - switches
                print(
                    f"{options.workload}: {run.requests_per_second:.0f} req/s, p50 "
                    f"{run.p50_ms:.2f} ms, p99 {run.p99_ms:.2f} ms; server CPU "
                    f"{100 * used / options.seconds:.0f}% of a core, "
                    f"{1e6 * used / run.requests:.0f} µs a request (event loop "
                    f"{1e6 * loop_used / run.requests:.0f}, other threads "
                    f"{1e6 * (used - loop_used) / run.requests:.0f}), "
                    f"{switches / run.requests:.2f} context switches a request"
                )
                return
            assert spy is not None  # main() checked
            command = [spy, "record", "--pid", str(server.pid), "--rate", str(options.rate)]
            command += ["--duration", str(round(options.seconds)), "--format", "raw"]
            command += ["--output", str(stacks), "--nonblocking", "--threads"]
            sampler = subprocess.Popen(
                command,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            run = generator.run(server.url + "/", headers, options.seconds, "sampled", targets)
            _, errors = sampler.communicate(timeout=options.seconds + 60)
            if sampler.returncode != 0:
                raise BenchBroken(f"py-spy failed: {errors[-2000:]}")
        finally:
            sqlite.stop()
            if server is not sqlite:
                server.stop()
        print(
            f"{options.workload} on {'PostgreSQL' if options.postgres_url else 'SQLite'}: "
            f"{run.requests_per_second:.0f} req/s while sampled, p50 {run.p50_ms:.2f} ms, "
            f"p99 {run.p99_ms:.2f} ms"
        )
        print_profile(stacks.read_text(), options.top, options.seconds * options.rate)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _repeated_page(workdir: Path) -> str:
    """bench/run.py's first stock page, asked again and again: the response cache's path."""
    path = workdir / "stock_page.targets"
    path.write_text(STOCK_PAGE + "\n")
    return str(path)


def start_numbers_mock_seeded(
    options: argparse.Namespace, env: dict[str, str], workdir: Path, dbdir: Path
) -> ServerProcess:
    seed_database(dbdir, options.numbers, env, 3600.0, set(os.sched_getaffinity(0)))
    return start_numbers_mock("sqlite", dbdir / db_name(options.numbers), env, workdir)


def _postgres(options: argparse.Namespace, env: dict[str, str], workdir: Path) -> ServerProcess:
    server = start_postgres_server(options.postgres_url, options.numbers, env, workdir, 3600.0)
    if server is None:
        raise BenchBroken(f"no PostgreSQL at {options.postgres_url}")
    return server


def _targets(
    options: argparse.Namespace,
    server: ServerProcess,
    headers: dict[str, str],
    env: dict[str, str],
    workdir: Path,
    dbdir: Path,
) -> dict[str, str]:
    """The workloads' target files: planned on ``server``, or as planned before on the same
    kept inventory (a fresh server has nothing cached, so they are new to it all the same)."""
    kept = dbdir / f"{db_name(options.numbers)}.targets-{options.queries}"
    if options.keep_db is not None and kept.is_dir():
        progress(f"reusing the targets in {kept}")
        return {name: str(kept / f"{name}.targets") for name in TRAFFIC}
    files = plan_traffic(server, headers, env, workdir, options.queries)
    if options.keep_db is not None:
        kept.mkdir(exist_ok=True)
        for name, file in files.items():
            shutil.copy(file, kept / f"{name}.targets")
    return files


def print_profile(raw: str, top: int, possible: float) -> None:
    """py-spy's raw stacks ("thread;frame;...;frame count" a line, outermost frame first) as
    tables: the threads, then functions by their own samples and by the samples under them.
    Percentages are of one core (``possible``: the samples a thread always running would
    give): the server is pinned to one."""
    threads: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    under: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        thread, *frames = stack.split(";")
        if not frames:
            continue
        total += count
        threads[_thread(thread, frames)] += count
        shown = [_short(frame) for frame in frames]
        own[shown[-1]] += count
        for frame in set(shown):
            under[frame] += count
    if not total:
        raise BenchBroken("py-spy recorded no samples")
    print(f"\n{total:,} samples with a thread running, {100 * total / possible:.0f}% of a core")
    for title, counter in (("thread", threads), ("self", own), ("inclusive", under)):
        print(f"\n{title:>9}  (% of a core)")
        for frame, count in counter.most_common(top):
            print(f"{100 * count / possible:>8.1f}%  {frame}")


def _thread(thread: str, frames: list[str]) -> str:
    """The event loop, a provider-call worker, the journal's writer..., by what it runs."""
    outer = " ".join(frames[:12])
    for marker, name in (
        ("journal/writer.py", "journal writer"),
        ("counts.py", "rate-limit counter"),
        ("thread.py", "worker thread"),
    ):
        if marker in outer:
            return name
    return "other thread" if "Thread._bootstrap" in outer else f"event loop ({thread})"


def _short(frame: str) -> str:
    """``function (path/to/module.py:line)`` as ``function (module.py)``: lines merged."""
    name, _, where = frame.partition(" (")
    path = where.rstrip(")").rpartition(":")[0] or where.rstrip(")")
    parts = Path(path).parts
    shown = "/".join(parts[-2:]) if len(parts) > 1 else path
    return f"{name} ({shown})"


if __name__ == "__main__":
    sys.exit(main())
