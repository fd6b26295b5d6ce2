"""Fixtures of the HTTP tests that change the shared database's state."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def seeded_state(client: TestClient, admin: dict[str, str]) -> Iterator[None]:
    """The test starts, and leaves the shared database, at the seed on real time (a module
    that changes state uses it with ``pytestmark = pytest.mark.usefixtures(...)``)."""
    assert client.post("/_mock/reset", headers=admin).status_code == 200
    yield
    assert client.post("/_mock/reset", headers=admin).status_code == 200
