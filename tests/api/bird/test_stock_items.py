"""Bird's GET /organizations/{organizationId}/numbers-stock-items, as a client uses it."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import InventoryNumber, StockStatus
from app.page_tokens import PageCursor, PageTokenCodec
from app.providers.bird.schemas import StockItemsPage
from app.settings import Settings
from tests.conftest import Minter
from tests.helpers import STOCK_ITEMS, assert_error

E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def _get(client: TestClient, auth: dict[str, str], **params: Any) -> dict[str, Any]:
    response = client.get(STOCK_ITEMS, params=params, headers=auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    StockItemsPage.model_validate(body)
    return body


def _walk(
    client: TestClient, auth: dict[str, str], **params: Any
) -> tuple[list[dict[str, Any]], int]:
    """Every item of a query, following nextPageToken; returns (items, pages)."""
    items: list[dict[str, Any]] = []
    pages = 0
    token: str | None = None
    while True:
        page = _get(client, auth, **params, **({"pageToken": token} if token else {}))
        pages += 1
        items.extend(page["results"])
        token = page.get("nextPageToken")
        if token is None:
            assert "nextPageToken" not in page  # absent on the last page, never null
            return items, pages
        assert pages < 500


def _in_stock(settings: Settings, **columns: object) -> list[InventoryNumber]:
    from app.db.engine import create_db_engine

    engine = create_db_engine(settings.database_url)
    try:
        with Session(engine) as session:
            statement = select(InventoryNumber).filter_by(status="in_stock", **columns)
            return list(session.scalars(statement))
    finally:
        engine.dispose()


def test_first_page_has_the_reference_shape(client: TestClient, auth: dict[str, str]) -> None:
    page = _get(client, auth)
    assert len(page["results"]) == 10  # the default limit
    assert page["nextPageToken"]
    item = page["results"][0]
    assert set(item) == {
        "id",
        "countryCode",
        "type",
        "numberString",
        "capabilities",
        "monthlyPrice",
        "backOrderRequired",  # and backOrderStockId when true: tests/api/bird/
    }
    assert set(item["capabilities"]) == {"voice", "sms", "mms"}
    assert set(item["monthlyPrice"]) == {"currencyCode", "amount", "exponent"}
    for item in page["results"]:
        assert E164.fullmatch(item["numberString"])
        number = phonenumbers.parse(item["numberString"])
        assert phonenumbers.is_valid_number_for_region(number, item["countryCode"])
        assert isinstance(item["monthlyPrice"]["amount"], int)
        # Bird's price scale: millionths (1.15 is 1150000), as every Bird example writes it.
        assert item["monthlyPrice"]["exponent"] == -6
        assert item["monthlyPrice"]["amount"] % 10_000 == 0  # the seed's prices are in cents


def test_listing_is_ordered_by_country_type_capability_set_then_number(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    items, _ = _walk(client, auth, countryCodes="US,GB", limit=99)
    masks = {row.number_string: row.capability_mask for row in _in_stock(settings)}
    keys = [
        (item["countryCode"], item["type"], masks[item["numberString"]], item["numberString"])
        for item in items
    ]
    assert keys == sorted(keys)
    # More than one type and capability set per country, so the order is really tested.
    assert len({key[:3] for key in keys}) > 4


@pytest.mark.parametrize("country", ["NL", "US", "GB"])
def test_walk_returns_every_number_of_a_country_once(
    client: TestClient, auth: dict[str, str], settings: Settings, country: str
) -> None:
    items, pages = _walk(client, auth, countryCodes=country, limit=25)
    numbers = [item["numberString"] for item in items]
    assert pages >= 3
    assert len(numbers) == len(set(numbers))
    assert {item["countryCode"] for item in items} == {country}
    assert set(numbers) == {row.number_string for row in _in_stock(settings, country_code=country)}


def test_walk_is_reproducible(client: TestClient, auth: dict[str, str]) -> None:
    first, _ = _walk(client, auth, countryCodes="NL", limit=40)
    second, _ = _walk(client, auth, countryCodes="NL", limit=40)
    assert first == second


def test_limit_may_change_between_pages(client: TestClient, auth: dict[str, str]) -> None:
    whole = _get(client, auth, countryCodes="GB", limit=30)["results"]
    page_one = _get(client, auth, countryCodes="GB", limit=10)
    page_two = _get(client, auth, countryCodes="GB", limit=20, pageToken=page_one["nextPageToken"])
    assert page_one["results"] + page_two["results"] == whole


def test_country_codes_repeated_or_comma_separated(
    client: TestClient, auth: dict[str, str]
) -> None:
    repeated = client.get(f"{STOCK_ITEMS}?countryCodes=GB&countryCodes=NL&limit=99", headers=auth)
    commas = client.get(f"{STOCK_ITEMS}?countryCodes=NL,GB&limit=99", headers=auth)
    assert repeated.json()["results"] == commas.json()["results"]
    assert {item["countryCode"] for item in repeated.json()["results"]} <= {"GB", "NL"}


def test_area_code_prefix_with_country(client: TestClient, auth: dict[str, str]) -> None:
    items, _ = _walk(client, auth, countryCodes="US", prefix="415", limit=99)
    assert items
    assert all(item["numberString"].startswith("+1415") for item in items)


def test_international_prefix_needs_no_country(client: TestClient, auth: dict[str, str]) -> None:
    items = _get(client, auth, prefix="+4420", limit=50)["results"]
    assert items
    assert all(item["numberString"].startswith("+4420") for item in items)
    assert {item["countryCode"] for item in items} == {"GB"}


def test_national_and_international_prefix_agree(client: TestClient, auth: dict[str, str]) -> None:
    national, _ = _walk(client, auth, countryCodes="US", prefix="212", limit=99)
    international, _ = _walk(client, auth, countryCodes="US", prefix="+1212", limit=99)
    assert national == international


def test_area_code_prefix_without_country_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    error = assert_error(
        client.get(STOCK_ITEMS, params={"prefix": "415"}, headers=auth), 400, "missing_parameter"
    )
    assert "countryCodes" in error["fix"]


def test_types_are_any_of(client: TestClient, auth: dict[str, str]) -> None:
    items, _ = _walk(client, auth, countryCodes="GB", types="mobile,toll-free", limit=99)
    assert {item["type"] for item in items} == {"mobile", "toll-free"}
    repeated, _ = _walk(client, auth, countryCodes="GB", types=["toll-free", "mobile"], limit=99)
    assert repeated == items


def test_toll_free_numbers_are_toll_free(client: TestClient, auth: dict[str, str]) -> None:
    items = _get(client, auth, countryCodes="US", types="toll-free", limit=50)["results"]
    assert items
    for item in items:
        number = phonenumbers.parse(item["numberString"])
        assert phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.TOLL_FREE


def test_features_are_all_of(client: TestClient, auth: dict[str, str], settings: Settings) -> None:
    items, _ = _walk(
        client, auth, countryCodes="US", features=["sms-inbound", "mms-outbound"], limit=99
    )
    assert items
    assert all(
        item["capabilities"]["sms"]["inbound"] and item["capabilities"]["mms"]["outbound"]
        for item in items
    )
    expected = _in_stock(settings, country_code="US", sms_inbound=True, mms_outbound=True)
    assert len(items) == len(expected)


def test_whatsapp_feature_filters_on_the_hidden_flag(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    items, _ = _walk(client, auth, countryCodes="NL", features="whatsapp", limit=99)
    expected = {row.number_string for row in _in_stock(settings, country_code="NL", whatsapp=True)}
    assert expected
    assert {item["numberString"] for item in items} == expected


def test_sold_numbers_are_not_listed(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    first = _get(client, auth, countryCodes="IE", limit=5)["results"][0]["numberString"]
    _set_status(settings, first, StockStatus.SOLD)
    try:
        listed = [
            i["numberString"] for i in _get(client, auth, countryCodes="IE", limit=99)["results"]
        ]
        assert first not in listed
    finally:
        _set_status(settings, first, StockStatus.IN_STOCK)


def test_walk_neither_repeats_nor_skips_when_stock_changes(
    client: TestClient, auth: dict[str, str], settings: Settings
) -> None:
    everything, _ = _walk(client, auth, countryCodes="BE", limit=99)
    numbers = [item["numberString"] for item in everything]
    page_one = _get(client, auth, countryCodes="BE", limit=10)
    # Sell the first item of page two and one further on, before page two is read.
    sold = [numbers[10], numbers[15]]
    for number in sold:
        _set_status(settings, number, StockStatus.SOLD)
    try:
        page_two = _get(
            client, auth, countryCodes="BE", limit=10, pageToken=page_one["nextPageToken"]
        )
    finally:
        for number in sold:
            _set_status(settings, number, StockStatus.IN_STOCK)
    remaining = [n for n in numbers if n not in sold]
    walked = [i["numberString"] for i in page_one["results"] + page_two["results"]]
    assert walked == remaining[:20]


def _set_status(settings: Settings, number: str, status: StockStatus) -> None:
    from app.db.engine import create_db_engine

    engine = create_db_engine(settings.database_url)
    try:
        with Session(engine) as session, session.begin():
            session.execute(
                update(InventoryNumber)
                .where(InventoryNumber.number_string == number)
                .values(status=status.value)
            )
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("params", "code", "fragment"),
    [
        ({"limit": "0"}, "invalid_parameter", "from 1 to 99"),
        ({"limit": "100"}, "invalid_parameter", "from 1 to 99"),
        ({"limit": "ten"}, "invalid_parameter", "'ten'"),
        ({"countryCodes": "us"}, "invalid_parameter", "upper case"),
        ({"countryCodes": "XX"}, "invalid_parameter", "'XX'"),
        ({"countryCodes": "US,,GBR"}, "invalid_parameter", "'GBR'"),
        ({"prefix": ""}, "invalid_parameter", "prefix"),
        ({"prefix": "4 15", "countryCodes": "US"}, "invalid_parameter", "digits"),
        ({"prefix": "1" * 251}, "invalid_parameter", "prefix"),
        ({"types": "landline"}, "invalid_parameter", "'landline'"),
        ({"features": "sms"}, "invalid_parameter", "'sms'"),
        ({"countryCode": "US"}, "unknown_parameter", "did you mean countryCodes?"),
        ({"limitt": "5"}, "unknown_parameter", "did you mean limit?"),
        ({"pageToken": "garbage"}, "invalid_page_token", "not a token this server issued"),
        ({"pageToken": "A" * 8001}, "invalid_page_token", "8000"),
    ],
)
def test_bad_parameters_get_a_precise_400(
    client: TestClient, auth: dict[str, str], params: dict[str, str], code: str, fragment: str
) -> None:
    error = assert_error(client.get(STOCK_ITEMS, params=params, headers=auth), 400, code)
    assert fragment in error["message"]


def test_repeated_single_parameter_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    error = assert_error(
        client.get(f"{STOCK_ITEMS}?limit=5&limit=6", headers=auth), 400, "invalid_parameter"
    )
    assert "limit is given 2 times" in error["message"]


def test_page_token_is_bound_to_its_filters(client: TestClient, auth: dict[str, str]) -> None:
    token = _get(client, auth, countryCodes="NL")["nextPageToken"]
    error = assert_error(
        client.get(STOCK_ITEMS, params={"countryCodes": "GB", "pageToken": token}, headers=auth),
        400,
        "invalid_page_token",
    )
    assert "other filters" in error["message"]
    assert "without pageToken" in error["fix"]


def test_page_token_is_bound_to_its_organization(client: TestClient, mint: Minter) -> None:
    acme = {"Authorization": f"Bearer {mint('acme')}"}
    globex = {"Authorization": f"Bearer {mint('globex')}"}
    token = client.get(STOCK_ITEMS, headers=acme).json()["nextPageToken"]
    response = client.get(
        "/organizations/globex/numbers-stock-items", params={"pageToken": token}, headers=globex
    )
    assert "another organization" in assert_error(response, 400, "invalid_page_token")["message"]


def test_page_token_sealed_with_another_secret_is_refused(
    client: TestClient, auth: dict[str, str]
) -> None:
    forged = PageTokenCodec(b"some-other-secret-0123456789abcdef").seal(
        PageCursor("listStockItems", "acme", "digest", ("US", "+1"))
    )
    assert_error(
        client.get(STOCK_ITEMS, params={"pageToken": forged}, headers=auth),
        400,
        "invalid_page_token",
    )


def test_page_tokens_survive_a_restart(settings: Settings, auth: dict[str, str]) -> None:
    from app.main import create_app

    with TestClient(create_app(settings)) as before:
        page_one = before.get(STOCK_ITEMS, params={"countryCodes": "DE"}, headers=auth).json()
    with TestClient(create_app(settings)) as after:
        response = after.get(
            STOCK_ITEMS,
            params={"countryCodes": "DE", "pageToken": page_one["nextPageToken"]},
            headers=auth,
        )
    assert response.status_code == 200
    assert response.json()["results"][0]["numberString"] > page_one["results"][-1]["numberString"]
