"""The numbers-mock command line, as a user runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.auth.tokens import TokenVerifier
from app.cli.main import cli
from app.db.engine import create_db_engine
from app.db.models import InventoryNumber
from tests.conftest import TEST_SECRET, DatabaseFactory

runner = CliRunner()
# The CLI passes flags on as environment variables: each test starts from a clean one.
pytestmark = pytest.mark.usefixtures("isolated_environment")


def _numbers(database_url: str) -> list[str]:
    engine = create_db_engine(database_url)
    try:
        with Session(engine) as session:
            return list(
                session.scalars(
                    select(InventoryNumber.number_string).order_by(InventoryNumber.number_string)
                )
            )
    finally:
        engine.dispose()


def test_token_prints_a_token_the_server_accepts() -> None:
    result = runner.invoke(cli, ["token", "--org", "acme", "--sub", "alice", "--ttl", "60"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    verifier = TokenVerifier(TEST_SECRET, issuer="numbers-mock", audience="numbers-mock")
    principal = verifier.verify([f"Bearer {token}"], require_org=True)
    assert (principal.org, principal.sub) == ("acme", "alice")
    assert principal.claims["exp"] - principal.claims["iat"] == 60


def test_token_honours_issuer_and_audience_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBERS_MOCK_JWT_ISSUER", "https://idp.example")
    monkeypatch.setenv("NUMBERS_MOCK_JWT_AUDIENCE", "numbers")
    token = runner.invoke(cli, ["token", "--org", "acme"]).stdout.strip()
    verifier = TokenVerifier(TEST_SECRET, issuer="https://idp.example", audience="numbers")
    assert verifier.verify([f"Bearer {token}"], require_org=True).org == "acme"


def test_short_secret_is_refused_with_the_setting_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NUMBERS_MOCK_JWT_SECRET", "short")
    result = runner.invoke(cli, ["token", "--org", "acme"])
    assert result.exit_code == 2
    assert "NUMBERS_MOCK_JWT_SECRET" in result.output
    assert "32 bytes" in result.output


def test_seed_fills_resets_and_is_deterministic(database_factory: DatabaseFactory) -> None:
    url = database_factory("cli_seed")
    first = runner.invoke(cli, ["seed", "--database-url", url, "--count", "300", "--seed", "1"])
    assert first.exit_code == 0, first.output
    assert "seeded 300 numbers" in first.output
    numbers = _numbers(url)
    assert len(numbers) == 300

    refused = runner.invoke(cli, ["seed", "--database-url", url, "--count", "300"])
    assert refused.exit_code == 1
    assert "--reset" in refused.output
    assert _numbers(url) == numbers  # nothing was touched

    other = runner.invoke(
        cli, ["seed", "--database-url", url, "--count", "300", "--seed", "2", "--reset"]
    )
    assert other.exit_code == 0, other.output
    assert _numbers(url) != numbers

    again = runner.invoke(
        cli, ["seed", "--database-url", url, "--count", "300", "--seed", "1", "--reset"]
    )
    assert again.exit_code == 0, again.output
    assert _numbers(url) == numbers


def test_openapi_command_writes_the_committed_document(
    tmp_path: Path, repository_root: Path
) -> None:
    output = tmp_path / "openapi.yaml"
    result = runner.invoke(cli, ["openapi", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(output.read_text()) == yaml.safe_load(
        (repository_root / "openapi.yaml").read_text()
    )


def test_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.startswith("numbers-mock ")


def test_seed_asking_for_more_than_the_plans_hold_is_refused(
    database_factory: DatabaseFactory,
) -> None:
    url = database_factory("cli_seed_too_many")
    result = runner.invoke(cli, ["seed", "--database-url", url, "--count", str(10**12)])
    assert result.exit_code == 2
    assert "cannot hold" in result.output
    assert "--count" in result.output
    assert "Traceback" not in result.output


def test_a_failing_seed_says_so_and_keeps_the_previous_inventory(
    database_factory: DatabaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = database_factory("cli_seed_fails")
    assert runner.invoke(cli, ["seed", "--database-url", url, "--count", "300"]).exit_code == 0
    before = _numbers(url)

    def refuse(*_arguments: object) -> int:
        raise OperationalError("COPY inventory_numbers", {}, Exception("disk full"))

    monkeypatch.setattr("app.stock.repository.bulk_insert_seed_batch", refuse)
    result = runner.invoke(cli, ["seed", "--database-url", url, "--count", "400", "--reset"])
    assert result.exit_code == 1
    assert "seeding failed, the previous inventory is unchanged: disk full" in result.output
    assert "Traceback" not in result.output
    assert _numbers(url) == before
