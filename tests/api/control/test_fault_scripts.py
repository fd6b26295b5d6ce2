"""Scripting transport faults, delay distributions and dribbles through ``POST /_mock/faults``:
what is accepted, what is refused (and why), what reads back, and what the journal records.

These run in process (Starlette's TestClient): there is no connection to break, so a
transport fault is raised in the app (``ConnectionResetError`` / ``ConnectionAbortedError``)
where the in-process client sees it. What real clients see over TCP is in
``tests/processes/test_transport_faults.py``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import AVAILABLE, assert_error

pytestmark = pytest.mark.usefixtures("seeded_state")

SEARCH = "searchAvailableNumbers"


def script(client: TestClient, admin: dict[str, str], **fields: Any) -> dict[str, Any]:
    created = client.post("/_mock/faults", json={"operation": SEARCH, **fields}, headers=admin)
    assert created.status_code == 201, created.text
    fault: dict[str, Any] = created.json()
    return fault


@pytest.mark.parametrize(
    ("fields", "names", "fix"),
    [
        ({"fault": "conection_reset"}, "fault", "schema"),
        ({"fault": "hang", "status": 503}, "status", "remove status"),
        ({"fault": "connection_reset", "message": "down"}, "message", "remove message"),
        (
            {"fault": "empty_response", "dribble": {"chunks": 2, "totalMs": 10}},
            "dribble",
            "remove dribble",
        ),
        ({"status": 500, "hangMs": 10}, "hangMs", "send fault: hang"),
        ({"fault": "hang", "hangMs": 0}, "hangMs", "schema"),
        ({"fault": "hang", "hangMs": 600_001}, "hangMs", "schema"),
        (
            {"delay": {"distribution": "uniform", "lowerMs": 300, "upperMs": 100}},
            "lowerMs (300) is above upperMs (100)",
            "lowerMs <= upperMs",
        ),
        (
            {"delay": {"distribution": "lognormal", "medianMs": -5, "sigma": 0.4}},
            "medianMs",
            "schema",
        ),
        (
            {"delay": {"distribution": "lognormal", "medianMs": 80, "sigma": -1}},
            "sigma",
            "schema",
        ),
        ({"delay": {"distribution": "gaussian", "medianMs": 80}}, "delay", "schema"),
        ({"delay": {"distribution": "uniform", "lowerMs": 1}}, "upperMs", "schema"),
        (
            {"delayMs": 50, "delay": {"distribution": "uniform", "lowerMs": 1, "upperMs": 2}},
            "delayMs and delay",
            "not both",
        ),
        ({"dribble": {"chunks": 0, "totalMs": 100}}, "chunks", "schema"),
        ({"dribble": {"chunks": 4}}, "totalMs", "schema"),
        ({"times": 2}, "give a status", "add one of status, fault"),
    ],
)
def test_a_bad_fault_is_refused_naming_the_field_and_nothing_is_scripted(
    client: TestClient, admin: dict[str, str], fields: dict[str, Any], names: str, fix: str
) -> None:
    refused = client.post("/_mock/faults", json={"operation": SEARCH, **fields}, headers=admin)
    error = assert_error(refused, 400, refused.json()["error"]["code"])
    assert refused.json()["error"]["code"] in ("invalid_parameter", "missing_parameter")
    assert names in error["message"]
    assert fix in error["fix"]
    assert client.get("/_mock/faults", headers=admin).json() == {"faults": []}


def test_transport_faults_delays_and_dribbles_read_back_as_scripted(
    client: TestClient, admin: dict[str, str]
) -> None:
    hang = script(client, admin, fault="hang", hangMs=1500, times=1)
    assert (hang["fault"], hang["hangMs"], hang["status"]) == ("hang", 1500, None)
    reset = script(client, admin, fault="connection_reset", probability=0.5)
    assert (reset["fault"], reset["hangMs"]) == ("connection_reset", None)
    uniform = {"distribution": "uniform", "lowerMs": 20, "upperMs": 80}
    lognormal = {"distribution": "lognormal", "medianMs": 80, "sigma": 0.4}
    dribble = {"chunks": 4, "totalMs": 300}
    drawn = script(client, admin, delay=uniform, status=503)
    slow = script(client, admin, delay=lognormal, dribble=dribble)
    assert (drawn["delay"], drawn["delayMs"], drawn["status"]) == (uniform, None, 503)
    assert (slow["delay"], slow["dribble"]) == (lognormal, dribble)
    listed = client.get("/_mock/faults", headers=admin).json()["faults"]
    assert listed == [hang, reset, drawn, slow]


def test_a_hang_scripted_without_hang_ms_lasts_the_default_minute(
    client: TestClient, admin: dict[str, str]
) -> None:
    assert script(client, admin, fault="hang")["hangMs"] == 60_000


@pytest.mark.parametrize(
    ("kind", "raised"),
    [("connection_reset", ConnectionResetError), ("truncated_body", ConnectionAbortedError)],
)
def test_in_process_a_transport_fault_is_raised_journaled_and_nothing_is_done(
    client: TestClient,
    admin: dict[str, str],
    auth: dict[str, str],
    kind: str,
    raised: type[Exception],
) -> None:
    client.delete("/_mock/requests", headers=admin)
    script(client, admin, fault=kind, times=1)
    with pytest.raises(raised, match=kind):
        client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth)
    assert client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth).status_code == 200
    journal = client.get("/_mock/requests", params={"fault": kind}, headers=admin).json()
    [entry] = journal["requests"]
    status = 200 if kind == "truncated_body" else None
    assert (entry["operation"], entry["status"], entry["fault"]) == (SEARCH, status, kind)
    everything = client.get("/_mock/requests", headers=admin).json()["requests"]
    assert [(e["status"], e["fault"]) for e in everything] == [(200, None), (status, kind)]


def test_the_journal_refuses_an_unknown_fault_filter(
    client: TestClient, admin: dict[str, str]
) -> None:
    refused = client.get("/_mock/requests", params={"fault": "reset"}, headers=admin)
    error = assert_error(refused, 400, "invalid_parameter")
    assert "fault" in error["message"]


def test_a_dribbled_answer_is_the_whole_answer_only_slower(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    params: dict[str, str | int] = {"countryCode": "US", "limit": 10}
    plain = client.get(AVAILABLE, params=params, headers=auth)
    script(client, admin, dribble={"chunks": 5, "totalMs": 400}, times=1)
    started = time.perf_counter()
    dribbled = client.get(AVAILABLE, params=params, headers=auth)
    took = time.perf_counter() - started
    assert dribbled.status_code == 200
    assert dribbled.json()["numbers"] == plain.json()["numbers"]
    assert took >= 0.4  # four pauses of 100 ms between five chunks


def test_a_failing_status_can_be_dribbled_too(
    client: TestClient, admin: dict[str, str], auth: dict[str, str]
) -> None:
    script(client, admin, status=503, dribble={"chunks": 3, "totalMs": 100}, times=1)
    failed = client.get(AVAILABLE, params={"countryCode": "US"}, headers=auth)
    assert_error(failed, 503, "service_unavailable")
