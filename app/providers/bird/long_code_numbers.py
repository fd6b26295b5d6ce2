"""Bird's long code numbers: ``POST /workspaces/{workspaceId}/numbers-long-code`` (buy),
``GET /workspaces/{workspaceId}/numbers-long-code`` and ``GET /workspaces/{workspaceId}/numbers``
(the two lists) and ``GET /workspaces/{workspaceId}/numbers-long-code/{longCodeNumberId}``
(get one)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request

from app.errors import InvalidParameter
from app.providers.bird import parameters, views, workspace_numbers
from app.providers.bird.auth import bird_call
from app.providers.bird.openapi import bird_error_responses
from app.providers.bird.operations import (
    CREATE_LONG_CODE_NUMBERS,
    GET_LONG_CODE_NUMBER,
    LIST_WORKSPACE_LONG_CODE_NUMBERS,
    LIST_WORKSPACE_NUMBERS,
    LONG_CODE_NUMBERS_TAG,
)
from app.providers.bird.repository import WorkspaceNumberFilters
from app.providers.bird.schemas import (
    CreateWorkspaceLongCodeNumbers,
    WorkspaceLongCodeNumber,
    WorkspaceLongCodeNumbers,
    WorkspaceNumbersPage,
)
from app.providers.bird.workspace_numbers import WorkspaceNumbersQuery
from app.providers.parameters import parse_country_code, parse_country_codes, parse_types
from app.web.context import ContextDep
from app.web.openapi import success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

router = APIRouter(tags=[LONG_CODE_NUMBERS_TAG])

WorkspaceId = Annotated[
    str,
    Path(
        alias="workspaceId",
        description="The workspace: Bird's are uuids; here any id of 1 to 256 printable "
        "characters without '/'. The first organization to buy into a workspace owns it.",
        json_schema_extra={
            "minLength": 1,
            "maxLength": parameters.MAX_WORKSPACE_ID_LENGTH,
            "pattern": parameters.WORKSPACE_ID_PATTERN,
        },
    ),
]
_PLAIN_CALL = Annotated[ProviderCall, Depends(bird_call(known_parameters(())).dependency)]
_CHANNEL_FLAGS = ("sms", "voice", "mms", "fax")
_LIST_CALL = bird_call(
    known_parameters(
        (
            "limit",
            "pageToken",
            "reverse",
            "country",
            "type",
            "status",
            *_CHANNEL_FLAGS,
            "prefix",
            "searchTerm",
            # numbers-mock's names from before Bird's were known; they keep working.
            "countryCode",
            "types",
        ),
        repeatable=("types", "type"),
        aliases={
            "countryCodes": "countryCode",
            "numberString": "prefix",
            "page_token": "pageToken",
            "nextPageToken": "pageToken",
        },
    ),
    parameters.boolean_parameters("reverse", *_CHANNEL_FLAGS),
)
_LONG_CODE_LIST_CALL = bird_call(
    known_parameters(
        ("limit", "pageToken", "reverse", "numberString", "countryCodes", "providerIds"),
        repeatable=("countryCodes", "providerIds"),
        aliases={
            "countryCode": "countryCodes",
            "country": "countryCodes",
            "prefix": "numberString",
            "page_token": "pageToken",
            "nextPageToken": "pageToken",
        },
    ),
    parameters.boolean_parameters("reverse"),
)
Reverse = Annotated[
    bool,
    Query(
        description="Newest first. By default the oldest first: by createdAt, then "
        "numberString. true or false (any case; 1 and 0 too)."
    ),
]


def _channel_flag(channel: str) -> Any:
    return Query(
        description=f"true: only numbers supporting {channel} (inbound or outbound); false: "
        "only numbers without it."
        + (" numbers-mock has no fax numbers: fax=true lists nothing." if channel == "fax" else "")
    )


_BUY_BODY_SCHEMA = CreateWorkspaceLongCodeNumbers.model_json_schema()


@router.post(
    "/workspaces/{workspaceId}/numbers-long-code",
    status_code=201,
    operation_id=CREATE_LONG_CODE_NUMBERS,
    summary="Buy Long Code Numbers",
    response_model=WorkspaceLongCodeNumbers,
    responses={
        201: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 404, 409, 429, 500, 502, 503),
    },
    # Read by the handler, after the auth check (FastAPI would parse a declared body first).
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _BUY_BODY_SCHEMA}},
        }
    },
)
async def create_long_code_numbers(
    call: _PLAIN_CALL,
    request: Request,
    workspace_id: WorkspaceId,
) -> ProviderJSONResponse:
    """Assigns the stock items to the workspace as long code numbers, all or none: 404 for an
    id the inventory does not have, 409 for one no longer in stock; nothing is bought then."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    stock_item_ids = parameters.parse_stock_item_ids(await request.body())
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.buy(
            session,
            organization_id=organization_id,
            workspace_id=workspace,
            stock_item_ids=stock_item_ids,
        )
    )
    bought = scripted.result
    return scripted.respond(
        {"results": [views.long_code_number_json(item, bought.now) for item in bought.items]},
        status_code=201,
    )


@router.get(
    "/workspaces/{workspaceId}/numbers-long-code",
    operation_id=LIST_WORKSPACE_LONG_CODE_NUMBERS,
    summary="List Workspace Long Code Numbers",
    response_model=WorkspaceNumbersPage,
    responses={
        200: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 429, 500, 502, 503),
    },
)
async def list_workspace_long_code_numbers(
    call: Annotated[ProviderCall, Depends(_LONG_CODE_LIST_CALL.dependency)],
    context: ContextDep,
    workspace_id: WorkspaceId,
    limit: parameters.PageLimit = 10,
    page_token: parameters.PageToken = None,
    reverse: Reverse = False,
    number_string: Annotated[
        str | None,
        Query(
            alias="numberString",
            min_length=1,
            max_length=250,
            description="Numbers beginning with these digits, the country calling code "
            "first; the + is optional (+1212 or 1212).",
        ),
    ] = None,
    country_codes: Annotated[
        list[str] | None,
        Query(
            alias="countryCodes",
            description="ISO 3166-1 alpha-2 codes, upper case; repeated "
            "(countryCodes=US&countryCodes=GB) or comma-separated (countryCodes=US,GB).",
        ),
    ] = None,
    provider_ids: Annotated[
        list[str] | None,
        Query(
            alias="providerIds",
            description="Uuids of the providers the numbers come from; repeated or "
            "comma-separated. numbers-mock is one provider: its numbers all have provider "
            f"{parameters.PROVIDER_ID}, so any other id lists nothing.",
        ),
    ] = None,
) -> ProviderJSONResponse:
    """The workspace's long code numbers (with their endpoint): oldest first (createdAt,
    then numberString), or newest first with reverse."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    filters = WorkspaceNumberFilters(
        country_codes=parse_country_codes(country_codes or []),
        prefix=parameters.parse_international_prefix(number_string, "numberString")
        if number_string
        else None,
        matches_nothing=not parameters.provider_ids_match(provider_ids or []),
    )
    query = WorkspaceNumbersQuery(workspace_id=workspace, filters=filters, reverse=reverse)
    return await _listing(call, context, LIST_WORKSPACE_LONG_CODE_NUMBERS, query, limit, page_token)


@router.get(
    "/workspaces/{workspaceId}/numbers",
    operation_id=LIST_WORKSPACE_NUMBERS,
    summary="List Numbers in Workspace",
    response_model=WorkspaceNumbersPage,
    responses={
        200: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 429, 500, 502, 503),
    },
)
async def list_workspace_numbers(
    call: Annotated[ProviderCall, Depends(_LIST_CALL.dependency)],
    context: ContextDep,
    workspace_id: WorkspaceId,
    limit: parameters.PageLimit = 10,
    page_token: parameters.PageToken = None,
    reverse: Reverse = False,
    country: Annotated[
        str | None, Query(description="ISO 3166-1 alpha-2, upper case (Bird's name).")
    ] = None,
    number_type: Annotated[
        list[str] | None,
        Query(
            alias="type",
            description="Bird's name: local, national, mobile or toll-free (several: "
            "repeated or comma-separated).",
        ),
    ] = None,
    status: Annotated[
        str | None,
        Query(
            description="active, or pending (a back-ordered number's order not completed "
            "yet). A cancelled number is active until its deprovisionAt."
        ),
    ] = None,
    sms: Annotated[bool | None, _channel_flag("sms")] = None,
    voice: Annotated[bool | None, _channel_flag("voice")] = None,
    mms: Annotated[bool | None, _channel_flag("mms")] = None,
    fax: Annotated[bool | None, _channel_flag("fax")] = None,
    prefix: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=250,
            description="Numbers beginning with these digits in international form, the "
            "country calling code first; the + is optional (+1415 or 1415).",
        ),
    ] = None,
    search_term: Annotated[
        str | None,
        Query(
            alias="searchTerm",
            min_length=1,
            max_length=250,
            description="Numbers containing these digits (a leading + matches from the start).",
        ),
    ] = None,
    country_code: Annotated[
        str | None,
        Query(
            alias="countryCode",
            description="numbers-mock's name for country (it came first): ISO 3166-1 "
            "alpha-2, upper case. Not with country.",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(
            description="numbers-mock's name for type (it came first): any of local, "
            "national, mobile, toll-free; repeated or comma-separated."
        ),
    ] = None,
) -> ProviderJSONResponse:
    """The workspace's long code numbers: oldest first (createdAt, then numberString), or
    newest first with reverse."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    if country is not None and country_code is not None:
        raise InvalidParameter(
            "country and countryCode are the same filter; send one",
            fix="send country (Bird's name) only",
        )
    chosen_country = country if country is not None else country_code
    flags = {"sms": sms, "voice": voice, "mms": mms}
    query = WorkspaceNumbersQuery(
        workspace_id=workspace,
        filters=WorkspaceNumberFilters(
            country_codes=(
                parse_country_code(
                    chosen_country, "country" if country is not None else "countryCode"
                ),
            )
            if chosen_country is not None
            else (),
            types=tuple(
                number_type.value
                for number_type in parse_types([*(number_type or []), *(types or [])])
            ),
            prefix=parameters.parse_international_prefix(prefix) if prefix else None,
            search_term=parameters.parse_search_term(search_term) if search_term else None,
            channels=tuple((name, wanted) for name, wanted in flags.items() if wanted is not None),
            matches_nothing=fax is True,
        ),
        reverse=reverse,
        status=parameters.parse_number_status(status) if status is not None else None,
    )
    return await _listing(call, context, LIST_WORKSPACE_NUMBERS, query, limit, page_token)


async def _listing(
    call: ProviderCall,
    context: ContextDep,
    operation: str,
    query: WorkspaceNumbersQuery,
    limit: int,
    page_token: str | None,
) -> ProviderJSONResponse:
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.list_numbers(
            session,
            context.page_tokens,
            operation=operation,
            organization_id=organization_id,
            query=query,
            limit=limit,
            page_token=page_token,
        )
    )
    page = scripted.result
    body: dict[str, Any] = {
        "results": [views.long_code_number_json(item, page.now) for item in page.items]
    }
    if page.next_page_token is not None:
        body["nextPageToken"] = page.next_page_token
    return scripted.respond(body)


@router.get(
    "/workspaces/{workspaceId}/numbers-long-code/{longCodeNumberId}",
    operation_id=GET_LONG_CODE_NUMBER,
    summary="Get Long Code Number",
    response_model=WorkspaceLongCodeNumber,
    responses={
        200: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 404, 429, 500, 502, 503),
    },
)
async def get_long_code_number(
    call: _PLAIN_CALL,
    workspace_id: WorkspaceId,
    long_code_number_id: Annotated[
        str,
        Path(
            alias="longCodeNumberId",
            description="The long code number's id, or its endpointId (they are equal).",
            json_schema_extra={"format": "uuid"},
        ),
    ],
) -> ProviderJSONResponse:
    """One long code number of the workspace; 404 when the workspace has no such number."""
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    number_id = parameters.parse_long_code_number_id(long_code_number_id)
    organization_id = call.principal.organization
    scripted = await call.run(
        lambda session: workspace_numbers.get_number(
            session,
            organization_id=organization_id,
            workspace_id=workspace,
            long_code_number_id=number_id,
        )
    )
    found = scripted.result
    return scripted.respond(views.long_code_number_json(found.items[0], found.now))


def checked_workspace(workspace_id: str, named: tuple[str, ...]) -> str:
    workspace = parameters.parse_workspace_id(workspace_id)
    workspace_numbers.check_named_workspace(named, workspace)
    return workspace
