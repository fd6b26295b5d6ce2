"""The envelope on every error the framework or the server itself produces."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.conftest import make_settings
from tests.helpers import AVAILABLE, STOCK_ITEMS, assert_error


def test_unknown_path_is_a_404_envelope(client: TestClient) -> None:
    error = assert_error(client.get("/numbers/available/nearby"), 404, "not_found")
    assert "/numbers/available/nearby" in error["message"]


def test_a_path_of_another_method_is_a_405_naming_it(client: TestClient) -> None:
    """GET /numbers/{x} does not exist, but DELETE /numbers/{phoneNumber} (release) does."""
    response = client.get("/numbers/unavailable")
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "DELETE"


def test_wrong_method_is_a_405_envelope_with_allow(
    client: TestClient, auth: dict[str, str]
) -> None:
    response = client.post(STOCK_ITEMS, headers=auth)
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET"


def test_tracking_ids_are_unique_and_on_every_response(
    client: TestClient, auth: dict[str, str]
) -> None:
    responses = [
        client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth),
        client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth),
        client.get("/healthz"),
        client.get("/nowhere"),
    ]
    ids = [response.headers["X-Tracking-Id"] for response in responses]
    assert len(set(ids)) == len(ids)


def test_unexpected_exception_is_a_generic_500(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(settings, prepare_database=False)

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret internals")

    with (
        caplog.at_level(logging.ERROR, logger="numbers_mock.errors"),
        TestClient(app) as client,  # the lifespan disposes of the engine
    ):
        response = client.get("/explode")
    error = assert_error(response, 500, "internal_error")
    assert "secret internals" not in response.text
    assert "Traceback" not in response.text
    tracking_id = response.headers["X-Tracking-Id"]
    assert tracking_id in error["fix"]
    logged = [record for record in caplog.records if tracking_id in record.getMessage()]
    assert logged
    assert logged[0].exc_info is not None


def test_database_unreachable_is_a_503_envelope(tmp_path: object) -> None:
    settings = make_settings("sqlite:////nonexistent-directory/numbers.db")
    with TestClient(create_app(settings, prepare_database=False)) as client:
        response = client.get("/healthz")
    error = assert_error(response, 503, "database_unavailable")
    assert "NUMBERS_MOCK_DATABASE_URL" in error["fix"]


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
