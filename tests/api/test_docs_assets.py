"""/docs and /redoc work offline: every asset they load comes from this server."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_load_nothing_from_another_host(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
    assert sources, "the page loads its scripts and styles"
    for source in sources:
        assert source.startswith("/"), f"{source} is not on this server"
        asset = client.get(source)
        assert asset.status_code == 200, source
        assert len(asset.content) > 1000
        assert b"cdn.redoc.ly" not in asset.content, "ReDoc's own logo comes from its CDN"
    assert "fonts.googleapis" not in response.text
    assert "cdn." not in response.text
    assert "/openapi.json" in response.text
    if page == "/docs":
        assert '"validatorUrl": null' in response.text


def test_a_missing_asset_is_a_404_envelope(client: TestClient) -> None:
    response = client.get("/_docs-assets/nothing.js")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
