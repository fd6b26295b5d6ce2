"""Property-based tests of the committed openapi.yaml with schemathesis.

schemathesis generates requests from ``openapi.yaml`` (the file clients read, which
test_openapi keeps equal to the served document), sends them to the app in-process (its
ASGI transport) on a real, seeded database, and checks every response: no 5xx, a documented
status, the documented content type, body and headers. A failure is a bug in the app, to be
fixed there, not by loosening the spec.

CI runs a small, derandomized sample (the same cases on every run). The full run, 1,000
cases per provider operation (and 200 per control operation), is:

    NUMBERS_MOCK_SCHEMATHESIS_EXAMPLES=1000 python -m pytest -s tests/api/test_schemathesis.py

``-s`` shows one line per operation: cases run, failures (always 0 when the test passes:
the first failing case fails the test, shrunk to a minimal request), seconds.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import hypothesis
import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import CheckFunction, not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from app.providers.bird.operations import (
    CANCEL_NUMBER_SUBSCRIPTION,
    CREATE_LONG_CODE_NUMBERS,
    GET_ENDPOINT_SUBSCRIPTION,
    GET_LONG_CODE_NUMBER,
    LIST_AVAILABLE_NUMBERS,
    LIST_ENDPOINT_SUBSCRIPTIONS,
    LIST_WORKSPACE_LONG_CODE_NUMBERS,
    LIST_WORKSPACE_NUMBERS,
    LIST_WORKSPACE_STOCK_ITEMS,
)
from app.providers.pingram.operations import ORDER_NUMBER, RELEASE_NUMBER
from app.providers.registry import OPERATIONS
from app.settings import Settings
from tests.conftest import DatabaseFactory, Minter, make_settings

EXAMPLES = int(os.environ.get("NUMBERS_MOCK_SCHEMATHESIS_EXAMPLES", "120"))
# Control operations are many and mostly simple; a fifth of the provider figure each.
CONTROL_EXAMPLES = max(20, EXAMPLES // 5)
# Every provider operation of the registry: a new one is covered without editing this file.
PROVIDER_OPERATIONS = OPERATIONS
# What a request with a valid token for the path may answer: success, or a documented client
# error (a bad parameter; a number not in stock; another organization's workspace).
ALIGNED_STATUSES = {
    CREATE_LONG_CODE_NUMBERS: (201, 400, 403, 404, 409),
    LIST_WORKSPACE_NUMBERS: (200, 400, 403),
    GET_LONG_CODE_NUMBER: (200, 400, 403, 404),
    LIST_WORKSPACE_LONG_CODE_NUMBERS: (200, 400, 403),
    LIST_WORKSPACE_STOCK_ITEMS: (200, 400, 403),
    LIST_AVAILABLE_NUMBERS: (200, 400, 403),
    LIST_ENDPOINT_SUBSCRIPTIONS: (200, 400, 403, 404),
    GET_ENDPOINT_SUBSCRIPTION: (200, 400, 403, 404),
    CANCEL_NUMBER_SUBSCRIPTION: (200, 400, 403, 404, 409),
}

SCHEMA = schemathesis.openapi.from_path(
    Path(__file__).resolve().parents[2] / "openapi.yaml",
    # Explicit, so a schemathesis.toml in the working directory cannot change these tests.
    config=schemathesis.Config.from_dict(
        # Invalid input must be a 400 (or the auth answers 401/403), never FastAPI's 422.
        {"checks": {"negative_data_rejection": {"expected-statuses": ["400", "401", "403"]}}}
    ),
)
_CONTROL = [
    SCHEMA.find_operation_by_id(operation["operationId"])
    for path, operations in SCHEMA.raw_schema["paths"].items()
    if path.startswith("/_mock/")
    for operation in operations.values()
]
CONTROL_OPERATIONS = tuple(operation.definition.raw["operationId"] for operation in _CONTROL)
# Without parameters or body there are few distinct requests; hypothesis stops early.
CONTROL_OPERATIONS_WITH_INPUT = tuple(
    operation.definition.raw["operationId"]
    for operation in _CONTROL
    if len(operation.path_parameters) or len(operation.query) or len(operation.body)
)
# Negative mode needs something to break: a query parameter or a body. (Every string is a
# valid path parameter, so operations with only one, or nothing, have no invalid request.)
# A body of free text (a YAML scenario file) has no invalid form either: every string is one.
NEGATABLE_CONTROL_OPERATIONS = tuple(
    operation.definition.raw["operationId"]
    for operation in _CONTROL
    if len(operation.query) or any(body.media_type == "application/json" for body in operation.body)
)
NEGATIVE = GenerationMode.NEGATIVE
ApiCase = Case[Any]

# The four checks, and the documented headers (X-Tracking-Id, Retry-After, ...).
CHECKS: list[CheckFunction] = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _hypothesis_settings(examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=examples,
        derandomize=True,  # a fixed seed: CI runs the same cases every time
        database=None,  # nothing carried over from other runs, so nothing differs between them
        deadline=None,  # the first request of an app starts its lifespan (migrate, seed)
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        # Generated requests are large on purpose (8,000-character page tokens, long lists).
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def _run(name: str, examples: int, cases: st.SearchStrategy[Any], test: Callable[..., int]) -> int:
    """Run ``test`` (which returns the status it got) on ``examples`` generated cases; print
    how many ran and their statuses, and return how many ran."""
    statuses: Counter[int] = Counter()

    @_hypothesis_settings(examples)
    @given(cases)
    def run(drawn: Any) -> None:
        statuses[test(drawn)] += 1

    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    ran = statuses.total()
    seen = " ".join(f"{status}x{times}" for status, times in sorted(statuses.items()))
    print(f"\nschemathesis {name}: {ran} cases, 0 failures, {seconds:.1f} s ({seen})")
    return ran


def _bearer(token: str) -> str:
    return f"Bearer {token}"


# --- the provider operations, on the suite's seeded inventory ---------------------------


@pytest.fixture(scope="module")
def provider_app(settings: Settings) -> FastAPI:
    """An app of its own on the shared seeded database; schemathesis's ASGI transport runs
    its lifespan and ends it after each test. No case here scripts a fault, so every 5xx
    is a bug."""
    return create_app(settings)


def _authorize(case: ApiCase, mint: Minter, caller: str = "aligned") -> None:
    """Mostly a token for the path's organization (a 200, or a 400 for the parameters);
    sometimes another organization's (403) or an expired one (401): documented answers."""
    # schemathesis keeps path parameters percent-encoded, as they go on the wire.
    org = unquote(str(case.path_parameters.get("organizationId", "acme")))
    if caller == "aligned":
        token = mint(org)
    elif caller == "other-org":
        token = mint(f"not-{org}")
    else:
        token = mint(org, now=time.time() - 7200)  # expired an hour ago
    case.headers["Authorization"] = _bearer(token)


@pytest.mark.parametrize("operation_id", PROVIDER_OPERATIONS)
def test_provider_operation_conforms_to_openapi_yaml(
    operation_id: str, provider_app: FastAPI, mint: Minter
) -> None:
    operation = SCHEMA.find_operation_by_id(operation_id)
    callers = st.sampled_from(["aligned"] * 6 + ["other-org", "expired"])

    def test(drawn: tuple[ApiCase, str]) -> int:
        case, caller = drawn
        _authorize(case, mint, caller)
        response = case.call(app=provider_app)
        case.validate_response(response, checks=CHECKS)
        if caller == "aligned":
            expected = ALIGNED_STATUSES.get(operation_id, (200, 400))
            assert response.status_code in expected, response.text
        return response.status_code

    ran = _run(operation_id, EXAMPLES, st.tuples(operation.as_strategy(), callers), test)
    assert ran >= EXAMPLES


# --- the lifecycle's success answers, on a database of their own --------------------------

# Random phone numbers and uuids are never in stock, so generated cases alone only reach
# the lifecycle's 4xx. Here half the cases name a number the seed has (and own it first
# where the operation needs an owner), so the 200/201 bodies are checked against the spec.
SUCCESS_OPERATIONS = (
    ORDER_NUMBER,
    RELEASE_NUMBER,
    CREATE_LONG_CODE_NUMBERS,
    GET_LONG_CODE_NUMBER,
    LIST_ENDPOINT_SUBSCRIPTIONS,
    GET_ENDPOINT_SUBSCRIPTION,
    CANCEL_NUMBER_SUBSCRIPTION,
)
# The path parameter naming a bought long code number, per operation.
_LONG_CODE_NUMBER_PARAMETER = {
    GET_LONG_CODE_NUMBER: "longCodeNumberId",
    LIST_ENDPOINT_SUBSCRIPTIONS: "endpointId",
    GET_ENDPOINT_SUBSCRIPTION: "endpointId",
    CANCEL_NUMBER_SUBSCRIPTION: "numberId",
}


@pytest.fixture(scope="module")
def lifecycle_app(database_factory: DatabaseFactory) -> FastAPI:
    """Its own database: these cases buy numbers, which the shared inventory must not see."""
    return create_app(make_settings(database_factory("schemathesis_lifecycle"), seed_count=2000))


def _known_number(client: TestClient, token: str) -> tuple[str, str]:
    """A number in stock: its E.164 form and its stock item id."""
    response = client.get(
        "/organizations/acme/numbers-stock-items",
        params={"countryCodes": "US", "limit": 1},
        headers={"Authorization": _bearer(token)},
    )
    item = response.json()["results"][0]
    return item["numberString"], item["id"]


def _aim_at_a_known_number(
    client: TestClient, case: ApiCase, operation_id: str, token: str
) -> None:
    """Point the case at a number of the seed, owned first where the operation needs it."""
    headers = {"Authorization": _bearer(token)}
    number, stock_item_id = _known_number(client, token)
    if operation_id == ORDER_NUMBER:
        case.body = {"phoneNumber": number}
    elif operation_id == RELEASE_NUMBER:
        assert client.post("/numbers/order", json={"phoneNumber": number}, headers=headers)
        case.path_parameters["phoneNumber"] = quote(number, safe="")
    elif operation_id == CREATE_LONG_CODE_NUMBERS:
        case.body = {"numberStockItemIds": [stock_item_id]}
    else:  # an operation on a long code number: buy one first
        workspace = unquote(str(case.path_parameters["workspaceId"]))
        bought = client.post(
            f"/workspaces/{quote(workspace, safe='')}/numbers-long-code",
            json={"numberStockItemIds": [stock_item_id]},
            headers=headers,
        )
        assert bought.status_code == 201, bought.text
        parameter = _LONG_CODE_NUMBER_PARAMETER[operation_id]
        case.path_parameters[parameter] = bought.json()["results"][0]["id"]
        if operation_id == GET_ENDPOINT_SUBSCRIPTION:
            case.path_parameters["subscriptionName"] = "main"


@pytest.mark.parametrize("operation_id", SUCCESS_OPERATIONS)
def test_lifecycle_success_answers_conform_to_openapi_yaml(
    operation_id: str, lifecycle_app: FastAPI, mint: Minter, admin: dict[str, str]
) -> None:
    operation = SCHEMA.find_operation_by_id(operation_id)
    token = mint("acme")
    successes = 0

    def test(drawn: tuple[ApiCase, bool]) -> int:
        nonlocal successes
        case, aimed = drawn
        with TestClient(lifecycle_app) as client:
            assert client.post("/_mock/reset", headers=admin).status_code == 200
            if aimed:
                _aim_at_a_known_number(client, case, operation_id, token)
        case.headers["Authorization"] = _bearer(token)
        response = case.call(app=lifecycle_app)
        case.validate_response(response, checks=CHECKS)
        successes += response.status_code in (200, 201)
        return response.status_code

    examples = max(10, EXAMPLES // 6)
    _run(
        f"{operation_id} (known numbers)",
        examples,
        st.tuples(operation.as_strategy(), st.booleans()),
        test,
    )
    assert successes > 0, "no case reached the operation's success answer"


# --- the control API, on a database of its own --------------------------------------------


@pytest.fixture(scope="module")
def control_app(database_factory: DatabaseFactory) -> FastAPI:
    """Its own database: control cases buy, delete and script faults (that answer 5xx on
    purpose), which the shared inventory's other tests must never see."""
    settings = make_settings(database_factory("schemathesis_control"), seed_count=2000)
    return create_app(settings)


@pytest.fixture
def control_call(control_app: FastAPI, admin: dict[str, str]) -> Callable[..., Response]:
    """Calls one operation (with the admin key unless told), checked like generated cases."""

    def call(operation_id: str, headers: dict[str, str] | None = None, **parts: Any) -> Response:
        operation = SCHEMA.find_operation_by_id(operation_id)
        case = operation.Case(headers=headers or dict(admin), **parts)
        response = case.call(app=control_app)
        case.validate_response(response, checks=CHECKS)
        return response

    return call


@pytest.fixture
def stock_numbers(control_call: Callable[..., Response], mint: Minter) -> list[str]:
    """Numbers of the control database's seed, so purchase/release/delete can find some."""
    control_call("reset")
    response = control_call(
        "listStockItems",
        path_parameters={"organizationId": "acme"},
        query={"limit": 20},
        headers={"Authorization": _bearer(mint("acme"))},
    )
    numbers: list[str] = [item["numberString"] for item in response.json()["results"]]
    assert numbers
    return numbers


def _control_cases(
    operation_id: str, mode: GenerationMode, stock_numbers: list[str]
) -> st.SearchStrategy[ApiCase]:
    """Generated cases; half of those with a number path name a number that exists, so
    purchase, release and delete reach their 200/204/409, not only 400 (not E.164)/404."""

    def with_number(drawn: tuple[ApiCase, str | None]) -> ApiCase:
        case, number = drawn
        # Only positive cases: a negative case's path must stay as generated.
        if (
            number is not None
            and mode is GenerationMode.POSITIVE
            and "numberString" in case.path_parameters
        ):
            case.path_parameters["numberString"] = quote(number, safe="")
        return case

    operation = SCHEMA.find_operation_by_id(operation_id)
    known_number = st.one_of(st.none(), st.sampled_from(stock_numbers))
    return st.tuples(operation.as_strategy(mode), known_number).map(with_number)


@pytest.mark.parametrize("operation_id", CONTROL_OPERATIONS)
def test_control_operation_conforms_to_openapi_yaml(
    operation_id: str,
    control_app: FastAPI,
    control_call: Callable[..., Response],
    stock_numbers: list[str],
    admin: dict[str, str],
) -> None:
    """Every /_mock answer is documented, and none is a 5xx.

    Each case starts from the seed (POST /_mock/reset), so no case depends on the ones
    before it and a failing one reproduces alone. Faults that addFault or applyScenario
    script fail only the provider operations, never /_mock, so /_mock stays under the 5xx
    check; provider answers under scripted faults are left out on purpose (a fault may
    script any status from 400 to 599, which no spec can list).
    """

    def test(case: ApiCase) -> int:
        control_call("reset")
        case.headers["Authorization"] = admin["Authorization"]
        response = case.call(app=control_app)
        case.validate_response(response, checks=CHECKS)
        return response.status_code

    cases = _control_cases(operation_id, GenerationMode.POSITIVE, stock_numbers)
    ran = _run(operation_id, CONTROL_EXAMPLES, cases, test)
    assert ran == CONTROL_EXAMPLES or operation_id not in CONTROL_OPERATIONS_WITH_INPUT


# --- negative mode: requests that break the schema -----------------------------------------


@pytest.mark.parametrize("operation_id", PROVIDER_OPERATIONS)
def test_invalid_provider_requests_get_400_envelopes(
    operation_id: str, provider_app: FastAPI, mint: Minter
) -> None:
    """Parameters that break the schema get a documented 4xx envelope (400, or the 403 of
    an organization made invalid), never FastAPI's 422 and never a 5xx."""
    operation = SCHEMA.find_operation_by_id(operation_id)

    def test(case: ApiCase) -> int:
        _authorize(case, mint)
        response = case.call(app=provider_app)
        case.validate_response(response, checks=[*CHECKS, negative_data_rejection])
        assert response.status_code != 422, response.text
        return response.status_code

    examples = max(20, EXAMPLES // 2)
    ran = _run(f"{operation_id} (negative)", examples, operation.as_strategy(NEGATIVE), test)
    assert ran == examples


@pytest.mark.parametrize("operation_id", NEGATABLE_CONTROL_OPERATIONS)
def test_invalid_control_requests_get_400_envelopes(
    operation_id: str,
    control_call: Callable[..., Response],
    control_app: FastAPI,
    stock_numbers: list[str],
    admin: dict[str, str],
) -> None:
    """Bodies and parameters that break the schema get a 400 (or 404) envelope."""

    def test(case: ApiCase) -> int:
        control_call("reset")
        case.headers["Authorization"] = admin["Authorization"]
        response = case.call(app=control_app)
        case.validate_response(response, checks=[*CHECKS, negative_data_rejection])
        assert response.status_code != 422, response.text
        return response.status_code

    cases = _control_cases(operation_id, NEGATIVE, stock_numbers)
    ran = _run(f"{operation_id} (negative)", CONTROL_EXAMPLES, cases, test)
    assert ran == CONTROL_EXAMPLES


# --- found by `schemathesis run` (allow_header_conformance), kept as a plain regression ----


@pytest.mark.parametrize(
    ("path", "allow"),
    [
        ("/_mock/faults", "DELETE, GET, POST"),
        ("/_mock/requests", "DELETE, GET"),
        ("/_mock/numbers/%2B14155550123", "DELETE, GET"),
        ("/numbers/%2B14155550123", "DELETE"),
        # DELETE /numbers/{phoneNumber} (release) matches this path too.
        ("/numbers/available", "DELETE, GET"),
    ],
)
def test_405_allow_names_every_method_of_the_path(
    client: TestClient, admin: dict[str, str], path: str, allow: str
) -> None:
    response = client.request("PATCH", path, headers=admin)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.json()["error"]["code"] == "method_not_allowed"
