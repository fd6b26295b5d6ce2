"""The control API, ``/_mock``: put the fake provider into any state, script its failures,
read what clients sent. Protected by ``NUMBERS_MOCK_ADMIN_KEY``; off with
``NUMBERS_MOCK_CONTROL_API=false``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from app.auth.access_keys import mint_access_key
from app.auth.tokens import mint_token
from app.control import actions, scenarios
from app.control.scenarios import Scenario, ScenarioResult
from app.control.schemas import (
    AccessKeyRequest,
    AccessKeyResponse,
    AddNumbersRequest,
    Clock,
    ClockMove,
    NumberState,
    NumberStates,
    Operation,
    PurchaseRequest,
    RecordedExchange,
    RecordedRequest,
    RecordedRequests,
    ResetResult,
    StockCount,
    StockCounts,
    TokenRequest,
    TokenResponse,
)
from app.control.script_schemas import (
    FaultRequest,
    RateLimitRequest,
    ScriptedFault,
    ScriptedFaults,
    ScriptedRateLimit,
    ScriptedRateLimits,
)
from app.db.models import OwnerProvider
from app.errors import FaultNotFound, InvalidParameter, JournalEntryNotFound, RateLimitNotFound
from app.journal import repository as journal_repository
from app.lifecycle import mock_clock, ownership
from app.scripting import repository as scripting_repository
from app.scripting import script
from app.scripting.script import TransportFaultKind
from app.stock import changes, repository
from app.web.admin import admin_access
from app.web.context import ContextDep, SessionDep, flush_journal
from app.web.openapi import error_responses
from app.web.parameters import known_parameters

router = APIRouter(
    prefix="/_mock",
    tags=["Control API"],
    # Flushed first, so every control call (journal reads, clears, resets) sees the journal
    # with every request answered before it.
    dependencies=[Depends(admin_access), Depends(flush_journal)],
    responses=error_responses(400, 401, 500, 503),
)
NumberPath = Annotated[
    str, Path(alias="numberString", description="E.164, e.g. +14155550123 (the + may be %2B).")
]


@router.post("/reset", operation_id="reset", response_model=ResetResult)
def reset(session: SessionDep) -> ResetResult:
    """Inventory back to the seed; faults, rate limits and the journal cleared."""
    actions.reset(session)
    return ResetResult(in_stock=repository.count_in_stock(session))


@router.post(
    "/scenario",
    operation_id="applyScenario",
    response_model=ScenarioResult,
    responses=error_responses(404, 409),
)
def apply_scenario(body: Scenario, session: SessionDep, context: ContextDep) -> ScenarioResult:
    """Reset to the seed, then play a scenario (the JSON form of a scenario file)."""
    return scenarios.apply_scenario(session, body, seed=context.settings.seed)


# A scenario file is small; anything far beyond is not one.
_MAX_SCENARIO_BYTES = 1_000_000


@router.post(
    "/scenario-file",
    operation_id="applyScenarioFile",
    response_model=ScenarioResult,
    responses=error_responses(404, 409),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/yaml": {"schema": {"type": "string"}}},
            "description": "A scenario file as written on disk (YAML; JSON is YAML too).",
        }
    },
)
async def apply_scenario_file(request: Request, context: ContextDep) -> ScenarioResult:
    """Reset to the seed, then play a scenario file (YAML) as uploaded; a broken file is
    refused with its line before anything changes."""
    raw = await request.body()
    if len(raw) > _MAX_SCENARIO_BYTES:
        raise InvalidParameter(
            f"the scenario file is {len(raw)} bytes; at most {_MAX_SCENARIO_BYTES}",
            fix="split the story, or add numbers in bulk with countryCode/type/count",
        )
    try:
        scenario = scenarios.parse_scenario(raw.decode("utf-8"), source="scenario")
    except UnicodeDecodeError:
        raise InvalidParameter(
            "the scenario file is not UTF-8 text", fix="upload the YAML file as written"
        ) from None
    except scenarios.ScenarioError as error:
        raise InvalidParameter(str(error), fix="fix the file at that line") from None

    def play() -> ScenarioResult:
        with context.sessions.begin() as session:
            return scenarios.apply_scenario(session, scenario, seed=context.settings.seed)

    return await run_in_threadpool(play)  # never the database on the event loop


@router.post("/tokens", operation_id="mintToken", response_model=TokenResponse)
def tokens(body: TokenRequest, context: ContextDep) -> TokenResponse:
    """A bearer token both provider APIs accept, for clients that cannot run the CLI."""
    settings = context.settings
    token = mint_token(
        settings.jwt_secret.get_secret_value(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        organization_id=body.organization_id,
        sub=body.sub,
        ttl_seconds=body.ttl_seconds,
    )
    return TokenResponse(token=token)


@router.post("/access-keys", operation_id="mintAccessKey", response_model=AccessKeyResponse)
def access_keys(body: AccessKeyRequest, context: ContextDep) -> AccessKeyResponse:
    """A Bird access key (``Authorization: AccessKey <key>``) for an organization, limited to
    some workspaces when given. Stateless: derived from NUMBERS_MOCK_JWT_SECRET."""
    key = mint_access_key(
        context.settings.jwt_secret.get_secret_value(), body.organization_id, body.workspaces
    )
    return AccessKeyResponse(access_key=key)


@router.post(
    "/numbers",
    operation_id="addNumbers",
    status_code=201,
    response_model=NumberStates,
    responses=error_responses(409),
)
def add_numbers(body: AddNumbersRequest, session: SessionDep, context: ContextDep) -> NumberStates:
    """Add stock: generate real numbers like the seed does, or add the numbers you name."""
    added = actions.add_numbers(session, body, seed=context.settings.seed)
    return NumberStates(numbers=[NumberState.of(number) for number in added])


@router.get(
    "/numbers",
    operation_id="listOwnedNumbers",
    response_model=NumberStates,
    dependencies=[
        Depends(known_parameters(("organizationId", "provider", "workspaceId", "limit")))
    ],
)
def list_owned_numbers(
    session: SessionDep,
    organization_id: Annotated[
        str | None,
        Query(alias="organizationId", description="Bird's organization or Pingram's account."),
    ] = None,
    provider: Annotated[
        Literal["bird", "pingram"] | None, Query(description="Bought through this API.")
    ] = None,
    workspace_id: Annotated[str | None, Query(alias="workspaceId")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> NumberStates:
    """Numbers out of stock (sold, or released and held) with their owners, by number."""
    rows = ownership.numbers_out_of_stock(
        session,
        organization_id=organization_id,
        provider=OwnerProvider(provider) if provider else None,
        workspace_id=workspace_id,
        limit=limit,
    )
    return NumberStates(numbers=[NumberState.of(number, owned) for number, owned in rows])


@router.get(
    "/numbers/{numberString}",
    operation_id="getNumber",
    response_model=NumberState,
    responses=error_responses(404),
)
def get_number(number_string: NumberPath, session: SessionDep) -> NumberState:
    """One number of the inventory, whatever its status, with its owner."""
    number = changes.find(session, number_string)
    return NumberState.of(number, ownership.find_ownership(session, number.id))


@router.post(
    "/numbers/{numberString}/purchase",
    operation_id="purchaseNumber",
    response_model=NumberState,
    responses=error_responses(404, 409),
)
def purchase(number_string: NumberPath, body: PurchaseRequest, session: SessionDep) -> NumberState:
    """Take the number out of both APIs' stock; 409 when it is not in stock."""
    number = changes.purchase(
        session,
        number_string,
        body.organization_id,
        provider=OwnerProvider(body.provider) if body.provider else None,
        workspace_id=body.workspace_id,
    )
    return NumberState.of(number, ownership.find_ownership(session, number.id))


@router.post(
    "/numbers/{numberString}/release",
    operation_id="releaseNumber",
    response_model=NumberState,
    responses=error_responses(404, 409),
)
def release(number_string: NumberPath, session: SessionDep) -> NumberState:
    """Put a purchased number back into stock."""
    return NumberState.of(changes.release(session, number_string))


@router.delete(
    "/numbers/{numberString}",
    operation_id="deleteNumber",
    status_code=204,
    responses=error_responses(404),
)
def delete_number(number_string: NumberPath, session: SessionDep) -> Response:
    """Remove the number from the inventory (a reset brings seeded numbers back)."""
    changes.remove(session, number_string)
    return Response(status_code=204)


@router.get("/stock/counts", operation_id="countStock", response_model=StockCounts)
def count_stock(session: SessionDep) -> StockCounts:
    """Numbers in stock per country and type (both providers search this stock)."""
    counts = repository.count_in_stock_by_country_and_type(session)
    return StockCounts(
        total=sum(count for _, _, count in counts),
        counts=[
            StockCount(country_code=country, type=kind, in_stock=count)
            for country, kind, count in counts
        ],
    )


@router.get("/clock", operation_id="getClock", response_model=Clock)
def get_clock(session: SessionDep) -> Clock:
    """The mock clock the number lifecycle runs on (billing dates, the release hold)."""
    return Clock.of(mock_clock.read(session))


@router.post("/clock", operation_id="moveClock", response_model=Clock)
def move_clock(body: ClockMove, session: SessionDep) -> Clock:
    """Advance the mock clock, or set it (frozen or running); holds that end on the way end.

    Token expiry stays on real time. ``POST /_mock/reset`` returns the clock to real time.
    """
    try:
        if body.advance is not None:
            reading = mock_clock.advance(session, body.advance)
        else:
            assert body.now is not None  # the body's validator: one of the two
            reading = mock_clock.set_to(session, body.now, frozen=bool(body.frozen))
    except mock_clock.ClockOutOfRange as refused:
        raise InvalidParameter(
            f"{refused}; the clock did not move",
            fix="pick an instant from 1970 to 9000, or reset the clock with POST /_mock/reset",
        ) from None
    ownership.end_expired_holds(session, reading.now)
    return Clock.of(reading)


@router.post("/faults", operation_id="addFault", status_code=201, response_model=ScriptedFault)
def add_fault(body: FaultRequest, session: SessionDep) -> ScriptedFault:
    """Script a failure or a delay of the next matching provider requests."""
    return ScriptedFault.of(script.create_fault(session, body.spec()))


@router.get("/faults", operation_id="listFaults", response_model=ScriptedFaults)
def list_faults(session: SessionDep) -> ScriptedFaults:
    """The scripted faults, oldest first, with how often each fired."""
    faults = scripting_repository.list_faults(session)
    return ScriptedFaults(faults=[ScriptedFault.of(fault) for fault in faults])


@router.delete(
    "/faults/{faultId}", operation_id="deleteFault", status_code=204, responses=error_responses(404)
)
def delete_fault(fault_id: Annotated[str, Path(alias="faultId")], session: SessionDep) -> Response:
    """Stop one fault."""
    if not scripting_repository.delete_fault(session, fault_id):
        raise FaultNotFound(f"no fault has id {fault_id!r}", fix="list them with GET /_mock/faults")
    return Response(status_code=204)


@router.delete("/faults", operation_id="clearFaults", status_code=204)
def clear_faults(session: SessionDep) -> Response:
    """Stop every fault."""
    scripting_repository.delete_all_faults(session)
    return Response(status_code=204)


@router.post(
    "/rate-limits",
    operation_id="addRateLimit",
    status_code=201,
    response_model=ScriptedRateLimit,
)
def add_rate_limit(body: RateLimitRequest, session: SessionDep) -> ScriptedRateLimit:
    """Answer 429 beyond ``limit`` requests per window and organization."""
    return ScriptedRateLimit.model_validate(script.create_rate_limit(session, body.spec()))


@router.get("/rate-limits", operation_id="listRateLimits", response_model=ScriptedRateLimits)
def list_rate_limits(session: SessionDep) -> ScriptedRateLimits:
    """The rate limits in force."""
    limits = scripting_repository.list_rate_limits(session)
    return ScriptedRateLimits(rate_limits=[ScriptedRateLimit.model_validate(r) for r in limits])


@router.delete(
    "/rate-limits/{rateLimitId}",
    operation_id="deleteRateLimit",
    status_code=204,
    responses=error_responses(404),
)
def delete_rate_limit(
    rate_limit_id: Annotated[str, Path(alias="rateLimitId")], session: SessionDep
) -> Response:
    """Lift one rate limit."""
    if not scripting_repository.delete_rate_limit(session, rate_limit_id):
        raise RateLimitNotFound(
            f"no rate limit has id {rate_limit_id!r}", fix="list them with GET /_mock/rate-limits"
        )
    return Response(status_code=204)


@router.delete("/rate-limits", operation_id="clearRateLimits", status_code=204)
def clear_rate_limits(session: SessionDep) -> Response:
    """Lift every rate limit."""
    scripting_repository.delete_all_rate_limits(session)
    return Response(status_code=204)


@router.get(
    "/requests",
    operation_id="listRequests",
    response_model=RecordedRequests,
    dependencies=[
        Depends(known_parameters(("operation", "organizationId", "status", "fault", "limit")))
    ],
)
def list_requests(
    session: SessionDep,
    context: ContextDep,
    operation: Annotated[Operation | None, Query()] = None,
    organization_id: Annotated[str | None, Query(alias="organizationId")] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    fault: Annotated[TransportFaultKind | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> RecordedRequests:
    """The provider requests received, newest first (never their Authorization)."""
    entries = journal_repository.list_entries(
        session,
        operation=None if operation in (None, "*") else operation,
        organization_id=organization_id,
        status=status,
        fault=fault,
        limit=limit,
        keep=context.settings.journal_size,
    )
    return RecordedRequests(requests=[RecordedRequest.model_validate(e) for e in entries])


@router.get(
    "/requests/{trackingId}",
    operation_id="getRequest",
    response_model=RecordedExchange,
    responses=error_responses(404),
)
def get_request(
    tracking_id: Annotated[str, Path(alias="trackingId", max_length=64)],
    session: SessionDep,
    context: ContextDep,
) -> RecordedExchange:
    """One journaled request with its request and response headers and bodies."""
    entry = journal_repository.find_entry(session, tracking_id, keep=context.settings.journal_size)
    if entry is None:
        raise JournalEntryNotFound(
            f"the journal has no request with trackingId {tracking_id!r}",
            fix="list the journal with GET /_mock/requests; the oldest entries go first "
            "beyond NUMBERS_MOCK_JOURNAL_SIZE",
        )
    return RecordedExchange.of(entry)


@router.delete("/requests", operation_id="clearRequests", status_code=204)
def clear_requests(session: SessionDep) -> Response:
    """Empty the journal."""
    journal_repository.clear(session)
    return Response(status_code=204)
