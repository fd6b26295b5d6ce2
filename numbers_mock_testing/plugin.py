"""The ``numbers_mock`` pytest plugin, loaded through the ``pytest11`` entry point.

Fixtures:

``numbers_mock``
    A ``NumbersMock`` for the session's server, reset before the test: seeded inventory, no
    faults, no rate limits, an empty journal.
``numbers_mock_session``
    The same client without the per-test reset, for session-scoped fixtures (tokens stay
    valid across resets).

The first test that uses either starts one server for the whole session (``numbers-mock
serve`` on a free port, a temporary SQLite database, a random JWT secret and admin key) and
the end of the session stops it. With ``--numbers-mock-url`` (or ``NUMBERS_MOCK_URL``) the
fixtures drive that server instead and start nothing.

This module imports neither the server nor anything that does: it runs inside the user's
test process, where ``app`` is likely the user's own package.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from numbers_mock_testing.client import ControlApiError, NumbersMock, NumbersMockError
from numbers_mock_testing.server import ServerStartError, launch_server, server_command

URL_ENV = "NUMBERS_MOCK_URL"
ADMIN_KEY_ENV = "NUMBERS_MOCK_ADMIN_KEY"
SEED_COUNT_ENV = "NUMBERS_MOCK_SEED_COUNT"
# What `numbers-mock serve` uses when NUMBERS_MOCK_ADMIN_KEY is unset (app.settings'
# DEVELOPMENT_ADMIN_KEY, copied because this package must not import the server).
DEVELOPMENT_ADMIN_KEY = "numbers-mock-development-admin-key"


@dataclass(frozen=True, slots=True)
class PluginOptions:
    """The plugin's settings: command-line options first, then environment variables."""

    url: str | None
    url_source: str
    admin_key: str | None
    seed_count: int | None


_OPTIONS = pytest.StashKey[PluginOptions]()
_LOG_PATH = pytest.StashKey[Path]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("numbers-mock", "numbers-mock server for the numbers_mock fixture")
    group.addoption(
        "--numbers-mock-url",
        dest="numbers_mock_url",
        metavar="URL",
        default=None,
        help=f"Use the numbers-mock server at URL instead of starting one (env {URL_ENV}).",
    )
    group.addoption(
        "--numbers-mock-admin-key",
        dest="numbers_mock_admin_key",
        metavar="KEY",
        default=None,
        help=f"Admin key of the server at --numbers-mock-url (env {ADMIN_KEY_ENV}; default: "
        "the server's development key). A server the plugin starts gets a random key.",
    )
    group.addoption(
        "--numbers-mock-seed-count",
        dest="numbers_mock_seed_count",
        metavar="N",
        default=None,
        help=f"Numbers in the inventory of the server the plugin starts (env {SEED_COUNT_ENV}; "
        "default: the server's, about 40,000). Fewer start faster.",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_OPTIONS] = _read_options(config)


def pytest_report_header(config: pytest.Config) -> str:
    options = config.stash[_OPTIONS]
    if options.url is not None:
        return f"numbers-mock: {options.url} (from {options.url_source})"
    count = "server default" if options.seed_count is None else f"{options.seed_count:,}"
    return (
        f"numbers-mock: starts `{shlex.join(server_command())} serve` on a free 127.0.0.1 "
        f"port when a test first uses it (seed count: {count})"
    )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Where the launched server's log is, when a test failed or with -v."""
    log_path = terminalreporter.config.stash.get(_LOG_PATH, None)
    stats = terminalreporter.stats
    troubled = bool(stats.get("failed") or stats.get("error"))
    if log_path is not None and (troubled or terminalreporter.verbosity > 0):
        terminalreporter.write_line(f"numbers-mock: server log in {log_path}")


@pytest.fixture(scope="session")
def numbers_mock_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NumbersMock]:
    """The session's numbers-mock server, as a ``NumbersMock``, without a per-test reset.

    Starts the server (once per session) unless ``--numbers-mock-url`` names one; stops it
    at the end of the session. Prefer ``numbers_mock`` in tests.
    """
    options = pytestconfig.stash[_OPTIONS]
    if options.url is not None:
        yield _external_server(options.url, options.admin_key or DEVELOPMENT_ADMIN_KEY)
        return
    workdir = tmp_path_factory.mktemp("numbers-mock")
    try:
        server = launch_server(workdir, seed_count=options.seed_count)
    except ServerStartError as error:
        pytest.fail(str(error), pytrace=False)
    pytestconfig.stash[_LOG_PATH] = server.log_path
    try:
        yield NumbersMock(server.url, server.admin_key)
    finally:
        server.stop()


@pytest.fixture
def numbers_mock(numbers_mock_session: NumbersMock) -> NumbersMock:
    """A numbers-mock server for this test, as a ``NumbersMock``, freshly reset.

    One server serves the whole session; before each test it is reset: the seeded
    inventory, no faults, no rate limits, an empty journal. Point your client at
    ``numbers_mock.url`` with a token from ``numbers_mock.token(org=...)``, script the
    server with ``fail_next`` (a status, or a broken connection: ``fault="connection_reset"``,
    ...), ``delay``, ``rate_limit``, ``add_numbers``, ... and check what your client sent
    with ``numbers_mock.assert_requested(operation, times=...)`` or
    ``numbers_mock.requests(operation)`` (oldest first).
    """
    numbers_mock_session.reset()
    return numbers_mock_session


def _external_server(url: str, admin_key: str) -> NumbersMock:
    """A client of a server someone else runs, checked once so misconfiguration fails clearly."""
    client = NumbersMock(url, admin_key)
    try:
        client.faults()  # any authenticated control API call
    except ControlApiError as error:
        hint = {
            401: f"; pass its admin key with --numbers-mock-admin-key or {ADMIN_KEY_ENV}",
            404: "; is it numbers-mock, with the control API on (NUMBERS_MOCK_CONTROL_API)?",
        }.get(error.status, "")
        message = f"numbers-mock at {url} refused the control API: {error}{hint}"
        pytest.fail(message, pytrace=False)
    except NumbersMockError as error:
        pytest.fail(f"numbers-mock at {url} is unreachable: {error}", pytrace=False)
    return client


def _read_options(config: pytest.Config) -> PluginOptions:
    url, url_source = _option_or_env(config, "numbers_mock_url", "--numbers-mock-url", URL_ENV)
    admin_key, _ = _option_or_env(
        config, "numbers_mock_admin_key", "--numbers-mock-admin-key", ADMIN_KEY_ENV
    )
    seed_count, seed_source = _option_or_env(
        config, "numbers_mock_seed_count", "--numbers-mock-seed-count", SEED_COUNT_ENV
    )
    if url is not None and not url.startswith(("http://", "https://")):
        raise pytest.UsageError(f"{url_source} must be an http:// or https:// URL, not {url!r}")
    return PluginOptions(
        url=None if url is None else url.rstrip("/"),
        url_source=url_source,
        admin_key=admin_key,
        seed_count=None if seed_count is None else _positive_int(seed_count, seed_source),
    )


def _option_or_env(
    config: pytest.Config, dest: str, flag: str, env_name: str
) -> tuple[str | None, str]:
    """The option's value and where it came from; an empty value counts as unset."""
    value = config.getoption(dest)
    if value:
        return str(value), flag
    return os.environ.get(env_name) or None, env_name


def _positive_int(text: str, source: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise pytest.UsageError(f"{source} must be a positive whole number, not {text!r}")
    return value
