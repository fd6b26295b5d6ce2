"""Pingram's number lifecycle: ``POST /numbers/order``, ``GET /numbers/list``,
``GET /numbers/released``, ``DELETE /numbers/{phoneNumber}``.

Every answer is 200: the official Python SDK returns None for any other 2xx status.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app.providers.pingram import account_numbers, views
from app.providers.pingram.auth import pingram_call
from app.providers.pingram.operations import (
    LIST_NUMBERS,
    LIST_RELEASED_NUMBERS,
    NUMBERS_TAG,
    ORDER_NUMBER,
    RELEASE_NUMBER,
)
from app.providers.pingram.schemas import (
    ListPhoneNumbersResponse,
    ListReleasedPhoneNumbersResponse,
    OrderPhoneNumberRequest,
    OrderPhoneNumberResponse,
    ReleasePhoneNumberResponse,
)
from app.web.openapi import error_responses, success_headers
from app.web.parameters import known_parameters
from app.web.provider_call import ProviderCall
from app.web.responses import ProviderJSONResponse

router = APIRouter(tags=[NUMBERS_TAG])

# The lifecycle's operations take no query parameters; the caller is checked first.
_Call = Annotated[ProviderCall, Depends(pingram_call(known_parameters(())).dependency)]
_ERRORS = error_responses(400, 401, 402, 429, 500, 502, 503)


@router.post(
    "/numbers/order",
    operation_id=ORDER_NUMBER,
    summary="Order a phone number",
    response_model=OrderPhoneNumberResponse,
    responses={200: success_headers(), **_ERRORS},
)
async def order_number(call: _Call, body: OrderPhoneNumberRequest) -> ProviderJSONResponse:
    """Purchase a phone number for the account, or reactivate a released number of the
    account within 14 days of its release (its createdAt is kept)."""
    scripted = await call.run(
        lambda session: account_numbers.order_number(
            session, account=call.principal.account, phone_number=body.phoneNumber
        )
    )
    return scripted.respond(views.order_json(scripted.result))


@router.get(
    "/numbers/list",
    operation_id=LIST_NUMBERS,
    summary="List the account's phone numbers",
    response_model=ListPhoneNumbersResponse,
    responses={200: success_headers(), **_ERRORS},
)
async def list_numbers(call: _Call) -> ProviderJSONResponse:
    """The account's active phone numbers, oldest first, and the shared number."""
    scripted = await call.run(
        lambda session: account_numbers.list_numbers(session, account=call.principal.account)
    )
    return scripted.respond(
        {
            "numbers": [views.account_number_json(number) for number in scripted.result],
            "sharedNumber": views.SHARED_NUMBER,
        }
    )


@router.get(
    "/numbers/released",
    operation_id=LIST_RELEASED_NUMBERS,
    summary="List released phone numbers",
    response_model=ListReleasedPhoneNumbersResponse,
    responses={200: success_headers(), **_ERRORS},
)
async def list_released_numbers(
    call: _Call,
) -> ProviderJSONResponse:
    """Numbers the account released in the last 14 days (mock clock): they may be ordered
    again until then, and return to public stock after."""
    scripted = await call.run(
        lambda session: account_numbers.list_released(session, account=call.principal.account)
    )
    return scripted.respond(
        {"numbers": [views.account_number_json(number) for number in scripted.result]}
    )


@router.delete(
    "/numbers/{phoneNumber}",
    operation_id=RELEASE_NUMBER,
    summary="Release a phone number",
    response_model=ReleasePhoneNumberResponse,
    responses={200: success_headers(), **_ERRORS},
)
async def release_number(
    call: _Call,
    phone_number: Annotated[
        str,
        Path(
            alias="phoneNumber",
            max_length=32,
            description="E.164, URL-encoded (%2B14155550123).",
        ),
    ],
) -> ProviderJSONResponse:
    """Release an active number of the account (no refund for the current billing month)."""
    scripted = await call.run(
        lambda session: account_numbers.release_number(
            session, account=call.principal.account, phone_number=phone_number
        )
    )
    return scripted.respond(views.release_json(scripted.result))
