"""The ``numbers_mock`` plugin as a user meets it: a separate pytest run, in a subprocess, of
test files written here, with the plugin loaded through its ``pytest11`` entry point."""

from __future__ import annotations

import os
import shutil
import socket
import urllib.parse
from pathlib import Path

import pytest

from numbers_mock_testing import NumbersMock
from numbers_mock_testing.server import LaunchedServer

# Not in tests/plugin/conftest.py: pytest refuses `pytest_plugins` in a conftest below the
# rootdir's when the whole suite runs from the repository root.
pytest_plugins = ["pytester"]

SEED_COUNT = "2000"  # a small inventory, for servers that start in about 3 s
RUN_TIMEOUT = 180.0
# Installed here for the server's own tests; they take most of a run's start-up time.
UNRELATED_PLUGINS = "-p no:schemathesis -p no:hypothesispytest -p no:anyio"
PLUGIN_ENV = ("NUMBERS_MOCK_URL", "NUMBERS_MOCK_ADMIN_KEY", "NUMBERS_MOCK_SEED_COUNT")

# Helpers a user's test module could have: plain urllib, no numbers-mock code.
USER_HELPERS = """
    import json
    import urllib.error
    import urllib.parse
    import urllib.request


    def get(base_url, path, token, **query):
        url = base_url + path + ("?" + urllib.parse.urlencode(query) if query else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            with error:
                return error.code, json.load(error)
"""


@pytest.fixture(autouse=True)
def user_project(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user's project as strict as this repository's, unaffected by the developer's env."""
    for name in PLUGIN_ENV:
        monkeypatch.delenv(name, raising=False)
    pytester.makeini(
        f"[pytest]\naddopts = -ra --strict-markers {UNRELATED_PLUGINS}\nfilterwarnings = error\n"
    )


def run_user_session(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "--numbers-mock-seed-count", SEED_COUNT, *args, timeout=RUN_TIMEOUT
    )


def refuses_connections(url: str) -> bool:
    address = urllib.parse.urlsplit(url)
    assert address.hostname is not None
    assert address.port is not None
    try:
        with socket.create_connection((address.hostname, address.port), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def test_a_user_client_fetches_stock_and_the_server_stops_with_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        USER_HELPERS
        + """
    from pathlib import Path


    def test_stock_items_with_a_minted_token(numbers_mock):
        Path("url.txt").write_text(numbers_mock.url)
        token = numbers_mock.token(org="acme")
        status, page = get(
            numbers_mock.url, "/organizations/acme/numbers-stock-items", token, limit=3
        )
        assert status == 200, page
        assert len(page["results"]) == 3
        assert all(item["numberString"].startswith("+") for item in page["results"])
        [entry] = numbers_mock.requests("listStockItems")
        assert (entry.status, entry.organization_id) == (200, "acme")


    def test_the_token_is_checked_against_the_organization(numbers_mock):
        token = numbers_mock.token("globex")  # positional works too
        status, body = get(numbers_mock.url, "/organizations/acme/numbers-stock-items", token)
        assert status == 403, body
        assert body["error"]["code"] == "organization_mismatch"
    """
    )
    result = run_user_session(pytester, "-v")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(
        [
            "numbers-mock: starts `*numbers-mock serve` on a free 127.0.0.1 port*"
            "(seed count: 2,000)",
            "numbers-mock: server log in *server.log",  # with -v
        ]
    )
    assert refuses_connections((pytester.path / "url.txt").read_text())


def test_each_test_starts_from_a_reset_server_shared_by_the_session(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        USER_HELPERS
        + """
    from pathlib import Path


    def test_scripts_a_fault_and_leaves_it(numbers_mock):
        Path("urls.txt").write_text(numbers_mock.url + "\\n")
        numbers_mock.fail_next("searchAvailableNumbers", status=503, times=5)
        token = numbers_mock.token(org="acme")
        status, _ = get(numbers_mock.url, "/numbers/available", token, countryCode="US")
        assert status == 503
        assert len(numbers_mock.faults()) == 1


    def test_sees_neither_the_fault_nor_the_journal(numbers_mock):
        with Path("urls.txt").open("a") as urls:
            urls.write(numbers_mock.url + "\\n")
        assert numbers_mock.faults() == []
        assert numbers_mock.requests() == []
        token = numbers_mock.token(org="acme")
        status, body = get(numbers_mock.url, "/numbers/available", token, countryCode="US")
        assert status == 200, body
        assert [r.status for r in numbers_mock.requests()] == [200]
    """
    )
    result = run_user_session(pytester)
    result.assert_outcomes(passed=2)
    first, second = (pytester.path / "urls.txt").read_text().split()
    assert first == second  # one server for the session


def test_the_outage_example_from_the_docs(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
    import json
    import urllib.error
    import urllib.parse
    import urllib.request


    class my_client:
        '''A user's client of the Pingram API that retries 5xx answers.'''

        def __init__(self, base_url, token, attempts=3):
            self.base_url, self.token, self.attempts = base_url, token, attempts

        def search(self, country_code):
            query = urllib.parse.urlencode({"countryCode": country_code})
            request = urllib.request.Request(
                f"{self.base_url}/numbers/available?{query}",
                headers={"Authorization": f"Bearer {self.token}"},
            )
            for attempt in range(1, self.attempts + 1):
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        return json.load(response)["numbers"]
                except urllib.error.HTTPError as error:
                    error.close()
                    if error.code < 500 or attempt == self.attempts:
                        raise


    def test_my_client_retries_on_provider_outage(numbers_mock):
        numbers_mock.fail_next("searchAvailableNumbers", status=502, times=1)
        numbers = my_client(base_url=numbers_mock.url, token=numbers_mock.token(org="...")).search("US")
        assert numbers
        assert [r.status for r in numbers_mock.requests("searchAvailableNumbers")] == [502, 200]


    def test_without_retries_the_outage_reaches_the_caller(numbers_mock):
        numbers_mock.fail_next("searchAvailableNumbers", status=502, times=1)
        client = my_client(numbers_mock.url, numbers_mock.token(org="acme"), attempts=1)
        try:
            client.search("US")
        except urllib.error.HTTPError as error:
            assert error.code == 502
        else:
            raise AssertionError("the scripted 502 did not fire")
        assert [r.status for r in numbers_mock.requests("searchAvailableNumbers")] == [502]
    """  # noqa: E501  (the example, verbatim)
    )
    run_user_session(pytester).assert_outcomes(passed=2)


def test_requests_lists_the_journal_oldest_first(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        USER_HELPERS
        + """
    def test_order(numbers_mock):
        token = numbers_mock.token(org="acme")
        for country in ("US", "GB", "FR"):
            status, _ = get(numbers_mock.url, "/numbers/available", token, countryCode=country)
            assert status == 200
        get(numbers_mock.url, "/organizations/acme/numbers-stock-items", token, limit=1)

        searches = numbers_mock.requests("searchAvailableNumbers")
        assert [r.query for r in searches] == [
            "countryCode=US", "countryCode=GB", "countryCode=FR"
        ]
        assert [r.operation for r in numbers_mock.requests()] == [
            "searchAvailableNumbers",
            "searchAvailableNumbers",
            "searchAvailableNumbers",
            "listStockItems",
        ]
        received = [r.received_at for r in numbers_mock.requests()]
        assert received == sorted(received)
    """
    )
    run_user_session(pytester).assert_outcomes(passed=1)


def test_a_test_without_the_fixture_starts_no_server(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = run_user_session(pytester, "-v")
    result.assert_outcomes(passed=1)
    assert not list(pytester.path.glob("runpytest-*/numbers-mock*"))
    result.stdout.no_fnmatch_line("numbers-mock: server log in *")


# The app trap: the server's package is `app`, like many users' own packages.

USERS_APP = "raise ImportError(\"this is the user's app package, not numbers-mock's\")\n"


def test_a_users_own_app_package_is_left_alone(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # In the working directory of the run, and on PYTHONPATH (pytester also puts it there):
    # the plugin must not import it, nor the server it starts.
    pytester.mkpydir("app").joinpath("__init__.py").write_text(USERS_APP)
    pytester.path.joinpath("app", "cli.py").write_text("def main():\n    raise SystemExit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(pytester.path))
    pytester.makepyfile(
        USER_HELPERS
        + """
    import sys

    import pytest


    def test_the_users_app_is_the_one_on_the_path():
        with pytest.raises(ImportError, match="the user's app package"):
            import app


    def test_the_launched_server_is_numbers_mock(numbers_mock):
        assert "app" not in sys.modules
        token = numbers_mock.token(org="acme")
        status, page = get(numbers_mock.url, "/numbers/available", token, countryCode="US")
        assert status == 200, page
        assert page["numbers"]
    """
    )
    run_user_session(pytester).assert_outcomes(passed=2)


def test_an_installed_app_package_with_the_server_run_apart_as_the_readme_says(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    launched_server: LaunchedServer,
    repository_root: Path,
) -> None:
    """README, "When your own package is called `app`": the user's `app` is installed, the
    server runs apart (here: started by the launcher from a private directory), and the
    plugin comes from a copy of numbers_mock_testing/ alone, pointed at it by NUMBERS_MOCK_URL."""
    installed = pytester.mkdir("site-packages")
    users_app = installed / "app"
    users_app.mkdir()
    (users_app / "__init__.py").write_text('WHOSE = "the user\'s"\n')
    plugin_copy = pytester.mkdir(".numbers-mock")
    shutil.copytree(
        repository_root / "numbers_mock_testing",
        plugin_copy / "numbers_mock_testing",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(plugin_copy), str(installed)]))
    monkeypatch.setenv("NUMBERS_MOCK_URL", launched_server.url)
    monkeypatch.setenv("NUMBERS_MOCK_ADMIN_KEY", launched_server.admin_key)
    pytester.makepyfile(
        USER_HELPERS
        + f"""
    import app
    import numbers_mock_testing


    def test_the_users_installed_app_is_the_one_imported():
        assert app.WHOSE == "the user's"
        assert app.__file__ == {str(users_app / "__init__.py")!r}


    def test_the_plugin_drives_the_server_run_apart(numbers_mock):
        assert numbers_mock_testing.__file__.startswith({str(plugin_copy)!r})
        assert numbers_mock.url == {launched_server.url!r}
        token = numbers_mock.token(org="acme")
        status, page = get(numbers_mock.url, "/numbers/available", token, countryCode="US")
        assert status == 200, page
        assert page["numbers"]
        numbers_mock.fail_next("listStockItems", status=500, times=None)
    """
    )
    # Without the installed entry point, as where the wheel is not installed.
    result = pytester.runpytest_subprocess(
        "-p", "no:numbers_mock", "-p", "numbers_mock_testing.plugin", timeout=RUN_TIMEOUT
    )
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"numbers-mock: {launched_server.url} (from NUMBERS_MOCK_URL)"])
    external = NumbersMock(launched_server.url, launched_server.admin_key)
    try:
        assert [fault["operation"] for fault in external.faults()] == ["listStockItems"]
    finally:
        external.reset()
    assert not list(pytester.path.glob("runpytest-*/numbers-mock*"))  # it started none


# --numbers-mock-url: a server someone else runs.


EXTERNAL_USER_TEST = """
    def test_uses_the_given_server(numbers_mock):
        assert numbers_mock.url == "{url}"
        assert numbers_mock.faults() == []  # reset, even though it is not ours
        numbers_mock.fail_next("listStockItems", status=500, times=None)
"""


@pytest.mark.parametrize("how", ["options", "environment"])
def test_numbers_mock_url_uses_a_running_server(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    launched_server: LaunchedServer,
    how: str,
) -> None:
    pytester.makepyfile(EXTERNAL_USER_TEST.format(url=launched_server.url))
    args: tuple[str, ...] = ()
    if how == "options":
        args = (
            "--numbers-mock-url",
            launched_server.url + "/",
            # With `=`: a random key may start with "-", which argparse would take for an
            # option (one random key in 64 starts with "-").
            f"--numbers-mock-admin-key={launched_server.admin_key}",
        )
    else:
        monkeypatch.setenv("NUMBERS_MOCK_URL", launched_server.url)
        monkeypatch.setenv("NUMBERS_MOCK_ADMIN_KEY", launched_server.admin_key)
    external = NumbersMock(launched_server.url, launched_server.admin_key)
    external.fail_next("searchAvailableNumbers", status=503, times=None)
    result = run_user_session(pytester, *args)
    result.assert_outcomes(passed=1)
    source = "--numbers-mock-url" if how == "options" else "NUMBERS_MOCK_URL"
    result.stdout.fnmatch_lines([f"numbers-mock: {launched_server.url} (from {source})"])
    # The user's test changed the server we started, and the run started none of its own.
    try:
        assert [fault["operation"] for fault in external.faults()] == ["listStockItems"]
    finally:
        external.reset()
    assert not list(pytester.path.glob("runpytest-*/numbers-mock*"))


@pytest.mark.parametrize(
    "key_args", [("--numbers-mock-admin-key=not-the-key",), ()], ids=["wrong", "default"]
)
def test_a_wrong_admin_key_fails_clearly(
    pytester: pytest.Pytester, launched_server: LaunchedServer, key_args: tuple[str, ...]
) -> None:
    pytester.makepyfile("def test_uses_it(numbers_mock):\n    pass\n")
    result = run_user_session(pytester, f"--numbers-mock-url={launched_server.url}", *key_args)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [f"*numbers-mock at {launched_server.url} refused the control API: 401*"]
    )
    result.stdout.fnmatch_lines(["*pass its admin key with --numbers-mock-admin-key*"])


def test_an_unreachable_url_fails_clearly(pytester: pytest.Pytester) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    pytester.makepyfile("def test_uses_it(numbers_mock):\n    pass\n")
    result = run_user_session(pytester, f"--numbers-mock-url={url}")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines([f"*numbers-mock at {url} is unreachable*"])


# Failures of the plugin itself.


def test_a_server_that_does_not_come_up_fails_with_its_log(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
    import functools

    import numbers_mock_testing.plugin as plugin

    plugin.launch_server = functools.partial(plugin.launch_server, startup_timeout=0)
    """
    )
    pytester.makepyfile(
        "def test_one(numbers_mock):\n    pass\n\ndef test_two(numbers_mock):\n    pass\n"
    )
    result = run_user_session(pytester)
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*numbers-mock could not start: /healthz did not answer 200 within 0 s.",
            "command: *numbers-mock serve --host 127.0.0.1 --port *",
            "log (*server.log), last lines:",
        ]
    )
    result.stdout.no_fnmatch_line("*Traceback*")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--numbers-mock-seed-count", "many"),
            "*--numbers-mock-seed-count must be a positive whole number, not 'many'",
        ),
        (
            ("--numbers-mock-seed-count", "0"),
            "*--numbers-mock-seed-count must be a positive whole number, not '0'",
        ),
        (
            ("--numbers-mock-url", "localhost:8000"),
            "*--numbers-mock-url must be an http:// or https:// URL, not 'localhost:8000'",
        ),
    ],
)
def test_invalid_options_are_usage_errors(
    pytester: pytest.Pytester, args: tuple[str, ...], message: str
) -> None:
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess(*args, timeout=RUN_TIMEOUT)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_environment_sets_the_seed_count(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NUMBERS_MOCK_SEED_COUNT", "1234")
    pytester.makepyfile("def test_plain():\n    pass\n")
    result = pytester.runpytest_subprocess(timeout=RUN_TIMEOUT)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["numbers-mock: *(seed count: 1,234)"])


def test_the_options_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help", timeout=RUN_TIMEOUT)
    result.stdout.fnmatch_lines(
        [
            "numbers-mock server for the numbers_mock fixture:",
            "  --numbers-mock-url=URL",
            "*Use the numbers-mock server at URL instead of starting*",
            "  --numbers-mock-admin-key=KEY",
            "*Admin key of the server at --numbers-mock-url (env*",
            "  --numbers-mock-seed-count=N",
            "*Numbers in the inventory of the server the plugin*",
        ]
    )


def test_the_fixtures_are_documented(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", timeout=RUN_TIMEOUT)
    result.stdout.fnmatch_lines(
        [
            "numbers_mock -- *plugin.py*",
            "*A numbers-mock server for this test, as a ``NumbersMock``, freshly reset.",
        ]
    )
    result.stdout.fnmatch_lines(["numbers_mock_session [[]session scope[]] -- *plugin.py*"])
