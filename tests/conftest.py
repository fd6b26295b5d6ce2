"""Fixtures shared by the whole suite: HTTP, CLI, server processes, database and unit tests.

The suite runs on SQLite by default. With ``NUMBERS_MOCK_TEST_DATABASE_URL`` set to a
PostgreSQL URL, every database a test asks for is a fresh schema of that database (dropped
at the end), so runs never see each other's data.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.auth.tokens import mint_token
from app.main import create_app
from app.settings import Settings

TEST_SECRET = "numbers-mock-test-secret-0123456789abcdef"
TEST_ADMIN_KEY = "numbers-mock-test-admin-key"
TEST_SEED = 20260101
POSTGRES_URL = os.environ.get("NUMBERS_MOCK_TEST_DATABASE_URL") or None

DatabaseFactory = Callable[[str], str]
Minter = Callable[..., str]


@pytest.fixture(scope="session")
def database_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseFactory]:
    """Makes an empty database and returns its URL."""
    schemas: list[str] = []

    def make(name: str) -> str:
        if POSTGRES_URL is None:
            return f"sqlite:///{tmp_path_factory.mktemp(name) / 'numbers.db'}"
        schema = f"nm_test_{name}_{uuid.uuid4().hex[:8]}"
        _admin_execute(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    yield make
    for schema in schemas:
        _admin_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _admin_execute(statement: str) -> None:
    assert POSTGRES_URL is not None
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


def make_settings(database_url: str, **overrides: object) -> Settings:
    """Settings from explicit values only, so the developer's environment can't leak in."""
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": TEST_SECRET,
        "jwt_issuer": "numbers-mock",
        "jwt_audience": "numbers-mock",
        "seed": TEST_SEED,
        "seed_count": None,
        "admin_key": TEST_ADMIN_KEY,
        "control_api": True,
        "journal_size": 10_000,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def settings(database_factory: DatabaseFactory) -> Settings:
    """The default inventory (seeded once per session by the first client's start)."""
    return make_settings(database_factory("api"))


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def mint() -> Minter:
    def make(org: str | None = "acme", **claims: object) -> str:
        # Session-scoped fixtures keep their tokens for the whole run: a day outlives it.
        claims.setdefault("ttl_seconds", 86_400)
        return mint_token(
            TEST_SECRET,
            issuer="numbers-mock",
            audience="numbers-mock",
            organization_id=org,
            **claims,  # type: ignore[arg-type]
        )

    return make


@pytest.fixture(scope="session")
def auth(mint: Minter) -> dict[str, str]:
    """Headers of organization acme's token."""
    return {"Authorization": f"Bearer {mint('acme')}"}


@pytest.fixture(scope="session")
def admin() -> dict[str, str]:
    """Headers of the control API's admin key."""
    return {"Authorization": f"Bearer {TEST_ADMIN_KEY}"}


@pytest.fixture
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No NUMBERS_MOCK_* setting but the test secret; the whole environment restored after
    the test (the CLI passes its flags on as environment variables)."""
    saved = dict(os.environ)
    for name in [name for name in os.environ if name.startswith("NUMBERS_MOCK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("NUMBERS_MOCK_JWT_SECRET", TEST_SECRET)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="session")
def repository_root() -> Path:
    return Path(__file__).resolve().parent.parent
