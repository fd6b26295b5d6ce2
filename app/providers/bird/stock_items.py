"""Bird's Numbers API: ``GET /organizations/{organizationId}/numbers-stock-items``."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query

from app.auth.identifiers import IDENTIFIER_PATTERN
from app.providers.bird.auth import bird_call
from app.providers.bird.openapi import bird_error_responses
from app.providers.bird.operations import LIST_STOCK_ITEMS, STOCK_ITEMS_TAG
from app.providers.bird.parameters import (
    PageLimit,
    PageToken,
    boolean_parameters,
)
from app.providers.bird.schemas import StockItemsPage
from app.providers.bird.stock_filters import stock_items_query
from app.providers.bird.views import stock_item_json
from app.providers.parameters import (
    STOCK_FEATURES,
)
from app.stock import search
from app.stock.reader import StockReader
from app.web.context import ContextDep
from app.web.hot_routes import ExplicitRoute
from app.web.openapi import success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

# Every request of this page goes through ExplicitRoute: see app.web.hot_routes.
router = APIRouter(tags=[STOCK_ITEMS_TAG], route_class=ExplicitRoute)

# The stock-items search's parameters, checked by name (the workspace's search takes them too).
STOCK_ITEMS_CHECKS = (
    known_parameters(
        ("limit", "pageToken", "countryCodes", "prefix", "types", "features", "testing"),
        repeatable=("countryCodes", "types", "features"),
        # Other providers' spellings, and this API's own names in the singular.
        aliases={
            "countryCode": "countryCodes",
            "country": "countryCodes",
            "type": "types",
            "feature": "features",
            "areaCode": "prefix",
            "page_token": "pageToken",
            "nextPageToken": "pageToken",
        },
    ),
    boolean_parameters("testing"),
)
_CALL = bird_call(*STOCK_ITEMS_CHECKS)


@router.get(
    "/organizations/{organizationId}/numbers-stock-items",
    operation_id=LIST_STOCK_ITEMS,
    summary="List Organization Numbers Stock Items",
    response_model=StockItemsPage,
    responses={
        200: success_headers(),
        **bird_error_responses(400, 401, 402, 403, 429, 500, 502, 503),
    },
)
async def list_stock_items(
    call: Annotated[ProviderCall, Depends(_CALL.dependency)],
    context: ContextDep,
    organization_id: Annotated[
        str,
        Path(
            alias="organizationId",
            description="Must be the access key's organization, or the token's org claim.",
            # Documented, not enforced here: the credential's check comes first and says it.
            json_schema_extra={"pattern": IDENTIFIER_PATTERN},
        ),
    ],
    limit: PageLimit = 10,
    page_token: PageToken = None,
    country_codes: Annotated[
        list[str] | None,
        Query(
            alias="countryCodes",
            description="ISO 3166-1 alpha-2 codes, upper case; repeated "
            "(countryCodes=US&countryCodes=GB) or comma-separated (countryCodes=US,GB).",
        ),
    ] = None,
    prefix: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=250,
            description="Used to filter for numbers beginning with the prefix: an area code "
            "without country code (415, needs countryCodes) or an international prefix "
            "(+1415).",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        Query(
            description="Any of local, national, mobile, toll-free; repeated or comma-separated."
        ),
    ] = None,
    features: Annotated[
        list[str] | None,
        Query(description=f"All of {', '.join(STOCK_FEATURES)}; repeated or comma-separated."),
    ] = None,
    _testing: Annotated[
        bool | None,
        Query(
            alias="testing",
            description="Accepted for Bird's clients and changes nothing: every number of "
            "numbers-mock is test stock. true or false (any case; 1 and 0 too).",
        ),
    ] = None,
) -> ProviderJSONResponse:
    """Numbers in stock to buy, ordered by country, type, capability set, then number."""
    query = stock_items_query(country_codes or (), prefix, types or (), features or ())

    def answer(reader: StockReader) -> bytes:
        page = search.page_in_stock(
            reader,
            context.page_tokens,
            operation=LIST_STOCK_ITEMS,
            organization_id=organization_id,
            query=query,
            limit=limit,
            page_token=page_token,
        )
        body: dict[str, Any] = {"results": [stock_item_json(n) for n in page.items]}
        if page.next_page_token is not None:
            body["nextPageToken"] = page.next_page_token
        return orjson.dumps(body)

    scripted = await call.answer_from_stock(answer)
    return scripted.respond(scripted.result)
