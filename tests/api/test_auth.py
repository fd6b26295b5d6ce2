"""Bearer checks through HTTP, on both provider APIs."""

from __future__ import annotations

import time

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.conftest import TEST_SECRET, Minter
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error

BOTH_APIS = [
    pytest.param(STOCK_ITEMS + "?countryCodes=US", id="stock-items"),
    pytest.param(AVAILABLE + "?countryCode=US", id="available-numbers"),
]


def _claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "u",
        "org": "acme",
        "iss": "numbers-mock",
        "aud": "numbers-mock",
        "exp": now + 300,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _bearer(**overrides: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt.encode(_claims(**overrides), TEST_SECRET)}"}


@pytest.mark.parametrize("path", BOTH_APIS)
@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "no Authorization header"),
        ({"Authorization": "Token abc"}, "Bearer scheme"),
        ({"Authorization": "Bearer abc.def"}, "not a well-formed JWT"),
        ({"Authorization": "Bearer " + "a" * 9000}, "characters long"),
        (_bearer(exp=int(time.time()) - 600), "expired"),
        (_bearer(nbf=int(time.time()) + 600), "not valid yet"),
        (_bearer(iss="elsewhere"), "iss is 'elsewhere'"),
        (_bearer(aud="elsewhere"), "aud is 'elsewhere'"),
        (_bearer(sub=None), "no sub claim"),
        (
            {
                "Authorization": "Bearer "
                + jwt.encode(_claims(), "wrong-secret-0123456789abcdef0123")
            },
            "signature",
        ),
    ],
)
def test_bad_tokens_get_401_with_rfc6750_header(
    client: TestClient, path: str, headers: dict[str, str], fragment: str
) -> None:
    response = client.get(path, headers=headers)
    error = assert_error(response, 401, "invalid_token")
    assert fragment in error["message"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="invalid_token"' in challenge
    assert "error_description=" in challenge


@pytest.mark.parametrize("path", BOTH_APIS)
def test_several_authorization_headers_are_refused(
    client: TestClient, path: str, mint: Minter
) -> None:
    token = mint("acme")
    response = client.get(
        path, headers=[("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    )
    assert "2 Authorization headers" in assert_error(response, 401, "invalid_token")["message"]


@pytest.mark.parametrize("path", BOTH_APIS)
def test_scheme_is_case_insensitive(client: TestClient, path: str, mint: Minter) -> None:
    response = client.get(path, headers={"Authorization": f"bearer {mint('acme')}"})
    assert response.status_code == 200


def test_token_for_another_organization_is_forbidden(client: TestClient, mint: Minter) -> None:
    response = client.get(STOCK_ITEMS, headers={"Authorization": f"Bearer {mint('globex')}"})
    error = assert_error(response, 403, "organization_mismatch")
    assert "'globex'" in error["message"]
    assert "--org acme" in error["fix"]


def test_stock_items_needs_an_org_claim(client: TestClient, mint: Minter) -> None:
    response = client.get(STOCK_ITEMS, headers={"Authorization": f"Bearer {mint(org=None)}"})
    assert "no org claim" in assert_error(response, 401, "invalid_token")["message"]


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(STOCK_ITEMS + "?limit=500&countryCode=zz", id="stock-items"),
        pytest.param(AVAILABLE + "?limit=500", id="available-numbers"),
    ],
)
def test_auth_is_checked_before_parameters(client: TestClient, path: str) -> None:
    assert_error(client.get(path), 401, "invalid_token")
