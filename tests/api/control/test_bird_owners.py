"""The control API and scenarios giving Bird workspaces their long code numbers."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.pingram import steps as pingram
from tests.conftest import Minter
from tests.helpers import assert_error

pytestmark = pytest.mark.usefixtures("seeded_state")


def test_a_scenario_gives_a_bird_workspace_a_long_code_number(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    headers = pingram.headers(mint, "story-org")
    number = pingram.search(client, headers, limit=1)[0]["phoneNumber"]
    scenario = {
        "purchases": [
            {
                "numberString": number,
                "organizationId": "story-org",
                "provider": "bird",
                "workspaceId": "ws-story",
            }
        ]
    }
    assert client.post("/_mock/scenario", json=scenario, headers=admin).status_code == 200
    listed = client.get("/workspaces/ws-story/numbers", headers=headers)
    assert listed.status_code == 200, listed.text
    [lcn] = listed.json()["results"]
    assert lcn["numberString"] == number
    owner = client.get(f"/_mock/numbers/{number.replace('+', '%2B')}", headers=admin).json()
    assert owner["owner"]["workspaceId"] == "ws-story"
    assert owner["owner"]["longCodeNumberId"] == lcn["id"]
    forbidden = client.get(
        "/workspaces/ws-story/numbers", headers=pingram.headers(mint, "intruder")
    )
    assert_error(forbidden, 403, "workspace_forbidden")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"organizationId": "o", "provider": "bird"}, "workspaceId is missing"),
        ({"organizationId": "o", "workspaceId": "ws"}, "only for numbers bought through Bird"),
    ],
)
def test_the_control_api_refuses_an_incomplete_bird_purchase(
    client: TestClient, mint: Minter, admin: dict[str, str], body: dict[str, Any], fragment: str
) -> None:
    number = pingram.search(client, pingram.headers(mint), limit=1)[0]["phoneNumber"]
    error = assert_error(
        client.post(
            f"/_mock/numbers/{number.replace('+', '%2B')}/purchase", json=body, headers=admin
        ),
        400,
        "invalid_parameter",
    )
    assert fragment in error["message"]


def test_a_workspace_belongs_to_one_organization_in_the_control_api_too(
    client: TestClient, mint: Minter, admin: dict[str, str]
) -> None:
    first, second = (
        n["phoneNumber"] for n in pingram.search(client, pingram.headers(mint), limit=2)
    )
    for number, organization, status in ((first, "org-a", 200), (second, "org-b", 400)):
        response = client.post(
            f"/_mock/numbers/{number.replace('+', '%2B')}/purchase",
            json={"organizationId": organization, "provider": "bird", "workspaceId": "ws-shared"},
            headers=admin,
        )
        assert response.status_code == status, response.text
    assert "belongs to organization 'org-a'" in response.json()["error"]["message"]
