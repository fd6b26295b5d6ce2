"""`numbers-mock token --access-key` and `--workspace`, as a user runs them."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from app.auth.access_keys import AccessKeyCodec, AccessKeyHolder, mint_access_key
from app.auth.tokens import TokenVerifier
from app.cli.main import cli
from tests.conftest import TEST_SECRET

runner = CliRunner()
# The CLI passes flags on as environment variables: each test starts from a clean one.
pytestmark = pytest.mark.usefixtures("isolated_environment")


def test_access_key_prints_only_a_key_the_server_accepts() -> None:
    result = runner.invoke(cli, ["token", "--access-key", "--org", "acme"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert result.stdout == key + "\n"
    assert AccessKeyCodec(TEST_SECRET).open(key) == AccessKeyHolder("acme", ())


def test_access_key_with_workspaces_is_limited_to_them() -> None:
    result = runner.invoke(
        cli, ["token", "--access-key", "--org", "acme", "--workspace", "b", "--workspace", "a"]
    )
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert AccessKeyCodec(TEST_SECRET).open(key) == AccessKeyHolder("acme", ("a", "b"))
    # Stateless and deterministic: the same as any replica with the same secret mints.
    assert key == mint_access_key(TEST_SECRET, "acme", ["a", "b"])


def test_workspace_adds_the_claim_to_a_bearer_token() -> None:
    result = runner.invoke(cli, ["token", "--org", "acme", "--workspace", "ws-1"])
    assert result.exit_code == 0, result.output
    verifier = TokenVerifier(TEST_SECRET, issuer="numbers-mock", audience="numbers-mock")
    principal = verifier.verify([f"Bearer {result.stdout.strip()}"], require_org=True)
    assert (principal.org, principal.workspaces) == ("acme", ("ws-1",))
    assert principal.claims["workspaces"] == ["ws-1"]


def test_a_token_without_workspace_has_no_claim() -> None:
    result = runner.invoke(cli, ["token", "--org", "acme"])
    verifier = TokenVerifier(TEST_SECRET, issuer="numbers-mock", audience="numbers-mock")
    principal = verifier.verify([f"Bearer {result.stdout.strip()}"], require_org=True)
    assert principal.workspaces == ()
    assert "workspaces" not in principal.claims


@pytest.mark.parametrize(
    ("arguments", "fragment"),
    [
        (["--access-key", "--org", "acme", "--ttl", "60"], "access keys never expire"),
        (["--access-key", "--org", "acme", "--sub", "alice"], "access keys never expire"),
        (["--access-key", "--org", "acme", "--workspace", "a/b"], "without '/'"),
        (["--org", "acme", "--workspace", ""], "workspace id ''"),
        (["--access-key", "--org", "x" * 257], "organization id must be 1 to 256"),
    ],
)
def test_bad_combinations_are_refused(arguments: list[str], fragment: str) -> None:
    result = runner.invoke(cli, ["token", *arguments])
    assert result.exit_code == 2
    assert fragment in result.output
    assert not result.stdout.strip()


def test_another_secret_mints_another_key(monkeypatch: pytest.MonkeyPatch) -> None:
    first = runner.invoke(cli, ["token", "--access-key", "--org", "acme"]).stdout.strip()
    monkeypatch.setenv("NUMBERS_MOCK_JWT_SECRET", "another-secret-0123456789abcdef0123456")
    second = runner.invoke(cli, ["token", "--access-key", "--org", "acme"]).stdout.strip()
    assert first != second
