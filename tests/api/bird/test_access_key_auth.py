"""Bird's `Authorization: AccessKey <key>` beside `Bearer <JWT>`, through HTTP."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from fastapi.testclient import TestClient

from app.auth.access_keys import mint_access_key
from app.providers.bird.schemas import StockItemsPage
from tests.conftest import TEST_SECRET, Minter
from tests.helpers import AVAILABLE, assert_error

OTHER_SECRET = "another-numbers-mock-secret-0123456789ab"


def _stock_items(organization: str) -> str:
    return f"/organizations/{organization}/numbers-stock-items"


def _key_headers(organization: str, *workspaces: str) -> dict[str, str]:
    return {"Authorization": f"AccessKey {mint_access_key(TEST_SECRET, organization, workspaces)}"}


def test_an_access_key_searches_the_stock_like_a_token(client: TestClient, mint: Minter) -> None:
    params: dict[str, str | int] = {"countryCodes": "NL", "limit": 20}
    with_key = client.get(_stock_items("keys-a"), params=params, headers=_key_headers("keys-a"))
    assert with_key.status_code == 200, with_key.text
    StockItemsPage.model_validate(with_key.json())
    with_token = client.get(
        _stock_items("keys-a"),
        params=params,
        headers={"Authorization": f"Bearer {mint('keys-a')}"},
    )
    assert with_key.json() == with_token.json()
    assert len(with_key.json()["results"]) == 20


def test_the_scheme_name_is_case_insensitive(client: TestClient) -> None:
    key = mint_access_key(TEST_SECRET, "keys-b")
    response = client.get(
        _stock_items("keys-b"), params={"limit": 1}, headers={"Authorization": f"accesskey {key}"}
    )
    assert response.status_code == 200, response.text


def test_a_key_restricted_to_workspaces_still_searches_its_organization(
    client: TestClient,
) -> None:
    response = client.get(_stock_items("keys-c"), headers=_key_headers("keys-c", "ws-1"))
    assert response.status_code == 200, response.text


def _altered(key: str) -> str:
    middle = len(key) // 2
    return key[:middle] + ("A" if key[middle] != "A" else "B") + key[middle + 1 :]


@pytest.mark.parametrize(
    ("authorization", "fragment"),
    [
        pytest.param(
            "AccessKey " + _altered(mint_access_key(TEST_SECRET, "acme")),
            "not a key this server issued",
            id="altered",
        ),
        pytest.param(
            "AccessKey " + mint_access_key(TEST_SECRET, "acme")[:-4],
            "not a key this server issued",
            id="truncated",
        ),
        pytest.param(
            "AccessKey " + mint_access_key(OTHER_SECRET, "acme"),
            "not a key this server issued",
            id="another-secret",
        ),
        pytest.param(
            "AccessKey a-key-we-never-minted", "not a key this server issued", id="made-up"
        ),
        pytest.param("AccessKey", "no key after AccessKey", id="no-key"),
        pytest.param("AccessKey " + "A" * 5000, "at most 4096", id="overlong"),
    ],
)
def test_refused_keys_get_401_with_an_access_key_challenge(
    client: TestClient, authorization: str, fragment: str
) -> None:
    response = client.get(_stock_items("acme"), headers={"Authorization": authorization})
    error = assert_error(response, 401, "invalid_access_key")
    assert fragment in error["message"]
    assert "numbers-mock token --access-key" in error["fix"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('AccessKey realm="numbers-mock", error_description="')
    assert fragment in challenge


def test_refused_keys_are_refused_on_every_bird_operation(client: TestClient) -> None:
    headers = {"Authorization": "AccessKey " + _altered(mint_access_key(TEST_SECRET, "acme"))}
    for response in (
        client.get("/workspaces/ws-x/numbers", headers=headers),
        client.get(f"/workspaces/ws-x/numbers-long-code/{uuid.uuid4()}", headers=headers),
        client.post(
            "/workspaces/ws-x/numbers-long-code", json={"numberStockItemIds": []}, headers=headers
        ),
    ):
        assert response.status_code == 401, response.text


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        pytest.param({}, "no Authorization header", id="none"),
        pytest.param({"Authorization": "Basic YTpi"}, "neither the Bearer scheme", id="basic"),
    ],
)
def test_without_either_scheme_both_are_challenged(
    client: TestClient, headers: dict[str, str], fragment: str
) -> None:
    response = client.get("/workspaces/ws-x/numbers", headers=headers)
    error = assert_error(response, 401, "invalid_token")
    assert fragment in error["message"]
    assert "AccessKey <key>" in error["fix"]
    assert "Bearer <token>" in error["fix"]
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="numbers-mock", error="invalid_token"')
    assert challenge.endswith(', AccessKey realm="numbers-mock"')


def test_two_authorization_headers_are_refused(client: TestClient, mint: Minter) -> None:
    key = mint_access_key(TEST_SECRET, "acme")
    response = client.get(
        _stock_items("acme"),
        headers=[("Authorization", f"AccessKey {key}"), ("Authorization", f"Bearer {mint()}")],
    )
    assert "2 Authorization headers" in assert_error(response, 401, "invalid_token")["message"]


def test_a_key_for_another_organization_is_forbidden(client: TestClient) -> None:
    response = client.get(_stock_items("acme"), headers=_key_headers("globex"))
    error = assert_error(response, 403, "organization_mismatch")
    assert "access key is for organization 'globex', not 'acme'" in error["message"]
    assert "--access-key --org acme" in error["fix"]


def test_auth_is_checked_before_parameters(client: TestClient) -> None:
    headers = {"Authorization": "AccessKey " + _altered(mint_access_key(TEST_SECRET, "acme"))}
    response = client.get(_stock_items("acme"), params={"limit": 500, "x": 1}, headers=headers)
    assert_error(response, 401, "invalid_access_key")


def test_pingram_does_not_take_bird_access_keys(client: TestClient) -> None:
    response = client.get(AVAILABLE, params={"countryCode": "US"}, headers=_key_headers("acme"))
    assert "Bearer scheme" in assert_error(response, 401, "invalid_token")["message"]


def test_the_journal_names_the_key_without_holding_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    key = mint_access_key(TEST_SECRET, "keys-journal")
    response = client.get(
        _stock_items("keys-journal"), headers={"Authorization": f"AccessKey {key}"}
    )
    assert response.status_code == 200
    journal = client.get(
        "/_mock/requests", params={"organizationId": "keys-journal"}, headers=admin
    ).json()["requests"]
    assert [entry["operation"] for entry in journal] == ["listStockItems"]
    assert journal[0]["sub"].startswith("access-key:")
    assert key not in str(journal)


@pytest.mark.parametrize(
    ("claim", "shown"),
    [
        pytest.param("ws-1", "'ws-1'", id="a-string"),
        pytest.param([], "[]", id="empty"),
        pytest.param([""], "['']", id="empty-id"),
        pytest.param([7], "[7]", id="a-number"),
        pytest.param(["x" * 257], "['xxx", id="too-long"),
        pytest.param([f"w{index}" for index in range(101)], "['w0', 'w1'", id="too-many"),
    ],
)
def test_a_malformed_workspaces_claim_is_refused(
    client: TestClient, claim: object, shown: str
) -> None:
    claims = {
        "sub": "u",
        "org": "acme",
        "iss": "numbers-mock",
        "aud": "numbers-mock",
        "exp": int(time.time()) + 300,
        "workspaces": claim,
    }
    headers = {"Authorization": f"Bearer {jwt.encode(claims, TEST_SECRET)}"}
    response = client.get(_stock_items("acme"), headers=headers)
    error = assert_error(response, 401, "invalid_token")
    assert "workspaces claim must be a list of 1 to 100 workspace ids" in error["message"]
    assert shown in error["message"]
    assert "--workspace" in error["fix"]


def test_openapi_declares_the_access_key_scheme_on_bird_operations(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    scheme = document["components"]["securitySchemes"]["AccessKey"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "AccessKey")
    bird = [
        ("/organizations/{organizationId}/numbers-stock-items", "get"),
        ("/workspaces/{workspaceId}/numbers-long-code", "post"),
        ("/workspaces/{workspaceId}/numbers", "get"),
        ("/workspaces/{workspaceId}/numbers-long-code/{longCodeNumberId}", "get"),
    ]
    for path, method in bird:
        operation = document["paths"][path][method]
        assert operation["security"] == [{"HTTPBearer": []}, {"AccessKey": []}], path
        assert (
            "AccessKey"
            in operation["responses"]["401"]["headers"]["WWW-Authenticate"]["description"]
        )
    assert document["paths"]["/numbers/available"]["get"]["security"] == [{"HTTPBearer": []}]
