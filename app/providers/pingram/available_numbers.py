"""Pingram's Numbers API: ``GET /numbers/available``."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query

from app.generator.records import CHANNELS
from app.providers.parameters import (
    parse_area_code,
    parse_channel_features,
    parse_country_code,
)
from app.providers.pingram.auth import pingram_call
from app.providers.pingram.operations import AVAILABLE_NUMBERS_TAG, SEARCH_AVAILABLE_NUMBERS
from app.providers.pingram.schemas import AvailableNumbers
from app.providers.pingram.views import available_number_json
from app.stock import search
from app.stock.query import StockQuery
from app.stock.reader import StockReader
from app.web.hot_routes import ExplicitRoute
from app.web.openapi import error_responses, success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

# Every request of this page goes through ExplicitRoute: see app.web.hot_routes.
router = APIRouter(tags=[AVAILABLE_NUMBERS_TAG], route_class=ExplicitRoute)

_CALL = pingram_call(
    known_parameters(
        ("countryCode", "features", "areaCode", "limit"),
        aliases={
            "countryCodes": "countryCode",
            "country": "countryCode",
            "prefix": "areaCode",
            "area_code": "areaCode",
            "feature": "features",
        },
    )
)

# The parameters' grammar, for the OpenAPI document only (a pattern in Query() would make
# FastAPI check it first, with a vaguer message than the parse_* functions give).
_FEATURE = "(" + "|".join(CHANNELS) + ")"
_FEATURES_PATTERN = f"^{_FEATURE}(,{_FEATURE})*$"


@router.get(
    "/numbers/available",
    operation_id=SEARCH_AVAILABLE_NUMBERS,
    summary="Search for available phone numbers",
    response_model=AvailableNumbers,
    responses={200: success_headers(), **error_responses(400, 401, 402, 429, 500, 502, 503)},
)
async def search_available_numbers(
    call: Annotated[ProviderCall, Depends(_CALL.dependency)],
    country_code: Annotated[
        str,
        Query(
            alias="countryCode",
            description="ISO 3166-1 alpha-2 country code (e.g., US, CA)",
            json_schema_extra={"pattern": "^[A-Z]{2}$"},
        ),
    ],
    features: Annotated[
        str | None,
        Query(
            description=f"Comma-separated, all of {', '.join(CHANNELS)}; a feature "
            "counts when the number supports it inbound or outbound.",
            json_schema_extra={"pattern": _FEATURES_PATTERN},
        ),
    ] = None,
    area_code: Annotated[
        str | None,
        Query(
            alias="areaCode",
            min_length=1,
            max_length=16,
            description="National destination / area code filter (e.g. 415, 20): numbers "
            "whose national number starts with it.",
            json_schema_extra={"pattern": "^[0-9]+$"},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=50, description="Max results (default 10, max 50)")] = 10,
) -> ProviderJSONResponse:
    """Numbers in stock in one country, optionally in one area code and with features."""
    query = StockQuery(
        country_codes=(parse_country_code(country_code, "countryCode"),),
        national_prefix=parse_area_code(area_code) if area_code is not None else None,
        channels=parse_channel_features(features),
    )

    def answer(reader: StockReader) -> bytes:
        numbers = search.first_in_stock(reader, query=query, limit=limit)
        return orjson.dumps({"numbers": [available_number_json(number) for number in numbers]})

    scripted = await call.answer_from_stock(answer)
    return scripted.respond(scripted.result)
