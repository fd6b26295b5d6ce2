"""Pingram's official Python SDK (pingram-python 1.0.39), unchanged, against numbers-mock.

Every call goes through the SDK's own client, models and exceptions to a real `numbers-mock
serve` (the plugin's ``numbers_mock`` fixture): what passes here is what a Pingram user's code
gets from numbers-mock.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import pytest
from pingram import Pingram
from pingram.api.numbers_api import NumbersApi
from pingram.exceptions import (
    ApiException,
    BadRequestException,
    ServiceException,
    UnauthorizedException,
)
from pingram.models.api_error_response import ApiErrorResponse
from pingram.models.list_phone_numbers_response import ListPhoneNumbersResponse
from pingram.models.list_phone_numbers_response_numbers_inner import (
    ListPhoneNumbersResponseNumbersInner,
)
from pingram.models.list_released_phone_numbers_response import ListReleasedPhoneNumbersResponse
from pingram.models.order_phone_number_request import OrderPhoneNumberRequest
from pingram.models.order_phone_number_response import OrderPhoneNumberResponse
from pingram.models.release_phone_number_response import ReleasePhoneNumberResponse
from pingram.models.search_available_phone_numbers_response import (
    SearchAvailablePhoneNumbersResponse,
)

from numbers_mock_testing import NumbersMock

pytestmark = pytest.mark.anyio

ACCOUNT = "sdk-acct"
OTHER_ACCOUNT = "sdk-other-acct"
E164 = re.compile(r"\+[1-9]\d{6,14}")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # the SDK runs on httpx.AsyncClient


@asynccontextmanager
async def numbers_api(mock: NumbersMock, org: str = ACCOUNT) -> AsyncIterator[NumbersApi]:
    """``client.numbers`` of the SDK, as a user would open it, for account ``org``."""
    async with Pingram(api_key=mock.token(org=org), base_url=mock.url) as client:
        yield client.numbers


async def order(api: NumbersApi, number: str) -> OrderPhoneNumberResponse:
    return await api.numbers_order_number(OrderPhoneNumberRequest(phone_number=number))


async def a_local_us_number(api: NumbersApi) -> str:
    page = await api.numbers_search_available(country_code="US", area_code="415", limit=1)
    return page.numbers[0].phone_number


async def searchable(api: NumbersApi, number: str) -> bool:
    """Whether an area code search (national number's first six digits) finds ``number``."""
    page = await api.numbers_search_available(country_code="US", area_code=number[2:8], limit=50)
    return number in [n.phone_number for n in page.numbers]


def header(error: ApiException, name: str) -> str:
    assert error.headers is not None
    value: str = error.headers[name]
    return value


# --- search ----------------------------------------------------------------------------------


async def test_search_filters_by_country_area_code_and_features(
    numbers_mock: NumbersMock,
) -> None:
    async with numbers_api(numbers_mock) as api:
        page = await api.numbers_search_available(
            country_code="US", features="sms,voice", area_code="415", limit=5.0
        )
    assert isinstance(page, SearchAvailablePhoneNumbersResponse)
    assert len(page.numbers) == 5
    assert len({n.phone_number for n in page.numbers}) == 5
    for number in page.numbers:
        assert number.phone_number.startswith("+1415")
        assert E164.fullmatch(number.phone_number)
        assert number.features is not None
        assert {"sms", "voice"} <= set(number.features) <= {"sms", "voice", "mms"}
        assert number.phone_number_type in ("local", "mobile")
        assert number.locality
        assert number.administrative_area == "CA"
        assert isinstance(number.monthly_price, float)
        assert 0 < number.monthly_price < 100
    [request] = numbers_mock.requests("searchAvailableNumbers")
    assert request.status == 200
    assert request.organization_id == ACCOUNT
    # The SDK's float limit and encoded comma, as it sent them.
    assert request.query == "countryCode=US&features=sms%2Cvoice&areaCode=415&limit=5.0"


async def test_search_limits_and_countries(numbers_mock: NumbersMock) -> None:
    async with numbers_api(numbers_mock) as api:
        three = await api.numbers_search_available(country_code="US", limit=3)
        default = await api.numbers_search_available(country_code="GB")
        mms = await api.numbers_search_available(country_code="US", features="mms", limit=50)
    assert len(three.numbers) == 3
    assert len(default.numbers) == 10, "Pingram's default limit"
    assert all(n.phone_number.startswith("+44") for n in default.numbers)
    assert len(mms.numbers) == 50
    assert all(n.features is not None and "mms" in n.features for n in mms.numbers)


# --- the lifecycle ---------------------------------------------------------------------------


async def test_order_list_release_released_and_reactivate(numbers_mock: NumbersMock) -> None:
    numbers_mock.set_clock("2027-01-31T10:00:00Z", frozen=True)
    async with numbers_api(numbers_mock) as api, numbers_api(numbers_mock, OTHER_ACCOUNT) as other:
        found = (await api.numbers_search_available(country_code="US", area_code="415")).numbers[0]
        number = found.phone_number

        ordered = await order(api, number)
        assert isinstance(ordered, OrderPhoneNumberResponse)
        assert ordered.phone_number == number
        assert ordered.status == "success"
        assert ordered.order_id
        assert not await searchable(api, number)

        listed = await api.numbers_list()
        assert isinstance(listed, ListPhoneNumbersResponse)
        assert E164.fullmatch(listed.shared_number)
        assert listed.shared_number != number
        [owned] = listed.numbers
        assert isinstance(owned, ListPhoneNumbersResponseNumbersInner)
        assert owned.phone_number == number
        assert owned.label is None
        assert owned.created_at == "2027-01-31T10:00:00.000Z"
        assert owned.country_code == "US"
        assert owned.number_type == found.phone_number_type == "local"
        assert owned.billing_status == "active"
        assert owned.next_billing_date == "2027-02-28", "a short month bills on its last day"
        assert isinstance(owned.monthly_price, float)
        assert owned.monthly_price == found.monthly_price
        assert owned.a2p_status == "pending"
        assert owned.released_at is None
        assert owned.bound_agent_id is None
        assert (await other.numbers_list()).numbers == [], "accounts see only their numbers"

        numbers_mock.advance_clock("P3D")
        assert (await api.numbers_list()).numbers[0].a2p_status == "approved"

        released = await api.numbers_release_number(phone_number=number)
        assert isinstance(released, ReleasePhoneNumberResponse)
        assert released.phone_number == number
        assert released.released is True
        assert released.released_at == "2027-02-03T10:00:00.000Z"
        assert (await api.numbers_list()).numbers == []

        held = await api.numbers_list_released()
        assert isinstance(held, ListReleasedPhoneNumbersResponse)
        [gone] = held.numbers
        assert gone.phone_number == number
        assert gone.billing_status == "released"
        assert gone.released_at == released.released_at
        assert gone.created_at == owned.created_at
        assert gone.next_billing_date == "2027-02-28"
        assert gone.monthly_price == owned.monthly_price
        assert (await other.numbers_list_released()).numbers == []
        assert not await searchable(api, number), "held for the account that released it"

        numbers_mock.advance_clock("P1D")
        again = await order(api, number)
        assert again.phone_number == number
        assert again.status == "success"
        assert again.order_id != ordered.order_id, "a reactivation is a new order"
        [back] = (await api.numbers_list()).numbers
        assert back.created_at == owned.created_at, "reactivating keeps the original createdAt"
        assert back.billing_status == "active"
        assert back.released_at is None
        assert back.next_billing_date == "2027-02-28"
        assert (await api.numbers_list_released()).numbers == []

    owner = numbers_mock.number(number)
    assert owner["status"] == "sold"
    assert owner["owner"]["provider"] == "pingram"
    assert owner["owner"]["orderId"] == again.order_id


async def test_the_hold_ends_after_14_days(numbers_mock: NumbersMock) -> None:
    async with numbers_api(numbers_mock) as api, numbers_api(numbers_mock, OTHER_ACCOUNT) as other:
        number = await a_local_us_number(api)
        await order(api, number)
        await api.numbers_release_number(phone_number=number)
        with pytest.raises(BadRequestException) as held:
            await order(other, number)
        assert held.value.data is not None
        assert held.value.data.error.code == "phone_number_owned_by_another_account"

        numbers_mock.advance_clock("P14D")
        assert (await api.numbers_list_released()).numbers == []
        assert await searchable(other, number), "back in public stock"
        taken = await order(other, number)
        assert taken.phone_number == number
        assert [n.phone_number for n in (await other.numbers_list()).numbers] == [number]
        with pytest.raises(BadRequestException) as late:
            await order(api, number)
        assert late.value.data is not None
        assert late.value.data.error.code == "phone_number_owned_by_another_account"
    assert numbers_mock.number(number)["owner"]["organizationId"] == OTHER_ACCOUNT


# --- errors ----------------------------------------------------------------------------------

Provocation = Callable[[NumbersMock, NumbersApi, NumbersApi, str], Awaitable[object]]


async def _order_garbage(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    return await order(api, "not-a-number")


async def _release_garbage(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    return await api.numbers_release_number(phone_number="garbage")


async def _order_unknown(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    return await order(api, "+19999999999")


async def _order_sold(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    mock.purchase(n, "someone-else")
    return await order(api, n)


async def _order_owned(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    await order(other, n)
    return await order(api, n)


async def _order_twice(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    await order(api, n)
    return await order(api, n)


async def _release_unowned(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    await order(other, n)
    return await api.numbers_release_number(phone_number=n)


async def _release_twice(mock: NumbersMock, api: NumbersApi, other: NumbersApi, n: str) -> object:
    await order(api, n)
    await api.numbers_release_number(phone_number=n)
    return await api.numbers_release_number(phone_number=n)


@pytest.mark.parametrize(
    ("provoke", "code"),
    [
        (_order_garbage, "invalid_number"),
        (_release_garbage, "invalid_number"),
        (_order_unknown, "phone_number_not_found"),
        (_order_sold, "phone_number_unavailable"),
        (_order_owned, "phone_number_owned_by_another_account"),
        (_order_twice, "phone_number_already_owned"),
        (_release_unowned, "phone_number_not_owned"),
        (_release_twice, "phone_number_already_released"),
    ],
)
async def test_a_refusal_is_a_typed_bad_request(
    numbers_mock: NumbersMock, provoke: Provocation, code: str
) -> None:
    async with numbers_api(numbers_mock) as api, numbers_api(numbers_mock, OTHER_ACCOUNT) as other:
        number = await a_local_us_number(api)
        with pytest.raises(BadRequestException) as raised:
            await provoke(numbers_mock, api, other, number)
        listed = await api.numbers_list()
    error = raised.value
    assert error.status == 400
    assert isinstance(error.data, ApiErrorResponse)
    assert error.data.error.code == code
    assert error.data.error.message
    assert error.data.tracking_id == header(error, "X-Tracking-Id")
    assert str(error).startswith(f"(400)\nReason: {error.data.error.message}")
    if code not in ("phone_number_already_owned", "phone_number_already_released"):
        assert listed.numbers == [], "a refused order buys nothing"


async def test_a_bad_token_is_unauthorized(numbers_mock: NumbersMock) -> None:
    async with Pingram(api_key="pingram_sk_not_a_jwt", base_url=numbers_mock.url) as client:
        with pytest.raises(UnauthorizedException) as raised:
            await client.numbers.numbers_list()
    error = raised.value
    assert error.status == 401
    assert error.data is None, "the SDK parses no body of a 401"
    assert error.body is not None
    assert json.loads(error.body)["error"]["code"] == "invalid_token"
    assert 'error="invalid_token"' in header(error, "WWW-Authenticate")


async def test_a_scripted_502_is_a_service_exception_with_the_envelope(
    numbers_mock: NumbersMock,
) -> None:
    numbers_mock.fail_next("numbersOrderNumber", status=502)
    async with numbers_api(numbers_mock) as api:
        number = await a_local_us_number(api)
        with pytest.raises(ServiceException) as raised:
            await order(api, number)
        assert (await api.numbers_list()).numbers == [], "a failed order buys nothing"
        retried = await order(api, number)  # the fault fired once
    error = raised.value
    assert error.status == 502
    assert isinstance(error.data, ApiErrorResponse)
    assert error.data.error.code == "provider_error"
    assert error.data.tracking_id == header(error, "X-Tracking-Id")
    assert error.body is not None
    assert json.loads(error.body)["error"]["provider"] == "telnyx"  # the SDK model drops it
    assert retried.phone_number == number
    assert [r.status for r in numbers_mock.requests("numbersOrderNumber")] == [502, 200]


async def test_a_scripted_402_is_a_plain_api_exception(numbers_mock: NumbersMock) -> None:
    numbers_mock.fail_next("numbersOrderNumber", status=402, organization_id=ACCOUNT)
    async with numbers_api(numbers_mock) as api:
        number = await a_local_us_number(api)
        with pytest.raises(ApiException) as raised:
            await order(api, number)
        assert (await api.numbers_list()).numbers == [], "a failed order buys nothing"
    error = raised.value
    assert type(error) is ApiException, "the SDK has no subclass for 402"
    assert error.status == 402
    assert isinstance(error.data, ApiErrorResponse)
    assert error.data.error.code == "usage_limit_exceeded"
    assert error.data.tracking_id == header(error, "X-Tracking-Id")
    assert str(error).startswith(f"(402)\nReason: {error.data.error.message}")
    assert [r.status for r in numbers_mock.requests("numbersOrderNumber")] == [402]
