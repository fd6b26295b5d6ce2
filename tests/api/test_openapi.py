"""openapi.yaml and the served document say the same thing, and say all of it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient

from app import errors
from app.scripting.script import FAILURE_DEFAULTS


def _served(client: TestClient) -> dict[str, Any]:
    document: dict[str, Any] = client.get("/openapi.json").json()
    return document


def test_openapi_yaml_matches_the_served_document(
    client: TestClient, repository_root: Path
) -> None:
    committed = yaml.safe_load((repository_root / "openapi.yaml").read_text(encoding="utf-8"))
    assert committed == _served(client), (
        "openapi.yaml is stale: run `numbers-mock openapi --output openapi.yaml`"
    )


def test_no_operation_documents_a_422(client: TestClient) -> None:
    document = _served(client)
    for operations in document["paths"].values():
        for operation in operations.values():
            assert "422" not in operation["responses"]
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_error_code_is_documented(client: TestClient) -> None:
    def all_subclasses(cls: type[errors.ApiError]) -> set[type[errors.ApiError]]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= all_subclasses(sub)
        return found

    codes = {cls.code for cls in all_subclasses(errors.ApiError)}
    codes |= {defaults.code for defaults in FAILURE_DEFAULTS.values()}
    documented = _served(client)["components"]["schemas"]["ErrorDetail"]["properties"]["code"]
    assert codes == set(documented["enum"])
    for code in codes:
        assert f"`{code}`" in documented["description"]


def test_both_operations_document_parameters_and_statuses(client: TestClient) -> None:
    paths = _served(client)["paths"]
    stock = paths["/organizations/{organizationId}/numbers-stock-items"]["get"]
    available = paths["/numbers/available"]["get"]
    assert {p["name"] for p in stock["parameters"]} == {
        "organizationId",
        "limit",
        "pageToken",
        "countryCodes",
        "prefix",
        "types",
        "features",
        "testing",
    }
    assert {p["name"] for p in available["parameters"]} == {
        "countryCode",
        "features",
        "areaCode",
        "limit",
    }
    assert {"200", "400", "401", "403", "500"} <= set(stock["responses"])
    assert {"200", "400", "401", "500"} <= set(available["responses"])
    limit = next(p for p in stock["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 99)
    assert stock["security"] == [{"HTTPBearer": []}, {"AccessKey": []}]
