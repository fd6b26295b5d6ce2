"""Pingram's number lifecycle: ``POST /numbers/order``, ``GET /numbers/list``,
``GET /numbers/released``, ``DELETE /numbers/{phoneNumber}``.

Every answer is 200: the official Python SDK returns None for any other 2xx status.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path
from fastapi.responses import JSONResponse

from app.auth.tokens import Principal
from app.providers.operations import (
    LIST_NUMBERS,
    LIST_RELEASED_NUMBERS,
    ORDER_NUMBER,
    RELEASE_NUMBER,
)
from app.providers.pingram import lifecycle, views
from app.providers.pingram.schemas import (
    ListPhoneNumbersResponse,
    ListReleasedPhoneNumbersResponse,
    OrderPhoneNumberRequest,
    OrderPhoneNumberResponse,
    ReleasePhoneNumberResponse,
)
from app.web.deps import ProviderCallDep, TokenPrincipalDep, known_parameters
from app.web.openapi import error_responses, success_headers

router = APIRouter(tags=["Pingram: numbers"])

_NO_PARAMETERS = Depends(known_parameters(()))
_ERRORS = error_responses(400, 401, 402, 429, 500, 502, 503)


def account_of(principal: Principal) -> str:
    """Pingram's account: the token's org claim, or its sub when it has none."""
    return principal.org or principal.sub


@router.post(
    "/numbers/order",
    operation_id=ORDER_NUMBER,
    summary="Order a phone number",
    response_model=OrderPhoneNumberResponse,
    responses={200: success_headers(), **_ERRORS},
    dependencies=[_NO_PARAMETERS],
)
async def order_number(
    principal: TokenPrincipalDep, call: ProviderCallDep, body: OrderPhoneNumberRequest
) -> JSONResponse:
    """Purchase a phone number for the account, or reactivate a released number of the
    account within 14 days of its release (its createdAt is kept)."""
    order = await call.run(
        lambda session: lifecycle.order_number(
            session, account=account_of(principal), phone_number=body.phoneNumber
        )
    )
    return JSONResponse(views.order_json(order))


@router.get(
    "/numbers/list",
    operation_id=LIST_NUMBERS,
    summary="List the account's phone numbers",
    response_model=ListPhoneNumbersResponse,
    responses={200: success_headers(), **_ERRORS},
    dependencies=[_NO_PARAMETERS],
)
async def list_numbers(principal: TokenPrincipalDep, call: ProviderCallDep) -> JSONResponse:
    """The account's active phone numbers, oldest first, and the shared number."""
    numbers = await call.run(
        lambda session: lifecycle.list_numbers(session, account=account_of(principal))
    )
    return JSONResponse(
        {
            "numbers": [views.account_number_json(number) for number in numbers],
            "sharedNumber": views.SHARED_NUMBER,
        }
    )


@router.get(
    "/numbers/released",
    operation_id=LIST_RELEASED_NUMBERS,
    summary="List released phone numbers",
    response_model=ListReleasedPhoneNumbersResponse,
    responses={200: success_headers(), **_ERRORS},
    dependencies=[_NO_PARAMETERS],
)
async def list_released_numbers(
    principal: TokenPrincipalDep, call: ProviderCallDep
) -> JSONResponse:
    """Numbers the account released in the last 14 days (mock clock): they may be ordered
    again until then, and return to public stock after."""
    numbers = await call.run(
        lambda session: lifecycle.list_released(session, account=account_of(principal))
    )
    return JSONResponse({"numbers": [views.account_number_json(number) for number in numbers]})


@router.delete(
    "/numbers/{phoneNumber}",
    operation_id=RELEASE_NUMBER,
    summary="Release a phone number",
    response_model=ReleasePhoneNumberResponse,
    responses={200: success_headers(), **_ERRORS},
    dependencies=[_NO_PARAMETERS],
)
async def release_number(
    principal: TokenPrincipalDep,
    call: ProviderCallDep,
    phone_number: Annotated[
        str,
        Path(
            alias="phoneNumber",
            max_length=32,
            description="E.164, URL-encoded (%2B14155550123).",
        ),
    ],
) -> JSONResponse:
    """Release an active number of the account (no refund for the current billing month)."""
    released = await call.run(
        lambda session: lifecycle.release_number(
            session, account=account_of(principal), phone_number=phone_number
        )
    )
    return JSONResponse(views.release_json(released))
