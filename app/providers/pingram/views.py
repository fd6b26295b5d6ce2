"""How Pingram's API presents numbers: available numbers, account numbers, orders."""

from __future__ import annotations

import calendar
import functools
from datetime import date, datetime, timedelta
from typing import Any

from app.db.models import InventoryNumber
from app.generator.records import MonthlyPrice, supported_channels
from app.generator.seed_data import default_seed_data
from app.lifecycle.mock_clock import as_utc, iso_millis
from app.providers.pingram.account_numbers import AccountNumberRecord
from app.stock.reader import StockNumber

# Pingram's shared sending number ("E.164 shared number the account can send from when it
# has no dedicated number"): one US toll-free number, the same for every account here.
SHARED_NUMBER = "+18333658775"
# US 10DLC registration (a2pStatus) takes a few days: pending, then approved.
A2P_REVIEW = timedelta(days=3)
# An order completes at once here (no carrier to wait for).
ORDER_STATUS = "success"


def available_number_json(number: StockNumber) -> dict[str, Any]:
    """Pingram's available number."""
    return {
        "phoneNumber": number.number_string,
        "locality": number.locality,
        "administrativeArea": number.administrative_area,
        "phoneNumberType": _pingram_type(number),
        "features": _features(number.capability_mask),
        "monthlyPrice": monthly_price_usd(number),
    }


def monthly_price_usd(number: StockNumber) -> float:
    """The number's monthly price in US dollars (Bird's price, converted at seed data rates)."""
    return _usd_amount(number.currency_code, number.monthly_amount, number.price_exponent)


# Worked out once per price and per capability set (a search answers a dozen numbers, each
# with a price of its country and type): a third of an available number's time (Speed II).
@functools.lru_cache(maxsize=4096)  # (currency, amount, exponent) and a float: under 1 MiB
def _usd_amount(currency_code: str, amount: int, exponent: int) -> float:
    return default_seed_data().usd_amount(MonthlyPrice(currency_code, amount, exponent))


@functools.cache  # one per capability set (7 bits); shared, so never changed
def _features(mask: int) -> tuple[str, ...]:
    return tuple(supported_channels(mask))


def account_number_json(item: AccountNumberRecord) -> dict[str, Any]:
    """An AccountNumber of ``GET /numbers/list`` and ``GET /numbers/released``."""
    owned, number = item.owned, item.number
    created_at = as_utc(owned.created_at)
    released_at = as_utc(owned.released_at) if owned.released_at is not None else None
    body: dict[str, Any] = {
        "phoneNumber": number.number_string,
        "label": None,
        "createdAt": iso_millis(created_at),
        "countryCode": number.country_code,
        "numberType": _pingram_type(number),
        "billingStatus": "released" if released_at is not None else "active",
        # For a released number: the charge that would have come next (it will not).
        "nextBillingDate": next_billing_date(
            created_at, released_at if released_at is not None else item.now
        ).isoformat(),
        "monthlyPrice": monthly_price_usd(number),
        "a2pStatus": _a2p_status(number, created_at, item.now),
        "boundAgentId": None,
    }
    if released_at is not None:
        body["releasedAt"] = iso_millis(released_at)
    return body


def order_json(item: AccountNumberRecord) -> dict[str, Any]:
    return {
        "orderId": str(item.owned.order_id),
        "status": ORDER_STATUS,
        "phoneNumber": item.number.number_string,
    }


def release_json(item: AccountNumberRecord) -> dict[str, Any]:
    released_at = item.owned.released_at
    assert released_at is not None
    return {
        "phoneNumber": item.number.number_string,
        "released": True,
        "releasedAt": iso_millis(released_at),
    }


def next_billing_date(created_at: datetime, now: datetime) -> date:
    """The first monthly anniversary of ``created_at`` after ``now``'s day (rent is charged
    on the day a number is bought, then on the same day of each month, or the month's last
    day when it is shorter)."""
    start, today = created_at.date(), now.date()
    months = max((today.year - start.year) * 12 + today.month - start.month, 0)
    while _add_months(start, months) <= today:  # at most two steps
        months += 1
    return _add_months(start, months)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _a2p_status(number: InventoryNumber, created_at: datetime, now: datetime) -> str | None:
    """US 10DLC applies to US local and mobile numbers; other numbers have no a2pStatus."""
    if number.country_code != "US" or number.number_type not in ("local", "mobile"):
        return None
    return "pending" if now - created_at < A2P_REVIEW else "approved"


def _pingram_type(number: StockNumber) -> str:
    return number.number_type.replace("-", "_")  # toll-free -> toll_free
