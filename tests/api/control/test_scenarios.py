"""Scenario files: validation that names the line, and the stories they tell."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.control.scenarios import ScenarioError, parse_scenario
from tests.helpers import AVAILABLE, STOCK_ITEMS

STORY = """\
description: The US is sold out of 415 numbers; Pingram answers 502 one time in ten.
numbers:
  - countryCode: GB
    type: mobile
    count: 3
  - numbers:
      - numberString: "+442071838750"
        locality: London
purchases:
  - numberString: "+442071838750"
    organizationId: acme
soldOut:
  - countryCodes: [US]
    prefix: "415"
faults:
  - operation: searchAvailableNumbers
    status: 502
    probability: 0.1
rateLimits:
  - operation: listStockItems
    limit: 1000
    windowSeconds: 60
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("faults:\n  - operation: nope\n    status: 502\n", "demo.yaml:2: faults.0.operation"),
        ("numbers:\n  - countryCode: US\n    type: local\n", "demo.yaml:2: numbers.0: give"),
        ("soldOut:\n  - countryCodes: [US]\n    colour: red\n", "demo.yaml:3: soldOut.0.colour"),
        ("faults: [\n", "demo.yaml:2: not valid YAML"),
        ("- just\n- a list\n", "demo.yaml:1: a scenario is a mapping"),
        ("faults:\n  - operation: '*'\n", "demo.yaml:2: faults.0: give a status"),
        ("rateLimits:\n  - operation: '*'\n    limit: 0\n    windowSeconds: 1\n", "demo.yaml:3:"),
        (
            "purchases:\n  - numberString: '+14155550100'\n    organizationId: acme\n"
            "    cancelled: true\n",
            "demo.yaml:2: purchases.0: cancelled is for numbers bought through Bird",
        ),
    ],
)
def test_errors_name_the_line(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(text, source="demo.yaml")
    assert str(raised.value).startswith(expected)


def test_a_valid_story_parses() -> None:
    scenario = parse_scenario(STORY)
    assert [fault.probability for fault in scenario.faults] == [0.1]
    assert scenario.sold_out[0].prefix == "415"


@pytest.fixture
def story_applied(client: TestClient, admin: dict[str, str]) -> Iterator[dict[str, int]]:
    response = client.post(
        "/_mock/scenario", json=parse_scenario(STORY).model_dump(mode="json"), headers=admin
    )
    assert response.status_code == 200, response.text
    yield response.json()
    client.post("/_mock/reset", headers=admin)


def test_story_through_the_control_api(
    client: TestClient, auth: dict[str, str], story_applied: dict[str, int]
) -> None:
    assert story_applied["numbersAdded"] == 4
    assert story_applied["purchased"] == 1
    assert story_applied["soldOut"] > 50
    sold_out = client.get(
        STOCK_ITEMS, params={"countryCodes": "US", "prefix": "415"}, headers=auth
    ).json()
    assert sold_out == {"results": []}
    statuses = [
        client.get(AVAILABLE, params={"countryCode": "NL"}, headers=auth).status_code
        for _ in range(60)
    ]
    assert set(statuses) == {200, 502}
    bought = client.get(STOCK_ITEMS, params={"prefix": "+442071838750"}, headers=auth).json()
    assert bought == {"results": []}


def test_applying_twice_tells_the_same_story(
    client: TestClient, admin: dict[str, str], auth: dict[str, str], story_applied: dict[str, int]
) -> None:
    again = client.post(
        "/_mock/scenario", json=parse_scenario(STORY).model_dump(mode="json"), headers=admin
    )
    assert again.json() == story_applied


def test_a_story_that_cannot_be_told_changes_nothing(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    client.post("/_mock/faults", json={"operation": "*", "status": 500}, headers=admin)
    broken = parse_scenario(
        "faults:\n  - {operation: '*', status: 503}\n"
        "purchases:\n  - {numberString: '+14155550199', organizationId: acme}\n"
    )
    response = client.post("/_mock/scenario", json=broken.model_dump(mode="json"), headers=admin)
    assert response.status_code == 404
    assert [f["status"] for f in client.get("/_mock/faults", headers=admin).json()["faults"]] == [
        500
    ]
    client.post("/_mock/reset", headers=admin)


def test_scenario_file_fixture_is_valid(repository_root: Path) -> None:
    for path in (repository_root / "examples").glob("*.yaml"):
        parse_scenario(path.read_text(), source=str(path))


def test_a_scenario_file_is_uploaded_as_written(
    client: TestClient, admin: dict[str, str], repository_root: Path
) -> None:
    text = (repository_root / "examples" / "sold-out-415.yaml").read_bytes()
    response = client.post(
        "/_mock/scenario-file",
        content=text,
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["soldOut"] > 0
    assert client.get("/_mock/faults", headers=admin).json()["faults"][0]["probability"] == 0.1
    assert client.post("/_mock/reset", headers=admin).status_code == 200


def test_a_broken_scenario_file_is_refused_with_its_line(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = client.get("/_mock/faults", headers=admin).json()
    response = client.post(
        "/_mock/scenario-file",
        content=b"faults:\n  - operation: nope\n    status: 500\n",
        headers={**admin, "Content-Type": "application/yaml"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("scenario:2: faults.0.operation")
    assert client.get("/_mock/faults", headers=admin).json() == before
