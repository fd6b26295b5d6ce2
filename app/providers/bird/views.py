"""How Bird's API presents stock items, long code numbers (``WorkspaceLongCodeNumber``),
their subscriptions, the legacy available numbers and a cancelled number.

Bird writes every price in millionths (``exponent: -6``): ``bird_money``."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

import phonenumbers

from app.generator.records import CAPABILITY_BITS, supported_channels
from app.lifecycle.billing import paid_period
from app.lifecycle.mock_clock import as_utc, iso_millis
from app.lifecycle.ownership import derived_id
from app.providers.bird import back_order
from app.providers.bird.repository import LongCodeNumber
from app.stock.reader import StockNumber, StockRow

# Bird's price scale: every amount in millionths of the currency unit.
BIRD_PRICE_EXPONENT = -6
# A long code number's one subscription (short codes and alphanumerics have one per
# destination country, named by it).
MAIN_SUBSCRIPTION = "main"


def bird_money(currency_code: str, amount: int, exponent: int) -> dict[str, Any]:
    """A price in Bird's scale: ``amount * 10^exponent`` as millionths (1.15 EUR, stored as
    115 and -2, is 1150000 and -6)."""
    shift = exponent - BIRD_PRICE_EXPONENT
    scaled = amount * 10**shift if shift >= 0 else amount // 10**-shift
    return {"currencyCode": currency_code, "amount": scaled, "exponent": BIRD_PRICE_EXPONENT}


def monthly_price(number: StockNumber) -> dict[str, Any]:
    return bird_money(number.currency_code, number.monthly_amount, number.price_exponent)


def stock_item_json(number: StockNumber) -> dict[str, Any]:
    """Bird's stock item (backOrderStockId only when a back order is required).

    Built for every item of every page (nothing is cached: a walk through a million numbers
    would otherwise fill memory), so it does little: the capabilities are one of a few
    shared objects, the id is spelled from the row's own digits, and the back-order draw (a
    hash) runs only in the countries that have back orders.
    """
    hex_id = _hex_id(number)
    item: dict[str, Any] = {
        "id": str(number.id) if hex_id is None else _hyphenated(hex_id),
        "countryCode": number.country_code,
        "type": number.number_type,
        "numberString": number.number_string,
        "capabilities": _capabilities(number.capability_mask),
        "monthlyPrice": monthly_price(number),
        "backOrderRequired": False,
    }
    share = back_order.country_shares().get(number.country_code)
    if share and back_order.back_order_required(hex_id or number.id, share):
        item["backOrderRequired"] = True
        item["backOrderStockId"] = str(back_order.back_order_stock_id(number.id))
    return item


def _hex_id(number: StockNumber) -> str | None:
    """A SQLite row's id as stored, 32 hex digits (read as they are, without a UUID)."""
    raw = number.raw_id if isinstance(number, StockRow) else None
    return raw if isinstance(raw, str) and len(raw) == 32 else None


def _hyphenated(hex_id: str) -> str:
    """32 hex digits as Bird spells an id (a UUID's text)."""
    return f"{hex_id[:8]}-{hex_id[8:12]}-{hex_id[12:16]}-{hex_id[16:20]}-{hex_id[20:]}"


@functools.cache  # one per capability set, a few dozen; shared, so never changed
def _capabilities(mask: int) -> dict[str, dict[str, bool]]:
    def direction(channel: str) -> dict[str, bool]:
        return {
            "inbound": bool(mask & CAPABILITY_BITS[f"{channel}_inbound"]),
            "outbound": bool(mask & CAPABILITY_BITS[f"{channel}_outbound"]),
        }

    return {"voice": direction("voice"), "sms": direction("sms"), "mms": direction("mms")}


def long_code_number_json(bought: LongCodeNumber, now: datetime) -> dict[str, Any]:
    """A workspace's long code number; its order's status as of ``now`` (mock clock)."""
    owned, number = bought.owned, bought.number
    lcn_id = str(owned.long_code_number_id)
    created_at = as_utc(owned.created_at)
    completes_at = order_completes_at(bought)
    pending = as_utc(now) < completes_at
    capabilities = _capabilities(number.capability_mask)
    channels = supported_channels(number.capability_mask)
    return {
        "id": lcn_id,
        "endpointId": lcn_id,
        "numberString": number.number_string,
        "countryCode": number.country_code,
        "type": number.number_type,
        "capabilities": capabilities,
        "createdAt": iso_millis(created_at),
        "updatedAt": iso_millis(owned.updated_at),
        "deprovisionAt": _optional_time(owned.deprovision_at),
        "order": {
            "id": str(owned.order_id),
            "countryCode": number.country_code,
            "type": number.number_type,
            "capabilities": channels,
            "prefix": order_prefix(number.number_string),
            "status": "pending" if pending else "completed",
            "createdAt": iso_millis(created_at),
            "updatedAt": iso_millis(created_at if pending else completes_at),
        },
        "endpoint": {
            "id": lcn_id,
            "type": "long-code-number",
            "instanceId": str(derived_id("endpoint-instance", lcn_id)),
            "name": number.number_string,
            "capabilities": [
                {
                    "name": channel,
                    "inbound": _endpoint_direction(capabilities[channel]["inbound"], pending),
                    "outbound": {
                        **_endpoint_direction(capabilities[channel]["outbound"], pending),
                        "destinationStatuses": _NO_DESTINATIONS,
                        "supportsDestinations": False,
                    },
                }
                for channel in channels
            ],
            "dependencies": [],
        },
    }


# A long code number sends anywhere its channel reaches: it has no per-destination
# subscriptions (short codes and alphanumerics do), so it counts none.
_NO_DESTINATIONS = {"active": 0, "inactive": 0, "available": 0, "unavailable": 0}


def order_completes_at(bought: LongCodeNumber) -> datetime:
    """When the number's order completes: at once, or after a back order's delay."""
    created_at = as_utc(bought.owned.created_at)
    if back_order.needs_back_order(bought.number.id, bought.number.country_code):
        return back_order.order_completes_at(created_at)
    return created_at


def order_prefix(number_string: str) -> str:
    """What the order asked for, as Bird's search takes a prefix: the country calling code
    and the area code (the country calling code alone where numbers have none)."""
    parsed = phonenumbers.parse(number_string)
    national = phonenumbers.national_significant_number(parsed)
    area_code_length = phonenumbers.length_of_geographical_area_code(parsed)
    return f"+{parsed.country_code}{national[:area_code_length]}"


def subscription_json(bought: LongCodeNumber, now: datetime) -> dict[str, Any]:
    """The number's ``main`` subscription: active and renewing monthly from its purchase,
    until cancelled; then inactive, running to the end of the period already paid."""
    owned = bought.owned
    subscribed_at = as_utc(owned.created_at)
    cancelled_at = owned.cancelled_at
    if cancelled_at is None:
        start_at, end_at = paid_period(subscribed_at, as_utc(now))
    else:
        start_at, end_at = paid_period(subscribed_at, as_utc(cancelled_at))
    lcn_id = owned.long_code_number_id
    return {
        "name": MAIN_SUBSCRIPTION,
        "status": "active" if cancelled_at is None else "inactive",
        "price": monthly_price(bought.number),
        "subscription": {
            "id": str(derived_id("subscription", lcn_id, MAIN_SUBSCRIPTION)),
            "correlationId": str(owned.order_id),
            "status": "active" if cancelled_at is None else "canceled",
            "subscribedAt": iso_millis(subscribed_at),
            "updatedAt": iso_millis(cancelled_at if cancelled_at is not None else subscribed_at),
            "canceledAt": _optional_time(cancelled_at),
            "startAt": iso_millis(start_at),
            "endAt": iso_millis(end_at),
        },
    }


def updated_number_json(bought: LongCodeNumber, now: datetime) -> dict[str, Any]:
    """Bird's older Number, as the cancellation answers it: the number and its subscription,
    cancelled, with when it will be deactivated."""
    owned, number = bought.owned, bought.number
    pending = as_utc(now) < order_completes_at(bought)
    main = subscription_json(bought, now)
    cancelled_at = _optional_time(owned.cancelled_at)
    return {
        "id": str(owned.long_code_number_id),
        "status": "pending" if pending else "active",
        "createdAt": iso_millis(owned.created_at),
        "updatedAt": iso_millis(owned.updated_at),
        "type": number.number_type,
        "number": number.number_string,
        "country": number.country_code,
        "capabilities": _legacy_capabilities(number),
        "monthlyRecurringPrice": monthly_price(number),
        "subscription": {
            "status": "active" if owned.cancelled_at is None else "cancelled",
            "subscribedAt": iso_millis(owned.created_at),
            "updatedAt": main["subscription"]["updatedAt"],
            "cancelledAt": cancelled_at,
        },
        "endpointSubscription": main["subscription"],
        "activatedAt": None if pending else iso_millis(order_completes_at(bought)),
        "deactivatedAt": None,
        "deactivatesAt": _optional_time(owned.deprovision_at),
    }


def number_available_json(number: StockNumber) -> dict[str, Any]:
    """Bird's legacy NumberAvailable: a stock item without its id, fax included (never
    supported here), and no compliance requirements (numbers-mock asks for no KYC)."""
    return {
        "type": number.number_type,
        "capabilities": _legacy_capabilities(number),
        "number": number.number_string,
        "country": number.country_code,
        "monthlyRecurringPrice": monthly_price(number),
        "complianceRequirements": [],
    }


def _legacy_capabilities(number: StockNumber) -> dict[str, dict[str, bool]]:
    # Bird's legacy order (sms first), from the same capability bits as the stock item's.
    capabilities = _capabilities(number.capability_mask)
    return {
        "sms": capabilities["sms"],
        "voice": capabilities["voice"],
        "mms": capabilities["mms"],
        "fax": {"inbound": False, "outbound": False},
    }


def _optional_time(moment: datetime | None) -> str | None:
    return None if moment is None else iso_millis(moment)


def _endpoint_direction(supported: bool, pending: bool) -> dict[str, Any]:
    """Active once the number is delivered (its order completed), for what it supports."""
    return {"status": "active" if supported and not pending else "inactive", "issues": []}
