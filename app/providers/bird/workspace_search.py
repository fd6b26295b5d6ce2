"""Bird's stock searches at workspace level: ``GET /workspaces/{workspaceId}/numbers-stock-items``
(the organization's search, for the workspace's organization) and the older
``GET /workspaces/{workspaceId}/numbers-available`` (the same inventory as Bird's legacy
``NumberAvailable`` items).

Plain routes on the worker path (``app.web.read_path``), not the response cache: the
workspace's owner is checked in the database on every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from app.lifecycle import ownership
from app.providers.bird import parameters, views, workspace_numbers
from app.providers.bird.auth import bird_call
from app.providers.bird.long_code_numbers import (
    WorkspaceId,
    checked_workspace,
)
from app.providers.bird.openapi import bird_error_responses
from app.providers.bird.operations import (
    LIST_AVAILABLE_NUMBERS,
    LIST_WORKSPACE_STOCK_ITEMS,
    STOCK_ITEMS_TAG,
)
from app.providers.bird.schemas import NumbersAvailablePage, StockItemsPage
from app.providers.bird.stock_filters import stock_items_query
from app.providers.bird.stock_items import STOCK_ITEMS_CHECKS
from app.providers.parameters import STOCK_FEATURES
from app.stock import search
from app.stock.query import StockQuery
from app.stock.reader import StockNumber, StockReader
from app.web.context import ContextDep
from app.web.openapi import success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

router = APIRouter(tags=[STOCK_ITEMS_TAG])

_STOCK_ITEMS_CALL = bird_call(*STOCK_ITEMS_CHECKS)
_AVAILABLE_CALL = bird_call(
    known_parameters(
        ("limit", "pageToken", "countryCode", "type", "features", "prefix"),
        repeatable=("countryCode", "type", "features"),
        aliases={
            "countryCodes": "countryCode",
            "country": "countryCode",
            "types": "type",
            "numberType": "type",
            "feature": "features",
            "areaCode": "prefix",
            "page_token": "pageToken",
            "nextPageToken": "pageToken",
        },
    ),
)
_RESPONSES = {
    200: success_headers(),
    **bird_error_responses(400, 401, 402, 403, 429, 500, 502, 503),
}
_FEATURES = f"All of {', '.join(STOCK_FEATURES)}; repeated or comma-separated."
_PREFIX = (
    "Numbers beginning with the prefix: an area code without country code (415, needs a "
    "country) or an international prefix (+1415)."
)


@router.get(
    "/workspaces/{workspaceId}/numbers-stock-items",
    operation_id=LIST_WORKSPACE_STOCK_ITEMS,
    summary="List Workspace Numbers Stock Items",
    response_model=StockItemsPage,
    responses=_RESPONSES,
)
async def list_workspace_stock_items(
    call: Annotated[ProviderCall, Depends(_STOCK_ITEMS_CALL.dependency)],
    context: ContextDep,
    workspace_id: WorkspaceId,
    limit: parameters.PageLimit = 10,
    page_token: parameters.PageToken = None,
    country_codes: Annotated[
        list[str] | None,
        Query(
            alias="countryCodes",
            description="ISO 3166-1 alpha-2 codes, upper case; repeated or comma-separated.",
        ),
    ] = None,
    prefix: Annotated[str | None, Query(min_length=1, max_length=250, description=_PREFIX)] = None,
    types: Annotated[
        list[str] | None,
        Query(
            description="Any of local, national, mobile, toll-free; repeated or comma-separated."
        ),
    ] = None,
    features: Annotated[list[str] | None, Query(description=_FEATURES)] = None,
    _testing: Annotated[
        bool | None,
        Query(
            alias="testing",
            description="Accepted and changes nothing, as on the organization's search.",
        ),
    ] = None,
) -> ProviderJSONResponse:
    """The organization's stock search (GET /organizations/{organizationId}/numbers-stock-items)
    for the workspace's organization: the same items, order and filters; its own page
    tokens. 403 for another organization's workspace."""
    query = stock_items_query(country_codes or (), prefix, types or (), features or ())
    return await _search(
        call,
        context,
        workspace_id,
        query,
        LIST_WORKSPACE_STOCK_ITEMS,
        limit,
        page_token,
        views.stock_item_json,
    )


@router.get(
    "/workspaces/{workspaceId}/numbers-available",
    operation_id=LIST_AVAILABLE_NUMBERS,
    summary="List available Numbers in Inventory",
    response_model=NumbersAvailablePage,
    responses=_RESPONSES,
)
async def list_available_numbers(
    call: Annotated[ProviderCall, Depends(_AVAILABLE_CALL.dependency)],
    context: ContextDep,
    workspace_id: WorkspaceId,
    limit: parameters.PageLimit = 10,
    page_token: parameters.PageToken = None,
    country_code: Annotated[
        list[str] | None,
        Query(
            alias="countryCode",
            description="ISO 3166-1 alpha-2, upper case; several repeated or comma-separated.",
        ),
    ] = None,
    number_type: Annotated[
        list[str] | None,
        Query(
            alias="type",
            description="local, national, mobile or toll-free; several repeated or "
            "comma-separated.",
        ),
    ] = None,
    features: Annotated[list[str] | None, Query(description=_FEATURES)] = None,
    prefix: Annotated[str | None, Query(min_length=1, max_length=250, description=_PREFIX)] = None,
) -> ProviderJSONResponse:
    """Bird's older search (its WhatsApp ISV guide still uses it): the stock of the
    workspace's organization as NumberAvailable items, in the stock items' order. An item has
    no id: buy it through the stock items search (same order, same filters)."""
    query = stock_items_query(country_code or (), prefix, number_type or (), features or ())
    return await _search(
        call,
        context,
        workspace_id,
        query,
        LIST_AVAILABLE_NUMBERS,
        limit,
        page_token,
        views.number_available_json,
    )


async def _search(
    call: ProviderCall,
    context: ContextDep,
    workspace_id: str,
    query: StockQuery,
    operation: str,
    limit: int,
    page_token: str | None,
    render: Callable[[StockNumber], Any],
) -> ProviderJSONResponse:
    workspace = checked_workspace(workspace_id, call.principal.workspaces)
    organization_id = call.principal.organization

    def page(session: Session) -> search.StockPage:
        owner = ownership.workspace_owner(session, workspace)
        # An unused workspace would become the caller's (reads claim nothing).
        workspace_numbers.check_owner(owner or organization_id, organization_id, workspace)
        search.end_expired_holds_if_due(session)
        return search.page_in_stock(
            StockReader.of(session),
            context.page_tokens,
            operation=operation,
            organization_id=organization_id,
            query=query,
            limit=limit,
            page_token=page_token,
        )

    scripted = await call.run(page)
    found = scripted.result
    body: dict[str, Any] = {"results": [render(number) for number in found.items]}
    if found.next_page_token is not None:
        body["nextPageToken"] = found.next_page_token
    return scripted.respond(body)
