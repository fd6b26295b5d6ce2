"""`numbers-mock reset | faults | requests | numbers list | scenario apply` against a running
server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from typer.testing import CliRunner

from app.cli.main import cli
from numbers_mock_testing.process import free_port
from tests.conftest import DatabaseFactory
from tests.servers import running_server, server_environment

ADMIN_KEY = "cli-remote-admin-key"
runner = CliRunner(env={"COLUMNS": "250"})


@pytest.fixture(scope="module")
def server_url(database_factory: DatabaseFactory) -> Iterator[str]:
    env = server_environment(database_factory("cli_remote"), NUMBERS_MOCK_ADMIN_KEY=ADMIN_KEY)
    port = free_port()
    with running_server(env, port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def remote(server_url: str) -> list[str]:
    return ["--url", server_url, "--admin-key", ADMIN_KEY]


def _token(server_url: str) -> dict[str, str]:
    response = httpx.post(
        f"{server_url}/_mock/tokens",
        json={"organizationId": "acme"},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
    )
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _search(server_url: str) -> int:
    return httpx.get(
        f"{server_url}/numbers/available?countryCode=US", headers=_token(server_url)
    ).status_code


def test_fault_fires_once_and_shows_in_list_and_journal(server_url: str, remote: list[str]) -> None:
    assert runner.invoke(cli, ["reset", *remote]).exit_code == 0
    added = runner.invoke(
        cli,
        [
            "faults",
            "add",
            "--operation",
            "searchAvailableNumbers",
            "--status",
            "502",
            "--times",
            "1",
            *remote,
        ],
    )
    assert added.exit_code == 0, added.output
    fault_id = added.stdout.strip()
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert fault_id in listed.stdout
    assert [_search(server_url), _search(server_url)] == [502, 200]
    journal = runner.invoke(cli, ["requests", *remote])
    assert journal.exit_code == 0, journal.output
    rows = [line for line in journal.stdout.splitlines() if "searchAvailableNumbers" in line]
    # The status column, not a substring of the row (a trackingId may hold "502" too).
    assert [_status_cell(row) for row in rows] == ["200", "502"]
    assert runner.invoke(cli, ["faults", "clear", *remote]).exit_code == 0
    listed = runner.invoke(cli, ["faults", "list", *remote])
    assert fault_id not in listed.stdout


def test_scenario_apply(server_url: str, remote: list[str], repository_root: Path) -> None:
    story = repository_root / "examples" / "sold-out-415.yaml"
    result = runner.invoke(cli, ["scenario", "apply", str(story), *remote])
    assert result.exit_code == 0, result.output
    response = httpx.get(
        f"{server_url}/organizations/acme/numbers-stock-items?countryCodes=US&prefix=415",
        headers=_token(server_url),
    )
    assert response.json() == {"results": []}
    assert runner.invoke(cli, ["reset", *remote]).exit_code == 0


def test_numbers_list_shows_a_cancelled_number_and_when_it_leaves(
    server_url: str, remote: list[str], tmp_path: Path
) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    stock = httpx.get(
        f"{server_url}/organizations/acme/numbers-stock-items?countryCodes=GB&limit=2",
        headers=_token(server_url),
    ).json()["results"]
    kept, cancelled = (item["numberString"] for item in stock)
    story = tmp_path / "cancelled.yaml"
    story.write_text(
        "purchases:\n"
        f'  - {{numberString: "{kept}", organizationId: acme, provider: bird, '
        "workspaceId: ws-cli}\n"
        f'  - {{numberString: "{cancelled}", organizationId: acme, provider: bird, '
        "workspaceId: ws-cli, cancelled: true}\n"
    )
    applied = runner.invoke(cli, ["scenario", "apply", str(story), *remote])
    assert applied.exit_code == 0, applied.output
    listed = runner.invoke(cli, ["numbers", "list", "--workspace-id", "ws-cli", *remote])
    assert listed.exit_code == 0, listed.output
    rows = {line.split()[1]: line for line in listed.output.splitlines() if "+44" in line}
    assert "sold" in rows[kept]
    assert "cancelled" in rows[cancelled]
    assert "ws-cli" in rows[cancelled]
    state = httpx.get(f"{server_url}/_mock/numbers/{cancelled}", headers=admin).json()
    assert state["owner"]["deprovisionAt"][:23] in rows[cancelled]
    assert runner.invoke(cli, ["reset", *remote]).exit_code == 0


def test_broken_scenario_is_refused_with_its_line(tmp_path: Path, remote: list[str]) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("faults:\n  - operation: everything\n    status: 502\n")
    result = runner.invoke(cli, ["scenario", "apply", str(broken), *remote])
    assert result.exit_code == 2
    assert "broken.yaml:2: faults.0.operation" in result.output


def test_wrong_admin_key_is_explained(server_url: str) -> None:
    result = runner.invoke(cli, ["reset", "--url", server_url, "--admin-key", "nope"])
    assert result.exit_code == 1
    assert "401 invalid_admin_key" in result.output


def test_unreachable_server_is_explained() -> None:
    result = runner.invoke(cli, ["reset", "--url", f"http://127.0.0.1:{free_port()}"])
    assert result.exit_code == 1
    assert "cannot reach numbers-mock" in result.output


def test_serve_plays_a_scenario_at_start(
    database_factory: DatabaseFactory, repository_root: Path
) -> None:
    env = server_environment(database_factory("serve_scenario"))
    port = free_port()
    story = str(repository_root / "examples" / "sold-out-415.yaml")
    with running_server(env, port, "--scenario", story):
        response = httpx.get(
            f"http://127.0.0.1:{port}/organizations/acme/numbers-stock-items",
            params={"countryCodes": "US", "prefix": "415"},
            headers={
                "Authorization": "Bearer "
                + httpx.post(
                    f"http://127.0.0.1:{port}/_mock/tokens",
                    json={"organizationId": "acme"},
                    headers={"Authorization": "Bearer numbers-mock-development-admin-key"},
                ).json()["token"]
            },
        )
        assert response.json() == {"results": []}


def test_serve_refuses_a_broken_scenario_before_starting(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("soldOut:\n  - prefix: '415'\n")
    result = runner.invoke(cli, ["serve", "--scenario", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml:2: soldOut.0.countryCodes" in result.output


def _status_cell(row: str) -> str:
    """The journal table's status: the first three-digit cell after the operation's."""
    cells = row.split()
    after_operation = cells[cells.index("searchAvailableNumbers") + 1 :]
    return next(cell for cell in after_operation if cell.isdigit() and len(cell) == 3)
