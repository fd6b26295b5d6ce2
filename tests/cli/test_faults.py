"""`numbers-mock faults add | list` with transport faults, delay distributions and dribbled
bodies, and `numbers-mock requests` showing the fault a request met, against a running
server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2 as httpx
import pytest
from typer.testing import CliRunner, Result

from app.cli.main import cli
from numbers_mock_testing.process import free_port
from tests.conftest import DatabaseFactory
from tests.servers import running_server, server_environment

ADMIN_KEY = "cli-faults-admin-key"
SEARCH = "searchAvailableNumbers"
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def server_url(database_factory: DatabaseFactory) -> Iterator[str]:
    env = server_environment(database_factory("cli_faults"), NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY)
    port = free_port()
    with running_server(env, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def remote(server_url: str) -> Iterator[list[str]]:
    """The options that reach the server, which is reset before and after each test."""
    options = ["--url", server_url, "--admin-key", ADMIN_KEY]
    assert runner.invoke(cli, ["reset", *options]).exit_code == 0
    yield options
    assert runner.invoke(cli, ["reset", *options]).exit_code == 0


def _add(remote: list[str], *options: str) -> Result:
    return runner.invoke(cli, ["faults", "add", "--operation", SEARCH, *options, *remote])


def _faults(server_url: str) -> list[dict[str, object]]:
    response = httpx.get(
        f"{server_url}/_mock/faults", headers={"Authorization": f"Bearer {ADMIN_KEY}"}
    )
    faults: list[dict[str, object]] = response.json()["faults"]
    return faults


def _does(listing: str, fault_id: str) -> list[str]:
    """The effects `faults list` shows for a fault, one a line (its "does" cell)."""
    rows: list[list[list[str]]] = []  # each row's lines, each line's cells
    for line in listing.splitlines():
        cells = [cell.strip() for cell in line.split("│")[1:-1]]
        if not cells:
            continue  # a border
        if cells[0]:  # the operation's cell starts a row
            rows.append([])
        rows[-1].append(cells)
    (row,) = [lines for lines in rows if "".join(cells[-1] for cells in lines) == fault_id]
    return [cells[2] for cells in row if cells[2]]


def _search(server_url: str, client: httpx.Client) -> httpx.Response:
    token = httpx.post(
        f"{server_url}/_mock/tokens",
        json={"organizationId": "acme"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    ).json()["token"]
    return client.get(
        f"{server_url}/numbers/available",
        params={"countryCode": "US", "limit": 3},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_a_connection_reset_is_listed_and_journaled_without_a_status(
    server_url: str, remote: list[str]
) -> None:
    added = _add(remote, "--fault", "connection_reset", "--times", "1")
    assert added.exit_code == 0, added.output
    fault_id = added.stdout.strip()
    [fault] = _faults(server_url)
    assert (fault["id"], fault["fault"], fault["status"]) == (fault_id, "connection_reset", None)
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert listed.exit_code == 0, listed.output
    assert _does(listed.stdout, fault_id) == ["connection_reset"]

    with httpx.Client(trust_env=False) as client:
        with pytest.raises(httpx.TransportError):
            _search(server_url, client)
        assert _search(server_url, client).status_code == 200

    journal = runner.invoke(cli, ["requests", *remote])
    assert journal.exit_code == 0, journal.output
    # Newest first: the status and fault columns, which follow the operation's.
    assert _status_and_fault(journal.stdout) == [
        ("200", ""),
        ("-", "connection_reset"),  # no status line was sent: the fault says why
    ]

    only_faulted = runner.invoke(cli, ["requests", "--fault", "connection_reset", *remote])
    assert only_faulted.exit_code == 0, only_faulted.output
    assert _status_and_fault(only_faulted.stdout) == [("-", "connection_reset")]


def _status_and_fault(table: str) -> list[tuple[str, str]]:
    """The journal table's status and fault cells of each search, top to bottom."""
    rows = [line.split("│") for line in table.splitlines() if SEARCH in line]
    cells = [[cell.strip() for cell in row] for row in rows]
    return [(row[row.index(SEARCH) + 1], row[row.index(SEARCH) + 2]) for row in cells]


def test_a_hang_is_listed_with_when_the_server_gives_up(server_url: str, remote: list[str]) -> None:
    added = _add(remote, "--fault", "hang", "--hang-ms", "1500", "--times", "1")
    assert added.exit_code == 0, added.output
    [fault] = _faults(server_url)
    assert (fault["fault"], fault["hangMs"]) == ("hang", 1500)
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert _does(listed.stdout, added.stdout.strip()) == ["hang 1500 ms"]


def test_a_lognormal_delay_is_scripted_and_listed(server_url: str, remote: list[str]) -> None:
    added = _add(remote, "--delay-distribution", "lognormal", "--median-ms", "40", "--sigma", "0.5")
    assert added.exit_code == 0, added.output
    [fault] = _faults(server_url)
    assert fault["delay"] == {"distribution": "lognormal", "medianMs": 40, "sigma": 0.5}
    assert (fault["delayMs"], fault["status"], fault["fault"]) == (None, None, None)
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert _does(listed.stdout, added.stdout.strip()) == ["delay lognormal median 40 ms sigma 0.5"]
    with httpx.Client(trust_env=False) as client:
        assert _search(server_url, client).status_code == 200  # slower, but answered


def test_a_uniform_delay_and_a_dribble_are_scripted_and_listed(
    server_url: str, remote: list[str]
) -> None:
    added = _add(
        remote,
        "--delay-distribution",
        "uniform",
        "--lower-ms",
        "10",
        "--upper-ms",
        "30",
        "--dribble-chunks",
        "4",
        "--dribble-total-ms",
        "200",
    )
    assert added.exit_code == 0, added.output
    [fault] = _faults(server_url)
    assert fault["delay"] == {"distribution": "uniform", "lowerMs": 10, "upperMs": 30}
    assert fault["dribble"] == {"chunks": 4, "totalMs": 200}
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert _does(listed.stdout, added.stdout.strip()) == [
        "delay uniform 10-30 ms",
        "body in 4 chunks over 200 ms",
    ]
    with httpx.Client(trust_env=False) as client:
        answer = _search(server_url, client)
    assert answer.status_code == 200
    assert len(answer.json()["numbers"]) == 3  # the whole body, however it came


def test_a_status_and_a_fixed_delay_are_listed(server_url: str, remote: list[str]) -> None:
    added = _add(remote, "--delay-ms", "5", "--status", "503")
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert _does(listed.stdout, added.stdout.strip()) == ["fail 503", "delay 5 ms"]


@pytest.mark.parametrize(
    ("options", "message", "fix"),
    [
        (
            ["--lower-ms", "10", "--upper-ms", "20"],
            "--lower-ms needs --delay-distribution",
            "--delay-distribution uniform",
        ),
        (
            ["--delay-distribution", "uniform", "--lower-ms", "1", "--median-ms", "5"],
            "a uniform delay does not take --median-ms",
            "a uniform delay takes --lower-ms and --upper-ms",
        ),
        (
            ["--delay-distribution", "lognormal", "--median-ms", "100"],
            "a lognormal delay needs --sigma",
            "a lognormal delay takes --median-ms and --sigma",
        ),
        (
            ["--dribble-chunks", "5"],
            "a dribble needs both --dribble-chunks and --dribble-total-ms",
            "--dribble-chunks 10 --dribble-total-ms 5000",
        ),
    ],
)
def test_options_that_do_not_go_together_are_refused_before_sending(
    server_url: str, remote: list[str], options: list[str], message: str, fix: str
) -> None:
    refused = _add(remote, *options)
    assert refused.exit_code == 2
    assert message in refused.stderr
    assert f"fix: e.g. {fix}" in refused.stderr or f"fix: {fix}" in refused.stderr
    assert "Traceback" not in refused.output
    assert _faults(server_url) == []


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (["--fault", "hang", "--status", "502"], "status"),
        (["--fault", "connection_reset", "--hang-ms", "100"], "hangMs"),
        (
            ["--fault", "empty_response", "--dribble-chunks", "2", "--dribble-total-ms", "10"],
            "dribble",
        ),
        (
            [
                "--delay-ms",
                "10",
                "--delay-distribution",
                "lognormal",
                "--median-ms",
                "5",
                "--sigma",
                "1",
            ],
            "delay",
        ),
        (["--delay-distribution", "uniform", "--lower-ms", "30", "--upper-ms", "10"], "lowerMs"),
        (["--delay-distribution", "lognormal", "--median-ms", "100", "--sigma", "9"], "sigma"),
        (["--times", "2"], "give a status"),
    ],
)
def test_the_servers_refusal_is_printed_with_its_fix(
    server_url: str, remote: list[str], options: list[str], said: str
) -> None:
    refused = _add(remote, *options)
    assert refused.exit_code == 1, refused.output
    assert "400 " in refused.stderr
    assert said in refused.stderr
    assert "fix: " in refused.stderr
    assert "Traceback" not in refused.output
    assert _faults(server_url) == []


def test_an_unknown_fault_kind_names_the_six(remote: list[str]) -> None:
    refused = _add(remote, "--fault", "meteor")
    assert refused.exit_code == 2
    assert "meteor" in refused.output
    assert "connection_reset" in refused.output
    assert "Traceback" not in refused.output
